include_guard(GLOBAL)
# Guests: wasm modules built from C (clang --target=wasm32 + wasm-ld, with the
# C SDK) or from .wat (wat2wasm) as part of the build.
find_program(AIRSSYS_CLANG NAMES clang clang-14 REQUIRED)
find_program(AIRSSYS_WASM_LD NAMES wasm-ld wasm-ld-14 REQUIRED)
find_program(AIRSSYS_WAT2WASM NAMES wat2wasm REQUIRED)

set(AIRSSYS_GUEST_CFLAGS --target=wasm32 -mbulk-memory -O2 -nostdlib -Wall -Wextra -Werror
    -fuse-ld=${AIRSSYS_WASM_LD} -Wl,--no-entry -Wl,--initial-memory=65536
    -Wl,-z,stack-size=16384 -Wl,--strip-all)

# airssys_add_c_guest(<target> <output.wasm> <source.c>...): one module built
# with the C SDK.
function(airssys_add_c_guest target output)
  set(sources ${ARGN})
  # Headers beside the sources (helpers shared by several guests).
  set(headers)
  foreach(src IN LISTS sources)
    get_filename_component(src_dir ${src} DIRECTORY)
    file(GLOB src_headers CONFIGURE_DEPENDS ${src_dir}/*.h)
    list(APPEND headers ${src_headers})
  endforeach()
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${AIRSSYS_CLANG} ${AIRSSYS_GUEST_CFLAGS} -I${PROJECT_SOURCE_DIR}/sdk/c
            ${PROJECT_SOURCE_DIR}/sdk/c/airssys.c ${sources} -o ${output}
    DEPENDS ${sources} ${headers} ${PROJECT_SOURCE_DIR}/sdk/c/airssys.c
            ${PROJECT_SOURCE_DIR}/sdk/c/airssys.h
    COMMENT "guest ${target}: clang --target=wasm32"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${output})
endfunction()

# airssys_add_wat_guest(<target> <output.wasm> <source.wat>)
function(airssys_add_wat_guest target output source)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${AIRSSYS_WAT2WASM} ${source} -o ${output}
    DEPENDS ${source}
    COMMENT "guest ${target}: wat2wasm"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${output})
endfunction()

# AssemblyScript guests need the SDK's npm packages (make deps installs them).
set(AIRSSYS_ASC ${PROJECT_SOURCE_DIR}/sdk/assemblyscript/node_modules/.bin/asc)

# airssys_add_as_guest(<target> <output.wasm> <source.ts>)
function(airssys_add_as_guest target output source)
  if(NOT EXISTS ${AIRSSYS_ASC})
    message(FATAL_ERROR "AssemblyScript compiler not found at ${AIRSSYS_ASC}: run `make deps` "
                        "(npm ci in sdk/assemblyscript) or configure with -DAIRSSYS_BUILD_TESTS=OFF")
  endif()
  set(sdk ${PROJECT_SOURCE_DIR}/sdk/assemblyscript)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${AIRSSYS_ASC} ${source} --config ${sdk}/asconfig.json -o ${output}
    WORKING_DIRECTORY ${sdk}
    DEPENDS ${source} ${sdk}/assembly/airssys.ts ${sdk}/asconfig.json
    COMMENT "guest ${target}: asc"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${output})
endfunction()

# All of tests/<dir>/guests/*.c and *.wat (and the AssemblyScript examples) into <binary dir>/guests/<name>.wasm,
# behind one target `<dir>_guests`.
function(airssys_add_test_guests dir)
  set(out_dir ${PROJECT_BINARY_DIR}/guests)
  file(MAKE_DIRECTORY ${out_dir})
  file(GLOB c_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${dir}/guests/*.c)
  file(GLOB wat_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${dir}/guests/*.wat)
  set(targets)
  foreach(src IN LISTS c_sources)
    get_filename_component(name ${src} NAME_WE)
    airssys_add_c_guest(guest_${name} ${out_dir}/${name}.wasm ${src})
    list(APPEND targets guest_${name})
  endforeach()
  foreach(src IN LISTS wat_sources)
    get_filename_component(name ${src} NAME_WE)
    airssys_add_wat_guest(guest_${name} ${out_dir}/${name}.wasm ${src})
    list(APPEND targets guest_${name})
  endforeach()
  # The AssemblyScript SDK's examples are test guests too, as as_<name>.
  file(GLOB ts_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/sdk/assemblyscript/examples/*.ts)
  foreach(src IN LISTS ts_sources)
    get_filename_component(name ${src} NAME_WE)
    airssys_add_as_guest(guest_as_${name} ${out_dir}/as_${name}.wasm ${src})
    list(APPEND targets guest_as_${name})
  endforeach()
  add_custom_target(${dir}_guests ALL DEPENDS ${targets})
endfunction()

