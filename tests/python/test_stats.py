# gx.stats against independent formulas: statsmodels' Student t intervals (one sample and paired
# differences), the delta method for a ratio of mean differences written out by hand, Monte Carlo
# coverage with a tolerance from the binomial standard error; NaN handling, fewer than two values and
# argument errors. The package's summaries built on it (CampaignResult.summary and mean_curve,
# gx.compare, SimulationResult.ci) are tested beside their modules.
import math

import numpy as np
import pytest

import guanxi as gx
from guanxi import stats
from helpers import delta_method_by_hand, statsmodels_interval


scipy_stats = pytest.importorskip("scipy.stats")


LEVELS = [0.5, 0.8, 0.9, 0.95, 0.99]


BAD_LEVELS = [0, 1, -0.1, 1.5, math.nan, math.inf, True, "0.95", None]


def binomial_band(level, trials):
    """Coverage a correct interval reaches with probability ~0.997: nominal ± 3 binomial SE."""
    se = math.sqrt(level * (1 - level) / trials)
    return level - 3 * se, level + 3 * se


@pytest.mark.parametrize("n", [2, 3, 5, 30, 1000])
@pytest.mark.parametrize("level", LEVELS)
def test_mean_interval_is_statsmodels_student_interval(n, level):
    x = np.random.default_rng(n).lognormal(3, 1, size=n)
    mean, low, high, sd, count = stats.mean_interval(x, level)
    assert count == n
    assert mean == pytest.approx(np.mean(x), rel=1e-13)
    assert sd == pytest.approx(np.std(x, ddof=1), rel=1e-12)
    expected_low, expected_high = statsmodels_interval(x, level)
    assert low == pytest.approx(expected_low, rel=1e-12, abs=1e-12 * abs(mean))
    assert high == pytest.approx(expected_high, rel=1e-12, abs=1e-12 * abs(mean))
    assert low < mean < high


def test_mean_interval_skips_nan():
    x = np.array([np.nan, 4.0, 1.5, np.nan, 2.25, 9.0, 3.0])
    present = x[~np.isnan(x)]
    result = stats.mean_interval(x, 0.9)
    assert result.n == 5
    assert result.mean == pytest.approx(present.mean(), rel=1e-14)
    assert result.sd == pytest.approx(present.std(ddof=1), rel=1e-13)
    assert (result.low, result.high) == pytest.approx(statsmodels_interval(present, 0.9), rel=1e-12)


@pytest.mark.parametrize("values", [[7.5], [np.nan, 7.5, np.nan]])
def test_one_value_has_a_mean_but_no_interval(values):
    result = stats.mean_interval(np.array(values))
    assert result.mean == 7.5 and result.n == 1
    assert np.isnan(result.sd) and np.isnan(result.low) and np.isnan(result.high)  # never zero-width


@pytest.mark.parametrize("values", [[], [np.nan, np.nan]])
def test_no_value_gives_nan(values):
    result = stats.mean_interval(np.array(values, dtype=float))
    assert result.n == 0
    assert all(np.isnan(v) for v in (result.mean, result.low, result.high, result.sd))


def test_identical_values_have_a_zero_width_interval_only_from_two_or_more():
    result = stats.mean_interval(np.array([3.0, 3.0, 3.0]))
    assert (result.mean, result.low, result.high, result.sd, result.n) == (3.0, 3.0, 3.0, 0.0, 3)


def test_columns_are_summarised_separately_and_bit_identically():
    rng = np.random.default_rng(7)
    x = rng.normal(100, 30, size=(37, 6))  # 37 replicates, 6 columns
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 4] = np.nan
    x[1:, 5] = np.nan  # one value
    columns = stats.mean_interval(x, 0.9, axis=0)
    assert columns.mean.shape == (6,) and columns.n.dtype.kind == "i"
    assert list(columns.n[4:]) == [0, 1]
    for j in range(6):
        alone = stats.mean_interval(x[:, j].copy(), 0.9)
        for got, expected in zip(columns, alone):
            np.testing.assert_array_equal(got[j], expected)  # bit-identical, NaN equal to NaN
        present = x[:, j][~np.isnan(x[:, j])]
        if present.size >= 2:
            assert (columns.low[j], columns.high[j]) == pytest.approx(statsmodels_interval(present, 0.9), rel=1e-12)
    # The same numbers whatever the layout: transposed, replicates on axis 1 or -1.
    for layout in (stats.mean_interval(np.asfortranarray(x), 0.9), stats.mean_interval(x.T.copy(), 0.9, axis=1),
                   stats.mean_interval(x.T, 0.9, axis=-1)):
        for got, expected in zip(layout, columns):
            np.testing.assert_array_equal(got, expected)


