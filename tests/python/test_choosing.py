# Choosing a design: gx.select (Kim-Nelson with common random numbers), uncertain parameters and
# robustness, gx.optimize (Optuna, fresh replicates for the finalists), studies in the run store, and the
# self-contained HTML report (rendered by headless Chromium when it is installed).
import json
import math
import os
import shutil
import subprocess

import numpy as np
import pytest
from scipy import stats as sps

import guanxi as gx
from guanxi.selection import kn_constants, kn_select


@pytest.fixture(scope="module")
def graph():
    return gx.generators.holme_kim(1500, 3, 0.5, seed=11)


@pytest.fixture(scope="module")
def base(graph):
    return gx.Campaign(graph, run={"steps": 20}, policy={"referral_reward": 10})


# -- selection --------------------------------------------------------------------------------------


def test_kn_constant_matches_its_formula():
    # k = 4, n0 = 20, alpha = 0.05: eta = ((2 alpha / 3)^(-2/19) - 1) / 2, h2 = 2 eta 19.
    eta = ((2 * 0.05 / 3) ** (-2 / 19) - 1) / 2
    assert kn_constants(4, 20, 0.95) == pytest.approx(2 * eta * 19, rel=1e-14)


def test_kn_chooses_the_best_at_least_as_often_as_promised():
    # Normal replicates with common random numbers (a shared component), the best delta ahead of
    # the others (the slippage configuration, the hardest for the procedure). KN promises P(correct)
    # >= 0.9; the count of correct choices in 400 independent races must not be implausibly low
    # for that: below the 0.1 % quantile of Binomial(400, 0.9).
    trials, k, delta, confidence = 400, 5, 0.5, 0.9
    correct = 0
    for trial in range(trials):
        rng = np.random.default_rng([7, trial])
        common = rng.normal(0, 2.0, size=100_000)
        own = rng.normal(0, 1.0, size=(k, 100_000))
        means = np.zeros(k)
        means[3] = delta
        data = means[:, None] + common[None, :] + own

        def draw(numbers, replicates):
            return [data[n, :replicates] for n in numbers]

        correct += kn_select(draw, k, delta, confidence, n0=10, batch=7)["best"] == 3
    assert correct >= sps.binom.ppf(0.001, trials, confidence), correct


def test_kn_decisions_do_not_depend_on_the_batch():
    rng = np.random.default_rng(3)
    data = rng.normal(0, 1, size=(4, 50_000)) + np.array([0, 0.2, 0.25, 0.1])[:, None]

    def draw(numbers, replicates):
        return [data[n, :replicates] for n in numbers]

    outcomes = [kn_select(draw, 4, 0.1, 0.95, n0=15, batch=b) for b in (1, 9, 100)]
    for other in outcomes[1:]:
        assert other["best"] == outcomes[0]["best"]
        assert other["eliminated"] == outcomes[0]["eliminated"] and other["replicates"] == outcomes[0]["replicates"]


def test_select_picks_the_design_better_by_construction(base):
    # The same campaign with a lower unit cost earns 10 more per unit sold in every replicate (the
    # dynamics are identical under common random numbers): it is the best by construction.
    designs = {"cost 60": base, "cost 50": base.replace(product={"unit_cost": 50}),
               "cost 70": base.replace(product={"unit_cost": 70}), "no reward": base.replace(policy={"referral_reward": 0})}
    result = gx.select(designs, metric="profit", delta=20, confidence=0.95, progress=False)
    assert result.best_label == "cost 50" and result.campaign.spec["product"]["unit_cost"] == 50
    assert result.confidence == 0.95 and "cost 50 is best, or within δ = 20 of the best in profit, with ≥ 95%" in \
        result.message
    assert result.table.loc[result.best, "eliminated_by"] is None
    assert result.table["eliminated_at"].notna().sum() == 3
    # The margin is the paired difference over the common replicates, recomputed here.
    runner = result.margin["runner_up"]
    values = result.sweep.horizon("profit")
    n = result.margin["replicates"]
    paired = gx.stats.paired_difference(values[runner][:n], values[result.best][:n], 0.95)
    assert result.margin["difference"] == paired.difference and result.margin["low"] == paired.low
    assert result.replicates_used == int(result.table["replicates"].sum())
    import matplotlib

    matplotlib.use("Agg")
    ax = result.plot()
    assert len(ax.lines) >= 4 and "replicates" in ax.get_xlabel()


