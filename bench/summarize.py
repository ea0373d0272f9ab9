"""Summary of bench_graph_build's JSON outputs against the issue's targets: 10^8 ties built in
<= 30 s on 2 cores, <= 16 bytes per undirected tie including strength, parsing >= 100 MB/s.

Usage: /usr/bin/python3 bench/summarize.py OUT.json [OUT.json ...]  (--benchmark_out files)
Prints a table of every build and parse run (guanxi and its named baselines), the targets, and
one JSON line last.
"""

from __future__ import annotations

import json
import sys

from benchlib import print_targets

TARGET_SECONDS_1E8 = 30.0
TARGET_BYTES_PER_TIE = 16.0
TARGET_PARSE_MB_PER_S = 100.0


def load(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for b in data.get("benchmarks", []):
            if b.get("run_type", "iteration") == "iteration" and "error_occurred" not in b:
                runs.append(b)
    return runs


def family(run) -> str:
    return run["name"].split("/")[0].removeprefix("BM_")


def main(paths) -> int:
    runs = load(paths)
    builds = [r for r in runs if "ties_per_second" in r]
    parses = [r for r in runs if "MB_per_second" in r]

    print("Build from random arrays (undirected, n = ties/10; peak RSS excludes the 8 B/tie input arrays)")
    header = (f"{'benchmark':<13} {'ties':>11} {'thr':>3} {'seconds':>8} {'Mties/s':>8} "
              f"{'graph B/tie':>11} {'peak RSS B/tie':>14}")
    print(header)
    print("-" * len(header))
    for r in sorted(builds, key=lambda r: (int(r["name"].split("ties:")[1].split("/")[0]), family(r), r["threads"])):
        ties = int(r["name"].split("ties:")[1].split("/")[0])
        print(f"{family(r):<13} {ties:>11,} {int(r['threads']):>3} {r['seconds']:>8.2f} "
              f"{r['ties_per_second'] / 1e6:>8.2f} {r['graph_B_per_tie']:>11.2f} {r['peak_rss_B_per_tie']:>14.2f}")
    print()
    print("Edge-list read (C++; guanxi builds the graph, the baselines do not)")
    header = f"{'benchmark':<24} {'thr':>3} {'MB':>8} {'seconds':>8} {'MB/s':>8} {'peak RSS B/line':>15}"
    print(header)
    print("-" * len(header))
    for r in parses:
        peak = f"{r['peak_rss_B_per_line']:>15.1f}" if "peak_rss_B_per_line" in r else f"{'':>15}"
        print(f"{family(r):<24} {int(r['threads']):>3} {r['MB']:>8.1f} {r['seconds']:>8.3f} {r['MB_per_second']:>8.1f} {peak}")

    def pick(rows, name, **where):
        for r in rows:
            if family(r) == name and all(
                (int(r["name"].split("ties:")[1].split("/")[0]) if k == "ties" else int(r[k])) == v
                for k, v in where.items()
            ):
                return r
        return None

    targets = []
    big = pick(builds, "Build", ties=100_000_000, threads=2)
    if big:
        targets.append(("10^8 ties built, 2 threads", f"<= {TARGET_SECONDS_1E8:g} s", f"{big['seconds']:.1f} s",
                        big["seconds"] <= TARGET_SECONDS_1E8))
        targets.append(("bytes per tie, finished graph", f"<= {TARGET_BYTES_PER_TIE:g}",
                        f"{big['graph_B_per_tie']:.1f}", big["graph_B_per_tie"] <= TARGET_BYTES_PER_TIE))
        targets.append(("bytes per tie, peak RSS of the build", f"<= {TARGET_BYTES_PER_TIE:g}",
                        f"{big['peak_rss_B_per_tie']:.1f}", big["peak_rss_B_per_tie"] <= TARGET_BYTES_PER_TIE))
    read = pick(parses, "ReadEdgeList", threads=2)
    if read:
        targets.append(("read_edge_list, 2 threads", f">= {TARGET_PARSE_MB_PER_S:g} MB/s",
                        f"{read['MB_per_second']:.1f} MB/s", read["MB_per_second"] >= TARGET_PARSE_MB_PER_S))
    print()
    print_targets(targets)
    print(json.dumps({
        "benchmark": "graph_build_summary",
        "baselines": ["SortBaseline", "ParseBaselineFromChars", "ReadFileOnly"],
        "targets": [{"target": w, "goal": g, "measured": m, "met": ok} for w, g, m, ok in targets],
        "runs": [{"name": r["name"], **{k: r[k] for k in ("seconds", "ties_per_second", "graph_B_per_tie",
                                                          "peak_rss_B_per_tie", "MB_per_second", "peak_rss_B_per_line",
                                                          "threads")
                                       if k in r}} for r in builds + parses],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
