"""Snapshot load speed: gx.Graph.load of a large graph (memory-mapped, checksum verified or not)
against reading the same graph from its edge list (the baseline), same run, warm page cache.

Prints a table and, last, one JSON line. Run with PYTHONPATH=<build>/python /usr/bin/python3.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

from benchlib import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ties", type=int, default=20_000_000, help="random ties (n = ties / 10)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import guanxi as gx

    src, dst = gx.generators.uniform_random_edges(args.ties // 10, args.ties, seed=11)
    g = gx.Graph.from_edges(np.asarray(src), np.asarray(dst))
    del src, dst
    rows = []  # (what, file bytes, seconds)
    with tempfile.TemporaryDirectory(prefix="guanxi_bench_snapshot_") as folder:
        snapshot = os.path.join(folder, "graph.gx")
        edges = os.path.join(folder, "graph.edges")
        start = time.perf_counter()
        g.save(snapshot)
        save_seconds = time.perf_counter() - start
        g.write(edges)
        snap_bytes, edge_bytes = os.path.getsize(snapshot), os.path.getsize(edges)

        seconds, loaded = best_of(lambda: gx.Graph.load(snapshot), args.repeats)
        assert loaded.num_ties == g.num_ties and np.array_equal(loaded.targets, g.targets)
        rows.append(("gx.Graph.load(path)  (checksum verified)", snap_bytes, seconds))
        seconds, loaded = best_of(lambda: gx.Graph.load(snapshot, verify=False), args.repeats)
        rows.append(("gx.Graph.load(path, verify=False)", snap_bytes, seconds))
        seconds, loaded = best_of(lambda: gx.Graph.read(edges), max(1, args.repeats - 1))
        assert loaded.num_ties == g.num_ties
        rows.append(("gx.Graph.read(edge list)  [baseline]", edge_bytes, seconds))
        del loaded

    print(f"Snapshot vs edge list: {g.num_nodes:,} nodes, {g.num_ties:,} undirected ties, warm page cache, "
          f"{gx.max_threads()} threads; snapshot saved in {save_seconds:.2f} s.")
    print("load with verify=False only maps the file: the arrays are paged in when first used.")
    header = f"{'call':<42} {'file MB':>9} {'seconds':>9} {'GB/s':>8} {'x faster than read':>19}"
    print(header)
    print("-" * len(header))
    baseline = rows[-1][2]
    results = []
    for what, nbytes, seconds in rows:
        rate = nbytes / 1e9 / seconds
        shown = f"{'lazy':>8}" if "verify=False" in what else f"{rate:>8.2f}"
        print(f"{what:<42} {nbytes / 1e6:>9.1f} {seconds:>9.4f} {shown} {baseline / seconds:>19.1f}")
        results.append({"call": what, "bytes": nbytes, "seconds": seconds, "GB_per_second": rate,
                        "speedup_vs_edge_list": baseline / seconds})
    print(json.dumps({"benchmark": "snapshot_load", "baseline": "gx.Graph.read(edge list)", "nodes": g.num_nodes,
                      "ties": g.num_ties, "save_seconds": save_seconds, "results": results}))


if __name__ == "__main__":
    main()
