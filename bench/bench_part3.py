"""Model version 3 (MODEL.md Part III) at scale: what segments, targets, shareholders and the
margin promise cost, and that Part III switched off costs nothing.

Workloads (the issue "Model version 3", speed), on a 10^6-person Holme–Kim graph with 5·10^6 ties
(gx.generators.holme_kim(1_000_000, 5, 0.5, seed=1); generation not timed), 60 steps, seed 0, on
every core of the machine, each after a warm-up run of 2 replicates (the graph's one-time
derivations: tie strengths, seeds):

1. **Part III on against off, in one run.** The version-2 design: a two-sided referral (reward 10,
   referee discount 10 %) with the membership ladder (fee 398, take rate 1 %, partner commissions
   10/5/2 %), external adoption at 0.1 % a day and 10 random seeds, so that tens of thousands of
   people buy and climb. The same design with three segments from shares (students 30 %, office
   workers 50 %, retirees 20 %, each overriding sharing, price response and churn), two targets
   (rewards of 15 to fans and partners; 20 % off for students, with a budget), shareholding and
   the 5 % margin promise. 10 replicates each; target: on / off <= 1.3, printed.
2. **Part III off costs nothing** (with --baseline PYTHONPATH, the python folder of a build of the
   engine before Part III, e.g. commit 5bd0656): every version-2 example of examples/ (01-11) on the
   same graph, 4 replicates each, timed by this engine and by the baseline engine in subprocesses
   one after the other, four times (A B B A A B B A), and the ratio of their totals printed (within
   noise: about 1 ± 0.05). Without --baseline this part is skipped.

Prints a table and, last, one JSON line. Part 1 takes ~3 minutes on 2 cores. Run with
PYTHONPATH=<build>/python /usr/bin/python3 bench/bench_part3.py [--n N] [--replicates R]
[--baseline OLD_BUILD/python].
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time

LAYERS = {"list": [
    {"name": "students", "share": 0.3,
     "behaviour": {"share_prob": 0.08, "discount_elasticity": 5.0, "churn_prob": 0.01}},
    {"name": "office workers", "share": 0.5,
     "behaviour": {"share_prob": 0.04, "discount_elasticity": 2.0, "repeat_prob": 0.015}},
    {"name": "retirees", "share": 0.2,
     "behaviour": {"share_prob": 0.02, "conv_strong": 0.12, "discount_elasticity": 1.5, "churn_prob": 0.002}},
]}


def designs(graph):
    import guanxi as gx

    off = gx.Campaign(graph, name="version 2", behaviour={"external_rate": 0.001},
                      policy={"referral_reward": 10, "referee_discount": 0.1,
                              "membership": {"fee": 398, "take_rate": 0.01, "partner_commission": [0.1, 0.05, 0.02]}},
                      seeding={"strategy": "random", "k": 10}, run={"steps": 60})
    on = off.replace(name="Part III on", segments=LAYERS,
                     policy={"target": [{"who": {"tier": ["fan", "partner"]}, "referral_reward": 15},
                                        {"who": {"segment": ["students"]}, "referee_discount": 0.2, "budget": 200_000}],
                             "margin_cap": {"rate": 0.05}},
                     ladder={"shareholding": {"take_rate": 0.005}})
    return off, on


def timed(campaign, replicates: int):
    campaign.run(replicates=2, seed=0, progress=False)  # warm-up: the graph's derivations
    start = time.perf_counter()
    result = campaign.run(replicates=replicates, seed=0, progress=False)
    return result, time.perf_counter() - start


# Part 2 runs in a subprocess per engine: this script's own code, given the graph size.
EXAMPLES_TIMER = r"""
import glob, json, os, sys, time
import guanxi as gx
n, replicates, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
graph = gx.generators.holme_kim(n, 5, 0.5, seed=1)
paths = sorted(p for p in glob.glob(os.path.join(root, "examples", "*.toml")) if int(os.path.basename(p)[:2]) <= 11)
campaigns = [gx.Campaign.from_toml(p, graph=graph) for p in paths]
for c in campaigns:
    c.run(replicates=1, seed=0, progress=False)  # warm-up
seconds = {}
for path, c in zip(paths, campaigns):
    start = time.perf_counter()
    c.run(replicates=replicates, seed=0, progress=False)
    seconds[os.path.basename(path)] = time.perf_counter() - start
print(json.dumps(seconds))
"""


def examples_seconds(pythonpath: str, n: int, replicates: int, root: str) -> dict:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    out = subprocess.run([sys.executable, "-c", EXAMPLES_TIMER, str(n), str(replicates), root], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="people in the graph")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--baseline", default=None,
                        help="PYTHONPATH of an engine built before Part III (part 2; skipped without it)")
    parser.add_argument("--example-replicates", type=int, default=4)
    args = parser.parse_args()
    import guanxi as gx

    cores = os.cpu_count()
    print(f"guanxi {gx.__version__}, {cores} cores, {gx.max_threads()} worker threads")
    graph = gx.generators.holme_kim(args.n, 5, 0.5, seed=1)
    print(f"graph: {graph}")
    off, on = designs(graph)
    result_off, seconds_off = timed(off, args.replicates)
    result_on, seconds_on = timed(on, args.replicates)
    ratio = seconds_on / seconds_off
    print(f"\n1. {args.replicates} replicates x {result_off.steps} steps on {graph.num_nodes:,} people")
    for name, result, seconds in (("Part III off", result_off, seconds_off), ("Part III on", result_on, seconds_on)):
        s = result.summary()["mean"]
        print(f"  {name:13} {seconds:7.1f} s   customers {s['customers']:,.0f}, fans {s['fans']:,.0f}, "
              f"partners {s['partners']:,.0f}, shareholders {s['shareholders']:,.1f}, rebates {s['rebates']:,.0f}")
    print(f"  on / off: {ratio:.2f} (target <= 1.3: {'MET' if ratio <= 1.3 else 'NOT MET'})")
    out = {"n": graph.num_nodes, "ties": graph.num_ties, "replicates": args.replicates, "cores": cores,
           "seconds_off": seconds_off, "seconds_on": seconds_on, "on_over_off": ratio}

    if args.baseline:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        here = os.path.dirname(gx.__file__.rstrip(os.sep))
        here = os.path.dirname(here)  # the python folder holding the guanxi package
        totals = {"this engine": 0.0, "baseline": 0.0}
        per_example: dict = {}
        engines = [("this engine", here), ("baseline", args.baseline)]
        for order in (engines, engines[::-1], engines, engines[::-1]):  # A B B A A B B A: drift and order hit both alike
            for name, path in order:
                seconds = examples_seconds(path, args.n, args.example_replicates, root)
                totals[name] += sum(seconds.values())
                for example, s in seconds.items():
                    per_example.setdefault(example, {}).setdefault(name, 0.0)
                    per_example[example][name] += s
        print(f"\n2. the version-2 examples, {args.example_replicates} replicates each, four times, on {graph.num_nodes:,} "
              "people: this engine against the baseline (before Part III)")
        for example, both in per_example.items():
            print(f"  {example:32} {both['this engine']:7.1f} s  {both['baseline']:7.1f} s  "
                  f"{both['this engine'] / both['baseline']:.3f}")
        total_ratio = totals["this engine"] / totals["baseline"]
        print(f"  total: {totals['this engine']:.1f} s against {totals['baseline']:.1f} s: ratio {total_ratio:.3f}")
        out.update(examples_this=totals["this engine"], examples_baseline=totals["baseline"],
                   examples_ratio=total_ratio)
    else:
        print("\n2. skipped (give --baseline OLD_BUILD/python: an engine built before Part III)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
