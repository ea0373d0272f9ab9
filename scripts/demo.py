"""The main job, run by `make demo`: compare the example campaign designs (examples/*.toml) on the
built-in default graph, a 100,000-person Holme–Kim social graph, with common random numbers;
print the paired differences against the first design and write PNGs of customers and profit
over time and of the paired differences (a forest plot).

Usage: /usr/bin/python3 scripts/demo.py [--replicates N] [--nodes N] [--out DIR]
"""

import argparse
import glob
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("build", "demo"))
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import guanxi as gx

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    started = time.perf_counter()
    graph = gx.generators.holme_kim(args.nodes, 4, 0.5, seed=1)
    print(f"graph: Holme–Kim social graph, {graph.num_nodes:,} people, {graph.num_ties:,} ties "
          f"(clustering {gx.analytics.average_clustering(graph):.2f})")
    designs = {}
    for path in sorted(glob.glob(os.path.join(root, "examples", "*.toml"))):
        campaign = gx.Campaign.from_toml(path, graph=graph)
        designs[campaign.name] = campaign
    results = {}
    table = gx.compare(designs, replicates=args.replicates, seed=args.seed, progress=sys.stderr.isatty(),
                       results=results)
    names = list(designs)
    baseline = results[names[0]]

    def mean_at_horizon(result, metric):
        values = result.metric(metric)[:, -1]
        values = values[~(values != values)]  # drop NaN
        return values.mean() if len(values) else float("nan")

    def fmt(x, digits=0):
        return "n/a" if x != x else f"{x:,.{digits}f}"

    print(f"\n{len(names)} designs x {args.replicates} replicates x {baseline.steps} steps, seed {args.seed}, "
          f"common random numbers; means at the horizon, differences against '{names[0]}' with 95% CI\n")
    header = f"{'design':24} {'customers':>10} {'Δ customers':>22} {'profit':>10} {'Δ profit':>26} " \
             f"{'mkt spend':>9} {'pays back':>9} {'ROI inc.':>8} {'ROI mkt':>8} {'strong ties':>11}"
    print(header)
    print("-" * len(header))
    for name in names:
        r = results[name]
        customers, profit = mean_at_horizon(r, "customers"), mean_at_horizon(r, "profit")
        # Marketing spend (§12): incentives, ads and community posts.
        spend, strong = mean_at_horizon(r, "marketing_spend"), mean_at_horizon(r, "strong_ties_customers")
        if name == names[0]:
            d_customers = d_profit = roi = marketing_roi = payback = "—"
        else:
            row = table.loc[name]
            c, p = row.loc["customers"], row.loc["profit"]
            d_customers = f"{c.difference:+,.0f} [{c.ci_low:+,.0f}, {c.ci_high:+,.0f}]"
            d_profit = f"{p.difference:+,.0f} [{p.ci_low:+,.0f}, {p.ci_high:+,.0f}]"
            roi = fmt(row.loc["incremental_roi"].difference, 2)
            marketing_roi = fmt(row.loc["incremental_marketing_roi"].difference, 2)
            # The day from which the design's extra cumulative profit stays >= 0 (MODEL.md §11).
            day = row.loc["payback_step"].difference
            payback = "never" if day != day else f"day {day + 1:.0f}"  # days count from 1: step 0 is day 1
        print(f"{name:24} {fmt(customers):>10} {d_customers:>22} {fmt(profit):>10} {d_profit:>26} "
              f"{fmt(spend):>9} {payback:>9} {roi:>8} {marketing_roi:>8} {fmt(strong, 1):>11}")
    print("ROI inc.: Δprofit / Δincentive spend; ROI mkt: Δprofit / Δmarketing spend (incentives, ads, "
          "community); both against the baseline, paired (docs/campaign.md, \"Two ROIs\")")

    best = max(names[1:], key=lambda n: table.loc[(n, "profit"), "difference"])
    best_row = table.loc[(best, "profit")]
    print(f"\nmost profitable against '{names[0]}': {best} ({best_row.difference:+,.0f}, 95% CI "
          f"[{best_row.ci_low:+,.0f}, {best_row.ci_high:+,.0f}], higher in {best_row.share_higher:.0%} of replicates)")
    losers = [n for n in names[1:] if table.loc[(n, "profit"), "ci_high"] < 0]
    if losers:
        print("lose money against the baseline: " + ", ".join(losers))

    os.makedirs(args.out, exist_ok=True)
    figure, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    for name in names:  # the baseline in black, named first; every other design a colour of its own
        results[name].plot(("customers", "profit"), axes=axes, label=name, baseline=name == names[0])
    axes[0].get_legend().remove()  # one legend, beside the profit panel
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    figure.suptitle(f"{len(names)} campaign designs on a {graph.num_nodes:,}-person social graph "
                    f"(mean of {args.replicates} replicates with 95% bands)")
    png = os.path.join(args.out, "campaigns.png")
    figure.savefig(png, dpi=110)
    forest = gx.plot_comparison(table, ["profit", "customers"])[0].figure
    forest_png = os.path.join(args.out, "comparison.png")
    forest.savefig(forest_png, dpi=110)
    print(f"wrote {png} and {forest_png} ({time.perf_counter() - started:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
