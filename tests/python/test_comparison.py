# guanxi.comparison: gx.compare with common random numbers, paired differences against the baseline
# (with uncertain parameters too), designs given as a dict or a list of named campaigns, and the
# warning for designs on graphs of different sizes.
import math

import numpy as np
import pytest

import guanxi as gx
from helpers import delta_method_by_hand, design_warnings, lively, run_campaign, same_values, statsmodels_interval


stats = pytest.importorskip("scipy.stats")


def test_compare_reports_paired_differences(hk):
    base = lively(hk, name="none")
    reward = base.replace(policy={"referral_reward": 10})
    team = base.replace(policy={"group_buy": {"size": 2, "deadline": 3}})
    results = {}
    table = gx.compare({"none": base, "reward": reward, "team": team}, replicates=10, seed=5, progress=False,
                       results=results)
    assert table.index.names == ["design", "metric"]
    assert list(table.index.get_level_values(0).unique()) == ["reward", "team"]
    assert list(table.columns) == ["baseline", "design_mean", "difference", "ci_low", "ci_high", "share_higher"]
    assert "incremental_roi" in table.loc["reward"].index
    assert set(results) == {"none", "reward", "team"}
    assert same_values(results["reward"].values, run_campaign(reward, replicates=10, seed=5).values)

    def horizon(name, metric):
        return results[name].metric(metric)[:, -1]

    # Independent formulas for the intervals, with the t quantile of 9 degrees of freedom.
    t975 = stats.t.ppf(0.975, 10 - 1)

    def assert_interval(row, centre, half):
        assert row["ci_high"] - centre == pytest.approx(half, rel=1e-9, abs=1e-9)
        assert centre - row["ci_low"] == pytest.approx(half, rel=1e-9, abs=1e-9)

    for design in ("reward", "team"):
        d_profit = horizon(design, "profit") - horizon("none", "profit")
        d_spend = horizon(design, "incentive_spend") - horizon("none", "incentive_spend")
        roi = table.loc[(design, "incremental_roi")]
        ratio = d_profit.mean() / d_spend.mean()
        assert roi["difference"] == pytest.approx(ratio, rel=1e-9)
        assert roi["share_higher"] == pytest.approx(np.mean(d_profit > 0))  # documented: share with more profit
        assert np.isnan(roi["baseline"]) and np.isnan(roi["design_mean"])
        # Delta method for a ratio of means: Var(R) = (s_p^2 - 2 R s_ps + R^2 s_s^2) / (n mean_s^2).
        cov = np.cov(d_profit, d_spend, ddof=1)
        variance = (cov[0, 0] - 2 * ratio * cov[0, 1] + ratio ** 2 * cov[1, 1]) / (10 * d_spend.mean() ** 2)
        assert_interval(roi, ratio, t975 * math.sqrt(variance))
        assert results[design].label == design
        for metric in table.loc[design].index:
            row = table.loc[(design, metric)]
            assert 0 <= row["share_higher"] <= 1
            if metric in ("incremental_roi", "incremental_marketing_roi", "payback_step"):  # payback: test_results
                continue
            diff = horizon(design, metric) - horizon("none", metric)
            assert row["baseline"] == pytest.approx(horizon("none", metric).mean(), rel=1e-12)
            assert row["design_mean"] == pytest.approx(horizon(design, metric).mean(), rel=1e-12)
            assert row["difference"] == pytest.approx(diff.mean(), rel=1e-9, abs=1e-9)
            assert row["share_higher"] == pytest.approx(np.mean(diff > 0))
            assert_interval(row, diff.mean(), t975 * diff.std(ddof=1) / math.sqrt(10))
    only = gx.compare({"none": base, "reward": reward}, replicates=4, seed=5, progress=False, metrics=["customers"])
    assert list(only.index) == [("reward", "customers")]
    with pytest.raises(ValueError, match="at least two"):
        gx.compare({"none": base})
    with pytest.raises(ValueError, match="steps"):
        gx.compare({"none": base, "long": base.replace(run={"steps": 30})}, replicates=2, progress=False)


def test_compare_warns_about_graphs_of_different_sizes(designs):
    other = gx.Campaign(gx.generators.holme_kim(900, 3, 0.5, seed=4), name="smaller", run={"steps": 15})
    _, found = design_warnings(lambda: gx.compare([designs[0], other], replicates=2, progress=False))
    assert found == ["campaigns['smaller']: its graph has 900 nodes and the baseline's ('none') 1,200: "
                     "paired differences then compare different populations"]


def test_compare_takes_a_list_of_named_campaigns(designs, compared):
    table, results = compared
    as_dict = gx.compare({d.name: d for d in designs}, replicates=12, seed=3, progress=False)
    assert table.equals(as_dict) and list(results) == ["none", "referral", "team"]
    assert table.attrs == {"baseline": "none", "replicates": 12, "seed": 3, "level": 0.95}
    unnamed = gx.Campaign(designs[0].graph, run=designs[0].spec["run"], policy={"referral_reward": 5})
    assert designs[0].replace(policy={"referral_reward": 5}).name == "none (referral_reward=5)"
    with pytest.raises(ValueError, match=r"campaigns\[1\]: has no name"):
        gx.compare([designs[0], unnamed], replicates=2, progress=False)
    with pytest.raises(ValueError, match=r"campaigns\[1\]: the name 'none' is used twice"):
        gx.compare([designs[0], designs[0]], replicates=2, progress=False)
    with pytest.raises(ValueError, match=r"campaigns\[1\]: must be a guanxi.Campaign"):
        gx.compare([designs[0], "team"], replicates=2, progress=False)


