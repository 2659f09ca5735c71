#!/bin/bash
# Runs every libFuzzer target for N seconds each on a scratch copy of its
# committed corpus (the corpus in git does not grow), and stops at the first
# target that finds a crash, leaving the reproducer's path in the output.
#
#   fuzz/run.sh <build dir with AIRSSYS_FUZZ=ON> <seconds per target>
set -euo pipefail
build=${1:?build dir}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/airssys-fuzz.XXXXXX)
export AIRSSYS_AOT_CACHE="$work/aot-cache"
declare -A max_len=([module]=65536 [module_aot]=16384 [metering_pass]=16384 [config]=8192 [host_calls]=512
                  [generated]=4096)
status=0
for target in module module_aot metering_pass config host_calls generated; do
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  cp "$here/corpus/$target/"* "$work/$target/corpus/" 2>/dev/null || true
  echo "== fuzz_$target for ${seconds}s"
  if ! "$build/fuzz/fuzz_$target" "$work/$target/corpus" \
      -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=30 -rss_limit_mb=4096 \
      -artifact_prefix="$work/$target/artifacts/" -print_final_stats=1 \
      > "$work/$target/log" 2>&1; then
    status=1
    tail -40 "$work/$target/log"
    echo "fuzz_$target FOUND A CRASH: $(ls "$work/$target/artifacts/")" \
         "(in $work/$target/artifacts; add it to fuzz/regressions/$target once fixed)"
    break
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target/log" | tr '\n' ' '
  echo
  echo "fuzz_$target: no crash"
done
exit $status
