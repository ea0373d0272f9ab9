# guanxi.sensitivity_analysis (gx.sensitivity): Sobol' indices against the analytic indices of the Ishigami function and of a
# linear function (inside the bootstrap intervals; exactly 0 for an ignored input), Saltelli's
# design as the function sees it, Morris effects against their values on the grid worked out by
# hand, a campaign where common random numbers make the unit cost's indices exactly 0 for the
# number of customers, points equal to their own runs, count parameters whole, argument errors
# naming the key, plots, and bit-for-bit reproducibility.
import math

import numpy as np
import pytest

import guanxi as gx
from guanxi.sensitivity_analysis import SensitivityResult, morris_screening, sensitivity, sobol_indices


PI = math.pi


ISHIGAMI_BOUNDS = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}


# Six intervals checked at once: at level 0.99 each, all six hold with probability >= 0.94
# (Bonferroni), so one fixed seed is a fair draw, not a tuned one.
JOINT_LEVEL = 0.99


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a=7.0, b=0.1):
    """Analytic (first, total) per input of the Ishigami function on [-pi, pi]^3 (Ishigami &
    Homma 1990; Sobol' & Levitan 1999): V1 = b pi^4 / 5 + b^2 pi^8 / 50 + 1/2, V2 = a^2 / 8,
    V13 = 8 b^2 pi^8 / 225, V3 = V12 = V23 = V123 = 0."""
    v1 = b * PI**4 / 5 + b**2 * PI**8 / 50 + 0.5
    v2 = a**2 / 8
    v13 = 8 * b**2 * PI**8 / 225
    v = v1 + v2 + v13
    return {"x1": (v1 / v, (v1 + v13) / v), "x2": (v2 / v, v2 / v), "x3": (0.0, v13 / v)}


def test_the_analytic_ishigami_indices_are_the_published_ones():
    exact = ishigami_indices()
    assert [round(exact[x][0], 4) for x in ("x1", "x2", "x3")] == [0.3139, 0.4424, 0.0]
    assert [round(exact[x][1], 4) for x in ("x1", "x2", "x3")] == [0.5576, 0.4424, 0.2437]


def test_ishigami_indices_lie_in_their_bootstrap_intervals():
    table = sobol_indices(ishigami, ISHIGAMI_BOUNDS, n=4096, seed=3, bootstrap=500, level=JOINT_LEVEL)
    assert list(table.index) == ["x1", "x2", "x3"] and table.index.name == "parameter"
    assert list(table.columns) == ["first", "first_low", "first_high", "total", "total_low", "total_high"]
    assert table.attrs["evaluations"] == 4096 * 5
    for name, (first, total) in ishigami_indices().items():
        row = table.loc[name]
        assert row["first_low"] <= first <= row["first_high"], (name, first, row.to_dict())
        assert row["total_low"] <= total <= row["total_high"], (name, total, row.to_dict())
        assert row["first_low"] <= row["first"] <= row["first_high"]
        assert row["total_low"] <= row["total"] <= row["total_high"]
        # Informative intervals: narrower than the gaps between the analytic indices they separate
        # (x3's total 0.24 from 0; x1's total 0.56 from its first 0.31).
        assert row["first_high"] - row["first_low"] < 0.2 and row["total_high"] - row["total_low"] < 0.2


def test_a_linear_function_has_its_analytic_indices_and_an_ignored_input_exactly_zero():
    # f = sum a_i x_i with x_i uniform on [l_i, h_i]: V_i = a_i^2 (h_i - l_i)^2 / 12, and with no
    # interactions S_i = ST_i = V_i / sum V.
    coefficients = np.array([2.0, 1.0, -0.5, 0.0])
    bounds = {"a": (0.0, 1.0), "b": (-1.0, 3.0), "c": (10.0, 16.0), "ignored": (0.0, 100.0)}
    widths = np.array([h - l for l, h in bounds.values()])
    parts = coefficients**2 * widths**2 / 12
    exact = parts / parts.sum()

    table = sobol_indices(lambda x: x @ coefficients, bounds, n=2048, seed=1, level=JOINT_LEVEL)
    for name, value in zip(["a", "b", "c"], exact):
        row = table.loc[name]
        assert row["first_low"] <= value <= row["first_high"], (name, value, row.to_dict())
        assert row["total_low"] <= value <= row["total_high"], (name, value, row.to_dict())
    # f never reads the last column: f(AB_i) equals f(A) row by row, so both estimators are 0
    # to the last bit, intervals included.
    assert (table.loc["ignored"] == 0).all(), table.loc["ignored"].to_dict()


