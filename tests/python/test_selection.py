# guanxi.selection: gx.select (Kim and Nelson's procedure KN with common random numbers): its constant,
# the promised probability of choosing the best, decisions independent of the batch, the design
# better by construction chosen, lower-is-better and errors, and a store keeping the replicates and
# the decision.
import numpy as np
import pytest
from scipy import stats as sps

import guanxi as gx
from guanxi.selection import kn_constants, kn_select


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


def test_select_picks_the_design_better_by_construction(decision_base):
    # The same campaign with a lower unit cost earns 10 more per unit sold in every replicate (the
    # dynamics are identical under common random numbers): it is the best by construction.
    designs = {"cost 60": decision_base, "cost 50": decision_base.replace(product={"unit_cost": 50}),
               "cost 70": decision_base.replace(product={"unit_cost": 70}), "no reward": decision_base.replace(policy={"referral_reward": 0})}
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


def test_select_lowest_and_errors(decision_base):
    designs = {"cost 60": decision_base, "cost 70": decision_base.replace(product={"unit_cost": 70})}
    cheapest = gx.select(designs, metric="profit", delta=20, lowest=True, progress=False)
    assert cheapest.best_label == "cost 70"  # lower profit is "better" when asked for the lowest
    with pytest.raises(ValueError, match="delta: required: the smallest difference"):
        gx.select(designs, progress=False)
    with pytest.raises(ValueError, match="delta: must be a finite number > 0"):
        gx.select(designs, delta=-1, progress=False)
    with pytest.raises(ValueError, match="at least two"):
        gx.select({"a": decision_base}, delta=1, progress=False)
    with pytest.raises(ValueError, match="unknown 'proft'"):
        gx.select(designs, metric="proft", delta=1, progress=False)
    with pytest.raises(ValueError, match="initial"):
        gx.select(designs, delta=1, initial=1, progress=False)


def test_select_with_a_store_keeps_its_replicates_and_decision(decision_base, tmp_path):
    designs = {"cost 60": decision_base, "cost 50": decision_base.replace(product={"unit_cost": 50})}
    first = gx.select(designs, delta=20, store=tmp_path / "runs.db", progress=False, name="costs")
    again = gx.select(designs, delta=20, store=tmp_path / "runs.db", progress=False, name="costs")
    assert again.sweep.computed_blocks == 0 and again.best == first.best and again.message == first.message
    store = gx.Store(tmp_path / "runs.db")
    assert list(store.studies()["kind"]) == ["select"]
    assert store.study("select-costs")["best_label"] == "cost 50"
