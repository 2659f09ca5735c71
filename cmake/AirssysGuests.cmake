include_guard(GLOBAL)
# Guests: wasm modules built from C (clang + wasm-ld, with the C SDK,
# freestanding or on wasi-libc), from Rust (cargo, with the Rust SDK), from
# AssemblyScript (asc, with the AssemblyScript SDK) or from .wat (wat2wasm)
# as part of the build.
#
# The C and AssemblyScript build lines in docs/components.md and in the
# SDKs' headers are these (AIRSSYS_GUEST_C_FLAGS, AIRSSYS_GUEST_WASI_C_FLAGS,
# AIRSSYS_GUEST_AS_FLAGS); tests/app/build_lines_test.cpp fails when one of
# them says anything else, and runs each of them.
find_program(AIRSSYS_CLANG NAMES clang clang-14 REQUIRED)
find_program(AIRSSYS_WASM_LD NAMES wasm-ld wasm-ld-14 REQUIRED)
find_program(AIRSSYS_WAT2WASM NAMES wat2wasm REQUIRED)

# A C component, freestanding (the C SDK's own heap and memory functions).
set(AIRSSYS_GUEST_C_FLAGS --target=wasm32 -mbulk-memory -O2 -nostdlib -Wl,--no-entry
    -Wl,--initial-memory=65536 -Wl,-z,stack-size=16384)

# A C component on wasi-libc (Debian's wasi-libc and libclang-rt-14-dev-wasm32
# install into the sysroot /usr; wasi-sdk's is <wasi-sdk>/share/wasi-sysroot).
# A reactor: no main, `_initialize` runs libc's constructors.
set(AIRSSYS_WASI_SYSROOT /usr CACHE PATH "Sysroot holding wasi-libc (lib/wasm32-wasi/libc.a)")
set(AIRSSYS_GUEST_WASI_C_FLAGS --target=wasm32-wasi --sysroot=${AIRSSYS_WASI_SYSROOT}
    -mexec-model=reactor -mbulk-memory -O2 -Wl,--initial-memory=65536 -Wl,-z,stack-size=16384)

# What the repository's own C guests add to those: warnings as errors, the
# linker clang would find under its plain name only, and no names section.
set(AIRSSYS_GUEST_C_BUILD_FLAGS -Wall -Wextra -Werror -fuse-ld=${AIRSSYS_WASM_LD}
    -Wl,--strip-all)

set(AIRSSYS_C_SDK ${PROJECT_SOURCE_DIR}/sdk/c)