def test_the_function_sees_saltellis_design_once():
    calls = []

    def record(x):
        calls.append(x.copy())
        return x.sum(axis=1)

    bounds = {"p": (1.0, 2.0), "q": (-5.0, 5.0), "r": (0.0, 0.5)}
    n, k = 64, 3
    sobol_indices(record, bounds, n=n, seed=0, bootstrap=0)
    assert len(calls) == 1
    points = calls[0]
    assert points.shape == (n * (k + 2), k)
    for j, (low, high) in enumerate(bounds.values()):
        assert low <= points[:, j].min() and points[:, j].max() <= high
    a, b = points[:n], points[n:2 * n]
    for i in range(k):
        ab = points[(2 + i) * n:(3 + i) * n]
        others = [j for j in range(k) if j != i]
        assert np.array_equal(ab[:, i], b[:, i]) and np.array_equal(ab[:, others], a[:, others])
    # A and B are halves of one scrambled Sobol' sequence of dimension 2k.
    from scipy.stats import qmc

    unit = qmc.Sobol(d=2 * k, scramble=True, seed=0).random_base2(6)
    lows = np.array([b_[0] for b_ in bounds.values()])
    highs = np.array([b_[1] for b_ in bounds.values()])
    assert np.allclose(a, lows + unit[:, :k] * (highs - lows), rtol=0, atol=1e-12)


def test_a_constant_output_gives_nan_indices_with_a_warning():
    with pytest.warns(RuntimeWarning, match="variance 0"):
        table = sobol_indices(lambda x: np.full(len(x), 3.0), {"a": (0, 1), "b": (0, 1)}, n=32, bootstrap=50)
    assert table.isna().all().all()


def test_no_intervals_without_bootstrap():
    table = sobol_indices(lambda x: x[:, 0], {"a": (0, 1), "b": (0, 1)}, n=32, bootstrap=0)
    assert table[["first_low", "first_high", "total_low", "total_high"]].isna().all().all()
    assert table["total"]["a"] > 0 and table["total"]["b"] == 0


@pytest.mark.parametrize("func, message", [
    (lambda x: x[:5, 0], "one value per point"),
    (lambda x: np.where(x[:, 0] > 0.5, np.nan, 1.0), "not finite"),
    ("not callable", "callable"),
])
def test_a_bad_function_is_refused(func, message):
    with pytest.raises(ValueError, match=message):
        sobol_indices(func, {"a": (0, 1)}, n=16)


@pytest.mark.parametrize("bounds, message", [
    ({}, "non-empty"),
    ({"a": (1, 1)}, r"bounds\['a'\]: low must be below high"),
    ({"a": (0, 1), "b": (2, 1)}, r"bounds\['b'\]: low must be below high"),
    ({"a": (0, math.inf)}, r"bounds\['a'\]: high must be finite"),
    ({"a": (math.nan, 1)}, r"bounds\['a'\]: low must be finite"),
    ({"a": (0, 1, 2)}, r"bounds\['a'\]: give \(low, high\)"),
    ({"a": ("0", 1)}, r"bounds\['a'\]: low must be a number"),
])
def test_bad_bounds_name_the_input(bounds, message):
    with pytest.raises(ValueError, match=message):
        sobol_indices(lambda x: x[:, 0], bounds, n=16)
    with pytest.raises(ValueError, match=message):
        morris_screening(lambda x: x[:, 0], bounds)