def test_mean_interval_accepts_integers_and_lists():
    result = stats.mean_interval([1, 2, 3, 4], 0.95)
    assert result.mean == 2.5 and result.n == 4
    assert (result.low, result.high) == pytest.approx(statsmodels_interval([1, 2, 3, 4], 0.95), rel=1e-12)


def test_mean_interval_covers_the_mean_at_its_level():
    # 2000 datasets of 5 normal values: an exact Student t interval covers the true mean in a
    # share of them binomially distributed around the level (a normal interval would cover ~88%).
    trials, n, true_mean = 2000, 5, 10.0
    for level in (0.8, 0.95):
        data = np.random.default_rng(20240).normal(true_mean, 3.0, size=(trials, n))
        result = stats.mean_interval(data, level, axis=1)
        coverage = np.mean((result.low <= true_mean) & (true_mean <= result.high))
        low, high = binomial_band(level, trials)
        assert low <= coverage <= high, (level, coverage)


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_paired_difference_is_the_interval_of_the_differences(level):
    rng = np.random.default_rng(3)
    shared = rng.normal(50, 20, size=25)  # common random numbers: the designs move together
    baseline = shared + rng.normal(0, 2, size=25)
    design = shared + 1.5 + rng.normal(0, 2, size=25)
    result = stats.paired_difference(baseline, design, level)
    differences = design - baseline
    assert result.n == 25
    assert result.baseline_mean == pytest.approx(baseline.mean(), rel=1e-14)
    assert result.design_mean == pytest.approx(design.mean(), rel=1e-14)
    assert result.difference == pytest.approx(differences.mean(), rel=1e-13)
    assert (result.low, result.high) == pytest.approx(statsmodels_interval(differences, level), rel=1e-12)
    assert result.share_higher == pytest.approx(np.mean(design > baseline), rel=1e-15)
    # The paired t statistic behind the interval is scipy's ttest_rel statistic.
    quantile = scipy_stats.t.ppf(0.5 + level / 2, 24)
    standard_error = (result.high - result.low) / (2 * quantile)
    paired_test = scipy_stats.ttest_rel(design, baseline)
    assert result.difference / standard_error == pytest.approx(paired_test.statistic, rel=1e-10)
    # Pairing removes the shared noise: far narrower than the interval of either mean.
    alone = stats.mean_interval(design, level)
    assert result.high - result.low < 0.5 * (alone.high - alone.low)


def test_paired_difference_drops_incomplete_pairs_and_counts_ties_as_not_higher():
    baseline = np.array([1.0, np.nan, 3.0, 4.0, 5.0, 6.0])
    design = np.array([2.0, 9.0, 3.0, np.nan, 4.0, 8.0])
    result = stats.paired_difference(baseline, design)
    complete = np.array([0, 2, 4, 5])
    differences = design[complete] - baseline[complete]  # 1, 0, -1, 2
    assert result.n == 4
    assert result.share_higher == 0.5  # 1 and 2 are higher; the tie (0) is not
    assert result.difference == pytest.approx(0.5)
    assert (result.low, result.high) == pytest.approx(statsmodels_interval(differences, 0.95), rel=1e-12)
    # Each mean is over its own values (the summary's means), not only over complete pairs.
    assert result.baseline_mean == pytest.approx(np.nanmean(baseline)) and result.baseline_mean == 3.8
    assert result.design_mean == pytest.approx(np.nanmean(design)) and result.design_mean == 5.2


def test_paired_difference_with_fewer_than_two_pairs():
    one = stats.paired_difference(np.array([1.0, np.nan]), np.array([3.0, 2.0]))
    assert one.n == 1 and one.difference == 2.0 and one.share_higher == 1.0
    assert np.isnan(one.low) and np.isnan(one.high)
    none = stats.paired_difference(np.array([1.0, np.nan]), np.array([np.nan, 2.0]))
    assert none.n == 0 and none.baseline_mean == 1.0 and none.design_mean == 2.0
    assert all(np.isnan(v) for v in (none.difference, none.low, none.high, none.share_higher))


def test_paired_difference_by_column():
    rng = np.random.default_rng(11)
    baseline, design = rng.normal(0, 1, size=(2, 15, 3))
    design[3, 1] = np.nan
    columns = stats.paired_difference(baseline, design, 0.9)
    for j in range(3):
        alone = stats.paired_difference(baseline[:, j].copy(), design[:, j].copy(), 0.9)
        for got, expected in zip(columns, alone):
            np.testing.assert_array_equal(got[j], expected)
    assert list(columns.n) == [15, 14, 15]


