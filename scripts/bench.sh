#!/usr/bin/env bash
# Runs guanxi's benchmarks against a built tree and prints their tables:
#   1. bench_graph_build: build from random arrays at 10^7 ties, then at 10^8 ties (each size in
#      its own process, so peak RSS is that size's), vs the sort-based baseline;
#   2. bench_graph_build: edge-list read in C++ vs a serial from_chars loop and a plain read;
#   3. a summary of 1-2 against the issue's targets;
#   4. bench/bench_io.py: gx.Graph.read vs numpy.loadtxt vs networkx.read_edgelist;
#   5. bench/bench_snapshot.py: snapshot load vs reading the same graph's edge list;
#   6. bench/bench_diffusion.py: IC Monte Carlo on facebook_combined, guanxi's kernels vs graph-tool
#      (python3-graph-tool), numpy and networkx, then an R-MAT graph of ~10^8 ties (own process);
#   7. bench/bench_campaign_setup.py: a one-step campaign on a 10^6-node Holme–Kim graph, from a
#      fresh graph object and again on the same object (its memo warm), at 1 and 2 threads;
#   8. bench/bench_influence.py: OPIM-C and IMM on NetHEPT and NetPHY vs the authors' OPIM-C
#      (built from build/reference/src/OPIM when present), then R-MAT at ~10^8 ties;
#   9. bench/bench_sweep.py: 100 designs x 200 replicates on 10^5 people: local threads vs a run
#      store (overhead) vs two local Dask workers (--quick: 16 designs x 40 replicates);
#  10. bench/bench_part3.py: a campaign on 10^6 people with Part III (segments, targets,
#      shareholders, the margin promise) on against off (--quick: 2·10^5 people).
# Usage: scripts/bench.sh [build-dir] [--quick]   (default build/bench; --quick skips 10^8 ties)
# JSON results land in <build-dir>/bench-results/<time>/. Benchmarks are not tests: nothing fails
# on a missed target; the tables say MET / NOT MET. Takes ~15 minutes (the 10^8-tie parts dominate).
set -euo pipefail

PYTHON=/usr/bin/python3  # Debian's interpreter: the python3 on PATH may not see numpy/networkx
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build/bench"
QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) BUILD="$arg" ;;
  esac
done
BUILD="$(cd "$BUILD" && pwd)"
BIN="$BUILD/bench/bench_graph_build"
[[ -x "$BIN" ]] || { echo "bench.sh: $BIN not found: configure with GUANXI_BUILD_BENCH=ON and build" >&2; exit 1; }
[[ -d "$BUILD/python/guanxi" ]] || { echo "bench.sh: $BUILD/python/guanxi not found: build the Python module" >&2; exit 1; }
export PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"

OUT="$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/guanxi-bench.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
export GUANXI_BENCH_DIR="$SCRATCH"  # where bench_graph_build writes its edge-list file

section() { printf '\n=== %s ===\n' "$*"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

section "guanxi benchmarks: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty'), $(nproc) cores, $(date -Iseconds)"
echo "load average before: $(load)"
if awk '{exit !($1 > 0.5)}' /proc/loadavg; then
  echo "warning: the machine is busy (load > 0.5 before starting): timings and thread scaling will suffer"
fi

run_gbench() {  # name, filter
  local name="$1" filter="$2"
  "$BIN" --benchmark_filter="$filter" --benchmark_counters_tabular=true \
    --benchmark_out="$OUT/$name.json" --benchmark_out_format=json
  echo "(load average after: $(load))"
}

section "1a. Build from random arrays, 10^7 ties (C++, guanxi::build_graph vs SortBaseline)"
run_gbench build_1e7 '^BM_(Build|SortBaseline)/ties:10000000/'
if [[ $QUICK == 0 ]]; then
  section "1b. Build from random arrays, 10^8 ties (C++, own process)"
  run_gbench build_1e8 '^BM_(Build|SortBaseline)/ties:100000000/'
fi

section "2. Edge-list read (C++, guanxi::read_edge_list vs ParseBaselineFromChars and ReadFileOnly)"
run_gbench parse '^BM_(ReadEdgeList|ReadFileOnly|ParseBaselineFromChars)/'

section "3. Summary against the targets"
"$PYTHON" "$ROOT/bench/summarize.py" "$OUT"/build_*.json "$OUT/parse.json" | tee "$OUT/summary.txt"

section "4. Edge-list parse from Python: guanxi vs numpy.loadtxt vs networkx.read_edgelist"
"$PYTHON" "$ROOT/bench/bench_io.py" | tee "$OUT/bench_io.txt"
echo "(load average after: $(load))"

section "5. Snapshot load vs edge-list read (Python)"
"$PYTHON" "$ROOT/bench/bench_snapshot.py" | tee "$OUT/bench_snapshot.txt"
echo "(load average after: $(load))"

section "6. IC diffusion: guanxi kernels vs graph-tool, numpy, networkx; R-MAT at ~10^8 ties (Python)"
if [[ $QUICK == 0 ]]; then
  "$PYTHON" "$ROOT/bench/bench_diffusion.py" | tee "$OUT/bench_diffusion.txt"
else
  "$PYTHON" "$ROOT/bench/bench_diffusion.py" --no-rmat | tee "$OUT/bench_diffusion.txt"
fi
echo "(load average after: $(load))"

section "7. Campaign set-up: fresh graph vs the same graph object (Python)"
"$PYTHON" "$ROOT/bench/bench_campaign_setup.py" | tee "$OUT/bench_campaign_setup.txt"
echo "(load average after: $(load))"

section "8. Influence maximisation: guanxi OPIM-C / IMM vs the reference OPIM-C; R-MAT at ~10^8 ties (Python)"
if [[ $QUICK == 0 ]]; then
  "$PYTHON" "$ROOT/bench/bench_influence.py" | tee "$OUT/bench_influence.txt"
else
  "$PYTHON" "$ROOT/bench/bench_influence.py" --rmat-scale 0 | tee "$OUT/bench_influence.txt"
fi
echo "(load average after: $(load))"

section "9. Sweeps: local threads vs the run store vs two local Dask workers (Python)"
if [[ $QUICK == 0 ]]; then
  "$PYTHON" "$ROOT/bench/bench_sweep.py" | tee "$OUT/bench_sweep.txt"
else
  "$PYTHON" "$ROOT/bench/bench_sweep.py" --designs 16 --replicates 40 | tee "$OUT/bench_sweep.txt"
fi
echo "(load average after: $(load))"

section "10. Model version 3: Part III on against off (Python)"
if [[ $QUICK == 0 ]]; then
  "$PYTHON" "$ROOT/bench/bench_part3.py" | tee "$OUT/bench_part3.txt"
else
  "$PYTHON" "$ROOT/bench/bench_part3.py" --n 200000 | tee "$OUT/bench_part3.txt"
fi
echo "(load average after: $(load))"

echo
echo "JSON results: $OUT"
