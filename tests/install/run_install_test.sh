#!/bin/bash
# Installs the build into a temporary prefix and builds a consumer against it
# with find_package(airssys), then runs it; then builds a component in C and
# one in AssemblyScript against the installed SDKs, with the build's flags,
# and has the installed airssys inspect them.
# Usage: run_install_test.sh <build dir> <consumer source dir> <C++ compiler>
#          <source dir> <clang> <C guest flags> <asc> <AssemblyScript guest flags>
set -euo pipefail
build_dir=$1
consumer_src=$2
cxx=$3
source_dir=$4
clang=$5
c_flags=$6
asc=$7
as_flags=$8
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a step with its output in a log, printed only when the step fails.
step() {
  local name=$1
  shift
  if ! "$@" > "$work/$name.log" 2>&1; then
    echo "install test: '$name' failed: $*" >&2
    cat "$work/$name.log" >&2
    exit 1
  fi
}

prefix=$work/prefix
step install cmake --install "$build_dir" --prefix "$prefix"
step configure cmake -S "$consumer_src" -B "$work/build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix"
step build cmake --build "$work/build"
"$work/build/consumer"

sdk=$prefix/share/airssys/sdk
for f in c/airssys.h c/airssys.c assemblyscript/package.json assemblyscript/asconfig.json \
         assemblyscript/assembly/airssys.ts; do
  [ -f "$sdk/$f" ] || { echo "install test: $sdk/$f was not installed" >&2; exit 1; }
done

# C, with the SDK in <prefix>/share/airssys/sdk/c.
# shellcheck disable=SC2086 # the flags are words
step c-guest "$clang" $c_flags -I "$sdk/c" "$sdk/c/airssys.c" \
  "$source_dir/examples/guests/greeter.c" -o "$work/greeter.wasm"
step c-inspect "$prefix/bin/airssys" inspect "$work/greeter.wasm"

# AssemblyScript, with the package installed in a project as npm installs
# a folder (a link named by the package's name).
project=$work/as-project
mkdir -p "$project/node_modules"
ln -s "$sdk/assemblyscript" "$project/node_modules/airssys-assemblyscript-sdk"
cp "$source_dir/sdk/assemblyscript/examples/counter.ts" "$project/counter.ts"
# shellcheck disable=SC2086
step as-guest bash -c "cd '$project' && '$asc' counter.ts $as_flags -o counter.wasm"
step as-inspect "$prefix/bin/airssys" inspect "$project/counter.wasm"
if grep -q "env\." "$work/as-inspect.log"; then
  echo "install test: the installed AssemblyScript SDK leaves imports from env:" >&2
  cat "$work/as-inspect.log" >&2
  exit 1
fi
echo "installed SDKs build components that airssys inspect accepts"
