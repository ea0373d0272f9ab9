# guanxi.calibration: ABC-PMC (Toni et al. 2009, Beaumont et al. 2009) of campaign parameters from
# observed daily series: recovery of known parameters from a synthetic run, frequentist coverage of
# the 90 % posterior interval over repeated synthetic trials, determinism across threads, stops,
# the distance, bad inputs, the trade-off warning, the posterior predictive and the plots.
import warnings

import numpy as np
import pandas as pd
import pytest

import guanxi as gx
from guanxi.calibration import Calibration, CalibrationWarning, _rmse_distances, _scales, calibrate


def same(a, b):
    """Bit for bit."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


# -- a small design for the fast tests --------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    g = gx.generators.holme_kim(200, 3, 0.5, seed=2)
    return gx.Campaign(g, run={"steps": 15}, seeding={"k": 5})


@pytest.fixture(scope="module")
def small_data(small):
    """Ten observed days of a run with external_rate 0.01 (seed 7, not the calibrations' seeds)."""
    run = small.replace(behaviour={"external_rate": 0.01}).run(replicates=1, seed=7, progress=False)
    return pd.DataFrame({"customers": run.metric("customers")[0, :10]})


PRIOR = {"behaviour.external_rate": (0.0, 0.03)}


@pytest.fixture(scope="module")
def small_fit(small, small_data):
    return calibrate(small, small_data, PRIOR, particles=100, generations=4, seed=1, threads=1, progress=False)


# -- recovery -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recovery():
    """Two parameters that both move customers: external adoption and organic sharing. One
    cumulative curve leaves them trading off (referrals and external adoption both add
    customers), so the data are what a referral programme with codes has: customers and the
    customers who came by referral."""
    g = gx.generators.holme_kim(1000, 3, 0.5, seed=1)
    base = gx.Campaign(g, run={"steps": 30}, behaviour={"conv_strong": 0.3})
    truth = {"behaviour.external_rate": 0.003, "behaviour.share_prob": 0.2}
    run = base.replace(behaviour={"external_rate": 0.003, "share_prob": 0.2}).run(replicates=1, seed=12345,
                                                                                   progress=False)
    observed = pd.DataFrame({m: run.metric(m)[0] for m in ("customers", "customers_referral")})
    priors = {"behaviour.external_rate": (0.0, 0.01), "behaviour.share_prob": (0.0, 0.5)}
    fit = calibrate(base, observed, priors, particles=200, generations=6, seed=3, progress=False)
    return fit, truth, priors


def test_known_parameters_are_recovered(recovery):
    fit, truth, priors = recovery
    assert isinstance(fit, Calibration)
    for key, value in truth.items():
        low, high = fit.interval(key, 0.9)
        assert low <= value <= high, (key, value, low, high)
        # The prior's own central 90 % interval is 0.9 of its range: the data must at least halve it.
        prior_low, prior_high = priors[key]
        assert high - low < 0.5 * 0.9 * (prior_high - prior_low), key
        assert low <= fit.mean(key) <= high
    assert list(fit.samples.columns) == list(truth)
    assert len(fit.samples) == 200 and len(fit.particles) == 200


def test_the_generations_table_and_the_population(recovery):
    fit, _, priors = recovery
    table = fit.generations
    assert list(table.columns) == ["generation", "tolerance", "acceptance_rate", "simulations", "outside_prior",
                                   "ess", "complete"]
    complete = table[table["complete"]]
    assert list(complete["generation"]) == list(range(len(complete)))
    assert np.isinf(table["tolerance"].iloc[0]) and table["acceptance_rate"].iloc[0] == 1
    # ε_t is a quantile of the accepted distances of the generation before, all ≤ ε_{t-1}.
    assert (np.diff(complete["tolerance"].to_numpy()[1:]) <= 0).all()
    assert table["simulations"].sum() == fit.simulations
    assert fit.tolerance == complete["tolerance"].iloc[-1]
    assert (fit.particles["distance"] <= fit.tolerance).all()
    assert fit.weights.shape == (200,) and np.isclose(fit.weights.sum(), 1) and (fit.weights > 0).all()
    assert np.allclose(fit.particles["weight"], fit.weights)
    for key, (low, high) in priors.items():
        assert fit.particles[key].between(low, high).all()
    # The samples are rows of the weighted population.
    rows = {tuple(r) for r in fit.particles[list(priors)].to_numpy()}
    assert all(tuple(r) in rows for r in fit.samples.to_numpy())
    assert fit.stopped in ("generations", "min_acceptance")
    assert repr(fit).startswith("<guanxi.Calibration 200 particles")


# -- coverage -------------------------------------------------------------------------------------


def test_the_90_percent_interval_covers_the_truth_at_about_its_level(small):
    """Simulation-based calibration: truths drawn from the prior, each with its own data seed; a
    Bayesian interval then covers the truth with its level on average over trials. ABC's
    tolerance widens the posterior a little, so a little over-coverage is expected; the issue
    sets the band: over at least 30 series, the 90 % intervals cover the truth in 75 % to 99 %
    of them. (At exactly 90 %, 30 trials fall outside 23..29 with probability 5 %: 0.8 % too few,
    4.2 % all 30.)"""
    trials, level = 30, 0.9
    rng = np.random.default_rng(2024)
    low_prior, high_prior = PRIOR["behaviour.external_rate"]
    covered = 0
    for trial in range(trials):
        truth = rng.uniform(low_prior, high_prior)
        run = small.replace(behaviour={"external_rate": truth}).run(replicates=1, seed=trial + 1, progress=False)
        fit = calibrate(small, {"customers": run.metric("customers")[0]}, PRIOR, particles=100, generations=5,
                        seed=10_000 + trial, progress=False)
        low, high = fit.interval("behaviour.external_rate", level)
        covered += low <= truth <= high
    assert 0.75 <= covered / trials <= 0.99, covered


# -- determinism and stops ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_posterior_whatever_the_threads(small, small_data, small_fit, threads):
    two = calibrate(small, small_data, PRIOR, particles=100, generations=4, seed=1, threads=2, progress=False)
    assert same(two.samples.to_numpy(), small_fit.samples.to_numpy())
    assert same(two.particles.to_numpy(), small_fit.particles.to_numpy())
    pd.testing.assert_frame_equal(two.generations, small_fit.generations)
    threads(1)  # the engine's own limit does not matter either: each simulation runs on one thread
    three = calibrate(small, small_data, PRIOR, particles=100, generations=4, seed=1, threads=3, progress=False)
    assert same(three.particles.to_numpy(), small_fit.particles.to_numpy())
    other = calibrate(small, small_data, PRIOR, particles=100, generations=4, seed=2, threads=1, progress=False)
    assert not same(other.particles.to_numpy(), small_fit.particles.to_numpy())


def test_max_simulations_stops_and_keeps_the_last_complete_generation(small, small_data):
    fit = calibrate(small, small_data, PRIOR, particles=100, generations=8, seed=1, max_simulations=250,
                    progress=False)
    assert fit.stopped == "max_simulations"
    assert fit.simulations <= 250
    complete = fit.generations[fit.generations["complete"]]
    assert fit.tolerance == complete["tolerance"].iloc[-1]
    assert len(fit.particles) == 100


def test_min_acceptance_stops(small, small_data):
    # With ε_1 the median of generation 0's distances, about half of generation 1's proposals are accepted,
    # far from the 50 of 51 that min_acceptance 0.99 asks for.
    fit = calibrate(small, small_data, PRIOR, particles=50, generations=8, seed=1, min_acceptance=0.99,
                    progress=False)
    assert fit.stopped == "min_acceptance"
    last = fit.generations.iloc[-1]
    assert not last["complete"] and last["acceptance_rate"] < 0.99
    assert last["simulations"] >= np.ceil(50 / 0.99)
    assert np.isinf(fit.tolerance)  # the posterior is generation 0: the prior sample


def test_all_generations_run_when_nothing_stops_them(small_fit):
    assert small_fit.stopped == "generations"
    assert list(small_fit.generations["generation"]) == [0, 1, 2, 3]
    assert small_fit.generations["complete"].all()


# -- the distance ---------------------------------------------------------------------------------


def test_the_distance_scales_each_column_and_combines_them_by_root_mean_square():
    observed = np.column_stack([[0.0, 2.0, 4.0], [5.0, 5.0, 5.0], [0.0, 0.0, 0.0]])
    scales = _scales(observed)
    assert np.allclose(scales, [np.sqrt(8 / 3), 5.0, 1.0])  # sd; mean |x| when the sd is 0; 1 for zeros
    simulated = observed + np.array([1.0, 2.0, 3.0])  # column errors 1, 2, 3 at every step
    expected = np.sqrt(np.mean([(1 / np.sqrt(8 / 3)) ** 2, (2 / 5) ** 2, 3.0 ** 2]))
    assert np.isclose(_rmse_distances(simulated[None], observed, scales)[0], expected)
    with_nan = simulated.copy()
    with_nan[1, 0] = np.nan
    assert np.isinf(_rmse_distances(with_nan[None], observed, scales)[0])


def test_a_distance_function_can_be_given(small, small_data):
    calls = []

    def mean_gap(simulated, observed):
        calls.append(simulated.shape)
        return float(np.abs(simulated - observed).mean())

    fit = calibrate(small, small_data, PRIOR, distance=mean_gap, particles=50, generations=2, seed=1, progress=False)
    assert calls and set(calls) == {(10, 1)}
    assert len(calls) == fit.simulations
    with pytest.raises(ValueError, match="distance"):
        calibrate(small, small_data, PRIOR, distance="manhattan", progress=False)


# -- bad inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("observed, field", [
    ({"new_customers": np.arange(5.0)}, "new_customers"),
    ({"customers": [1.0, np.nan, 3.0]}, "customers"),
    ({"customers": [1.0, 2.0], "active": [1.0, 2.0, 3.0]}, "active"),
    ({"customers": np.arange(16.0)}, "customers"),  # the horizon is 15 steps
    ({"customers": []}, "customers"),
    ({}, "observed"),
    (pd.DataFrame({"customers": [1.0, 2.0]}, index=[3, 4]), "observed"),
])
def test_bad_observed_data_names_the_field(small, observed, field):
    with pytest.raises(ValueError, match=field):
        calibrate(small, observed, PRIOR, progress=False)


