# MODEL.md Part II (model version 2). §10, fans buy more (tier_repeat_mult multiplies the §3.7
# repeat probability, tier_spend_mult the basket of a repeat purchase): exact comparisons of runs
# with the same seed. The Part II cases of §13 (statistical ones with tolerances from the variance,
# exact ones bit for bit), the customer lifecycle API (ledger, cohorts, lifetime value, payback),
# scenario sections and their errors, groups given per node, threads, pickling and the CLI: in
# test_campaign_lifecycle.py.
import numpy as np
import pytest

import guanxi as gx


@pytest.fixture(scope="module")
def base():
    g = gx.generators.holme_kim(3000, 3, 0.5, seed=4)
    return gx.Campaign(g, behaviour={"repeat_prob": 0.1, "share_prob": 0.1}, product={"price": 100, "unit_cost": 60},
                       policy={"referral_reward": 10}, run={"steps": 25})


def metric(result, name):
    return result.metric(name)


def same(a, b):
    return a.values.tobytes() == b.values.tobytes()


def test_multipliers_of_one_are_part_one(base):
    ones = {"customer": 1.0, "fan": 1.0, "partner": 1.0}
    plain = base.run(replicates=6, seed=3, progress=False)
    explicit = base.replace(behaviour={"tier_repeat_mult": ones, "tier_spend_mult": ones}).run(replicates=6, seed=3,
                                                                                              progress=False)
    assert same(plain, explicit)
    assert base.spec["behaviour"]["tier_repeat_mult"] == ones and base.spec["behaviour"]["tier_spend_mult"] == ones


def test_the_repeat_multiplier_multiplies_the_probability(base):
    # repeat_prob 0.1 with every tier's multiplier 2 is repeat_prob 0.2 (0.1 x 2 = 0.2 exactly).
    doubled = base.replace(behaviour={"tier_repeat_mult": {"customer": 2.0, "fan": 2.0, "partner": 2.0}})
    product = base.replace(behaviour={"repeat_prob": 0.2})
    a = doubled.run(replicates=6, seed=3, progress=False)
    b = product.run(replicates=6, seed=3, progress=False)
    assert same(a, b)
    more = metric(a, "repeat_purchases")[:, -1]
    fewer = metric(base.run(replicates=6, seed=3, progress=False), "repeat_purchases")[:, -1]
    assert (more > fewer).all()


def test_a_basket_of_m_units_pays_and_costs_m_units(base):
    m = 3.0
    plain = base.run(replicates=6, seed=5, progress=False)
    bigger = base.replace(behaviour={"tier_spend_mult": {"customer": m, "fan": m, "partner": m}}).run(
        replicates=6, seed=5, progress=False)
    repeats = metric(plain, "repeat_purchases")
    assert repeats[:, -1].min() > 0
    np.testing.assert_array_equal(metric(bigger, "repeat_purchases"), repeats)  # the same purchases
    for name in ("customers", "purchases", "rewards", "active", "churned"):
        np.testing.assert_array_equal(metric(bigger, name), metric(plain, name), err_msg=name)
    np.testing.assert_array_equal(metric(bigger, "revenue") - metric(plain, "revenue"), (m - 1) * 100 * repeats)
    np.testing.assert_array_equal(metric(bigger, "cost_of_goods") - metric(plain, "cost_of_goods"),
                                  (m - 1) * 60 * repeats)


def test_multipliers_are_checked(base):
    with pytest.raises(ValueError, match="behaviour.tier_spend_mult.fan"):
        base.replace(behaviour={"tier_spend_mult": {"fan": -1}})
    with pytest.raises(ValueError, match="behaviour.tier_repeat_mult"):
        base.replace(behaviour={"tier_repeat_mult": {"fans": 2}})