def test_select_lowest_and_errors(base):
    designs = {"cost 60": base, "cost 70": base.replace(product={"unit_cost": 70})}
    cheapest = gx.select(designs, metric="profit", delta=20, lowest=True, progress=False)
    assert cheapest.best_label == "cost 70"  # lower profit is "better" when asked for the lowest
    with pytest.raises(ValueError, match="delta: give the smallest difference"):
        gx.select(designs, progress=False)
    with pytest.raises(ValueError, match="delta: must be a finite number > 0"):
        gx.select(designs, delta=-1, progress=False)
    with pytest.raises(ValueError, match="at least two"):
        gx.select({"a": base}, delta=1, progress=False)
    with pytest.raises(ValueError, match="unknown 'proft'"):
        gx.select(designs, metric="proft", delta=1, progress=False)
    with pytest.raises(ValueError, match="initial"):
        gx.select(designs, delta=1, initial=1, progress=False)


def test_select_with_a_store_keeps_its_replicates_and_decision(base, tmp_path):
    designs = {"cost 60": base, "cost 50": base.replace(product={"unit_cost": 50})}
    first = gx.select(designs, delta=20, store=tmp_path / "runs.db", progress=False, name="costs")
    again = gx.select(designs, delta=20, store=tmp_path / "runs.db", progress=False, name="costs")
    assert again.sweep.computed_blocks == 0 and again.best == first.best and again.message == first.message
    store = gx.Store(tmp_path / "runs.db")
    assert list(store.studies()["kind"]) == ["select"]
    assert store.study("select-costs")["best_label"] == "cost 50"


# -- uncertain parameters and robustness --------------------------------------------------------------


def test_uncertain_draws_are_shared_and_pure(base):
    uncertain = {"product.unit_cost": ("uniform", 20, 90), "seeding.k": ("choice", [5, 10, 20])}
    s = gx.sweep(base, {"policy.referral_reward": [0, 20]}, replicates=12, seed=4, uncertain=uncertain, progress=False)
    again = gx.sweep(base, {"policy.referral_reward": [0, 20]}, replicates=12, seed=4, uncertain=uncertain, block=5,
                     progress=False, threads=1)
    assert all(s.values(i).tobytes() == again.values(i).tobytes() for i in range(2))
    draws = s.draws
    assert list(draws.columns) == ["product.unit_cost", "seeding.k"] and len(draws) == 12
    assert draws["product.unit_cost"].between(20, 90).all() and set(draws["seeding.k"]) <= {5, 10, 20}
    # Replicate 3 of design 1 is the design run alone with replicate 3's draw.
    row = draws.iloc[3]
    alone = base.replace(policy={"referral_reward": 20}, product={"unit_cost": float(row["product.unit_cost"])},
                         seeding={"k": int(row["seeding.k"])})
    raw = gx._guanxi.run_campaign(base.graph._g, json.dumps(alone.spec), 1, 4, 1, [], None, 3)
    assert np.array_equal(raw["values"][0], s.values(1)[3], equal_nan=True)
    with pytest.raises(ValueError, match="is also swept"):
        gx.sweep(base, {"product.unit_cost": [50]}, uncertain={"product.unit_cost": ("uniform", 20, 90)},
                 replicates=2, progress=False)
    for bad, needle in ((("uniform", 5, 1), "low < high"), (("gamma", 1, 2), "unknown distribution"),
                        (("uniform", -1, 2), "outside the parameter's range"), (("normal", 1), "takes 2 numbers")):
        with pytest.raises(ValueError, match=needle):
            gx.sweep(base, {"policy.referral_reward": [0]}, uncertain={"product.unit_cost": bad}, replicates=2,
                     progress=False)


def test_robustness_finds_where_the_winner_changes(base):
    # Profit = revenue - unit_cost * units - incentives, and unit cost does not change who buys. A
    # design that sells more but pays rewards wins at low unit cost and loses at high unit cost;
    # with unit cost uncertain, the fitted crossing must agree with the crossing of the paired means
    # over the same replicates, c* = mean(Δ(revenue - incentives)) / mean(Δunits), within its
    # sampling error (a bootstrap over replicates, 99.9 % interval).
    uncertain = {"product.unit_cost": ("uniform", 20, 99)}
    s = gx.sweep(base, {"policy.referral_reward": [0, 30]}, replicates=240, seed=1, uncertain=uncertain, progress=False)
    robust = s.robustness("profit")
    assert robust.table["p_best"].sum() == pytest.approx(1.0)
    assert len(robust.switches) == 1
    at = robust.switches["at"][0]
    metric = {m: [v[:, -1, s.metrics.index(m)] for v in s._values] for m in ("revenue", "incentive_spend", "purchases")}
    gain = (metric["revenue"][1] - metric["incentive_spend"][1]) - (metric["revenue"][0] - metric["incentive_spend"][0])
    units = metric["purchases"][1] - metric["purchases"][0]
    assert units.mean() > 0
    crossing = gain.mean() / units.mean()
    rng = np.random.default_rng(0)
    boot = []
    for _ in range(2000):
        pick = rng.integers(0, len(gain), len(gain))
        boot.append(gain[pick].mean() / units[pick].mean())
    low, high = np.quantile(boot, [0.0005, 0.9995])
    grid_step = (99 - 20) / 100
    assert low - grid_step <= at <= high + grid_step, (at, crossing, low, high)
    assert "winner changes" in robust.summary()
    import matplotlib

    matplotlib.use("Agg")
    ax = robust.plot()
    assert "product.unit_cost" in ax.get_xlabel()


