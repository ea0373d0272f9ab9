# guanxi.results: what a run returns (CampaignResult, MODEL.md §5 and §11): the tidy time series, the
# summary with Student intervals ("not available" from one replicate), metric columns, the referral
# forest against the metrics, the customer ledger, cohorts, lifetime value and payback recomputed by
# hand from the ledger, the manifest that identifies the computation, and pickling (also across
# processes).
import math
import multiprocessing
import pickle

import matplotlib.pyplot as plt
import numpy as np
import pytest

import guanxi as gx
from helpers import CHANNELS, lively, run_campaign, same_values, statsmodels_interval


stats = pytest.importorskip("scipy.stats")


def test_timeseries_is_tidy(lively_result):
    r = lively_result
    frame = r.timeseries
    metrics = gx.campaign.metrics()
    assert list(frame.columns) == ["replicate", "step", "metric", "value"]
    assert len(frame) == r.replicates * r.steps * len(metrics) == r.values.size
    assert r.metrics == metrics and r.values.shape == (5, 25, len(metrics))
    rows = frame.set_index(["replicate", "step", "metric"])["value"]
    for rep, step, metric in [(0, 0, "customers"), (4, 24, "profit"), (2, 13, "structural_virality")]:
        assert rows[(rep, step, metric)] == r.values[rep, step, metrics.index(metric)]
    assert list(frame["metric"].cat.categories) == metrics