# The C SDK's sources and every header beside `sources` (helpers shared by
# several guests): what a C guest depends on.
function(airssys_c_guest_depends out)
  set(deps ${ARGN} ${AIRSSYS_C_SDK}/airssys.c ${AIRSSYS_C_SDK}/airssys.h)
  foreach(src IN LISTS ARGN)
    get_filename_component(src_dir ${src} DIRECTORY)
    file(GLOB src_headers CONFIGURE_DEPENDS ${src_dir}/*.h)
    list(APPEND deps ${src_headers})
  endforeach()
  set(${out} ${deps} PARENT_SCOPE)
endfunction()

# airssys_add_c_guest(<target> <output.wasm> <source.c>...): one module built
# with the C SDK, freestanding.
function(airssys_add_c_guest target output)
  airssys_c_guest_depends(deps ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${AIRSSYS_CLANG} ${AIRSSYS_GUEST_C_FLAGS} ${AIRSSYS_GUEST_C_BUILD_FLAGS}
            -I ${AIRSSYS_C_SDK} ${AIRSSYS_C_SDK}/airssys.c ${ARGN} -o ${output}
    DEPENDS ${deps}
    COMMENT "guest ${target}: clang --target=wasm32"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${output})
endfunction()

# airssys_add_wasi_c_guest(<target> <output.wasm> <source.c>...): one module
# built with the C SDK on wasi-libc (printf, malloc, string.h). What it
# imports from wasi_snapshot_preview1 depends on the libc functions it uses
# (stdio: fd_write, fd_seek, fd_close, fd_fdstat_get).
function(airssys_add_wasi_c_guest target output)
  if(NOT EXISTS ${AIRSSYS_WASI_SYSROOT}/lib/wasm32-wasi/libc.a)
    message(FATAL_ERROR "wasi-libc not found in ${AIRSSYS_WASI_SYSROOT}/lib/wasm32-wasi: "
                        "run `make deps` (Debian: wasi-libc libclang-rt-14-dev-wasm32) or set "
                        "AIRSSYS_WASI_SYSROOT")
  endif()
  airssys_c_guest_depends(deps ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${AIRSSYS_CLANG} ${AIRSSYS_GUEST_WASI_C_FLAGS} ${AIRSSYS_GUEST_C_BUILD_FLAGS}
            -I ${AIRSSYS_C_SDK} ${AIRSSYS_C_SDK}/airssys.c ${ARGN} -o ${output}
    DEPENDS ${deps}
    COMMENT "guest ${target}: clang --target=wasm32-wasi"
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
set(AIRSSYS_AS_SDK ${PROJECT_SOURCE_DIR}/sdk/assemblyscript)
set(AIRSSYS_ASC ${AIRSSYS_AS_SDK}/node_modules/.bin/asc)
# The options are the SDK's asconfig.json, found where npm installs the
# package (its name in package.json) in a component's project.
set(AIRSSYS_GUEST_AS_FLAGS --config node_modules/airssys-assemblyscript-sdk/asconfig.json)
# The build's project: the SDK installed as a user's project has it.
set(AIRSSYS_AS_PROJECT ${PROJECT_BINARY_DIR}/assemblyscript-project)

# airssys_add_as_guest(<target> <output.wasm> <source.ts>)
function(airssys_add_as_guest target output source)
  if(NOT EXISTS ${AIRSSYS_ASC})
    message(FATAL_ERROR "AssemblyScript compiler not found at ${AIRSSYS_ASC}: run `make deps` "
                        "(npm ci in sdk/assemblyscript) or configure with -DAIRSSYS_BUILD_TESTS=OFF")
  endif()
  file(MAKE_DIRECTORY ${AIRSSYS_AS_PROJECT}/node_modules)
  file(CREATE_LINK ${AIRSSYS_AS_SDK} ${AIRSSYS_AS_PROJECT}/node_modules/airssys-assemblyscript-sdk
       SYMBOLIC)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${AIRSSYS_ASC} ${source} ${AIRSSYS_GUEST_AS_FLAGS} -o ${output}
    WORKING_DIRECTORY ${AIRSSYS_AS_PROJECT}
    DEPENDS ${source} ${AIRSSYS_AS_SDK}/assembly/airssys.ts ${AIRSSYS_AS_SDK}/asconfig.json
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

# All of tests/<dir>/guests/*.c and *.wat, tests/<dir>/guests/wasi/*.c (on
# wasi-libc), the crates of tests/<dir>/rust_guests and the AssemblyScript
# SDK's examples into <binary dir>/guests/<name>.wasm, behind one target
# `<dir>_guests`.
function(airssys_add_test_guests dir)
  set(out_dir ${PROJECT_BINARY_DIR}/guests)
  file(MAKE_DIRECTORY ${out_dir})
  set(guests ${PROJECT_SOURCE_DIR}/tests/${dir}/guests)
  file(GLOB c_sources CONFIGURE_DEPENDS ${guests}/*.c)
  file(GLOB wasi_sources CONFIGURE_DEPENDS ${guests}/wasi/*.c)
  file(GLOB wat_sources CONFIGURE_DEPENDS ${guests}/*.wat)
  set(targets)
  foreach(src IN LISTS c_sources)
    get_filename_component(name ${src} NAME_WE)
    airssys_add_c_guest(guest_${name} ${out_dir}/${name}.wasm ${src})
    list(APPEND targets guest_${name})
  endforeach()
  foreach(src IN LISTS wasi_sources)
    get_filename_component(name ${src} NAME_WE)
    airssys_add_wasi_c_guest(guest_${name} ${out_dir}/${name}.wasm ${src})
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
  file(GLOB ts_sources CONFIGURE_DEPENDS ${AIRSSYS_AS_SDK}/examples/*.ts)
  foreach(src IN LISTS ts_sources)
    get_filename_component(name ${src} NAME_WE)
    airssys_add_as_guest(guest_as_${name} ${out_dir}/as_${name}.wasm ${src})
    list(APPEND targets guest_as_${name})
  endforeach()
  add_custom_target(${dir}_guests ALL DEPENDS ${targets})
endfunction()
