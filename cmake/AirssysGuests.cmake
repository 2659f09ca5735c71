include_guard(GLOBAL)
# Guests: wasm modules built from C (clang --target=wasm32 + wasm-ld, with the
# C SDK), from Rust (cargo, with the Rust SDK), from AssemblyScript (asc) or
# from .wat (wat2wasm) as part of the build.
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

# Rust guests: Debian's rustc and cargo (packages rustc, cargo and
# libstd-rust-dev-wasm32, whose std has the wasm32 targets), not whatever
# cargo is first on PATH (a rustup toolchain may lack the targets);
# -DAIRSSYS_CARGO=... -DAIRSSYS_RUSTC=... choose others.
find_program(AIRSSYS_CARGO NAMES cargo PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
find_program(AIRSSYS_RUSTC NAMES rustc PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
execute_process(COMMAND ${AIRSSYS_RUSTC} --print sysroot OUTPUT_VARIABLE AIRSSYS_RUST_SYSROOT
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
set(AIRSSYS_CARGO_DIR ${PROJECT_BINARY_DIR}/cargo)
# Warnings are errors in Rust guests too: cargo joins this file's rustflags
# to those of sdk/rust/config.toml.
set(AIRSSYS_CARGO_CONFIGS --config ${PROJECT_SOURCE_DIR}/sdk/rust/config.toml)
if(AIRSSYS_WERROR)
  file(WRITE ${AIRSSYS_CARGO_DIR}/werror.toml
       "[target.'cfg(target_arch = \"wasm32\")']\nrustflags = [\"-D\", \"warnings\"]\n")
  list(APPEND AIRSSYS_CARGO_CONFIGS --config ${AIRSSYS_CARGO_DIR}/werror.toml)
endif()

# airssys_cargo_field(<Cargo.toml> <key> <var>): the value of the manifest's
# first `<key> = "<value>"` line (name: the package's name), or "".
function(airssys_cargo_field manifest key var)
  file(STRINGS ${manifest} line REGEX "^${key} = \"[^\"]*\"" LIMIT_COUNT 1)
  string(REGEX REPLACE "^${key} = \"([^\"]*)\".*" "\\1" value "${line}")
  set(${var} "${value}" PARENT_SCOPE)
endfunction()

# airssys_add_rust_guest(<target> <output.wasm> <crate_dir> <rust_target>): the
# cdylib of the crate in <crate_dir> (its own or a workspace's member) built
# for <rust_target> (wasm32-unknown-unknown or wasm32-wasi) with the
# settings of sdk/rust/config.toml, offline, with cargo's home and target
# directory in the build tree.
function(airssys_add_rust_guest target output crate_dir rust_target)
  if(NOT EXISTS ${AIRSSYS_RUST_SYSROOT}/lib/rustlib/${rust_target}/lib)
    message(FATAL_ERROR "${AIRSSYS_RUSTC} has no std for ${rust_target} (in "
                        "${AIRSSYS_RUST_SYSROOT}/lib/rustlib): run `make deps` "
                        "(libstd-rust-dev-wasm32) or set AIRSSYS_RUSTC and AIRSSYS_CARGO")
  endif()
  # The package's name, and its cdylib's file name.
  airssys_cargo_field(${crate_dir}/Cargo.toml name package)
  string(REPLACE "-" "_" artifact "${package}")
  set(sdk ${PROJECT_SOURCE_DIR}/sdk/rust)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${crate_dir}/src/*.rs ${sdk}/src/*.rs)
  # One package per cargo run: built together, the packages' SDK features
  # would be joined (a std guest's `std` in a no_std one).
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E env --unset=RUSTFLAGS --unset=CARGO_ENCODED_RUSTFLAGS
            --unset=RUSTC_WRAPPER CARGO_HOME=${AIRSSYS_CARGO_DIR}/home
            CARGO_TARGET_DIR=${AIRSSYS_CARGO_DIR}/target RUSTC=${AIRSSYS_RUSTC}
            ${AIRSSYS_CARGO} ${AIRSSYS_CARGO_CONFIGS} build --release --offline --locked --quiet
            --manifest-path ${crate_dir}/Cargo.toml -p ${package} --target ${rust_target}
    COMMAND ${CMAKE_COMMAND} -E copy
            ${AIRSSYS_CARGO_DIR}/target/${rust_target}/release/${artifact}.wasm ${output}
    DEPENDS ${sources} ${crate_dir}/Cargo.toml ${sdk}/Cargo.toml ${sdk}/config.toml
    COMMENT "guest ${target}: cargo build --target ${rust_target}"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${output})
endfunction()

# All of tests/<dir>/guests/*.c and *.wat, the crates of tests/<dir>/rust_guests
# (and the AssemblyScript examples) into <binary dir>/guests/<name>.wasm,
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
  # tests/<dir>/rust_guests/<crate>: each crate as <package name>.wasm, for
  # the target its `[package.metadata.airssys] target` names
  # (wasm32-unknown-unknown when it names none).
  file(GLOB rust_manifests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${dir}/rust_guests/*/Cargo.toml)
  foreach(manifest IN LISTS rust_manifests)
    get_filename_component(crate_dir ${manifest} DIRECTORY)
    airssys_cargo_field(${manifest} name name)
    airssys_cargo_field(${manifest} target rust_target)
    if(rust_target STREQUAL "")
      set(rust_target wasm32-unknown-unknown)
    endif()
    airssys_add_rust_guest(guest_${name} ${out_dir}/${name}.wasm ${crate_dir} ${rust_target})
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

