"""Influence maximisation against a public reference: guanxi's OPIM-C (and IMM) vs the authors'
OPIM-C (Tang, Tang, Xiao & Yuan, SIGMOD 2018; github.com/tangj90/OPIM), built from its source in
this run, on the same arcs.

Workload (issue "Who to seed"): NetHEPT and NetPHY from ../shared/data (read as guanxi reads them:
undirected, repeated lines merged, self-loops dropped; the reference is given exactly these arcs,
both directions of every tie), weighted cascade (IC, p = 1/in-degree), k = 50, epsilon 0.5 and
0.1, delta = 1/n (ell = 1) for both. For each: guanxi's OPIM-C on 1 and 2 threads, --repeats runs
with RR seeds 0, 1, ... (mean and best time), guanxi's IMM on 2 threads (2 runs), and the
reference, --repeats runs (single-threaded; its own time, which covers its OPIM-C loop — RR sets
and greedy — as ours does; its RNG is seeded from the clock). OPIM-C stops at the first round
whose bounds certify the guarantee, so how many RR sets a run draws, and how good its seeds are,
varies from run to run: each seed set's expected spread is measured by forward Monte Carlo
(gx.simulate, 10,000 replicates, the same random numbers for every set), and the table gives the
mean over the runs with its standard error. Memory: ours is the peak bytes of RR storage,
inverted index and scratch (result.memory_bytes); the reference's is its whole process's peak RSS
(graph included), from /usr/bin/time. Then one R-MAT graph of ~10^8 ties (scale 23, edge factor
13) at epsilon 0.5, one run each (--rmat-scale 0 skips it; generation is not timed).

Targets: on 2 threads at least 3x the reference's speed (mean time over the runs, its / ours) at
equal spread (our runs' mean spread not below the reference's by more than 3 standard errors of
the difference of the two means).

The reference's code is never committed: bring it with the search tool's fetch (github:tangj90/OPIM)
and extract it under build/reference/src/OPIM (bench/reference_im.py says how); this script
compiles it into build/reference/bin on every run. Without it, guanxi's rows are printed alone.

Run: PYTHONPATH=build/release/python /usr/bin/python3 bench/bench_influence.py [--repeats 3]
     [--reference-source build/reference/src/OPIM] [--rmat-scale 23]. Takes ~3 minutes here, most of
it the R-MAT graph. Prints tables, the targets as MET / NOT MET, and last one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time

import numpy as np

import guanxi as gx
from benchlib import print_targets

import reference_im

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("GUANXI_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))
K = 50
EPSILONS = (0.5, 0.1)
MC_REPLICATES = 10000
TARGET_SPEEDUP = 3.0


def ours(g, epsilon, threads, repeats, algorithm="opim", check_repeat=True):
    """`repeats` runs with RR seeds 0, 1, ...: their times, and their seed sets (OPIM-C stops at a
    random round, so its seeds, like the reference's, vary from run to run). Seeds 0 run twice
    more to check they repeat exactly."""
    choose = gx.seeding.opim if algorithm == "opim" else gx.seeding.imm
    runs = [choose(g, K, model="wc", epsilon=epsilon, threads=threads, seed=s) for s in range(repeats)]
    if check_repeat:
        again = choose(g, K, model="wc", epsilon=epsilon, threads=threads, seed=0)
        assert np.array_equal(again.seeds, runs[0].seeds), "seeds changed between identical runs"
    times = [r.seconds for r in runs]
    return {"best": min(times), "mean": statistics.mean(times), "runs": runs,
            "seed_sets": [r.seeds for r in runs]}


def spread_by_mc(g, seed_sets):
    """Expected final size of each seed set by forward Monte Carlo (MC_REPLICATES replicates, seed
    7: every set faces the same random numbers)."""
    return np.array([gx.simulate(g, "wc", seeds=np.asarray(s, dtype=np.int64), replicates=MC_REPLICATES, seed=7,
                                 progress=False, timeseries=False).mean() for s in seed_sets])


def mean_and_se(values):
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")
    return float(values.mean()), float(se)


def reference_rows(binary, g, name, epsilon, repeats, workdir):
    sources = np.repeat(np.arange(g.num_nodes, dtype=np.int64), g.degrees())
    path = reference_im.write_input(sources, g.targets.astype(np.int64), g.num_nodes, workdir, model="wc",
                                    binary=binary, name=name)
    runs = [reference_im.run(binary, path, K, epsilon) for _ in range(repeats)]
    times = [r["seconds"] for r in runs]
    return {"best": min(times), "mean": statistics.mean(times), "runs": runs,
            "seed_sets": [r["seeds"] for r in runs], "rss": max(r["max_rss_bytes"] for r in runs),
            "rr_sets": statistics.mean(r["rr_sets"] or 0 for r in runs)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=8, help="runs per configuration (RR seeds 0, 1, ...)")
    ap.add_argument("--reference-source", default=os.path.join(ROOT, "build", "reference", "src", "OPIM"))
    ap.add_argument("--rmat-scale", type=int, default=23)
    ap.add_argument("--rmat-edge-factor", type=float, default=13)
    args = ap.parse_args()
    print(f"guanxi {gx.__version__}; load average {open('/proc/loadavg').read().split()[:3]}; "
          f"{os.cpu_count()} CPUs")
    binary = None
    if os.path.isdir(args.reference_source):
        start = time.perf_counter()
        binary = reference_im.build(args.reference_source, os.path.join(ROOT, "build", "reference", "bin"))
        print(f"reference OPIM-C built from {args.reference_source} in {time.perf_counter() - start:.1f} s: {binary}")
    else:
        print(f"reference source not found at {args.reference_source}: guanxi's rows only "
              f"(fetch github:tangj90/OPIM and extract it there)")
    record = {"k": K, "graphs": {}}
    targets = []
    header = (f"{'graph':<8} {'eps':>4} {'who':<18} {'threads':>7} {'best s':>8} {'mean s':>9} {'memory MiB':>10} "
              f"{'RR sets':>9} {'MC spread':>16} {'vs ref':>14}")
    for name in ("NetHEPT", "NetPHY"):
        path = os.path.join(DATA, f"{name}.edges")
        if not os.path.exists(path):
            print(f"{name}: {path} absent, skipped")
            continue
        g = gx.Graph.read(path)
        print(f"\n{name}: {g.num_nodes} nodes, {g.num_ties} ties ({g.num_arcs} arcs), weighted cascade, k = {K}")
        print(header)
        print("-" * len(header))
        record["graphs"][name] = {}
        with tempfile.TemporaryDirectory(prefix="bench_influence_") as workdir:
            for epsilon in EPSILONS:
                rows = {}
                for threads in (1, 2):
                    rows[f"opim {threads}"] = ours(g, epsilon, threads, args.repeats)
                rows["imm 2"] = ours(g, epsilon, 2, 2, algorithm="imm")
                ref = reference_rows(binary, g, f"{name}_{epsilon}", epsilon, args.repeats, workdir) if binary else None
                spreads = {"opim": spread_by_mc(g, rows["opim 2"]["seed_sets"]),
                           "imm": spread_by_mc(g, rows["imm 2"]["seed_sets"])}
                if ref:
                    spreads["reference"] = spread_by_mc(g, ref["seed_sets"])
                entry = {}
                for key, row in rows.items():
                    algorithm, threads = key.split()
                    first = row["runs"][0]
                    spread, spread_se = mean_and_se(spreads[algorithm])
                    versus = f"{ref['mean'] / row['mean']:.2f}x faster" if ref else ""
                    rr_sets = statistics.mean(r.rr_sets for r in row["runs"])
                    print(f"{name:<8} {epsilon:>4} {'guanxi ' + first.algorithm:<18} {threads:>7} {row['best']:>8.4f} "
                          f"{row['mean']:>9.4f} {first.memory_bytes / 2**20:>10.2f} {rr_sets:>9.0f} "
                          f"{spread:>9.1f} ±{spread_se:>5.1f} {versus:>14}")
                    entry[key] = {"best": row["best"], "mean": row["mean"], "memory_bytes": first.memory_bytes,
                                  "rr_sets": rr_sets, "spread": spread, "spread_se": spread_se, "runs": len(row["runs"])}
                if ref:
                    spread, spread_se = mean_and_se(spreads["reference"])
                    print(f"{name:<8} {epsilon:>4} {'reference OPIM-C':<18} {1:>7} {ref['best']:>8.4f} "
                          f"{ref['mean']:>9.4f} {ref['rss'] / 2**20:>10.2f} {ref['rr_sets']:>9.0f} "
                          f"{spread:>9.1f} ±{spread_se:>5.1f} {'(RSS)':>14}")
                    entry["reference"] = {"best": ref["best"], "mean": ref["mean"], "max_rss_bytes": ref["rss"],
                                          "rr_sets": ref["rr_sets"], "spread": spread, "spread_se": spread_se}
                    speedup = ref["mean"] / rows["opim 2"]["mean"]
                    ours_mean, ours_se = mean_and_se(spreads["opim"])
                    gap, gap_se = ours_mean - spread, math.hypot(ours_se, spread_se)
                    entry["speedup_2_threads"] = speedup
                    entry["spread_difference"] = gap
                    targets.append((f"{name} eps {epsilon}: speed vs ref, 2 thr", f">= {TARGET_SPEEDUP:.0f}x",
                                    f"{speedup:.2f}x", speedup >= TARGET_SPEEDUP))
                    targets.append((f"{name} eps {epsilon}: spread - ref's", ">= -3 se",
                                    f"{gap:+.1f}±{gap_se:.1f}", gap >= -3 * gap_se))
                record["graphs"][name][str(epsilon)] = entry
    if args.rmat_scale > 0:
        start = time.perf_counter()
        g = gx.generators.rmat(args.rmat_scale, args.rmat_edge_factor, seed=1)
        made = time.perf_counter() - start
        print(f"\nR-MAT scale {args.rmat_scale}, edge factor {args.rmat_edge_factor}: {g.num_nodes} nodes, "
              f"{g.num_ties} ties (generated in {made:.0f} s, not timed below); graph {g.memory_bytes / 2**30:.2f} GiB")
        record["rmat"] = {"nodes": g.num_nodes, "ties": g.num_ties, "graph_bytes": g.memory_bytes}
        for algorithm in ("opim", "imm"):
            for threads in (1, 2):
                row = ours(g, 0.5, threads, 1, algorithm=algorithm, check_repeat=False)
                r = row["runs"][0]
                print(f"  guanxi {r.algorithm:<7} eps 0.5, {threads} thread(s): {row['best']:.2f} s, "
                      f"{r.memory_bytes / 2**20:.0f} MiB RR storage, {r.rr_sets} RR sets, RR spread {r.spread:.0f}"
                      + (f", lower bound {r.lower_bound:.0f}" if algorithm == "opim" else ""))
                record["rmat"][f"{algorithm} {threads}"] = {"seconds": row["best"], "memory_bytes": r.memory_bytes,
                                                           "rr_sets": r.rr_sets, "rr_spread": r.spread}
    print()
    if targets:
        print_targets(targets, width=40)
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
