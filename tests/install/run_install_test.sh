#!/bin/bash
# Installs the build into a temporary prefix and builds a consumer against it
# with find_package(airssys), then runs it.
# Usage: run_install_test.sh <build dir> <consumer source dir> <C++ compiler>
set -euo pipefail
build_dir=$1
consumer_src=$2
cxx=$3
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

step install cmake --install "$build_dir" --prefix "$work/prefix"
step configure cmake -S "$consumer_src" -B "$work/build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix"
step build cmake --build "$work/build"
"$work/build/consumer"
