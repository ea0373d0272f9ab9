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
            if metric in ("incremental_roi", "payback_step"):  # payback: test_payback_in_summary_and_comparisons
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
    unnamed = designs[0].replace(policy={"referral_reward": 5})
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
        assert list(table.loc[design].index) == [("incremental_roi" if m == "incentive_roi" else m)
                                                 for m in gx._guanxi.comparison_metrics()] + ["payback_step"]
        for metric, row in table.loc[design].iterrows():
            if metric == "payback_step":  # test_payback_in_summary_and_comparisons (test_results.py)
                continue
            if metric == "incremental_roi":
                d_profit = run.metric("profit")[:, -1] - base.metric("profit")[:, -1]
                d_spend = run.metric("incentive_spend")[:, -1] - base.metric("incentive_spend")[:, -1]
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