@pytest.mark.parametrize("params, field", [
    ({"behaviour.conv_strongest": (0, 1)}, "behaviour.conv_strongest"),
    ({"behaviour.share_prob": (0.3, 0.3)}, "behaviour.share_prob"),
    ({"behaviour.share_prob": (0.4, 0.1)}, "behaviour.share_prob"),
    ({"behaviour.conv_strong": (0, 1.5)}, "behaviour.conv_strong"),
    ({"behaviour.stickiness": (-1, 1)}, "behaviour.stickiness"),
    ({"product.price": (0, 10)}, "product.price"),  # range > 0
    ({"behaviour.share_prob": (0, np.inf)}, "behaviour.share_prob"),
    ({"behaviour.max_attempts": (1, 5)}, "behaviour.max_attempts"),  # a count
    ({"behaviour.share_prob": 0.2}, "behaviour.share_prob"),
    ({}, "params"),
])
def test_bad_priors_name_the_key(small, params, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        calibrate(small, {"customers": np.arange(5.0)}, params, progress=False)


def test_bad_settings_name_the_setting(small):
    observed = {"customers": np.arange(5.0)}
    for name, value in (("particles", 1), ("generations", 0), ("quantile", 1.0), ("min_acceptance", -0.1),
                        ("seed", -1), ("threads", 0), ("max_simulations", 10)):
        with pytest.raises(ValueError, match=name):
            calibrate(small, observed, PRIOR, progress=False, **{name: value})


# -- trade-offs -----------------------------------------------------------------------------------


def test_parameters_that_act_alike_raise_the_trade_off_warning():
    """Ties of constant strength 0.5 that never change: a referral converts with
    trust(0.5) = (conv_weak + conv_strong) / 2, so the data can only tell the sum. The posterior
    lies along the line conv_weak + conv_strong = constant: correlation near -1."""
    g = gx.generators.holme_kim(500, 3, 0.5, seed=1)
    frozen = {"init": "constant", "value": 0.5, "alpha_conv": 0, "alpha_team": 0, "alpha_bond": 0, "beta_spam": 0,
              "beta_fail": 0, "decay": 0}
    base = gx.Campaign(g, run={"steps": 20}, ties=frozen, behaviour={"share_prob": 0.3})
    run = base.replace(behaviour={"conv_weak": 0.2, "conv_strong": 0.3}).run(replicates=1, seed=99, progress=False)
    priors = {"behaviour.conv_weak": (0.0, 0.5), "behaviour.conv_strong": (0.0, 0.5)}
    with pytest.warns(CalibrationWarning, match=r"parameters trade off: behaviour\.conv_weak and "
                                                 r"behaviour\.conv_strong \(correlation -0\.\d\d\)"):
        fit = calibrate(base, {"customers": run.metric("customers")[0]}, priors, particles=150, generations=5, seed=4,
                        progress=False)
    assert fit.correlation.loc["behaviour.conv_weak", "behaviour.conv_strong"] < -0.7
    assert np.allclose(np.diag(fit.correlation), 1)
    assert fit.warnings and "combination" in fit.warnings[0]


def test_no_trade_off_warning_for_one_parameter(small_fit):
    assert not any("trade off" in w for w in small_fit.warnings)  # (it may still be shrinking: another warning)
    assert small_fit.correlation.shape == (1, 1)


# -- intervals, predictive and plots --------------------------------------------------------------


def test_intervals_are_weighted_quantiles_and_nest(small_fit):
    key = "behaviour.external_rate"
    wide, narrow = small_fit.interval(key, 0.9), small_fit.interval(key, 0.5)
    assert wide[0] <= narrow[0] < narrow[1] <= wide[1]
    x, w = small_fit.particles[key].to_numpy(), small_fit.weights
    assert np.isclose(small_fit.mean(key), np.sum(w * x))
    # Midpoints of the weighted distribution function are interpolated: the weight up to the lower end
    # is 5 % within one particle's weight.
    assert np.isclose(np.sum(w[x <= wide[0]]), 0.05, atol=w.max() * 1.01)
    with pytest.raises(ValueError, match="behaviour.share_prob"):
        small_fit.interval("behaviour.share_prob")
    with pytest.raises(ValueError, match="level"):
        small_fit.interval(key, 1.5)


def test_the_posterior_predictive_covers_the_horizon(small_fit, small_data):
    table = small_fit.predictive(draws=60, level=0.9)
    assert list(table.columns) == ["observed", "median", "low", "high"]
    assert list(table.index.names) == ["metric", "step"]
    part = table.loc["customers"]
    assert list(part.index) == list(range(15))  # the whole horizon; 10 observed days
    assert np.array_equal(part["observed"].to_numpy()[:10], small_data["customers"].to_numpy())
    assert part["observed"].iloc[10:].isna().all()
    assert (part["low"] <= part["median"]).all() and (part["median"] <= part["high"]).all()
    # Cumulative customers never fall: neither do their quantiles over draws.
    assert (np.diff(part["median"].to_numpy()) >= 0).all()
    again = small_fit.predictive(draws=60, level=0.9)
    pd.testing.assert_frame_equal(table, again)


def test_plot_draws_the_observed_series_and_the_band(recovery):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    fit = recovery[0]
    axes = fit.plot(draws=40)
    assert len(axes) == 2
    for ax, name in zip(axes, ["customers", "customers_referral"]):
        observed = [line for line in ax.get_lines() if line.get_label() == "observed"]
        assert len(observed) == 1
        assert np.array_equal(observed[0].get_ydata(), fit.observed[name].to_numpy())
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 1 and "band" in bands[0].get_label()
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "observed" in legend and any("band" in t for t in legend)
        assert ax.get_xlabel() == "day" and ax.get_ylabel()
    grid = fit.plot_posterior(truth={"behaviour.external_rate": 0.003, "behaviour.share_prob": 0.2})
    assert grid.shape == (2, 2)
    plt.close("all")


@pytest.mark.parametrize("generations", [2, 3, 6])
def test_stopping_while_the_posterior_still_shrinks_is_a_warning(small, small_data, generations):
    # The warning says exactly this: stopped at the generation limit, and the last generation
    # narrowed a 90 % interval by more than a tenth (computed here from the populations).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = calibrate(small, small_data, PRIOR, particles=60, generations=generations, seed=2, threads=1,
                        progress=False)
    complete = int(fit.generations["complete"].sum())

    def width(generation):
        population = fit.population(generation)
        low, high = np.interp([0.05, 0.95], *_weighted_cdf(population["behaviour.external_rate"].to_numpy(),
                                                           population["weight"].to_numpy()))
        return high - low

    shrinking = (fit.stopped == "generations" and complete >= 2
                 and width(complete - 1) < 0.9 * width(complete - 2))
    said = [str(w.message) for w in caught if "still shrinking" in str(w.message)]
    assert bool(said) == shrinking, (said, fit.generations)
    assert any("still shrinking" in w for w in fit.warnings) == shrinking
    assert fit.document()["generations"][-1]["generation"] == len(fit.generations) - 1  # convergence is reported