@pytest.mark.parametrize("arguments, message", [
    ({"n": 24}, "n: must be a power of two"),
    ({"n": 1}, "n: must be a power of two"),
    ({"seed": -1}, "seed"),
    ({"bootstrap": -1}, "bootstrap"),
    ({"level": 1.0}, "level"),
])
def test_bad_sobol_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        sobol_indices(lambda x: x[:, 0], {"a": (0, 1)}, **arguments)


def test_morris_effects_of_a_linear_function_are_its_slopes_times_the_ranges():
    # Every elementary effect of a x_i on [l, h] is a (h - l) in units of the range: mu_star = |a| (h - l),
    # mu = a (h - l), sigma = 0, whatever the trajectories; an ignored input has no effect at all.
    bounds = {"fast": (0.0, 10.0), "slow": (2.0, 3.0), "falling": (-1.0, 1.0), "ignored": (5.0, 50.0)}
    coefficients = np.array([1.0, 3.0, -4.0, 0.0])
    table = morris_screening(lambda x: x @ coefficients, bounds, trajectories=12, levels=4, seed=2)
    assert list(table.columns) == ["mu_star", "mu_star_low", "mu_star_high", "mu", "sigma"]
    assert table.attrs["evaluations"] == 12 * 5
    assert table["mu_star"].tolist() == pytest.approx([10.0, 3.0, 8.0, 0.0], rel=1e-12, abs=1e-12)
    assert table["mu"].tolist() == pytest.approx([10.0, 3.0, -8.0, 0.0], rel=1e-12, abs=1e-12)
    assert table["sigma"].tolist() == pytest.approx([0, 0, 0, 0], abs=1e-9)
    assert (table.loc["ignored"] == 0).all()


def test_morris_ranks_inputs_by_their_effects():
    # f = 4 x1 + 2 x2^3 + 0 x3 on [0, 1]^3, levels 4 (grid 0, 1/3, 2/3, 1; delta 2/3; starts 0, 1/3):
    # x1's effects are all 4; x2's are 2 ((s + d)^3 - s^3) / d = 8/9 (s = 0) or 26/9 (s = 1/3), so
    # its mu_star lies in [8/9, 26/9] < 4 for any trajectories; x3's are 0.
    def f(x):
        return 4 * x[:, 0] + 2 * x[:, 1] ** 3 + 0 * x[:, 2]

    table = morris_screening(f, {"x1": (0, 1), "x2": (0, 1), "x3": (0, 1)}, trajectories=30, levels=4, seed=5)
    assert list(table.sort_values("mu_star", ascending=False).index) == ["x1", "x2", "x3"]
    assert table["mu_star"]["x1"] == pytest.approx(4.0, rel=1e-12)
    assert 8 / 9 - 1e-12 <= table["mu_star"]["x2"] <= 26 / 9 + 1e-12
    assert table["mu_star"]["x3"] == 0 and table["mu_star_high"]["x3"] == 0
    # x2's effects are 8/9 or 26/9, one per trajectory: its mu_star is their mean, its interval
    # between them.
    assert 8 / 9 - 1e-12 <= table["mu_star_low"]["x2"] <= table["mu_star"]["x2"] <= table["mu_star_high"]["x2"]
    assert table["mu_star_high"]["x2"] <= 26 / 9 + 1e-12


def test_morris_trajectories_move_one_input_by_delta_on_the_grid():
    calls = []

    def record(x):
        calls.append(x.copy())
        return x[:, 0]

    levels, k, r = 6, 3, 7
    morris_screening(record, {"a": (0, 1), "b": (0, 1), "c": (0, 1)}, trajectories=r, levels=levels, seed=0)
    points = calls[0].reshape(r, k + 1, k)
    delta = levels / (2 * (levels - 1))
    grid = np.arange(levels) / (levels - 1)
    assert np.all(np.min(np.abs(points[..., None] - grid), axis=-1) < 1e-12)  # on the grid
    steps = np.diff(points, axis=1)
    for trajectory in steps:
        moved = np.abs(trajectory) > 1e-12
        assert (moved.sum(axis=1) == 1).all()  # one input per step
        assert sorted(np.flatnonzero(moved.any(axis=0))) == list(range(k))  # each input once
        assert np.allclose(np.abs(trajectory[moved]), delta)


