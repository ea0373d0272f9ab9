"""Sweeps at scale: the run store's overhead, and two local Dask workers against local threads.

Workload (the issue "Many runs", benchmark): a 100,000-person Holme–Kim graph
(gx.generators.holme_kim(100_000, 4, 0.5, seed=1), the examples' graph; generation not timed), the
one-sided referral design of examples/02_one_sided_referral.toml as the base, and a grid of
100 designs — referral_reward 0, 5, ..., 45 times referee_discount 0, 0.02, ..., 0.18 — of
200 replicates each (60 steps), seed 0. The same sweep runs three ways in this process:
  - local threads, no store (the baseline);
  - local threads into a fresh run store (SQLite file in a temporary folder): the overhead of
    compressing and committing every block, target <= 10 %;
  - a dask.distributed LocalCluster of two worker processes with one thread each (the graph
    scattered once per worker), against the local threads.
A warm-up sweep (2 designs x 2 replicates) first pays the seeds' and ties' set-up once, so no
timed run pays it alone. Every run's values must equal the baseline's bit for bit (checked).

Prints a table (seconds, replicates per second, ratio against the baseline), the store's size
per replicate, the targets as MET / NOT MET and, last, one JSON line. Takes ~5 minutes on 2 cores;
--designs and --replicates make it smaller. Run with
PYTHONPATH=<build>/python /usr/bin/python3 bench/bench_sweep.py [--designs N] [--replicates R].
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import print_targets  # noqa: E402

import guanxi as gx  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--designs", type=int, default=100, help="designs (a square-ish grid; default 100)")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    args = parser.parse_args()

    g = gx.generators.holme_kim(args.nodes, 4, 0.5, seed=1)
    base = gx.Campaign(g, name="one-sided referral", product={"price": 100, "unit_cost": 60},
                       seeding={"strategy": "top_degree", "k": 10}, policy={"referral_reward": 10},
                       run={"steps": args.steps})
    across = max(1, int(round(args.designs ** 0.5)))
    down = max(1, args.designs // across)
    grid = {"policy.referral_reward": [5 * i for i in range(across)],
            "policy.referee_discount": [round(0.02 * j, 2) for j in range(down)]}
    designs = across * down
    total = designs * args.replicates
    print(f"sweep: {designs} designs x {args.replicates} replicates x {args.steps} steps on {g.num_nodes:,} people, "
          f"{g.num_ties:,} ties; {gx.max_threads()} threads; guanxi {gx.__version__}")
    gx.sweep(base, {"policy.referral_reward": [0, 5]}, replicates=2, progress=False)  # warm-up: set-up memoized

    rows = []

    def timed(label, **options):
        start = time.perf_counter()
        result = gx.sweep(base, grid, replicates=args.replicates, seed=0, progress=False, **options)
        seconds = time.perf_counter() - start
        rows.append((label, seconds, result))
        print(f"  {label:<34} {seconds:8.1f} s   {total / seconds:9.0f} replicates/s", flush=True)
        return result

    baseline = timed("local threads, no store")
    with tempfile.TemporaryDirectory(prefix="guanxi-bench-") as folder:
        store_path = os.path.join(folder, "runs.db")
        stored = timed("local threads, run store", store=store_path)
        store_bytes = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
        start = time.perf_counter()
        reloaded = gx.Sweep.load(store_path, stored.name)
        reload_seconds = time.perf_counter() - start
    dask_row = None
    if not args.no_dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.run(lambda: __import__("guanxi").__version__)  # workers up and importing before the clock
            dask_row = timed("Dask LocalCluster, 2 workers x 1", client=client)

    def identical(a, b):
        return all(a.values(i).tobytes() == b.values(i).tobytes() for i in range(len(a)))

    for label, _, result in rows[1:]:
        assert identical(result, baseline), f"{label}: results differ from the baseline"
    assert identical(reloaded, baseline), "the reloaded store differs from the baseline"

    base_seconds = rows[0][1]
    print()
    print(f"{'run':<36} {'seconds':>9} {'ratio':>7}")
    for label, seconds, _ in rows:
        print(f"{label:<36} {seconds:9.1f} {seconds / base_seconds:7.3f}")
    overhead = rows[1][1] / base_seconds - 1
    print(f"\nstore: {store_bytes / 2**20:.1f} MiB for {total:,} replicates ({store_bytes / total:,.0f} bytes per "
          f"replicate of {args.steps} steps x {len(baseline.metrics)} metrics); reload of the whole sweep "
          f"{reload_seconds:.1f} s; every run equal to the baseline bit for bit")
    targets = [("run store overhead", "<= 10 %", f"{100 * overhead:+.1f} %", overhead <= 0.10)]
    if dask_row is not None:
        targets.append(("2 Dask workers / local threads (time)", "info", f"{rows[-1][1] / base_seconds:.3f}", None))
    print()
    print_targets(targets)
    print(json.dumps({"benchmark": "sweep", "designs": designs, "replicates": args.replicates, "steps": args.steps,
                      "nodes": g.num_nodes, "threads": gx.max_threads(),
                      "seconds": {label: seconds for label, seconds, _ in rows}, "store_overhead": overhead,
                      "store_bytes": store_bytes, "reload_seconds": reload_seconds}))


if __name__ == "__main__":
    main()