def test_summary_is_the_horizon_with_a_student_interval(lively_result):
    r = lively_result
    summary = r.summary()
    assert list(summary.index) == r.metrics + ["payback_step"]  # payback: test_payback_in_summary_and_comparisons
    assert list(summary.columns) == ["mean", "ci_low", "ci_high", "sd", "replicates"]
    for metric in r.metrics:
        x = r.metric(metric)[:, -1]
        x = x[~np.isnan(x)]
        row = summary.loc[metric]
        assert row["replicates"] == x.size
        if x.size == 0:
            assert np.isnan(row["mean"])
            continue
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12, abs=1e-12)
        if x.size == 1:  # no spread from one value: not available, never a zero-width interval
            assert np.isnan(row["sd"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
        else:
            sd = x.std(ddof=1)
            assert row["sd"] == pytest.approx(sd, rel=1e-9, abs=1e-12)
            # Student t interval: t_{n-1} sd / sqrt(n) (gx.stats, scipy's t quantile).
            half = stats.t.ppf(0.975, x.size - 1) * sd / math.sqrt(x.size)
            assert row["ci_high"] - row["mean"] == pytest.approx(row["mean"] - row["ci_low"], rel=1e-9, abs=1e-9)
            assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-9, abs=1e-9), metric
    narrow = r.summary(level=0.5).loc["customers"]
    wide = summary.loc["customers"]
    assert wide["ci_low"] < narrow["ci_low"] <= narrow["ci_high"] < wide["ci_high"]


def test_metric_is_a_column_of_values(lively_result):
    r = lively_result
    assert np.array_equal(r.metric("profit"), r.values[:, :, r.metrics.index("profit")])
    with pytest.raises(ValueError, match="profitt"):
        r.metric("profitt")


def tree_distances(members, parent):
    """Mean distance over pairs of a tree given as node -> parent (None for the root)."""
    children = {v: [] for v in members}
    for v in members:
        if parent[v] is not None:
            children[parent[v]].append(v)
            children[v].append(parent[v])
    total, pairs = 0, 0
    for source in members:
        dist, frontier = {source: 0}, [source]
        while frontier:
            nxt = []
            for u in frontier:
                for w in children[u]:
                    if w not in dist:
                        dist[w] = dist[u] + 1
                        nxt.append(w)
            frontier = nxt
        total += sum(dist.values())
        pairs += len(members) - 1
    return total / pairs


@pytest.mark.parametrize("design", ["referral", "group_buy", "bargain"])
def test_referral_forest_matches_the_metrics(hk, design):
    policies = {"referral": {"referral_reward": 5}, "group_buy": {"group_buy": {"size": 2, "deadline": 4}},
                "bargain": {"bargain": {"helpers": 1, "deadline": 3}}}
    r = run_campaign(lively(hk, policy=policies[design]), replicates=4, seed=17, forests=[1, 2])
    for rep in (1, 2):
        forest = r.referral_forest(rep)
        assert len(forest) == r.metric("customers")[rep, -1]  # one row per customer who ever bought
        assert forest.node.is_unique and set(forest.channel) <= set(CHANNELS)
        assert (forest.step >= 0).all() and (forest.step < r.steps).all()
        by_node = forest.set_index("node")
        roots = forest.referrer == -1
        assert (forest.depth[roots] == 0).all()
        inner = forest[~roots]
        assert inner.referrer.isin(forest.node).all()
        assert np.array_equal(inner.depth.to_numpy(), by_node.loc[inner.referrer, "depth"].to_numpy() + 1)
        assert (by_node.loc[inner.referrer, "step"].to_numpy() <= inner.step.to_numpy()).all()
        labels = np.asarray(hk.labels)
        assert np.array_equal(forest.label.to_numpy(), labels[forest.node.to_numpy()])
        # Channel counts per step are the new_customers_<channel> of the time series.
        for channel in CHANNELS:
            counts = np.bincount(forest.step[forest.channel == channel], minlength=r.steps)
            assert np.array_equal(counts, r.metric(f"new_customers_{channel}")[rep]), channel
        seeds = forest[forest.channel == "seed"]
        degrees = np.asarray(hk.degrees())
        assert len(seeds) <= 10 and (degrees[seeds.node] >= np.sort(degrees)[-10]).all()  # top_degree, k 10
        assert (forest.referrer[forest.channel.isin(["seed", "external"])] == -1).all()
        if design == "referral":  # sharers are customers: every referral customer has its referrer in the forest
            assert (forest.referrer[forest.channel == "referral"] >= 0).all()
            assert (seeds.step == 0).all() and len(seeds) == 10
        # Cascade metrics from the forest: trees by root.
        root_of = {}
        for node, referrer in zip(forest.node, forest.referrer):  # listed parents first
            root_of[node] = node if referrer == -1 else root_of[referrer]
        sizes = {}
        for root in root_of.values():
            sizes[root] = sizes.get(root, 0) + 1
        largest = max(sizes.values())
        assert r.metric("largest_cascade")[rep, -1] == largest
        assert r.metric("max_depth")[rep, -1] == forest.depth.max()
        parent = {n: (None if p == -1 else p) for n, p in zip(forest.node, forest.referrer)}
        candidates = {tree_distances([n for n in root_of if root_of[n] == root], parent) if largest > 1 else 0.0
                      for root, size in sizes.items() if size == largest}
        virality = r.metric("structural_virality")[rep, -1]
        assert any(abs(virality - v) < 1e-9 for v in candidates), (virality, candidates)
    # A replicate not kept (3) is run again alone: the same replicate as in a whole run that
    # kept it (a pure function of seed and index).
    rerun = r.referral_forest(3)
    kept = run_campaign(r.campaign, replicates=4, seed=17, forests=[3]).referral_forest(3)
    assert rerun.equals(kept) and len(rerun) == r.metric("customers")[3, -1]
    with pytest.raises(ValueError, match="replicate"):
        r.referral_forest(r.replicates)


def test_one_replicate_has_no_interval(designs):
    result = designs[1].run(replicates=1, seed=2, progress=False)
    summary = result.summary()
    assert summary["replicates"].max() == 1
    assert summary[["sd", "ci_low", "ci_high"]].isna().all().all()
    mean, low, high = result.mean_curve("customers")
    assert same_values(mean, result.metric("customers")[0]) and np.isnan(low).all() and np.isnan(high).all()
    table = gx.compare(designs[:2], replicates=1, seed=2, progress=False)
    assert table[["ci_low", "ci_high"]].isna().all().all()
    ratios = [("referral", "incremental_roi"), ("referral", "incremental_marketing_roi")]  # need two replicates
    assert not table["difference"].drop(ratios).isna().any()
    axes = result.plot("customers")
    try:
        assert len(axes[0].collections) == 0  # no band drawn
        assert "mean of 1 replicates" in axes[0].figure._suptitle.get_text()
    finally:
        plt.close("all")


def test_campaigns_and_results_pickle(compared, designs):
    _, results = compared
    team = designs[2]
    again = pickle.loads(pickle.dumps(team))
    assert again.spec == team.spec and again.name == "team" and again.graph.num_ties == team.graph.num_ties
    assert same_values(again.run(replicates=4, seed=3, progress=False).values, results["team"].values[:4])
    result = pickle.loads(pickle.dumps(results["team"]))
    assert same_values(result.values, results["team"].values) and result.label == "team"
    assert result.summary().equals(results["team"].summary())
    assert result.referral_forest(5).equals(results["team"].referral_forest(5))


def _run_in_child(campaign):
    return campaign.run(replicates=3, seed=9, threads=1, progress=False)


def test_multiprocessing_carries_campaigns_and_results(designs):
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        child = pool.map(_run_in_child, [designs[1]])[0]
    assert same_values(child.values, designs[1].run(replicates=3, seed=9, progress=False).values)


def test_manifest_identifies_the_computation(hk1200, designs):
    base = designs[0]
    a = base.run(replicates=3, seed=5, progress=False)
    m = a.manifest
    assert m["engine"] == "guanxi" and m["version"] == gx.__version__
    assert (m["seed"], m["first_replicate"], m["replicates"], m["steps"]) == (5, 0, 3, 15)
    assert m["metrics"] == gx.campaign.metrics()
    assert m["graph"] == {"fingerprint": hk1200.fingerprint, "nodes": hk1200.num_nodes, "ties": hk1200.num_ties,
                          "directed": False}
    assert len(m["spec_sha256"]) == 64
    # The same computation, another time or thread count: the same manifest.
    assert base.run(replicates=3, seed=5, threads=1, progress=False).manifest == m
    # The run section's replicates and seed are run options, not part of the spec's identity.
    assert base.replace(run={"replicates": 7, "seed": 9}).run(replicates=3, seed=5, progress=False).manifest == m
    # Anything that changes the numbers changes the manifest.
    assert designs[1].run(replicates=3, seed=5, progress=False).manifest["spec_sha256"] != m["spec_sha256"]
    assert base.replace(run={"steps": 14}).run(replicates=3, seed=5, progress=False).manifest["spec_sha256"] \
        != m["spec_sha256"]
    assert base.run(replicates=3, seed=6, progress=False).manifest["seed"] == 6
    other = gx.generators.holme_kim(1200, 3, 0.5, seed=5)
    assert other.fingerprint != hk1200.fingerprint
    assert gx.generators.holme_kim(1200, 3, 0.5, seed=4).fingerprint == hk1200.fingerprint  # a fresh, equal graph
    # A pickled result keeps its identity.
    assert pickle.loads(pickle.dumps(a)).manifest == m


def test_manifest_fingerprints_strengths_when_the_run_starts_from_them():
    g = gx.generators.holme_kim(300, 3, 0.5, seed=1)
    campaign = gx.Campaign(g, ties={"init": "graph"}, run={"steps": 3})
    before = campaign.run(replicates=2, progress=False)
    first = before.manifest["graph"]["strength_fingerprint"]
    g.strength = np.full(g.num_ties, 0.25, dtype=np.float32)
    second = campaign.run(replicates=2, progress=False).manifest["graph"]["strength_fingerprint"]
    assert first != second
    # The manifest records the strengths the run started from, not the graph's current ones.
    assert before.manifest["graph"]["strength_fingerprint"] == first
    assert pickle.loads(pickle.dumps(before)).manifest["graph"]["strength_fingerprint"] == first
    assert "strength_fingerprint" not in gx.Campaign(g, run={"steps": 3}).run(replicates=2, progress=False).manifest["graph"]


def test_the_ledger_adds_up_to_the_aggregates(busy_run):
    for r in (0, 3, 5):  # kept, kept, and run again alone
        ledger = busy_run.customers(r)
        at = {name: busy_run.metric(name)[r, -1] for name in busy_run.metrics}
        assert len(ledger) == at["customers"]
        assert ledger.revenue.sum() == pytest.approx(at["revenue"], rel=1e-12)
        assert ledger.margin.sum() == pytest.approx(at["revenue"] - at["cost_of_goods"] - at["platform_fees"], rel=1e-12)
        assert ledger.incentives.sum() == pytest.approx(at["discounts"] + at["rewards"] + at["commissions"], rel=1e-12)
        assert ledger.earned.sum() == pytest.approx(at["rewards"] + at["commissions"], rel=1e-12)
        assert (ledger.churned >= 0).sum() == at["churned"]
        assert ledger.purchases.sum() == at["purchases"]
        for channel in gx.campaign.channels():
            assert (ledger.channel == channel).sum() == at[f"customers_{channel}"], channel
        referred = ledger[ledger.referrer >= 0]
        assert set(referred.channel) <= {"referral", "team", "bargain", "community"}
        assert (ledger.churned[ledger.churned >= 0] > ledger.acquired[ledger.churned >= 0]).all()
    assert busy_run.customers(0).equals(busy_run.customers(0))
    assert {"ad", "community", "referral", "seed"} <= set(busy_run.customers(0).channel)


def test_cohorts_match_a_count_from_the_ledger(busy):
    result = busy.run(replicates=1, seed=11, progress=False)
    ledger = result.customers(0)
    table = result.cohorts()
    steps = result.steps
    expected = []
    for c in sorted(ledger.acquired.unique()):
        cohort = ledger[ledger.acquired == c]
        for a in range(steps - c):
            active = ((cohort.churned < 0) | (cohort.churned > c + a)).sum()
            expected.append((c, a, len(cohort), active / len(cohort)))
    assert len(table) == len(expected)
    for row, (c, a, size, share) in zip(table.itertuples(), expected):
        assert (row.cohort, row.age, row.customers, row.replicates) == (c, a, size, 1)
        assert row.share_active == pytest.approx(share, rel=1e-15)
    by_channel = result.cohorts(by="channel")
    ad = ledger[ledger.channel == "ad"]
    for a in (0, 10):
        seen = ad[ad.acquired + a <= steps - 1]
        share = ((seen.churned < 0) | (seen.churned > seen.acquired + a)).mean()
        row = by_channel[(by_channel.cohort == "ad") & (by_channel.age == a)].iloc[0]
        assert row.share_active == pytest.approx(share, rel=1e-15) and row.customers == len(seen)
    weekly = result.cohorts(by=7)
    assert set(weekly.cohort) <= set(range(0, steps, 7))
    assert weekly[weekly.age == 0].customers.sum() == len(ledger)


def test_cohorts_over_replicates_and_their_errors(busy_run):
    table = busy_run.cohorts()
    assert (table[table.age == 0].share_active == 1).all()  # nobody churns in the step it buys
    assert ((table.share_active >= 0) & (table.share_active <= 1)).all()
    assert (table.replicates <= busy_run.replicates).all()
    for bad in ("week", 0, -1, True, 2.5):
        with pytest.raises(ValueError, match="by: must be"):
            busy_run.cohorts(by=bad)


def test_lifetime_value_by_channel(busy):
    result = busy.run(replicates=1, seed=12, progress=False)
    ledger = result.customers(0)
    table = result.lifetime_value()
    for channel, row in table.iterrows():
        mine = ledger[ledger.channel == channel]
        assert row.customers == len(mine)
        assert row.ltv == pytest.approx(mine.margin.sum() / len(mine), rel=1e-12)
    ad = ledger[ledger.channel == "ad"]
    assert table.loc["ad", "cac"] == pytest.approx(result.metric("ad_spend")[0, -1] / len(ad), rel=1e-12)
    assert table.loc["ad", "ltv_to_cac"] == pytest.approx(table.loc["ad", "ltv"] / table.loc["ad", "cac"])
    several = busy.run(replicates=6, seed=12, progress=False).lifetime_value()
    assert several.loc["ad", "ltv_low"] <= several.loc["ad", "ltv"] <= several.loc["ad", "ltv_high"]


def test_payback_in_summary_and_comparisons(busy, busy_run):
    profit = busy_run.metric("profit")
    firsts = [next((t for t in range(busy_run.steps) if profit[r, t] >= 0), None) for r in range(busy_run.replicates)]
    paid = [t for t in firsts if t is not None]
    row = busy_run.summary().loc["payback_step"]
    assert row.replicates == len(paid)
    if paid:
        assert row["mean"] == pytest.approx(np.mean(paid))
    table = gx.compare({"no marketing": busy.replace(acquisition={"ad_spend": 0.0}, community={"enabled": False}),
                        "busy": busy}, replicates=6, progress=False)
    payback = table.loc[("busy", "payback_step")]
    results = {}
    gx.compare({"a": busy.replace(acquisition={"ad_spend": 0.0}, community={"enabled": False}), "b": busy},
               replicates=6, progress=False, results=results, metrics=["profit"])
    gain = results["b"].metric("profit") - results["a"].metric("profit")
    mean = gain.mean(axis=0)
    below = np.flatnonzero(mean < 0)
    expected = 0 if below.size == 0 else (below[-1] + 1 if below[-1] + 1 < len(mean) else math.nan)
    assert payback["difference"] == expected or (math.isnan(expected) and math.isnan(payback["difference"]))
    assert payback["share_higher"] == pytest.approx(np.mean(gain[:, -1] >= 0))


def test_results_pickle_with_their_lifecycle(busy_run):
    again = pickle.loads(pickle.dumps(busy_run))
    assert again.cohorts().equals(busy_run.cohorts())
    assert again.lifetime_value().equals(busy_run.lifetime_value())
    assert again.customers(0).equals(busy_run.customers(0))


@pytest.mark.parametrize("level", [0.95, 0.6])
def test_summary_at_the_horizon_is_the_last_step_of_mean_curve(summary_compared, level):
    _, results = summary_compared
    result = results["team"]
    summary = result.summary(level)
    rates_with_nan = [m for m in result.metrics if np.isnan(result.metric(m)[:, -1]).any()]
    assert rates_with_nan, "the run should have NaN rates at the horizon, to check NaN handling"
    for metric in result.metrics:
        mean, low, high = result.mean_curve(metric, level)
        row = summary.loc[metric]
        # Bit-identical (NaN equal to NaN): one formula, one summation order.
        np.testing.assert_array_equal([row["mean"], row["ci_low"], row["ci_high"]], [mean[-1], low[-1], high[-1]])
        horizon = result.metric(metric)[:, -1]
        present = horizon[~np.isnan(horizon)]
        assert row["replicates"] == present.size
        if present.size >= 2:
            assert (row["ci_low"], row["ci_high"]) == pytest.approx(statsmodels_interval(present, level), rel=1e-12,
                                                                    abs=1e-9)
            assert row["sd"] == pytest.approx(present.std(ddof=1), rel=1e-12, abs=1e-12)
        else:
            assert np.isnan(row["sd"]) and np.isnan(row["ci_low"])
    # mean_curve at every step is mean_interval of that step.
    curve = result.mean_curve("profit", level)
    by_step = gx.stats.mean_interval(result.metric("profit"), level, axis=0)
    for got, expected in zip(curve, by_step[:3]):
        np.testing.assert_array_equal(got, expected)


def test_summary_keeps_its_columns_and_types(summary_compared):
    _, results = summary_compared
    summary = results["none"].summary()
    assert summary.index.name == "metric" and list(summary.index) == results["none"].metrics + ["payback_step"]
    assert list(summary.columns) == ["mean", "ci_low", "ci_high", "sd", "replicates"]
    assert [str(t) for t in summary.dtypes] == ["float64"] * 4 + ["int64"]


def test_campaign_summaries_refuse_a_bad_level(summary_compared):
    _, results = summary_compared
    for call in (lambda: results["none"].summary(level=1.5), lambda: results["none"].mean_curve("profit", 0)):
        with pytest.raises(ValueError, match="^level"):
            call()