@pytest.mark.parametrize("arguments, message", [
    ({"levels": 3}, "levels: must be even"),
    ({"levels": 0}, "levels"),
    ({"trajectories": 1}, "trajectories"),
])
def test_bad_morris_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        morris_screening(lambda x: x[:, 0], {"a": (0, 1)}, **arguments)


RANGES = {"product.unit_cost": (20, 60), "behaviour.share_prob": (0.05, 0.3)}


@pytest.fixture(scope="module")
def base():
    graph = gx.generators.holme_kim(600, 3, 0.5, seed=1)
    return gx.Campaign(graph, run={"steps": 15})


@pytest.fixture(scope="module")
def customers(base):
    return sensitivity(base, RANGES, metric="customers", n=16, replicates=8, seed=4, progress=False)


def test_a_cost_that_cannot_change_who_buys_has_exactly_zero_indices(customers):
    table = customers.indices
    assert isinstance(customers, SensitivityResult)
    assert customers.method == "sobol" and customers.metric == "customers" and customers.replicates == 8
    # Common random numbers: the points of AB_unit_cost differ from those of A only in the unit cost,
    # so each runs the same customers to the last bit.
    assert (table.loc["product.unit_cost"] == 0).all(), table.loc["product.unit_cost"].to_dict()
    # The share probability moves the number of customers: its whole interval is above 0.
    assert table.loc["behaviour.share_prob", "total_low"] > 0
    assert table.loc["behaviour.share_prob", "total"] > 0


def test_every_point_is_its_own_campaign_run_with_the_common_seed(base, customers):
    points = customers.points
    assert list(points.columns) == [*RANGES, "value"]
    assert customers.evaluations == len(points) == 16 * 4  # continuous ranges: no two points coincide
    for number in (0, len(points) - 1):
        row = points.iloc[number]
        design = base.replace(product={"unit_cost": row["product.unit_cost"]},
                              behaviour={"share_prob": row["behaviour.share_prob"]})
        alone = design.run(replicates=8, seed=4, progress=False)
        assert alone.metric("customers")[:, -1].mean() == row["value"]
        for key, (low, high) in RANGES.items():
            assert low <= row[key] <= high


def test_the_same_seed_gives_the_same_result_bit_for_bit(base, customers):
    again = sensitivity(base, RANGES, metric="customers", n=16, replicates=8, seed=4, progress=False)
    assert again.indices.to_numpy().tobytes() == customers.indices.to_numpy().tobytes()
    assert again.points.equals(customers.points)
    other = sensitivity(base, RANGES, metric="customers", n=16, replicates=8, seed=5, progress=False)
    assert not other.points.equals(customers.points)
    first = sobol_indices(ishigami, ISHIGAMI_BOUNDS, n=256, seed=9)
    assert sobol_indices(ishigami, ISHIGAMI_BOUNDS, n=256, seed=9).to_numpy().tobytes() == first.to_numpy().tobytes()
    morris = morris_screening(ishigami, ISHIGAMI_BOUNDS, seed=9)
    assert morris_screening(ishigami, ISHIGAMI_BOUNDS, seed=9).to_numpy().tobytes() == morris.to_numpy().tobytes()


