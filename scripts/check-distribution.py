"""Equal in distribution, before and after a change to the campaign engine.

A change that renumbers random streams (or restructures a step) cannot keep results
bit-identical, but it must keep them equal in distribution. This script runs every shipped
example (examples/*.toml), and each again with every mechanism busy, on one fixed graph with many replicates and saves, per design, metric
and checkpoint step, the mean and its standard error; run against a saved file it tests every
mean difference with a two-sample z statistic (the two runs use independent random numbers) at a
family-wise level: a Bonferroni bound over all comparisons, so one run of the script has
probability about `alpha` of a false alarm when nothing changed. Metrics whose values are
constant in both runs must be exactly equal.

Usage (with the build's package on PYTHONPATH):
  /usr/bin/python3 scripts/check-distribution.py --save build/dist/before.json
  ... change the engine, rebuild ...
  /usr/bin/python3 scripts/check-distribution.py --against build/dist/before.json \
      [--expect-changed k_factor] [--expect-changed-design bargain]
Exit status 0 when every difference is within the bound, 1 otherwise.
"""

import argparse
import glob
import json
import math
import os
import sys
import time

import numpy as np


def summarise(result, checkpoints):
    out = {}
    for metric in result.metrics:
        values = result.metric(metric)
        per_step = {}
        for step in checkpoints:
            column = values[:, min(step, values.shape[1] - 1)]
            column = column[~np.isnan(column)]
            n = len(column)
            mean = float(column.mean()) if n else float("nan")
            sd = float(column.std(ddof=1)) if n > 1 else float("nan")
            per_step[str(step)] = {"mean": mean, "sd": sd, "n": n}
        out[metric] = per_step
    return out


def run_all(args):
    import guanxi as gx

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    graph = gx.generators.holme_kim(args.nodes, 4, 0.5, seed=1)
    designs = {}
    for path in sorted(glob.glob(os.path.join(root, "examples", "*.toml"))):
        campaign = gx.Campaign.from_toml(path, graph=graph)
        designs[campaign.name] = campaign
        # The same design with every mechanism busy (sharing, advertising, repeat purchase, churn),
        # so that rare paths are exercised too.
        designs[campaign.name + " (lively)"] = campaign.replace(
            name=campaign.name + " (lively)",
            behaviour=dict(share_prob=0.3, external_rate=0.002, repeat_prob=0.05, churn_prob=0.02, conv_weak=0.03,
                           conv_strong=0.2))
    saved = {"nodes": args.nodes, "replicates": args.replicates, "seed": args.seed, "designs": {}}
    for name, campaign in designs.items():
        started = time.perf_counter()
        result = campaign.run(replicates=args.replicates, seed=args.seed, progress=False)
        steps = result.steps
        checkpoints = sorted({steps // 4, steps // 2, steps - 1})
        saved["designs"][name] = summarise(result, checkpoints)
        print(f"{name:28} {time.perf_counter() - started:6.1f} s", file=sys.stderr)
    return saved


def compare(before, after, alpha, changed_metrics, changed_designs):
    rows = []
    for design, metrics in after["designs"].items():
        if design not in before["designs"]:
            continue
        for metric, steps in metrics.items():
            if metric not in before["designs"][design]:
                continue
            for step, a in steps.items():
                b = before["designs"][design][metric].get(step)
                if b is None:
                    continue
                rows.append((design, metric, step, b, a))
    bound = -_normal_quantile(alpha / (2 * max(1, len(rows))))
    failures, worst = [], (0.0, None)
    for design, metric, step, b, a in rows:
        expected = metric in changed_metrics or design in changed_designs
        if b["n"] == 0 and a["n"] == 0:
            continue
        both_constant = (b["sd"] == 0 or b["n"] < 2) and (a["sd"] == 0 or a["n"] < 2)
        if both_constant:
            same = a["mean"] == b["mean"] or (math.isnan(a["mean"]) and math.isnan(b["mean"]))
            if not same and not expected:
                failures.append(f"{design} / {metric} @ step {step}: constant {b['mean']!r} before, {a['mean']!r} after")
            continue
        se = math.sqrt((b["sd"] ** 2 if b["n"] > 1 else 0) / max(b["n"], 1) + (a["sd"] ** 2 if a["n"] > 1 else 0) / max(a["n"], 1))
        z = (a["mean"] - b["mean"]) / se if se > 0 else float("inf")
        if abs(z) > abs(worst[0]) and not expected:
            worst = (z, (design, metric, step, b["mean"], a["mean"]))
        if abs(z) > bound and not expected:
            failures.append(f"{design} / {metric} @ step {step}: {b['mean']:.6g} before, {a['mean']:.6g} after, z = {z:+.2f}")
    print(f"{len(rows)} comparisons (design x metric x step), family-wise alpha {alpha}: |z| bound {bound:.2f}")
    if worst[1]:
        d, m, s, mb, ma = worst[1]
        print(f"largest |z| = {abs(worst[0]):.2f} ({d} / {m} @ step {s}: {mb:.6g} -> {ma:.6g})")
    for line in failures:
        print("DIFFERS: " + line)
    return 1 if failures else 0


def _normal_quantile(p):
    from scipy.stats import norm

    return float(norm.ppf(p))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", help="write the summary of this build to FILE")
    parser.add_argument("--against", help="compare this build with a saved FILE")
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--expect-changed", action="append", default=[], metavar="METRIC",
                        help="a metric whose definition changed (reported, not tested)")
    parser.add_argument("--expect-changed-design", action="append", default=[], metavar="DESIGN",
                        help="a design whose model changed (reported, not tested)")
    args = parser.parse_args()
    if not args.save and not args.against:
        parser.error("give --save FILE or --against FILE")
    if args.against:
        with open(args.against) as f:
            before = json.load(f)
        args.nodes, args.replicates = before["nodes"], before["replicates"]
        args.seed = before["seed"] + 1  # independent random numbers
    saved = run_all(args)
    if args.save:
        os.makedirs(os.path.dirname(os.path.abspath(args.save)), exist_ok=True)
        with open(args.save, "w") as f:
            json.dump(saved, f)
    if args.against:
        return compare(before, saved, args.alpha, set(args.expect_changed), set(args.expect_changed_design))
    return 0


if __name__ == "__main__":
    sys.exit(main())