def test_compare_with_uncertain_parameters(decision_base):
    designs = {"reward 10": decision_base, "no reward": decision_base.replace(policy={"referral_reward": 0})}
    uncertain = {"behaviour.conv_strong": ("uniform", 0.05, 0.2)}
    table = gx.compare(designs, replicates=10, seed=3, uncertain=uncertain, progress=False, metrics=["profit"])
    s = gx.sweep(decision_base, [{}, {"policy.referral_reward": 0}], replicates=10, seed=3, uncertain=uncertain, progress=False)
    profit = s.horizon("profit")
    paired = gx.stats.paired_difference(profit[0], profit[1])
    assert table.loc[("no reward", "profit"), "difference"] == paired.difference
    plain = gx.compare(designs, replicates=10, seed=3, progress=False, metrics=["profit"])
    assert plain.loc[("no reward", "profit"), "difference"] != paired.difference  # the draws changed the runs


scipy_stats = pytest.importorskip("scipy.stats")


def test_compare_rows_are_the_paired_statistics(summary_compared):
    table, results = summary_compared
    assert list(table.columns) == ["baseline", "design_mean", "difference", "ci_low", "ci_high", "share_higher"]
    assert all(str(t) == "float64" for t in table.dtypes)
    base = results["none"]
    base_means = base.summary()["mean"]
    for design in ("referral", "team"):
        run = results[design]
        engine = gx._guanxi.comparison_metrics()
        at = engine.index("incentive_roi")
        assert list(table.loc[design].index) == (engine[:at] + ["incremental_roi", "incremental_marketing_roi"]
                                                 + engine[at + 1:] + ["payback_step"])
        for metric, row in table.loc[design].iterrows():
            if metric == "payback_step":  # test_payback_in_summary_and_comparisons (test_results.py)
                continue
            if metric in ("incremental_roi", "incremental_marketing_roi"):
                spend = "incentive_spend" if metric == "incremental_roi" else "marketing_spend"
                d_profit = run.metric("profit")[:, -1] - base.metric("profit")[:, -1]
                d_spend = run.metric(spend)[:, -1] - base.metric(spend)[:, -1]
                expected = gx.stats.ratio_of_mean_differences(d_profit, d_spend, 0.95)
                got = (row["difference"], row["ci_low"], row["ci_high"], row["share_higher"])
                np.testing.assert_array_equal(got, expected[:4])
                assert np.isnan(row["baseline"]) and np.isnan(row["design_mean"])
                if not np.isnan(expected.ratio):
                    by_hand = delta_method_by_hand(d_profit, d_spend, 0.95)
                    np.testing.assert_allclose(got, by_hand, rtol=1e-10, atol=1e-12)
                continue
            x, y = base.metric(metric)[:, -1], run.metric(metric)[:, -1]
            expected = gx.stats.paired_difference(x, y, 0.95)
            np.testing.assert_array_equal(row.to_numpy(), np.array(expected[:6], dtype=float))
            # The design's and the baseline's means are their summaries' means.
            np.testing.assert_array_equal(row["baseline"], base_means[metric])
            complete = ~np.isnan(x) & ~np.isnan(y)
            if complete.sum() >= 2:
                interval = statsmodels_interval(y[complete] - x[complete], 0.95)
                assert (row["ci_low"], row["ci_high"]) == pytest.approx(interval, rel=1e-12, abs=1e-9)


def test_compare_checks_its_arguments_before_running(summary_designs):
    with pytest.raises(ValueError, match=r"^level: must be in \(0, 1\)"):
        gx.compare(summary_designs, replicates=2, progress=False, level=1.0)
    with pytest.raises(ValueError, match="^metrics: unknown 'incremental_roi'"):
        gx.compare(summary_designs, replicates=2, progress=False, metrics=["customers", "incremental_roi"])


def test_the_two_rois_divide_by_their_own_spend(busy):
    # A design that buys ads: its marketing ROI divides by incentives, ads and community cost, its
    # incentive ROI by incentives alone; each is the ratio of the paired mean differences.
    quiet = busy.replace(name="quiet", acquisition={"ad_spend": 0}, policy={"referral_reward": 0})
    results = {}
    table = gx.compare([quiet, busy], replicates=6, seed=2, progress=False, results=results,
                       metrics=["profit", "incentive_roi", "marketing_roi"])
    assert list(table.loc["busy"].index) == ["profit", "incremental_roi", "incremental_marketing_roi"]

    def change(metric):
        return (results["busy"].metric(metric)[:, -1] - results["quiet"].metric(metric)[:, -1]).mean()

    assert change("ad_spend") > 0 and change("marketing_spend") > change("incentive_spend")
    for row, spend in (("incremental_roi", "incentive_spend"), ("incremental_marketing_roi", "marketing_spend")):
        assert table.loc[("busy", row), "difference"] == pytest.approx(change("profit") / change(spend), rel=1e-12)