def _weighted_cdf(values, weights):
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order]) - 0.5 * weights[order]
    return cdf / weights.sum(), values[order]


def test_the_document_carries_the_posterior_predictive_check(small_fit, small_data):
    # What the report draws: the observed series and the predictive median and 90 % band of
    # posterior draws, the same numbers as Calibration.predictive (no simulation at report time).
    document = small_fit.document(predictive_draws=20)
    predictive = document["predictive"]
    assert (predictive["draws"], predictive["level"]) == (20, 0.9)
    table = small_fit.predictive(20, 0.9).xs("customers", level="metric")
    series = predictive["series"]["customers"]
    assert series["observed"][:10] == small_data["customers"].tolist() and set(series["observed"][10:]) == {None}
    for column in ("median", "low", "high"):
        assert series[column] == table[column].tolist()
    assert all(lo <= mid <= hi for lo, mid, hi in zip(series["low"], series["median"], series["high"]))


# -- how much the data said -----------------------------------------------------------------------


def test_the_summary_says_each_interval_as_a_share_of_its_prior(small_fit):
    key = "behaviour.external_rate"
    table = small_fit.summary(0.8)
    assert list(table.index) == [key] and table.attrs["level"] == 0.8
    low, high = small_fit.interval(key, 0.8)
    row = table.loc[key]
    assert (row["low"], row["high"], row["mean"]) == (low, high, small_fit.mean(key))
    assert (row["prior_low"], row["prior_high"]) == PRIOR[key]
    assert row["share_of_prior"] == (high - low) / (PRIOR[key][1] - PRIOR[key][0])
    # The document, the CLI and the report read the 90 % row: the same share, in the message too.
    document = small_fit.document(predictive_draws=5)
    share = small_fit.summary(0.9).loc[key, "share_of_prior"]
    assert document["intervals"][key]["share_of_prior"] == share
    assert f"{share:.0%} of its prior's width" in document["message"]