def test_robustness_of_a_dominant_design(base):
    s = gx.sweep(base, [{"product.unit_cost": 50}, {"product.unit_cost": 60}], replicates=30,
                 uncertain={"behaviour.conv_strong": ("uniform", 0.05, 0.2)}, progress=False)
    robust = s.robustness("profit")
    assert robust.table.loc[0, "p_best"] == 1.0 and robust.table.loc[0, "expected_regret"] == pytest.approx(0, abs=1e-9)
    assert robust.switches.empty
    with pytest.raises(ValueError, match="no uncertain parameters"):
        gx.sweep(base, {"policy.referral_reward": [0, 5]}, replicates=3, progress=False).robustness()


# -- optimisation -------------------------------------------------------------------------------------


def test_optimize_finds_the_dense_grid_best_within_noise(base):
    grid = gx.sweep(base, {"policy.referral_reward": list(range(0, 31))}, replicates=40, seed=2, progress=False)
    means = grid.summary("profit")["mean"].to_numpy()
    result = gx.optimize(base, {"policy.referral_reward": (0, 30)}, trials=25, replicates=40, seed=2,
                         reevaluate=3, reevaluate_replicates=40, progress=False)
    chosen = result.best_params["policy.referral_reward"]
    assert 0 <= chosen <= 30
    # The chosen reward's profit (the grid point nearest it, same replicates) is within noise of the
    # grid's best: the 99 % interval of their paired difference reaches zero.
    nearest = int(round(chosen))
    best = int(np.argmax(means))
    if nearest != best:
        values = grid.horizon("profit")
        paired = gx.stats.paired_difference(values[nearest], values[best], 0.99)
        assert paired.low <= 0, (nearest, best, paired)
    assert len(result.trials) == 25 and len(result.finalists) == 3
    assert result.best.spec["policy"]["referral_reward"] == chosen
    import matplotlib

    matplotlib.use("Agg")
    axes = result.plot()
    assert len(axes) == 2


def test_optimize_a_callable_objective(base):
    # Profit less a tenth of the incentive spend, as a function of the result: the trial values are
    # that function of each trial's replicates.
    def objective(result):
        return float(result.metric("profit")[:, -1].mean() - 0.1 * result.metric("incentive_spend")[:, -1].mean())

    result = gx.optimize(base, {"policy.referral_reward": (0, 30)}, objective=objective, trials=5, replicates=4,
                         reevaluate=2, reevaluate_replicates=6, progress=False)
    row = result.trials.iloc[2]
    design = base.replace(policy={"referral_reward": float(row["policy.referral_reward"])})
    run = design.run(replicates=4, seed=0, progress=False)
    assert row["value"] == pytest.approx(objective(run), rel=1e-12)
    assert result.objective_name == "objective" and math.isnan(result.finalists["fresh_low"][0])


def test_optimize_constraints_choices_and_store(base, tmp_path):
    result = gx.optimize(base, {"policy.referral_reward": (0, 30), "policy.group_buy.size": [2, 3]},
                         constraints={"incentive_spend": ("<=", 1500)}, trials=12, replicates=6, reevaluate=2,
                         reevaluate_replicates=10, store=tmp_path / "runs.db", progress=False, name="opt")
    assert set(result.trials.columns) >= {"policy.referral_reward", "policy.group_buy.size", "incentive_spend (mean)",
                                          "feasible"}
    feasible = result.trials["feasible"]
    assert (result.trials.loc[feasible, "incentive_spend (mean)"] <= 1500).all()
    assert (result.trials.loc[~feasible, "incentive_spend (mean)"] > 1500).all()
    assert result.best.spec["policy"]["group_buy"]["size"] in (2, 3)
    store = gx.Store(tmp_path / "runs.db")
    assert "opt" in store.sweeps().index and store.study("opt")["kind"] == "optimize"
    again = gx.optimize(base, {"policy.referral_reward": (0, 30), "policy.group_buy.size": [2, 3]},
                        constraints={"incentive_spend": ("<=", 1500)}, trials=12, replicates=6, reevaluate=2,
                        reevaluate_replicates=10, store=tmp_path / "runs.db", progress=False, name="opt")
    assert again.best_params == result.best_params
    for space, needle in (({"policy.referral_rewrd": (0, 1)}, "unknown key path"), ({"policy.referral_reward": (5, 1)},
                          "low < high"), ({"run.steps": (1, 5)}, "run"), ({"policy.group_buy.size": (2.5, 4)}, "whole")):
        with pytest.raises(ValueError, match=needle):
            gx.optimize(base, space, trials=2, progress=False)
    with pytest.raises(ValueError, match="constraints"):
        gx.optimize(base, {"policy.referral_reward": (0, 3)}, constraints={"incentive_spend": ("<", 5)}, trials=2,
                    progress=False)
    with pytest.raises(ValueError, match="no trial met the constraints"):
        gx.optimize(base, {"policy.referral_reward": (10, 30)}, constraints={"customers": (">=", 10**9)}, trials=3,
                    replicates=2, progress=False)


