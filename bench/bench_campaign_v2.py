"""Model version 2 at scale: ads, community groups and a two-sided referral on a million people.

Workload (the issue "Model version 2", benchmark): a 10^6-person Holme–Kim graph with 5·10^6 ties
(gx.generators.holme_kim(1_000_000, 5, 0.5, seed=1); generation not timed), 10 random seeds (drawn
anew in every replicate: the seeds' reach does not grow with the graph, as top-degree seeds' would),
a two-sided referral (reward 10, referee discount 10 %), ads of 150 a day at cpm 30 (5,000
impressions a day) converting at 1 % per impression, community groups at MODEL.md §14's defaults,
60 steps x 100 replicates, seed 0, on every core of the machine. Targets:
  - <= 90 s on 2 cores for the 100 replicates;
  - time per replicate-step flat between 10^6 and 4·10^6 people with the same activity (the same
    ads, seeds and groups: the population grows, the campaign's reach does not), printed for both
    with their ratio (flat: <= 1.3);
  - memory of the customer ledger per customer, printed (bytes of one customer's book, and the
    ledger of a replicate at the mean number of customers).
A warm-up run of 2 replicates first pays the graph's one-time derivations (tie strengths by
overlap, seeds), so the timed runs measure the campaign only.

Prints a table and, last, one JSON line. Takes ~2 minutes on 2 cores (generating the 4·10^6 graph
included); --replicates and --big make it smaller. Run with
PYTHONPATH=<build>/python /usr/bin/python3 bench/bench_campaign_v2.py [--replicates R] [--big N].
"""

from __future__ import annotations

import argparse
import json
import os
import time

import guanxi as gx


def design(graph: gx.Graph) -> gx.Campaign:
    return gx.Campaign(graph, name="ads + groups + two-sided referral",
                       policy={"referral_reward": 10, "referee_discount": 0.1},
                       acquisition={"ad_spend": 150, "cpm": 30, "ad_conversion": 0.01},
                       community={}, seeding={"strategy": "random", "k": 10}, run={"steps": 60})


def timed(campaign: gx.Campaign, replicates: int):
    campaign.run(replicates=2, seed=0, progress=False)  # warm-up: the graph's derivations
    start = time.perf_counter()
    result = campaign.run(replicates=replicates, seed=0, progress=False)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="people in the main graph")
    parser.add_argument("--big", type=int, default=4_000_000, help="people in the larger graph (0: skip)")
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--big-replicates", type=int, default=50, help="replicates on each graph for the comparison")
    args = parser.parse_args()
    cores = os.cpu_count()
    print(f"guanxi {gx.__version__}, {cores} cores, {gx.max_threads()} worker threads")

    graph = gx.generators.holme_kim(args.n, 5, 0.5, seed=1)
    print(f"graph: {graph}")
    result, seconds = timed(design(graph), args.replicates)
    steps = result.steps
    per_step = seconds / (args.replicates * steps)
    summary = result.summary()["mean"]
    activity = {k: float(summary[k]) for k in ("customers", "customers_ad", "customers_community", "group_members",
                                               "groups", "posts", "impressions")}
    print(f"\n{args.replicates} replicates x {steps} steps on {graph.num_nodes:,} people: {seconds:.1f} s "
          f"({args.replicates / seconds:.2f} replicates/s, {1e3 * per_step:.3f} ms per replicate-step)")
    print("  at the horizon (means): " + ", ".join(f"{k} {v:,.1f}" for k, v in activity.items()))
    target_time = 90.0 * (args.replicates / 100) * (args.n / 1_000_000)
    print(f"  target <= {target_time:.0f} s on 2 cores: {'MET' if seconds <= target_time else 'NOT MET'}"
          + ("" if cores == 2 else f" (this machine has {cores} cores)"))

    out = {"n": graph.num_nodes, "ties": graph.num_ties, "replicates": args.replicates, "steps": steps,
           "seconds": seconds, "ms_per_replicate_step": 1e3 * per_step, "activity": activity, "cores": cores}
    if args.big:
        big_graph = gx.generators.holme_kim(args.big, 5, 0.5, seed=1)
        print(f"\ngraph: {big_graph}")
        # The same number of replicates on both sizes, so that the comparison is like for like.
        small_again, small_seconds = timed(design(graph), args.big_replicates)
        big, big_seconds = timed(design(big_graph), args.big_replicates)
        small_step = small_seconds / (args.big_replicates * steps)
        big_step = big_seconds / (args.big_replicates * steps)
        ratio = big_step / small_step
        big_summary = big.summary()["mean"]
        print(f"{args.big_replicates} replicates each: {1e3 * small_step:.3f} ms per replicate-step on "
              f"{graph.num_nodes:,} people (customers {small_again.summary()['mean']['customers']:,.1f}), "
              f"{1e3 * big_step:.3f} ms on {big_graph.num_nodes:,} (customers {big_summary['customers']:,.1f}): "
              f"ratio {ratio:.2f}")
        print(f"  time per step flat (ratio <= 1.3): {'MET' if ratio <= 1.3 else 'NOT MET'}")
        out.update(big_n=big_graph.num_nodes, ms_per_step_small=1e3 * small_step, ms_per_step_big=1e3 * big_step,
                   flat_ratio=ratio)
        del big_graph

    sizes = gx._guanxi.campaign_state_bytes()
    ledger = sizes["ledger_per_customer"]
    print(f"\nledger: {ledger} bytes per customer (one customer's book), {ledger * activity['customers'] / 1e3:,.1f} kB "
          f"for a replicate's {activity['customers']:,.0f} customers; per touched node "
          f"{sizes['per_touched_node']} bytes of state")
    out.update(ledger_bytes_per_customer=ledger, node_state_bytes=sizes["per_touched_node"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
