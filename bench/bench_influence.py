"""Influence maximisation against a public reference: guanxi's OPIM-C (and IMM) vs the authors'
OPIM-C (Tang, Tang, Xiao & Yuan, SIGMOD 2018; github.com/tangj90/OPIM), built from its source in
this run, on the same arcs.

Workload (issue "Who to seed"): NetHEPT and NetPHY from ../shared/data (read as guanxi reads them:
undirected, repeated lines merged, self-loops dropped; the reference is given exactly these arcs,
both directions of every tie), weighted cascade (IC, p = 1/in-degree), k = 50, epsilon 0.5 and
0.1, delta = 1/n (ell = 1) for both. For each: guanxi on 1 and 2 threads (best and median of
--repeats), the reference (single-threaded; its own time, which covers its OPIM-C loop — RR sets
and greedy — as ours does), then the expected spread of each seed set by forward Monte Carlo
(gx.simulate, 20,000 replicates, the same random numbers for every seed set: a paired
comparison). Memory: ours is the peak bytes of RR storage, inverted index and scratch
(result.memory_bytes); the reference's is its whole process's peak RSS (graph included), from
/usr/bin/time. Then one R-MAT graph of ~10^8 ties (scale 23, edge factor 13) at epsilon 0.5
(--rmat-scale 0 skips it; generation is not timed).

Targets: on 2 threads at least 3x the reference's speed (its time / ours, best of ours against the
median of its runs, whose seeds vary with the clock) at equal spread (ours not lower than the
reference's by more than 3 standard errors of the paired Monte Carlo difference).

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
MC_REPLICATES = 20000
TARGET_SPEEDUP = 3.0


def ours(g, epsilon, threads, repeats, algorithm="opim"):
    runs = []
    choose = gx.seeding.opim if algorithm == "opim" else gx.seeding.imm
    for _ in range(repeats):
        runs.append(choose(g, K, model="wc", epsilon=epsilon, threads=threads))
    times = [r.seconds for r in runs]
    first = runs[0]
    assert all(np.array_equal(r.seeds, first.seeds) for r in runs), "seeds changed between identical runs"
    return {"best": min(times), "median": statistics.median(times), "result": first}


def spread_by_mc(g, seed_sets):
    """Mean and standard error of the final size of each seed set, and of the paired differences
    to the first set (same seed: replicate i of every run shares its random numbers)."""
    sizes = [gx.simulate(g, "wc", seeds=np.asarray(s, dtype=np.int64), replicates=MC_REPLICATES, seed=7,
                         progress=False, timeseries=False).sizes.astype(float) for s in seed_sets]
    out = []
    for s in sizes:
        d = s - sizes[0]
        out.append({"mean": s.mean(), "se": s.std(ddof=1) / np.sqrt(s.size),
                    "diff": d.mean(), "diff_se": d.std(ddof=1) / np.sqrt(d.size)})
    return out


def reference_rows(binary, g, name, epsilon, repeats, workdir):
    sources = np.repeat(np.arange(g.num_nodes, dtype=np.int64), g.degrees())
    path = reference_im.write_input(sources, g.targets.astype(np.int64), g.num_nodes, workdir, model="wc",
                                    binary=binary, name=name)
    runs = [reference_im.run(binary, path, K, epsilon) for _ in range(repeats)]
    times = [r["seconds"] for r in runs]
    median_run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {"best": min(times), "median": statistics.median(times), "run": median_run,
            "rss": max(r["max_rss_bytes"] for r in runs)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
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
    header = (f"{'graph':<8} {'eps':>4} {'who':<18} {'threads':>7} {'best s':>8} {'median s':>9} {'memory MiB':>10} "
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
                rows["imm 2"] = ours(g, epsilon, 2, 1, algorithm="imm")
                ref = reference_rows(binary, g, f"{name}_{epsilon}", epsilon, args.repeats, workdir) if binary else None
                seed_sets = [rows["opim 2"]["result"].seeds, rows["imm 2"]["result"].seeds]
                if ref:
                    seed_sets.append(ref["run"]["seeds"])
                mc = spread_by_mc(g, seed_sets)
                entry = {}
                for key, row in rows.items():
                    algorithm, threads = key.split()
                    r = row["result"]
                    spread = mc[0] if algorithm == "opim" else mc[1]
                    versus = ""
                    if ref:
                        versus = f"{ref['median'] / row['best']:.2f}x faster"
                    print(f"{name:<8} {epsilon:>4} {'guanxi ' + r.algorithm:<18} {threads:>7} {row['best']:>8.4f} "
                          f"{row['median']:>9.4f} {r.memory_bytes / 2**20:>10.2f} {r.rr_sets:>9} "
                          f"{spread['mean']:>9.1f} ±{spread['se']:>5.1f} {versus:>14}")
                    entry[key] = {"best": row["best"], "median": row["median"], "memory_bytes": r.memory_bytes,
                                  "rr_sets": r.rr_sets, "spread": spread["mean"], "spread_se": spread["se"],
                                  "rr_spread": r.spread, "lower_bound": r.lower_bound}
                if ref:
                    spread = mc[2]
                    print(f"{name:<8} {epsilon:>4} {'reference OPIM-C':<18} {1:>7} {ref['best']:>8.4f} "
                          f"{ref['median']:>9.4f} {ref['rss'] / 2**20:>10.2f} {ref['run']['rr_sets'] or 0:>9} "
                          f"{spread['mean']:>9.1f} ±{spread['se']:>5.1f} {'(RSS)':>14}")
                    entry["reference"] = {"best": ref["best"], "median": ref["median"], "max_rss_bytes": ref["rss"],
                                          "rr_sets": ref["run"]["rr_sets"], "spread": spread["mean"],
                                          "spread_se": spread["se"]}
                    speedup = ref["median"] / rows["opim 2"]["best"]
                    # Paired: ours (set 0) minus the reference's (set 2), and its standard error.
                    gap = -mc[2]["diff"]
                    gap_se = mc[2]["diff_se"]
                    equal = gap >= -3 * gap_se
                    entry["speedup_2_threads"] = speedup
                    entry["spread_difference"] = gap
                    targets.append((f"{name} eps {epsilon}: speed vs ref, 2 thr", f">= {TARGET_SPEEDUP:.0f}x",
                                    f"{speedup:.2f}x", speedup >= TARGET_SPEEDUP))
                    targets.append((f"{name} eps {epsilon}: spread - ref's", ">= -3 se",
                                    f"{gap:+.1f}±{gap_se:.1f}", equal))
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
                row = ours(g, 0.5, threads, 1, algorithm=algorithm)
                r = row["result"]
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