def test_an_informative_example_pins_both_parameters_and_says_they_trade_off():
    """The example of issue "Answers a strategist can act on", item 4: 20,000 people, 300 seeds,
    share_prob 0.1; the truth conv_strong 0.15 and churn_prob 0.02; 60 days of customers and
    active customers from one run. Both move the active count (more conversions, fewer churns),
    so the posterior correlates them; the customers series pins conv_strong and the gap between
    customers and active ones pins churn_prob. With the default sampler (200 particles, 8
    generations), the 95 % intervals cover the truth and are under a third of the priors'
    widths (32 % and 15 % when the issue was filed), and the calibration says so: the summary's
    shares and the trade-off warning. About two minutes."""
    g = gx.generators.holme_kim(20_000, 4, 0.5, seed=1)
    base = gx.Campaign(g, run={"steps": 60}, seeding={"k": 300}, behaviour={"share_prob": 0.1})
    truth = {"behaviour.conv_strong": 0.15, "behaviour.churn_prob": 0.02}
    run = base.replace(behaviour={"conv_strong": 0.15, "churn_prob": 0.02}).run(replicates=1, seed=99,
                                                                                   progress=False)
    observed = pd.DataFrame({m: run.metric(m)[0] for m in ("customers", "active")})
    priors = {"behaviour.conv_strong": (0.02, 0.30), "behaviour.churn_prob": (0.0, 0.06)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = calibrate(base, observed, priors, seed=0, progress=False)
    said = [str(w.message) for w in caught if issubclass(w.category, CalibrationWarning)]
    assert any(m.startswith("parameters trade off: behaviour.conv_strong and behaviour.churn_prob") for m in said)
    table = fit.summary(0.95)
    for key, value in truth.items():
        assert table.loc[key, "low"] <= value <= table.loc[key, "high"], (key, table.loc[key])
        assert table.loc[key, "share_of_prior"] < 1 / 3, (key, table.loc[key])