# -- the report -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_store(base, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "runs.db"
    gx.sweep(base, {"policy.referral_reward": [0, 10, 20], "policy.group_buy.size": [2, 3]}, replicates=10,
             store=path, name="grid", progress=False)
    gx.sweep(base, {"policy.referral_reward": [0, 30]}, replicates=40, uncertain={"product.unit_cost": ("uniform", 20, 99)},
             store=path, name="robust", progress=False)
    gx.select({"a": base, "b": base.replace(product={"unit_cost": 50})}, delta=20, store=path, progress=False,
              name="ab")
    return path


def test_the_report_is_one_self_contained_page(report_store, tmp_path):
    out = tmp_path / "report.html"
    page = gx.report(report_store, out)
    assert out.read_text(encoding="utf-8") == page
    assert page.startswith("<!DOCTYPE html>") and page.count("<img") >= 5
    assert "http://" not in page and "https://" not in page and "<script" not in page  # nothing remote
    for needle in ("Sweep “grid”", "Sweep “robust”", "Highest mean profit", "Robustness to the uncertain parameters",
                   "Selection: select-ab", "b is best, or within δ = 20"):
        assert needle in page, needle
    with pytest.raises(ValueError, match="metric"):
        gx.report(report_store, metric="proft")
    with pytest.raises(OSError, match="no such run store"):
        gx.report(tmp_path / "missing.db")
    assert gx.report.to_json({"x": 1}).strip().startswith("{")  # the module's functions stay reachable


def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_the_report_renders_in_a_real_browser(report_store, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium (Debian: chromium; scripts/deps.sh installs it)")
    page = tmp_path / "report.html"
    gx.report(report_store, page)
    shot = tmp_path / "shot.png"
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--window-size=1200,1800", f"--screenshot={shot}", page.as_uri()],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, HOME=str(home)))
    assert shot.exists(), result.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[:, :, :3]
    # Not blank: a white page has one colour. Text, tables and plots make many, and cover a good
    # share of the window.
    coloured = (pixels.max(axis=2) - pixels.min(axis=2) > 0.1) | (pixels.mean(axis=2) < 0.6)
    assert coloured.mean() > 0.02, coloured.mean()
    assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 200


def test_compare_with_uncertain_parameters(base):
    designs = {"reward 10": base, "no reward": base.replace(policy={"referral_reward": 0})}
    uncertain = {"behaviour.conv_strong": ("uniform", 0.05, 0.2)}
    table = gx.compare(designs, replicates=10, seed=3, uncertain=uncertain, progress=False, metrics=["profit"])
    s = gx.sweep(base, [{}, {"policy.referral_reward": 0}], replicates=10, seed=3, uncertain=uncertain, progress=False)
    profit = s.horizon("profit")
    paired = gx.stats.paired_difference(profit[0], profit[1])
    assert table.loc[("no reward", "profit"), "difference"] == paired.difference
    plain = gx.compare(designs, replicates=10, seed=3, progress=False, metrics=["profit"])
    assert plain.loc[("no reward", "profit"), "difference"] != paired.difference  # the draws changed the runs


def test_the_report_of_results_in_memory(base, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    s = gx.sweep(base, {"policy.referral_reward": [0, 10]}, replicates=6, progress=False, name="mem")
    chosen = gx.select({"a": base, "b": base.replace(product={"unit_cost": 50})}, delta=20, progress=False)
    sa = gx.sensitivity(base, {"product.unit_cost": (20, 60), "behaviour.share_prob": (0.05, 0.3)}, metric="customers",
                        n=8, replicates=4, progress=False)
    page = gx.report([s, chosen, sa], tmp_path / "r.html")
    assert "Sweep “mem”" in page and "Selection" in page and "Sensitivity" in page and page.count("<img") >= 3
    with pytest.raises(ValueError, match="cannot report a int"):
        gx.report([42])
