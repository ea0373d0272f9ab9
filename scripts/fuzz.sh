#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (built by `make fuzz` in build/fuzz) for FUZZ_SECONDS
# each, from the seed corpus and the regressions kept in the repository. New inputs go to a
# scratch corpus under the build folder (never into the repository); a crash, a sanitizer report,
# an input slower than FUZZ_TIMEOUT seconds, an allocation over FUZZ_MALLOC_MB or a process over
# FUZZ_RSS_MB is a finding, saved in <build>/findings/<target>/. Prints CPU time and executions
# per target; exits non-zero when anything was found. See docs/fuzzing.md.
#   scripts/fuzz.sh [build folder] [target ...]       (default: build/fuzz, every target)
set -uo pipefail

build=${1:-build/fuzz}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(edge_list edge_list_gzip matrix_market gml graphml snapshot scenario)
fi
seconds=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-10}
malloc_mb=${FUZZ_MALLOC_MB:-512}
rss_mb=${FUZZ_RSS_MB:-2048}
max_len=${FUZZ_MAX_LEN:-16384}
source_dir=$(cd "$(dirname "$0")/.." && pwd)

status=0
printf '%-16s %10s %12s %10s  %s\n' target cpu_s execs corpus findings
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$target"
  if [ ! -x "$binary" ]; then
    echo "fuzz: $binary missing (run make fuzz)" >&2
    exit 2
  fi
  corpus="$build/corpus/$target"
  findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings"
  seeds=("$source_dir/tests/fuzz/corpus/$target")
  [ -d "$source_dir/tests/fuzz/regressions/$target" ] && seeds+=("$source_dir/tests/fuzz/regressions/$target")
  dict=()
  [ -f "$source_dir/tests/fuzz/dict/$target.dict" ] && dict=(-dict="$source_dir/tests/fuzz/dict/$target.dict")
  [ "$target" = edge_list_gzip ] && [ -f "$source_dir/tests/fuzz/dict/edge_list.dict" ] &&
    dict=(-dict="$source_dir/tests/fuzz/dict/edge_list.dict")
  log="$build/findings/$target.log"
  before=$(find "$findings" -type f | wc -l)
  start=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)  # children's CPU ticks so far
  # The first folder receives new inputs; the repository's folders are only read.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$binary" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout="$timeout" \
    -malloc_limit_mb="$malloc_mb" -rss_limit_mb="$rss_mb" -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="$findings/" >"$log" 2>&1
  rc=$?
  end=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  cpu=$(( (end - start) / $(getconf CLK_TCK) ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  after=$(find "$findings" -type f | wc -l)
  found=$((after - before))
  printf '%-16s %10s %12s %10s  %s\n' "$target" "$cpu" "${execs:-?}" "$(find "$corpus" -type f | wc -l)" \
    "$([ $found -eq 0 ] && [ $rc -eq 0 ] && echo none || echo "$found new in $findings (log: $log)")"
  if [ $found -ne 0 ] || [ $rc -ne 0 ]; then status=1; fi
done
exit $status