def test_paired_difference_covers_the_true_difference():
    trials, n, effect = 2000, 8, 0.7
    rng = np.random.default_rng(99)
    shared = rng.gamma(2.0, 5.0, size=(trials, n))
    baseline = shared + rng.normal(0, 1, size=(trials, n))
    design = shared + effect + rng.normal(0, 1, size=(trials, n))
    result = stats.paired_difference(baseline, design, 0.9, axis=1)
    coverage = np.mean((result.low <= effect) & (effect <= result.high))
    low, high = binomial_band(0.9, trials)
    assert low <= coverage <= high, coverage


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_ratio_is_the_delta_method_written_out(level):
    rng = np.random.default_rng(5)
    d_spend = rng.gamma(4.0, 25.0, size=40)
    d_profit = 1.8 * d_spend - 60 + rng.normal(0, 40, size=40)  # correlated: the covariance term matters
    result = stats.ratio_of_mean_differences(d_profit, d_spend, level)
    ratio, low, high, share = delta_method_by_hand(d_profit, d_spend, level)
    assert result.n == 40
    assert result.ratio == pytest.approx(ratio, rel=1e-13)
    assert result.low == pytest.approx(low, rel=1e-11)
    assert result.high == pytest.approx(high, rel=1e-11)
    assert result.share_higher == share


def test_ratio_with_a_negative_mean_denominator():
    d_spend = np.array([-3.0, -5.0, -4.0, -6.5])
    d_profit = np.array([2.0, 7.0, 1.0, 4.0])
    result = stats.ratio_of_mean_differences(d_profit, d_spend)
    ratio, low, high, share = delta_method_by_hand(d_profit, d_spend, 0.95)
    assert (result.ratio, result.low, result.high) == pytest.approx((ratio, low, high), rel=1e-12)
    assert result.low < result.ratio < result.high and result.share_higher == share == 1.0


def test_ratio_drops_incomplete_replicates():
    d_profit = np.array([10.0, np.nan, 30.0, -5.0, 12.0, 8.0])
    d_spend = np.array([5.0, 7.0, 9.0, 4.0, np.nan, 6.0])
    result = stats.ratio_of_mean_differences(d_profit, d_spend, 0.9)
    keep = np.array([0, 2, 3, 5])
    ratio, low, high, share = delta_method_by_hand(d_profit[keep], d_spend[keep], 0.9)
    assert result.n == 4
    assert (result.ratio, result.low, result.high) == pytest.approx((ratio, low, high), rel=1e-12)
    assert result.share_higher == share == 0.75


@pytest.mark.parametrize("d_profit, d_spend", [
    ([5.0, -3.0, 1.0], [2.0, -2.0, 0.0]),  # mean Δspend 0: no ratio
    ([5.0], [2.0]),  # one replicate: the engine's rule, no ratio without two
    ([5.0, np.nan], [2.0, 3.0]),  # one complete replicate
    ([], []),
])
def test_ratio_not_available(d_profit, d_spend):
    result = stats.ratio_of_mean_differences(np.array(d_profit), np.array(d_spend))
    assert all(np.isnan(v) for v in (result.ratio, result.low, result.high, result.share_higher)), result


def test_ratio_covers_the_ratio_of_expectations():
    # Δspend ~ N(10, 3), Δprofit = 2 Δspend + N(0, 5): the true ratio of means is 2. The delta
    # method is first order; with 200 replicates per dataset it is within the binomial band.
    trials, n = 2000, 200
    rng = np.random.default_rng(4321)
    d_spend = rng.normal(10.0, 3.0, size=(trials, n))
    d_profit = 2.0 * d_spend + rng.normal(0.0, 5.0, size=(trials, n))
    result = stats.ratio_of_mean_differences(d_profit, d_spend, 0.95, axis=1)
    coverage = np.mean((result.low <= 2.0) & (2.0 <= result.high))
    low, high = binomial_band(0.95, trials)
    assert low <= coverage <= high, coverage


@pytest.mark.parametrize("level", BAD_LEVELS)
def test_level_outside_the_unit_interval_is_refused(level):
    x = np.array([1.0, 2.0, 3.0])
    for call in (lambda: stats.mean_interval(x, level), lambda: stats.paired_difference(x, x, level),
                 lambda: stats.ratio_of_mean_differences(x, x, level)):
        with pytest.raises(ValueError, match=r"^level: must be in \(0, 1\)"):
            call()


def test_bad_arrays_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="^values: expected an array of replicates"):
        stats.mean_interval(3.0)
    with pytest.raises(ValueError, match="^values: expected an array of numbers"):
        stats.mean_interval(["a", "b"])
    with pytest.raises(ValueError, match="^axis: must be an integer in"):
        stats.mean_interval(np.zeros((3, 2)), axis=2)
    with pytest.raises(ValueError, match="^baseline, design: must have the same shape"):
        stats.paired_difference(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="^numerator, denominator: must have the same shape"):
        stats.ratio_of_mean_differences(np.zeros(3), np.zeros((3, 1)))


def test_stats_is_exported():
    assert gx.stats is stats and "stats" in gx.__all__
    assert set(stats.__all__) >= {"mean_interval", "paired_difference", "ratio_of_mean_differences"}