def test_morris_on_a_campaign_with_a_count_parameter(base):
    ranges = {"product.unit_cost": (20, 60), "behaviour.max_attempts": (1, 4), "behaviour.share_prob": (0.05, 0.3)}
    result = sensitivity(base, ranges, metric="customers", method="morris", trajectories=6, levels=4, replicates=6,
                         seed=1, progress=False)
    points = result.points
    # Counts take whole values, each of 1 .. 4 from one level of the grid; coinciding points run once.
    assert set(points["behaviour.max_attempts"]) <= {1, 2, 3, 4}
    assert all(isinstance(v, (int, np.integer)) for v in points["behaviour.max_attempts"])
    assert result.evaluations == len(points) <= 6 * 4
    assert not points.duplicated(subset=list(ranges)).any()
    assert result.indices.loc["product.unit_cost", "mu_star"] == 0
    assert result.indices.loc["behaviour.share_prob", "mu_star"] > 0
    assert "morris" in repr(result) and "customers" in repr(result)


@pytest.mark.parametrize("ranges, arguments, message", [
    ({"behaviour.share_probability": (0, 1)}, {}, r"ranges\['behaviour.share_probability'\]: unknown key path"),
    ({"nonsense": (0, 1)}, {}, r"ranges\['nonsense'\]: unknown key path"),
    ({"behaviour.share_prob": (0.3, 0.3)}, {}, r"ranges\['behaviour.share_prob'\]: low must be below high"),
    ({"behaviour.share_prob": (0.3, 0.1)}, {}, r"ranges\['behaviour.share_prob'\]: low must be below high"),
    ({"product.unit_cost": (0, math.inf)}, {}, r"ranges\['product.unit_cost'\]: high must be finite"),
    ({"product.unit_cost": (math.nan, 10)}, {}, r"ranges\['product.unit_cost'\]: low must be finite"),
    ({"behaviour.share_prob": (0.1, 1.5)}, {}, r"behaviour.share_prob"),  # refused by the engine
    ({"behaviour.max_attempts": (1.5, 4)}, {}, r"ranges\['behaviour.max_attempts'\]: a count takes whole values"),
    ({"policy.group_buy.enabled": (0, 1)}, {}, r"ranges\['policy.group_buy.enabled'\]: a flag parameter"),
    ({"run.steps": (10, 20)}, {}, r"ranges\['run.steps'\]: run.\* cannot vary"),
    ({}, {}, "ranges: give a non-empty dict"),
    (RANGES, {"metric": "profits"}, "metric: unknown 'profits'"),
    (RANGES, {"method": "fast"}, "method: unknown 'fast'"),
    (RANGES, {"n": 20}, "n: must be a power of two"),
    (RANGES, {"method": "morris", "levels": 5}, "levels: must be even"),
    (RANGES, {"replicates": 0}, "replicates"),
])
def test_bad_arguments_name_the_key(base, ranges, arguments, message):
    with pytest.raises(ValueError, match=message):
        sensitivity(base, ranges, progress=False, **arguments)


def test_base_must_be_a_campaign():
    with pytest.raises(ValueError, match="base: must be a guanxi.Campaign"):
        sensitivity({"product": {}}, RANGES)


def test_plots_have_bars_intervals_and_labels(base, customers):
    plt = pytest.importorskip("matplotlib.pyplot")
    ax = customers.plot()
    try:
        bars = [p for p in ax.patches if p.get_width() is not None]
        assert len(bars) == 2 * len(RANGES)  # first order and total per key path
        assert {t.get_text() for t in ax.get_yticklabels()} == set(RANGES)
        assert "Sobol" in ax.get_xlabel() and "Sobol" in ax.get_title() and "Customers" in ax.get_title()
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order", "total"]
        assert ax.get_yticklabels()[-1].get_text() == "behaviour.share_prob"  # most influential on top
    finally:
        plt.close(ax.figure)
    morris = sensitivity(base, RANGES, metric="profit", method="morris", trajectories=4, replicates=4,
                         progress=False)
    _, given = plt.subplots()
    try:
        ax = morris.plot(ax=given)
        assert ax is given
        assert len(ax.patches) == len(RANGES)
        assert "μ*" in ax.get_xlabel() and "currency" in ax.get_xlabel()
        assert "Morris" in ax.get_title() and "Profit" in ax.get_title()
    finally:
        plt.close(given.figure)
