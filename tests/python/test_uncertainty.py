# guanxi.uncertainty: uncertain parameters drawn per replicate (shared by every design, pure functions
# of seed and replicate) and Sweep.robustness (where the winner changes, a dominant design).
import numpy as np
import pytest

import guanxi as gx


def test_uncertain_draws_are_shared_and_pure(decision_base):
    uncertain = {"product.unit_cost": ("uniform", 20, 90), "seeding.k": ("choice", [5, 10, 20])}
    s = gx.sweep(decision_base, {"policy.referral_reward": [0, 20]}, replicates=12, seed=4, uncertain=uncertain, progress=False)
    again = gx.sweep(decision_base, {"policy.referral_reward": [0, 20]}, replicates=12, seed=4, uncertain=uncertain, block=5,
                     progress=False, threads=1)
    assert all(s.values(i).tobytes() == again.values(i).tobytes() for i in range(2))
    draws = s.draws
    assert list(draws.columns) == ["product.unit_cost", "seeding.k"] and len(draws) == 12
    assert draws["product.unit_cost"].between(20, 90).all() and set(draws["seeding.k"]) <= {5, 10, 20}
    # Replicate 3 of design 1 is the design run alone with replicate 3's draw.
    row = draws.iloc[3]
    alone = decision_base.replace(policy={"referral_reward": 20}, product={"unit_cost": float(row["product.unit_cost"])},
                         seeding={"k": int(row["seeding.k"])})
    raw = gx._engine.run_campaign(decision_base.graph, alone.spec, replicates=1, seed=4, threads=1, first=3)
    assert np.array_equal(raw["values"][0], s.values(1)[3], equal_nan=True)
    with pytest.raises(ValueError, match="is also swept"):
        gx.sweep(decision_base, {"product.unit_cost": [50]}, uncertain={"product.unit_cost": ("uniform", 20, 90)},
                 replicates=2, progress=False)
    for bad, needle in ((("uniform", 5, 1), "low < high"), (("gamma", 1, 2), "unknown distribution"),
                        (("uniform", -1, 2), "outside the parameter's range"), (("normal", 1), "takes 2 numbers")):
        with pytest.raises(ValueError, match=needle):
            gx.sweep(decision_base, {"policy.referral_reward": [0]}, uncertain={"product.unit_cost": bad}, replicates=2,
                     progress=False)


def test_robustness_finds_where_the_winner_changes(decision_base):
    # Profit = revenue - unit_cost * units - incentives, and unit cost does not change who buys. A
    # design that sells more but pays rewards wins at low unit cost and loses at high unit cost;
    # with unit cost uncertain, the fitted crossing must agree with the crossing of the paired means
    # over the same replicates, c* = mean(Δ(revenue - incentives)) / mean(Δunits), within its
    # sampling error (a bootstrap over replicates, 99.9 % interval).
    uncertain = {"product.unit_cost": ("uniform", 20, 99)}
    s = gx.sweep(decision_base, {"policy.referral_reward": [0, 30]}, replicates=240, seed=1, uncertain=uncertain, progress=False)
    robust = s.robustness("profit")
    assert robust.table["p_best"].sum() == pytest.approx(1.0)
    assert len(robust.switches) == 1
    at = robust.switches["at"][0]
    metric = {m: [v[:, -1, s.metrics.index(m)] for v in (s.values(i) for i in range(len(s)))] for m in ("revenue", "incentive_spend", "purchases")}
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


def test_robustness_of_a_dominant_design(decision_base):
    s = gx.sweep(decision_base, [{"product.unit_cost": 50}, {"product.unit_cost": 60}], replicates=30,
                 uncertain={"behaviour.conv_strong": ("uniform", 0.05, 0.2)}, progress=False)
    robust = s.robustness("profit")
    assert robust.table.loc[0, "p_best"] == 1.0 and robust.table.loc[0, "expected_regret"] == pytest.approx(0, abs=1e-9)
    assert robust.switches.empty
    with pytest.raises(ValueError, match="no uncertain parameters"):
        gx.sweep(decision_base, {"policy.referral_reward": [0, 5]}, replicates=3, progress=False).robustness()
