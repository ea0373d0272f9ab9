# guanxi.optimization: gx.optimize (Optuna, fresh replicates for the finalists): the dense grid's best
# found within noise, a callable objective, constraints, choices and the run store.
import math

import numpy as np
import pytest

import guanxi as gx


def test_optimize_finds_the_dense_grid_best_within_noise(decision_base):
    grid = gx.sweep(decision_base, {"policy.referral_reward": list(range(0, 31))}, replicates=40, seed=2, progress=False)
    means = grid.summary("profit")["mean"].to_numpy()
    result = gx.optimize(decision_base, {"policy.referral_reward": (0, 30)}, trials=25, replicates=40, seed=2,
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


def test_optimize_a_callable_objective(decision_base):
    # Profit less a tenth of the incentive spend, as a function of the result: the trial values are
    # that function of each trial's replicates.
    def objective(result):
        return float(result.metric("profit")[:, -1].mean() - 0.1 * result.metric("incentive_spend")[:, -1].mean())

    result = gx.optimize(decision_base, {"policy.referral_reward": (0, 30)}, objective=objective, trials=5, replicates=4,
                         reevaluate=2, reevaluate_replicates=6, progress=False)
    row = result.trials.iloc[2]
    design = decision_base.replace(policy={"referral_reward": float(row["policy.referral_reward"])})
    run = design.run(replicates=4, seed=0, progress=False)
    assert row["value"] == pytest.approx(objective(run), rel=1e-12)
    assert result.objective_name == "objective" and math.isnan(result.finalists["fresh_low"][0])


def test_optimize_constraints_choices_and_store(decision_base, tmp_path):
    result = gx.optimize(decision_base, {"policy.referral_reward": (0, 30), "policy.group_buy.size": [2, 3]},
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
    again = gx.optimize(decision_base, {"policy.referral_reward": (0, 30), "policy.group_buy.size": [2, 3]},
                        constraints={"incentive_spend": ("<=", 1500)}, trials=12, replicates=6, reevaluate=2,
                        reevaluate_replicates=10, store=tmp_path / "runs.db", progress=False, name="opt")
    assert again.best_params == result.best_params
    for space, needle in (({"policy.referral_rewrd": (0, 1)}, "unknown key path"), ({"policy.referral_reward": (5, 1)},
                          "low < high"), ({"run.steps": (1, 5)}, "run"), ({"policy.group_buy.size": (2.5, 4)}, "whole")):
        with pytest.raises(ValueError, match=needle):
            gx.optimize(decision_base, space, trials=2, progress=False)
    with pytest.raises(ValueError, match="constraints"):
        gx.optimize(decision_base, {"policy.referral_reward": (0, 3)}, constraints={"incentive_spend": ("<", 5)}, trials=2,
                    progress=False)
    with pytest.raises(ValueError, match="no trial met the constraints"):
        gx.optimize(decision_base, {"policy.referral_reward": (10, 30)}, constraints={"customers": (">=", 10**9)}, trials=3,
                    replicates=2, progress=False)
