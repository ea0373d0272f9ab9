# guanxi.campaign: gx.Campaign and the model it runs (MODEL.md §1-§14). The §6 and §13 degenerate
# cases (IC and Bass laws, budget 0, group buy of one, one group of everyone, ads alone; statistical
# ones with tolerances from the variance, exact ones bit for bit), determinism and common random
# numbers, §10's fan multipliers, money identities and metric ranges, every example conserving money,
# inert Part II features, the spec API (defaults, keys, errors naming the key path or the scenario's
# file, line and key, design warnings, replace, to_toml, groups per node), the set-up memo shared by
# runs on one graph, the parameter and metric tables, and Ctrl-C.
import math
import os
import pickle
import re
import subprocess
import sys
import textwrap
import tomllib
import warnings

import numpy as np
import pytest

import guanxi as gx
from helpers import CHANNELS, EXAMPLES, LIVELY, assert_call_interrupts, design_warnings, lively, run_campaign, same_values


stats = pytest.importorskip("scipy.stats")


ALPHA = 1e-4  # false-alarm rate of each distribution test


NEW = [f"new_customers_{c}" for c in CHANNELS]


# Tie dynamics off (MODEL.md §6): strengths never move.
TIES_OFF = dict(init="constant", value=0.5, alpha_conv=0, alpha_team=0, alpha_bond=0, beta_spam=0, beta_fail=0, decay=0)


@pytest.fixture(scope="module")
def small():
    return gx.generators.holme_kim(300, 3, 0.5, seed=5)


def test_ic_degenerate_case_matches_the_ic_kernel():
    # Every customer shares once, reaching every prospect neighbour; each reach converts with p:
    # the final customers follow the Independent Cascade from the same seeds. The campaign's
    # seeds act in step 0 (IC's step 1), so only final sizes are compared.
    g = gx.generators.holme_kim(3000, 3, 0.3, seed=7)
    p, seeds = 0.12, [5, 100, 2000]
    campaign = gx.Campaign(
        g,
        behaviour=dict(share_prob=1, max_shares=1, reach=1, max_attempts=1, conv_weak=p, conv_strong=p,
                       churn_prob=0, repeat_prob=0, external_rate=0),
        ties=dict(TIES_OFF, value=0.7),
        seeding={"nodes": seeds},
        run={"steps": 60},
    )
    result = run_campaign(campaign, replicates=1000, seed=11)
    referral = result.metric("new_customers_referral")
    assert referral[:, -10:].sum() == 0  # every cascade ended well before the horizon
    x = result.metric("customers")[:, -1]
    y = np.asarray(gx.simulate(g, "ic", seeds=seeds, p=p, kernel="scalar", replicates=4000, seed=12,
                               progress=False).sizes, dtype=float)
    # Difference of two independent sample means: se = sqrt(s1^2/n1 + s2^2/n2); allow 5 se.
    se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    assert abs(x.mean() - y.mean()) <= 5 * se, (x.mean(), y.mean(), se)
    assert stats.ks_2samp(x, y).pvalue > ALPHA  # conservative for discrete samples
    assert x.min() >= len(seeds) and np.all(result.metric("customers")[:, 0] >= len(seeds))


def test_bass_degenerate_case_follows_the_discrete_bass_law():
    # Complete graph, no seeds, p_ext = p, trust = q/N, everyone shares with everyone each step.
    # Given X customers at the start of a step, each of the N - X prospects adopts externally
    # with probability p, otherwise by referral with 1 - (1 - q/N)^X (external adopters first):
    # F_{t+1} = 1 - (1 - F_t)(1 - p)(1 - q/N)^{N F_t} in expectation. Averaging this nonlinear map
    # is biased, so the reference is a Monte Carlo of the chain itself, plus exact transition tests.
    N, p, q, steps, R = 1000, 0.02, 0.8, 10, 24
    campaign = gx.Campaign(
        gx.generators.complete(N),
        behaviour=dict(external_rate=p, share_prob=1, reach=1, max_attempts=0, max_shares=0, conv_weak=q / N,
                       conv_strong=q / N, churn_prob=0, repeat_prob=0),
        ties=TIES_OFF,
        seeding={"k": 0},
        run={"steps": steps},
    )
    result = run_campaign(campaign, replicates=R, seed=5)
    X = result.metric("customers")
    before = np.hstack([np.zeros((R, 1)), X[:, :-1]])  # customers at the start of each step
    ext, ref = result.metric("new_customers_external"), result.metric("new_customers_referral")
    assert np.array_equal(X, before + ext + ref)  # no other channel
    assert np.array_equal(result.metric("active"), X)
    # Transition tests: sum of (count - n pi) over all replicates and steps is a martingale with
    # variance sum n pi (1 - pi); z ~ N(0, 1), |z| <= 5 (two-sided 6e-7 each).
    n_ext, pi_ext = N - before, np.full_like(before, p)
    z_ext = (ext - n_ext * pi_ext).sum() / math.sqrt((n_ext * pi_ext * (1 - pi_ext)).sum())
    n_ref, pi_ref = N - before - ext, 1 - (1 - q / N) ** before
    z_ref = (ref - n_ref * pi_ref).sum() / math.sqrt((n_ref * pi_ref * (1 - pi_ref)).sum())
    assert abs(z_ext) <= 5 and abs(z_ref) <= 5, (z_ext, z_ref)
    # The mean curve against 20000 runs of the chain: within 5 se of the difference at every step.
    rng = np.random.default_rng(2024)
    chain = np.zeros((20000, steps))
    x = np.zeros(20000)
    for t in range(steps):
        x = x + rng.binomial((N - x).astype(np.int64), 1 - (1 - p) * (1 - q / N) ** x)
        chain[:, t] = x
    se = np.sqrt(X.var(axis=0, ddof=1) / R + chain.var(axis=0, ddof=1) / chain.shape[0])
    assert np.all(np.abs(X.mean(axis=0) - chain.mean(axis=0)) <= 5 * se), (X.mean(axis=0), chain.mean(axis=0), se)
    F = np.zeros(steps + 1)  # the deterministic recurrence: the horizon covers the S curve
    for t in range(steps):
        F[t + 1] = 1 - (1 - F[t]) * (1 - p) * (1 - q / N) ** (N * F[t])
    assert F[1] == pytest.approx(p) and F[-1] > 0.9 and X[:, -1].mean() > 0.9 * N


BUDGET_ZERO_DESIGNS = {
    "referral": dict(referral_reward=12, referee_discount=0.15),
    "commission": dict(commission=[0.1, 0.05, 0.02]),
    "group_buy": dict(group_buy=dict(size=2, deadline=4, discount=0.25)),
    "bargain": dict(bargain=dict(helpers=1, deadline=3, discount=0.3)),
}


@pytest.mark.parametrize("design", list(BUDGET_ZERO_DESIGNS))
def test_budget_zero_is_exactly_no_incentive(hk, design):
    # External adopters, churn and repeat purchases on: all must follow the no-incentive path.
    none = lively(hk)
    policy = BUDGET_ZERO_DESIGNS[design]
    zero = none.replace(policy=dict(policy, budget=0))
    base = run_campaign(none, replicates=6, seed=3)
    assert same_values(run_campaign(zero, replicates=6, seed=3).values, base.values)
    # The design itself does change the trajectory when it may pay (the test can fail).
    assert not same_values(run_campaign(none.replace(policy=policy), replicates=6, seed=3).values, base.values)


def test_group_buy_of_one_is_a_referral_discount(hk):
    # Seeds open teams of one (pending during step 0, sharing with team_share_prob = share_prob)
    # that complete at once: everything matches the referral policy with referee discount d_g,
    # except that each seed pays P (1 - d_g) instead of P.
    d, price = 0.3, 120.0
    common = dict(behaviour=dict(churn_prob=0, repeat_prob=0, external_rate=0, team_share_prob=LIVELY["share_prob"]),
                  product={"price": price, "unit_cost": 50}, seeding={"strategy": "pagerank", "k": 7})
    referral = lively(hk, policy=dict(referee_discount=d, referral_reward=5), **common)
    team = referral.replace(policy=dict(referee_discount=0, group_buy=dict(size=1, deadline=3, discount=d)))
    a, b = run_campaign(referral, replicates=6, seed=9), run_campaign(team, replicates=6, seed=9)
    for metric in ["customers", "active", "churned", "purchases", "reaches", "fans", "partners", "largest_cascade",
                   "max_depth", "rewards", "new_customers_external"]:
        assert np.array_equal(a.metric(metric), b.metric(metric)), metric
    assert np.array_equal(a.metric("new_customers_referral"), b.metric("new_customers_team"))
    assert np.all(b.metric("pending") == 0)  # teams of one never wait
    gap = 7 * price * d
    np.testing.assert_allclose(a.metric("revenue") - b.metric("revenue"), gap, rtol=0, atol=1e-6)
    np.testing.assert_allclose(b.metric("discounts") - a.metric("discounts"), gap, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.metric("profit") - b.metric("profit"), gap, rtol=0, atol=1e-6)
    assert a.metric("customers")[:, -1].min() > 50  # the referral wave did happen


def test_commission_to_a_teammate_does_not_depend_on_the_payment_order():
    # Path 0 - 1, seed 0 opens a team of 2, converts 1 at step 0 and the team completes: both buy
    # at 80 in the same step, 1 with referrer 0. Commission goes to ancestors who are active
    # customers at the start of the step (docs/model.md, §3.2-3.4); 0 is a pending team member
    # then, so no commission is paid, whatever the run seed (which only changes the order in
    # which the two purchases are paid).
    g = gx.Graph.from_edges([0], [1], n=2)
    certain = dict(share_prob=1, team_share_prob=1, reach=1, conv_weak=1, conv_strong=1, repeat_prob=0, churn_prob=0)
    campaign = gx.Campaign(g, behaviour=certain, ties=TIES_OFF, seeding={"nodes": [0]},
                           policy={"commission": [0.1], "group_buy": {"size": 2, "deadline": 3, "discount": 0.2}},
                           run={"steps": 1})
    outcomes = set()
    for seed in range(8):
        r = run_campaign(campaign, replicates=1, seed=seed)
        assert r.metric("new_customers_team")[0, 0] == 1 and r.metric("revenue")[0, 0] == 160
        outcomes.add(float(r.metric("commissions")[0, 0]))
    assert outcomes == {0.0}, outcomes


def directed_hk():
    g = gx.generators.holme_kim(1200, 3, 0.5, seed=8)
    src, dst = np.asarray(g.edges()[0]), np.asarray(g.edges()[1])
    flip = np.random.default_rng(1).random(src.size) < 0.5
    return gx.Graph.from_edges(np.where(flip, dst, src), np.where(flip, src, dst), n=g.num_nodes, directed=True)


DETERMINISM_DESIGNS = {
    "membership": dict(policy=dict(commission=[0.05], membership=dict(fee=200, take_rate=0.1)),
                       seeding={"strategy": "random", "k": 8}),
    "group_buy": dict(policy=dict(referral_reward=4, budget=900, group_buy=dict(size=3, deadline=3))),
    "bargain": dict(policy=dict(bargain=dict(helpers=2, deadline=4), commission=[0.1, 0.05])),
}


@pytest.mark.parametrize("design", list(DETERMINISM_DESIGNS))
@pytest.mark.parametrize("directed", [False, True], ids=["undirected", "directed"])
def test_same_seed_same_values_for_any_thread_count_and_run(hk, design, directed):
    g = directed_hk() if directed else hk
    campaign = lively(g, **DETERMINISM_DESIGNS[design])
    one = run_campaign(campaign, replicates=8, seed=21, threads=1)
    two = run_campaign(campaign, replicates=8, seed=21, threads=2)
    again = run_campaign(campaign, replicates=8, seed=21, forests=[3])  # recording a forest changes nothing
    assert same_values(one.values, two.values) and same_values(one.values, again.values)
    assert one.metric("customers")[:, -1].max() > 30
    other = run_campaign(campaign, replicates=8, seed=22)
    assert not same_values(one.values, other.values)


def test_replicate_rows_do_not_depend_on_the_number_of_replicates(hk):
    # Random seeding: even the seeds are a function of (seed, replicate).
    campaign = lively(hk, seeding={"strategy": "random", "k": 5}, policy={"referral_reward": 8})
    few, many = run_campaign(campaign, replicates=3, seed=4), run_campaign(campaign, replicates=10, seed=4, threads=2)
    assert same_values(few.values, many.values[:3])
    assert not same_values(many.values[0], many.values[1])


def test_unit_cost_changes_money_but_not_people(hk):
    campaign = lively(hk, policy={"referral_reward": 6, "referee_discount": 0.1, "commission": [0.05]})
    dear = campaign.replace(product={"unit_cost": 85})
    a, b = run_campaign(campaign, replicates=6, seed=8), run_campaign(dear, replicates=6, seed=8)
    money = {"cost_of_goods", "profit", "incentive_roi"}
    for i, metric in enumerate(a.metrics):
        if metric not in money:
            assert same_values(a.values[:, :, i], b.values[:, :, i]), metric
    purchases = a.metric("purchases")
    np.testing.assert_allclose(b.metric("cost_of_goods") - a.metric("cost_of_goods"), 25 * purchases, atol=1e-6)
    np.testing.assert_allclose(a.metric("profit") - b.metric("profit"), 25 * purchases, atol=1e-6)


# MODEL.md §7, transcribed: (section, key path) -> default.
MODEL_DEFAULTS = {
    ("product", "price"): 100, ("product", "unit_cost"): 60,
    ("behaviour", "share_prob"): 0.05, ("behaviour", "team_share_prob"): 0.5, ("behaviour", "reach"): 0.3,
    ("behaviour", "max_attempts"): 3, ("behaviour", "max_shares"): 0, ("behaviour", "conv_weak"): 0.01,
    ("behaviour", "conv_strong"): 0.08, ("behaviour", "external_rate"): 0, ("behaviour", "reward_elasticity"): 2.0,
    ("behaviour", "reward_curvature"): 0.5, ("behaviour", "discount_elasticity"): 3.0,
    ("behaviour", "repeat_prob"): 0.01, ("behaviour", "stickiness"): 0.1, ("behaviour", "stickiness_cap"): 10,
    ("behaviour", "churn_prob"): 0.005, ("behaviour", "embeddedness"): 0.3, ("behaviour", "neg_prob"): 0.2,
    ("behaviour", "neg_weight"): 0.5, ("behaviour", "help_mult"): 1.0, ("behaviour", "aware_mult"): 0.5,
    ("behaviour", "tier_mult", "customer"): 1, ("behaviour", "tier_mult", "fan"): 1.5,
    ("behaviour", "tier_mult", "partner"): 3,
    ("ties", "init"): "overlap", ("ties", "s_min"): 0.1, ("ties", "s_max"): 0.9, ("ties", "strong_threshold"): 0.5,
    ("ties", "alpha_conv"): 0.2, ("ties", "alpha_team"): 0.1, ("ties", "alpha_bond"): 0.01,
    ("ties", "beta_spam"): 0.05, ("ties", "beta_fail"): 0.1, ("ties", "decay"): 0.005, ("ties", "s_floor"): 0.05,
    ("ladder", "fan_purchases"): 2, ("ladder", "partner_referrals"): 5,
    ("policy", "referral_reward"): 0, ("policy", "referee_discount"): 0, ("policy", "commission"): [],
    ("policy", "budget"): "unlimited",
    ("policy", "group_buy", "enabled"): False, ("policy", "group_buy", "solo_fallback"): 0.3,
    ("policy", "bargain", "enabled"): False, ("policy", "bargain", "solo_fallback"): 0.3,
    ("policy", "membership", "enabled"): False, ("policy", "membership", "fee"): 398,
    ("policy", "membership", "take_rate"): 0.01, ("policy", "membership", "partner_commission"): [0.10, 0.05, 0.02],
    ("seeding", "strategy"): "top_degree", ("seeding", "k"): 10,
    ("run", "steps"): 60, ("run", "replicates"): 100, ("run", "seed"): 0,
    # MODEL.md §14 (ad_steps 0: the whole horizon; flash sale and red packet defaults are guanxi's).
    ("acquisition", "ad_spend"): 0, ("acquisition", "cpm"): 30, ("acquisition", "ad_conversion"): 0.001,
    ("acquisition", "ad_steps"): 0, ("acquisition", "ad_budget"): "unlimited", ("acquisition", "ad_target"): "all",
    ("acquisition", "platform_fee"): 0,
    ("community", "enabled"): False, ("community", "initial"): "none", ("community", "initial_activity"): 0.5,
    ("community", "capacity"): 500, ("community", "join_prob"): 0.3, ("community", "invite_prob"): 0.01,
    ("community", "post_prob"): 0.15, ("community", "post_cost"): 5, ("community", "post_lift"): 0.2,
    ("community", "group_conv"): 0.02, ("community", "social_proof"): 0.05, ("community", "repeat_lift"): 1.0,
    ("community", "flash_sale", "enabled"): False, ("community", "red_packet", "enabled"): False,
    ("community", "red_packet", "lift"): 0.3, ("community", "activity_decay"): 0.05, ("community", "leave_prob"): 0.02,
    ("community", "alpha_group"): 0.02, ("community", "group_embeddedness"): 1.0, ("community", "group_neg_weight"): 0.2,
    ("behaviour", "tier_repeat_mult"): {"customer": 1.0, "fan": 1.0, "partner": 1.0, "shareholder": 1.0},
    ("behaviour", "tier_spend_mult"): {"customer": 1.0, "fan": 1.0, "partner": 1.0, "shareholder": 1.0},
    # MODEL.md §20 (Part III).
    ("behaviour", "tier_mult", "shareholder"): 5,
    ("ladder", "shareholding"): {"enabled": False, "take_rate": 0.005, "stake_price": 2000, "churn_mult": 0.2,
                                 "dividend_period": 30, "dividend_share": 0.1},
    ("policy", "margin_cap"): {"enabled": False, "rate": 0.05, "period": 30, "trust": 0.5, "lift": 0.5},
    ("segments",): {"enabled": False, "assign": "shares", "file": "", "list": []},
    ("policy", "target"): [],
    ("acquisition", "ad_segments"): [],
}


def lookup(spec, path):
    for key in path:
        spec = spec[key]
    return spec


def test_metrics_are_model_md_section_5():
    section_5 = ["customers", "active", "churned", "pending", *NEW, "fans", "partners", "purchases", "repeat_purchases",
                 "revenue", "cost_of_goods", "rewards", "commissions", "discounts", "fees", "incentive_spend", "profit",
                 "incentive_roi", "reaches", "conversion_rate", "k_factor", "team_success_rate",
                 "bargain_success_rate", "mean_strength", "strong_tie_fraction", "strong_ties_customers",
                 "value_metcalfe", "value_odlyzko", "value_ties", "largest_cascade", "max_depth",
                 "structural_virality"]
    # customers_<channel>: the cumulative twin of new_customers_<channel>, and the money, ad and
    # group lines of MODEL.md §12.
    cumulative = [f"customers_{c}" for c in CHANNELS]
    section_12 = ["ad_spend", "impressions", "platform_fees", "community_cost", "red_packets", "marketing_spend",
                  "groups", "group_members", "group_customers", "group_activity", "posts"]
    section_18 = ["shareholders", "stake_sales", "dividends", "rebates"]  # Part III: §17 shareholders, §18 the promise
    metrics = gx.campaign.metrics()
    assert sorted(metrics) == sorted(section_5 + cumulative + section_12 + section_18 + ["cac"])
    assert len(set(metrics)) == len(metrics)
    assert gx.campaign.channels() == CHANNELS


def test_defaults_are_model_md_section_7(small):
    spec = gx.Campaign(small).spec
    assert set(spec) == {"product", "behaviour", "ties", "ladder", "policy", "acquisition", "community", "segments",
                         "seeding", "run"}
    for path, default in MODEL_DEFAULTS.items():
        assert lookup(spec, path) == (pytest.approx(default) if isinstance(default, float) else default), path
    # One key given: the rest of its section keeps the defaults.
    spec = gx.Campaign(small, behaviour={"reach": 0.7}).spec
    assert spec["behaviour"]["reach"] == 0.7 and spec["behaviour"]["share_prob"] == 0.05


UNKNOWN = [
    (dict(behaviour={"reech": 0.5}), "behaviour.reech", "reach"),
    (dict(policy={"comission": [0.1]}), "policy.comission", "commission"),
    (dict(policy={"group_buy": {"sise": 2}}), "policy.group_buy.sise", "size"),
    (dict(behaviour={"tier_mult": {"partnr": 2}}), "behaviour.tier_mult.partnr", "partner"),
    (dict(behavior={"reach": 0.5}), "behavior", "behaviour"),
    (dict(polcy={"budget": 5}), "polcy", "policy"),
]


@pytest.mark.parametrize("sections, name, hint", UNKNOWN, ids=[n for _, n, _ in UNKNOWN])
def test_unknown_names_raise_value_error_with_the_closest_key(small, sections, name, hint):
    with pytest.raises(ValueError) as info:
        gx.Campaign(small, **sections)
    message = str(info.value)
    assert name in message and f"did you mean '{hint}'" in message, message


BAD_VALUES = [
    (dict(behaviour={"reach": 1.5}), "behaviour.reach"),
    (dict(behaviour={"reach": "0.5"}), "behaviour.reach"),
    (dict(behaviour={"max_attempts": 1.5}), "behaviour.max_attempts"),
    (dict(behaviour={"max_attempts": -1}), "behaviour.max_attempts"),
    (dict(behaviour=5), "behaviour"),
    (dict(policy={"commission": [-0.1]}), "policy.commission[0]"),
    (dict(policy={"commission": [0.1, 1.2]}), "policy.commission[1]"),
    (dict(policy={"commission": 0.1}), "policy.commission"),
    (dict(policy={"budget": -1}), "policy.budget"),
    (dict(policy={"budget": "lots"}), "policy.budget"),
    (dict(policy={"group_buy": 3}), "policy.group_buy"),
    (dict(policy={"group_buy": {"size": 0}}), "policy.group_buy.size"),
    (dict(policy={"group_buy": {}, "bargain": {}}), "policy.bargain"),
    (dict(product={"price": 0}), "product.price"),
    (dict(product={"price": True}), "product.price"),
    (dict(product={"price": math.nan}), "product.price"),
    (dict(product={"price": math.inf}), "product.price"),
    (dict(ties={"init": "strong"}), "ties.init"),
    (dict(seeding={"k": 301}), "seeding.k"),
    (dict(seeding={"nodes": [300]}), "seeding.nodes"),
    (dict(seeding={"nodes": [1, 1]}), "seeding.nodes"),
    (dict(seeding={"strategy": "best"}), "seeding.strategy"),
    (dict(run={"steps": 0}), "run.steps"),
    (dict(run={"steps": 2.5}), "run.steps"),
]


@pytest.mark.parametrize("sections, name", BAD_VALUES, ids=[f"{n}-{i}" for i, (_, n) in enumerate(BAD_VALUES)])
def test_bad_values_raise_value_error_naming_the_parameter(small, sections, name):
    with pytest.raises(ValueError) as info:
        gx.Campaign(small, **sections)
    assert name in str(info.value), str(info.value)


def test_unlimited_budget_accepts_infinity(small):
    # Python's spelling of "unlimited" is math.inf (the C++ default itself is infinity).
    campaign = gx.Campaign(small, policy={"budget": math.inf, "referral_reward": 5}, run={"steps": 5})
    assert campaign.spec["policy"]["budget"] == "unlimited"


def test_numpy_values_are_accepted(small):
    campaign = gx.Campaign(small, behaviour={"reach": np.float64(0.4), "max_attempts": np.int64(2)},
                           policy={"commission": np.array([0.1, 0.05])}, run={"steps": np.int32(7)})
    assert campaign.spec["behaviour"]["reach"] == 0.4 and campaign.spec["behaviour"]["max_attempts"] == 2
    assert campaign.spec["policy"]["commission"] == [0.1, 0.05] and campaign.spec["run"]["steps"] == 7


def test_run_arguments_are_checked(small):
    campaign = gx.Campaign(small, run={"steps": 3})
    for kw, name in [(dict(replicates=0), "replicates"), (dict(seed=-1), "seed"), (dict(threads=0), "threads"),
                     (dict(replicates=2, forests=[2]), "forests")]:
        with pytest.raises(ValueError) as info:
            run_campaign(campaign, **kw)
        assert str(info.value).startswith(name), str(info.value)
    with pytest.raises(TypeError):
        gx.Campaign("not a graph")


def test_replace_changes_one_key_and_keeps_the_rest(small):
    base = gx.Campaign(small, name="base", behaviour={"reach": 0.6, "share_prob": 0.2}, policy={"commission": [0.1]})
    changed = base.replace(behaviour={"reach": 0.4})
    assert changed.spec["behaviour"]["reach"] == 0.4 and changed.spec["behaviour"]["share_prob"] == 0.2
    assert changed.spec["policy"]["commission"] == [0.1]
    assert changed.name == "base (reach=0.4)" and base.name == "base"  # another design: named after both
    assert base.spec["behaviour"]["reach"] == 0.6  # the original is untouched
    for section in base.spec:
        if section != "behaviour":
            assert changed.spec[section] == base.spec[section], section
    team = base.replace(name="team", policy={"group_buy": {"size": 2}})
    assert team.name == "team" and team.spec["policy"]["group_buy"]["enabled"] is True
    assert team.spec["policy"]["group_buy"]["size"] == 2 and team.spec["policy"]["commission"] == [0.1]
    assert team.graph is base.graph
    with pytest.raises(ValueError, match="behaviour.reech"):
        base.replace(behaviour={"reech": 0.5})
    with pytest.raises(ValueError, match="polcy"):
        base.replace(polcy={"budget": 1})


def flatten(table, prefix=()):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from flatten(value, prefix + (key,))
        else:
            yield prefix + (key,), value


@pytest.mark.parametrize("name", sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".toml")))
def test_every_example_loads_with_a_given_graph(small, name):
    path = os.path.join(EXAMPLES, name)
    with open(path, "rb") as f:
        toml = tomllib.load(f)
    campaign = gx.Campaign.from_toml(path, graph=small)
    assert campaign.graph is small and campaign.name == toml["name"] and campaign.description == toml["description"]
    for key_path, value in flatten({k: v for k, v in toml.items() if k not in ("graph", "name", "description")}):
        assert lookup(campaign.spec, key_path) == value, key_path
    for sub in ("group_buy", "bargain", "membership"):
        assert campaign.spec["policy"][sub]["enabled"] == (sub in toml.get("policy", {})), sub
    result = run_campaign(campaign.replace(run={"steps": 4}), replicates=2, seed=1)
    assert result.values.shape == (2, 4, len(gx.campaign.metrics()))


def test_from_toml_builds_its_own_graph(write_file):
    path = write_file("own.toml", textwrap.dedent("""
        name = "small world"
        [graph]
        generator = "holme-kim"
        n = 400
        m = 2
        p = 0.5
        seed = 3
        [seeding]
        k = 4
        [run]
        steps = 6
        replicates = 3
        seed = 9
        """))
    campaign = gx.Campaign.from_toml(path)
    expected = gx.generators.holme_kim(400, 2, 0.5, seed=3)
    assert campaign.name == "small world" and campaign.graph.num_nodes == 400
    assert campaign.graph.num_ties == expected.num_ties
    assert np.array_equal(np.asarray(campaign.graph.degrees()), np.asarray(expected.degrees()))
    result = run_campaign(campaign)  # replicates and seed from [run]
    assert result.values.shape[:2] == (3, 6) and result.seed == 9
    assert same_values(result.values, run_campaign(gx.Campaign(expected, **campaign.spec)).values)


def test_from_toml_resolves_seed_labels(write_file):
    write_file("g.edges", "10 20\n20 30\n30 40\n40 50\n")
    path = write_file("s.toml", '[graph]\nfile = "g.edges"\n\n[seeding]\nnodes = [20, "40"]\n\n[run]\nsteps = 2\n')
    campaign = gx.Campaign.from_toml(path)
    labels = np.asarray(campaign.graph.labels)
    assert campaign.spec["seeding"]["strategy"] == "nodes"
    assert sorted(labels[campaign.spec["seeding"]["nodes"]].tolist()) == [20, 40]
    forest = run_campaign(campaign, replicates=1, forests=[0]).referral_forest(0)
    seeds = forest[forest.channel == "seed"]
    assert sorted(seeds.label.tolist()) == [20, 40] and (seeds.referrer == -1).all()
    bad = write_file("bad.toml", '[graph]\nfile = "g.edges"\n[seeding]\nnodes = [99]\n')
    with pytest.raises(ValueError) as info:
        gx.Campaign.from_toml(bad)
    assert "seeding.nodes" in str(info.value) and "99" in str(info.value)


def test_from_toml_errors_name_file_line_and_key(write_file, small):
    path = write_file("typo.toml", "[product]\nprice = 100\n\n[behaviour]\nshare_prob = 0.1\nshar_prb = 0.2\n")
    with pytest.raises(ValueError) as info:
        gx.Campaign.from_toml(path, graph=small)
    message = str(info.value)
    assert "typo.toml:6" in message and "behaviour.shar_prb" in message and "did you mean 'share_prob'" in message
    with pytest.raises(ValueError, match=r"\[graph\] is missing"):
        gx.Campaign.from_toml(write_file("nograph.toml", "[run]\nsteps = 3\n"))
    with pytest.raises(OSError, match="absent.toml"):
        gx.Campaign.from_toml(path.parent / "absent.toml", graph=small)


@pytest.mark.parametrize("policy, warned", [
    ({"commission": [0.1, 0.05, 0.02, 0.01]}, True),
    ({"commission": [0.1, 0.05, 0.02]}, False),
    ({"membership": {"partner_commission": [0.1, 0.05, 0.02, 0.01]}}, True),
])
def test_commission_deeper_than_three_levels_warns(small, policy, warned):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        campaign = gx.Campaign(small, policy=policy, run={"steps": 3})
    result = run_campaign(campaign, replicates=2)
    # Warned once, when the design is made, with the run's warnings.
    assert [str(w.message) for w in caught if w.category is gx.DesignWarning] == result.warnings
    found = [w for w in result.warnings if "commission" in w and "three levels" in w]
    assert len(found) == (1 if warned else 0), result.warnings
    if warned:
        assert "4 levels" in found[0]


def random_design(rng, kind):
    """Random prices, ladder and policy; kind 0: plain, 1: group buy, 2: bargain."""
    policy = {}
    if rng.random() < 0.6:
        policy["referral_reward"] = float(rng.uniform(0, 20))
    if rng.random() < 0.5:
        policy["referee_discount"] = float(rng.uniform(0, 0.4))
    if rng.random() < 0.6:
        policy["commission"] = [float(x) for x in rng.uniform(0, 0.15, size=rng.integers(1, 4))]
    if rng.random() < 0.5:
        policy["budget"] = float(rng.uniform(0, 4000))
    if kind == 1:
        policy["group_buy"] = dict(size=int(rng.integers(1, 5)), deadline=int(rng.integers(1, 6)),
                                   discount=float(rng.uniform(0, 0.5)), solo_fallback=float(rng.random()))
    elif kind == 2:
        policy["bargain"] = dict(helpers=int(rng.integers(1, 4)), deadline=int(rng.integers(1, 6)),
                                 discount=float(rng.uniform(0, 0.5)), solo_fallback=float(rng.random()))
    if rng.random() < 0.4:
        policy["membership"] = dict(fee=float(rng.uniform(50, 400)), take_rate=float(rng.uniform(0.05, 0.3)))
    ladder = dict(fan_purchases=int(rng.integers(1, 4)), partner_referrals=int(rng.integers(1, 6)))
    product = dict(price=float(rng.uniform(50, 150)))
    product["unit_cost"] = float(rng.uniform(0, product["price"]))
    return dict(policy=policy, ladder=ladder, product=product)


@pytest.mark.parametrize("index", range(9))
def test_money_and_people_identities_on_random_designs(hk, index):
    design = random_design(np.random.default_rng(1000 + index), kind=index % 3)
    campaign = lively(hk, **design)
    r = run_campaign(campaign, replicates=3, seed=index)
    m = r.metric
    price, unit_cost = design["product"]["price"], design["product"]["unit_cost"]

    def close(a, b):  # sums of money in floating point
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)

    close(m("profit"), m("revenue") - m("cost_of_goods") - m("rewards") - m("commissions") + m("fees"))
    close(m("incentive_spend"), m("rewards") + m("commissions") + m("discounts"))
    budget = design["policy"].get("budget", math.inf)
    assert np.all(m("incentive_spend") <= budget + 1e-6)
    close(m("cost_of_goods"), m("purchases") * unit_cost)
    close(m("revenue") + m("discounts"), m("purchases") * price)
    assert np.array_equal(m("purchases"), m("customers") + m("repeat_purchases"))  # first purchases + repeats
    assert np.array_equal(m("customers"), m("active") + m("churned"))  # ever bought = active + churned
    new = sum(m(name) for name in NEW)
    assert np.array_equal(np.cumsum(new, axis=1), m("customers"))  # seeds count at step 0
    assert np.all(m("fans") + m("partners") <= m("active"))  # docs/model.md: they count active customers
    for name in ["customers", "churned", "purchases", "repeat_purchases", "revenue", "cost_of_goods", "rewards",
                 "commissions", "discounts", "fees", "incentive_spend", "largest_cascade", "max_depth"]:
        assert np.all(np.diff(m(name), axis=1) >= 0), name
    assert np.all(m("pending") >= 0)
    if "group_buy" not in design["policy"] and "bargain" not in design["policy"]:
        assert np.all(m("pending") == 0)
    if "membership" not in design["policy"]:
        assert np.all(m("fees") == 0)
    close(m("value_metcalfe"), m("active") ** 2)
    active = m("active")
    close(m("value_odlyzko"), np.where(active > 0, active * np.log(np.maximum(active, 1)), 0))
    # CAC = spend / incentive-driven customers: an integer count between 1 and the customers.
    spend, cac, roi = m("incentive_spend"), m("cac"), m("incentive_roi")
    defined = ~np.isnan(cac)
    driven = spend[defined] / cac[defined]
    assert np.allclose(driven, np.round(driven), rtol=0, atol=1e-6)
    assert np.all(driven >= 1 - 1e-9) and np.all(driven <= m("customers")[defined] + 1e-9)
    # ROI = (margin of driven purchases - spend) / spend: undefined exactly when nothing was spent; the
    # margin lies between (cheapest price paid - unit cost) and (price - unit cost) per purchase.
    assert np.array_equal(np.isnan(roi), spend == 0)
    margin = np.where(spend > 0, (np.nan_to_num(roi) + 1) * spend, 0)
    assert np.all(margin <= m("purchases") * (price - unit_cost) + 1e-6)
    assert np.all(margin >= m("purchases") * (-unit_cost) - 1e-6)
    for rate in ["conversion_rate", "team_success_rate", "bargain_success_rate", "mean_strength",
                 "strong_tie_fraction"]:
        x = m(rate)
        assert np.all(np.isnan(x) | ((x >= 0) & (x <= 1))), rate
    assert np.all(np.isnan(m("k_factor")) | (m("k_factor") >= 0))


def test_reward_only_cac_and_roi_have_closed_forms(hk):
    # A fixed reward R on each referee's first purchase (list price), nothing else paid: the driven
    # purchases are exactly the referral customers, CAC = R and ROI = (P - c - R) / R.
    R, P, c = 12.0, 100.0, 60.0
    r = run_campaign(lively(hk, policy={"referral_reward": R}), replicates=4, seed=6)
    referred = np.cumsum(r.metric("new_customers_referral"), axis=1)
    np.testing.assert_allclose(r.metric("rewards"), R * referred, atol=1e-9)
    defined = referred > 0
    assert np.array_equal(~np.isnan(r.metric("cac")), defined)
    np.testing.assert_allclose(r.metric("cac")[defined], R, rtol=1e-12)
    np.testing.assert_allclose(r.metric("incentive_roi")[defined], (P - c - R) / R, rtol=1e-12)
    assert referred[:, -1].min() > 20


def test_discount_only_cac_and_roi_have_closed_forms(hk):
    d, P, c = 0.2, 100.0, 60.0
    r = run_campaign(lively(hk, policy={"referee_discount": d}), replicates=4, seed=7)
    referred = np.cumsum(r.metric("new_customers_referral"), axis=1)
    np.testing.assert_allclose(r.metric("discounts"), P * d * referred, atol=1e-9)
    defined = referred > 0
    np.testing.assert_allclose(r.metric("cac")[defined], P * d, rtol=1e-12)
    np.testing.assert_allclose(r.metric("incentive_roi")[defined], (P * (1 - d) - c - P * d) / (P * d), rtol=1e-12)


def test_seeds_are_new_customers_of_step_0():
    # Seeds are placed before step 0 and row 0 holds the state at the end of step 0: the seeds are
    # among its customers, so they must be among its new customers too (channel seed), and
    # customers = the sum over steps of new_customers_<channel>.
    g = gx.Graph.from_edges([0, 1, 2], [1, 2, 3], n=4)
    campaign = gx.Campaign(g, behaviour=dict(share_prob=0, repeat_prob=0, churn_prob=0), seeding={"nodes": [0, 2]},
                           run={"steps": 3})
    r = run_campaign(campaign, replicates=1)
    assert r.metric("customers")[0].tolist() == [2, 2, 2]
    assert r.metric("new_customers_seed")[0].tolist() == [2, 0, 0]
    new = sum(r.metric(name) for name in NEW)
    assert np.array_equal(np.cumsum(new, axis=1), r.metric("customers"))


@pytest.mark.parametrize("mechanism", ["group_buy", "bargain"])
def test_solo_adopters_have_no_referrer(mechanism):
    # MODEL.md §1: referrer(v) is none for solo adopters. On the path 0 - 1, seed 0 converts 1 at
    # step 0; the team of 3 (or the bargain needing 5 helps) fails at its deadline (end of step 0)
    # and 1 buys alone at full price (solo_fallback 1): no referral reward, a root of the forest.
    g = gx.Graph.from_edges([0], [1], n=2)
    certain = dict(share_prob=1, team_share_prob=1, reach=1, conv_weak=1, conv_strong=1, aware_mult=1,
                   help_mult=1, repeat_prob=0, churn_prob=0)
    scheme = {"group_buy": {"size": 3, "deadline": 1, "solo_fallback": 1.0},
              "bargain": {"helpers": 5, "deadline": 1, "solo_fallback": 1.0}}[mechanism]
    campaign = gx.Campaign(g, behaviour=certain, ties=TIES_OFF, seeding={"nodes": [0]},
                           policy={"referral_reward": 10, mechanism: scheme}, run={"steps": 2})
    r = run_campaign(campaign, replicates=1, forests=[0])
    forest = r.referral_forest(0).set_index("node")
    assert forest.loc[1, "channel"] == "solo"
    assert forest.loc[1, "referrer"] == -1 and forest.loc[1, "depth"] == 0
    assert r.metric("rewards")[0, -1] == 0 and r.metric("revenue")[0, -1] == 200
    assert r.metric("largest_cascade")[0, -1] == 1


@pytest.mark.parametrize("policy", [{}, {"group_buy": {"size": 3}}, {"referral_reward": 20, "commission": [0.1]}])
def test_trust_and_cascade_metrics_are_in_range(hk, policy):
    r = run_campaign(lively(hk, ties={"alpha_conv": 0.5, "alpha_bond": 0.05}, policy=policy), replicates=4, seed=19)
    m = r.metric
    for name in ["mean_strength", "strong_tie_fraction"]:
        assert np.all((m(name) >= 0) & (m(name) <= 1)), name  # seeds: there are always tracked ties
    assert np.all(m("strong_ties_customers") >= 0) and np.all(m("value_ties") >= 0)
    # value_ties sums strengths in [0, 1] over ties between active customers, strong ones >= theta.
    assert np.all(m("value_ties") >= 0.5 * m("strong_ties_customers") - 1e-9)
    virality, largest, depth = m("structural_virality"), m("largest_cascade"), m("max_depth")
    assert np.all(virality >= 0) and np.all(virality[largest < 2] == 0)
    assert np.all(depth < largest) and np.all(largest <= m("customers"))
    # Mean distance in a tree of n nodes: at least 2 (n - 1) / n (a star) and at most (n + 1) / 3 (a path).
    big = largest >= 2
    assert np.all(virality[big] >= 2 * (largest[big] - 1) / largest[big] - 1e-9)
    assert np.all(virality[big] <= (largest[big] + 1) / 3 + 1e-9)
    assert np.any(largest >= 5)


def test_strong_ties_follow_the_threshold(small):
    # Constant strength 0.6 with dynamics off: every tie is strong at theta 0.5, none at theta 0.7.
    base = dict(behaviour=dict(LIVELY), ties=dict(TIES_OFF, value=0.6), run={"steps": 8})
    strong = run_campaign(gx.Campaign(small, **base), replicates=2, seed=1)
    assert np.all(strong.metric("strong_tie_fraction") == 1)
    np.testing.assert_allclose(strong.metric("mean_strength"), 0.6, rtol=1e-6)
    np.testing.assert_allclose(strong.metric("value_ties"), 0.6 * strong.metric("strong_ties_customers"), rtol=1e-6)
    weak = run_campaign(gx.Campaign(small, **dict(base, ties=dict(TIES_OFF, value=0.6, strong_threshold=0.7))),
               replicates=2, seed=1)
    assert np.all(weak.metric("strong_tie_fraction") == 0) and np.all(weak.metric("strong_ties_customers") == 0)


def test_ctrl_c_raises_keyboard_interrupt(tmp_path):
    # 100 000 people, 5000 lively replicates of 60 steps: many minutes of work.
    assert_call_interrupts(tmp_path, """
        g = gx.generators.holme_kim(100000, 4, 0.5, seed=1)
        c = gx.Campaign(g, behaviour={"share_prob": 0.3, "conv_weak": 0.05, "conv_strong": 0.3})
        """, "c.run(replicates=5000, seed=1, progress=False)")


def _leaves(table, prefix=""):
    for key, value in table.items():
        path = f"{prefix}{key}"
        if path in ("segments.list", "policy.target"):  # §15, §16 lists of tables beside the parameters
            continue
        if isinstance(value, dict):
            yield from _leaves(value, path + ".")
        else:
            yield path


def test_parameter_table_is_every_key_of_a_spec():
    table = gx.campaign.parameter_table()
    spec = gx.Campaign(gx.generators.holme_kim(50, 2, 0.5, seed=1)).spec
    assert list(table.index) == list(_leaves(spec))
    assert table.loc["behaviour.share_prob", "default"] == 0.05
    assert table.loc["behaviour.share_prob", "range"] == "[0, 1]"
    assert table.loc["policy.budget", "default"] == "unlimited"
    assert list(table.loc["ties.init", "choices"]) == ["constant", "uniform", "overlap", "column", "graph"]
    schema = gx.campaign.json_schema()
    assert schema["properties"]["policy"]["properties"]["group_buy"]["properties"]["size"]["minimum"] == 1
    assert schema["properties"]["behaviour"]["properties"]["reach"]["maximum"] == 1
    paths = []

    def walk(node, prefix):
        for key, value in node["properties"].items():
            if "properties" in value:
                walk(value, prefix + key + ".")
            else:
                paths.append(prefix + key)

    walk(schema, "")
    assert [p for p in paths if p not in ("segments.list", "policy.target")] == list(table.index)
    # §15 the segments' list: tables of name, share and §15.2's behaviour overrides.
    entry = schema["properties"]["segments"]["properties"]["list"]["items"]
    assert set(entry["properties"]) == {"name", "share", "behaviour"}
    assert "share_prob" in entry["properties"]["behaviour"]["properties"]
    assert "stickiness" not in entry["properties"]["behaviour"]["properties"]


def test_the_parameter_table_in_docs_is_current():
    # docs/model.md holds the generated table; scripts/update-parameter-docs.py rewrites it.
    import os

    source = os.environ.get("GUANXI_SOURCE_DIR")
    if not source:
        pytest.skip("GUANXI_SOURCE_DIR not set")
    with open(os.path.join(source, "docs", "model.md"), encoding="utf-8") as f:
        text = f.read()
    begin = "<!-- parameter table: generated by scripts/update-parameter-docs.py -->\n"
    end = "<!-- end of parameter table -->\n"
    block = text.split(begin, 1)[1].split(end, 1)[0]
    assert block == gx.campaign.parameter_markdown(), "run scripts/update-parameter-docs.py"


def test_one_seeding_vocabulary():
    g = gx.generators.holme_kim(300, 3, 0.5, seed=2)
    assert gx.seeding.strategies() == ["top_degree", "pagerank", "kcore", "imm", "random"]
    # Older spellings are read as the names of the vocabulary, in campaigns and seed specs alike.
    for old, name in [("top-degree", "top_degree"), ("degree", "top_degree"), ("top_pagerank", "pagerank"),
                      ("top-kcore", "kcore")]:
        assert gx.Campaign(g, seeding={"strategy": old}).spec["seeding"]["strategy"] == name
        a = gx.simulate(g, "ic", seeds=f"{old}:5", p=0.1, replicates=5, seed=1, progress=False)
        b = gx.simulate(g, "ic", seeds=f"{name}:5", p=0.1, replicates=5, seed=1, progress=False)
        assert np.array_equal(a.sizes, b.sizes)
    assert np.array_equal(gx.seeding.pagerank(g, 7), gx.seeding.top_pagerank(g, 7))
    assert np.array_equal(gx.seeding.kcore(g, 7), gx.seeding.top_kcore(g, 7))
    with pytest.raises(ValueError, match="seeding.strategy: must be top_degree, pagerank, kcore, imm, random or nodes"):
        gx.Campaign(g, seeding={"strategy": "closeness"})


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
    ones = {"customer": 1.0, "fan": 1.0, "partner": 1.0, "shareholder": 1.0}
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


SETUP_BEHAVIOUR = dict(share_prob=0.3, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02)


def memo(graph):
    return graph.core.memo_stats()


def run_six(campaign, **kw):
    kw.setdefault("progress", False)
    kw.setdefault("replicates", 6)
    kw.setdefault("seed", 4)
    return campaign.run(**kw)


@pytest.fixture()
def cold_hk():  # a new object per test: a cold memo
    return gx.generators.holme_kim(1200, 3, 0.5, seed=7)


def test_a_second_run_on_the_same_graph_derives_nothing_and_matches_fresh_graphs(cold_hk, tmp_path):
    campaign = gx.Campaign(cold_hk, behaviour=SETUP_BEHAVIOUR, run={"steps": 20}, seeding={"strategy": "pagerank", "k": 5})
    assert memo(cold_hk)["entries"] == 0
    first = run_six(campaign, threads=1)
    after_first = memo(cold_hk)
    assert after_first["entries"] > 0
    second = run_six(campaign, threads=2)
    after_second = memo(cold_hk)
    assert after_second["misses"] == after_first["misses"]
    assert after_second["hits"] > after_first["hits"]
    assert same_values(first.values, second.values)
    cold_hk.save(tmp_path / "g.gx")
    for fresh in (cold_hk.copy(), pickle.loads(pickle.dumps(cold_hk)), gx.Graph.load(tmp_path / "g.gx")):
        assert memo(fresh)["entries"] == 0  # a new object starts cold
        assert same_values(run_six(gx.Campaign(fresh, **campaign.spec)).values, first.values)


def test_compare_reuses_the_set_up_across_designs(cold_hk):
    base = gx.Campaign(cold_hk, name="base", behaviour=SETUP_BEHAVIOUR, run={"steps": 10})
    designs = [base, base.replace(name="reward", policy={"referral_reward": 5}),
               base.replace(name="team", policy={"group_buy": {"enabled": True}})]
    gx.compare(designs, replicates=4, progress=False)
    stats = memo(cold_hk)
    # One initial strength, its overlap, the tie ids and the seeds: derived once for three designs.
    assert stats["entries"] == 4
    assert stats["misses"] == 4
    table_again = gx.compare(designs, replicates=4, progress=False)
    assert memo(cold_hk)["misses"] == 4
    fresh = gx.compare([d.replace(name=d.name) for d in designs], replicates=4, progress=False)
    assert table_again.equals(fresh)  # replace() keeps the graph: still warm, still the same numbers
    cold = cold_hk.copy()
    cold_table = gx.compare([gx.Campaign(cold, name=d.name, **d.spec) for d in designs], replicates=4, progress=False)
    assert cold_table.equals(table_again)


def test_tie_initialisations_get_their_own_entries(cold_hk):
    a = gx.Campaign(cold_hk, behaviour=SETUP_BEHAVIOUR, run={"steps": 15})
    b = a.replace(ties={"s_min": 0.4})
    c = a.replace(ties={"init": "uniform", "low": 0.2, "high": 0.8})
    ra, rb, rc = run_six(a), run_six(b), run_six(c)
    assert not same_values(ra.values, rb.values)
    cold = cold_hk.copy()
    for campaign, result in ((a, ra), (b, rb), (c, rc)):
        assert same_values(run_six(gx.Campaign(cold.copy(), **campaign.spec)).values, result.values)
    assert same_values(run_six(a).values, ra.values)


def test_clear_memo_frees_the_entries_and_runs_stay_the_same(cold_hk):
    campaign = gx.Campaign(cold_hk, behaviour=SETUP_BEHAVIOUR, run={"steps": 10})
    first = run_six(campaign)
    cold_hk.core.clear_memo()
    assert memo(cold_hk)["entries"] == 0
    assert same_values(run_six(campaign).values, first.values)


@pytest.fixture
def scenario(tmp_path):
    def write(text, name="s.toml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.mark.parametrize("text, place", [
    ("[run]\nsteps = 5\n\n[behaviour]\nshare_prob = 1.5\n", ":5: behaviour.share_prob: must be in [0, 1], got 1.5"),
    ("[policy]\ncommission = [0.1, 1.2]\n", ":2: policy.commission[1]: must be in [0, 1], got 1.2"),
    ("[policy.group_buy]\nsize = 0\n", ":2: policy.group_buy.size: must be >= 1"),
    ("[policy.group_buy]\nsize = 2\n[policy.bargain]\nhelpers = 2\n", ":1: policy.group_buy: cannot be on together"),
    ("[seeding]\nk = 5000\n", ":2: seeding.k: must be in [0, 1200], got 5000"),
    ("[seeding]\nnodes = [1, 1]\n", ":2: seeding.nodes: node 1 listed twice"),
    ("[seeding]\nnodes = [\"nobody\"]\n", ":2: seeding.nodes: no node labelled 'nobody'"),
    ("[run]\nreplicates = 1000000000000\n", ":2: run.replicates: 1000000000000 replicates x 60 steps"),
    ("[behaviour]\nreach = \"far\"\n", ":2: behaviour.reach: expected a number"),
    ("[behaviour]\nreech = 0.2\n", ":2: behaviour.reech: unknown key; did you mean 'reach'?"),
    # A sweep file run as a scenario: the command that reads it is named.
    ("base = \"a.toml\"\n[sweep]\n\"policy.referral_reward\" = [0, 5]\n",
     ":1: base: a sweep or study file's key, not a scenario's: `guanxi sweep` (or select, optimize, calibrate)"),
    ("[run]\nsteps = 3\n[behaviour\n", ":3: toml:"),
])
def test_scenario_errors_name_file_line_and_key(hk1200, scenario, text, place):
    path = scenario(text)
    with pytest.raises(ValueError) as error:
        gx.Campaign.from_toml(path, graph=hk1200)
    assert str(error.value).startswith(f"{path}{place}"), str(error.value)


def test_a_default_that_does_not_fit_the_graph_is_named_as_the_default(scenario):
    tiny = gx.Graph.from_edges([0, 1, 2], [1, 2, 3])  # 4 people; the default k is 10
    path = scenario("name = \"tiny\"\n\n[seeding]\nstrategy = \"top_degree\"\n")
    with pytest.raises(ValueError, match=r"s\.toml:3: seeding\.k: must be in \[0, 4\], got 10 .*\(the default\)"):
        gx.Campaign.from_toml(path, graph=tiny)
    path = scenario("name = \"tiny\"\n", "nosection.toml")
    with pytest.raises(ValueError, match=r"nosection\.toml: seeding\.k: must be in \[0, 4\].*\(the default\)$"):
        gx.Campaign.from_toml(path, graph=tiny)


def test_graph_table_errors_name_their_line(scenario, tmp_path):
    path = scenario("[graph]\ngenerator = \"holme-kim\"\nn = 50\nm = 0\n")
    with pytest.raises(ValueError, match=r"s\.toml:4: graph\.m: must be in \[1, n\], got 0"):
        gx.Campaign.from_toml(path)
    path = scenario("[graph]\nfile = \"absent.edges\"\n", "file.toml")
    with pytest.raises(OSError, match=r"file\.toml:2: graph\.file: .*absent\.edges: cannot open"):
        gx.Campaign.from_toml(path)


@pytest.mark.parametrize("sections, key", [
    (dict(behaviour={"share_prob": 1.5}), "behaviour.share_prob: must be in [0, 1]"),
    (dict(policy={"group_buy": {"size": 0}}), "policy.group_buy.size: must be >= 1"),
    (dict(policy={"commission": [0.1, -1]}), "policy.commission[1]: must be in [0, 1]"),
    (dict(seeding={"k": 2000}), "seeding.k: must be in [0, 1200], got 2000"),
    (dict(run={"replicates": 10 ** 12}), "run.replicates: 1000000000000 replicates"),
])
def test_dictionary_errors_name_the_key_path(hk1200, sections, key):
    with pytest.raises(ValueError) as error:
        gx.Campaign(hk1200, **sections)
    assert key in str(error.value), str(error.value)


def test_too_many_replicates_are_refused_before_allocating(hk1200):
    with pytest.raises(ValueError, match="replicates: .* need .* of memory; this machine has"):
        gx.Campaign(hk1200, run={"steps": 5}).run(replicates=10 ** 12, progress=False)


def test_names_must_be_strings(hk1200, designs):
    with pytest.raises(ValueError, match="name: must be a string, got int 5"):
        gx.Campaign(hk1200, name=5)
    with pytest.raises(ValueError, match="name: must be a string"):
        designs[0].replace(name=("a",))
    with pytest.raises(ValueError, match="a design's name: must be a string"):
        gx.compare({"none": designs[0], 2: designs[1]}, replicates=2, progress=False)


@pytest.mark.parametrize("sections, key, text", [
    (dict(product={"price": 50, "unit_cost": 50}), "product.unit_cost", "every sale loses money"),
    (dict(policy={"commission": [0.6, 0.3, 0.1]}), "policy.commission", "pay 100% of the price"),
    (dict(policy={"membership": {"partner_commission": [0.9, 0.2]}}), "policy.membership.partner_commission",
     "pay 110%"),
    (dict(seeding={"k": 0}), "seeding.k", "nobody can ever buy"),
])
def test_mistaken_designs_warn_and_still_run(hk1200, sections, key, text):
    campaign, found = design_warnings(lambda: gx.Campaign(hk1200, run={"steps": 3}, **sections))
    assert len(found) == 1 and found[0].startswith(f"{key}: ") and text in found[0], found
    result = campaign.run(replicates=2, progress=False)
    assert result.warnings == found


def test_sound_designs_do_not_warn(designs):
    _, found = design_warnings(lambda: [d.replace(name=d.name) for d in designs])
    assert found == []
    # External adoption is a way to buy without seeds; commission below the price is fine.
    _, found = design_warnings(lambda: designs[0].replace(seeding={"k": 0}, behaviour={"external_rate": 0.01},
                                                          policy={"commission": [0.5, 0.4]}))
    assert found == []


def test_scenario_warnings_name_file_and_line(hk1200, scenario):
    path = scenario("[product]\nprice = 100\nunit_cost = 120\n")
    _, found = design_warnings(lambda: gx.Campaign.from_toml(path, graph=hk1200))
    assert found == [f"{path}:3: product.unit_cost: unit cost 120 is not below the price 100: every sale loses money"]


def test_to_toml_reloads_the_same_design(designs, hk1200, tmp_path):
    team = designs[2].replace(name="team", seeding={"strategy": "nodes", "nodes": [5, 17, 3]},
                              policy={"budget": float("inf")})
    path = tmp_path / "team.toml"
    team.to_toml(path)
    again = gx.Campaign.from_toml(path, graph=hk1200)
    assert again.spec == team.spec and again.name == "team"
    assert same_values(again.run(replicates=4, seed=1, progress=False).values,
                       team.run(replicates=4, seed=1, progress=False).values)
    with pytest.raises(ValueError, match=r"\[graph\] is missing"):
        gx.Campaign.from_toml(path)


def test_to_toml_keeps_labels_and_the_graph_table(tmp_path):
    g = gx.Graph.from_edges(["ann", "bo", "cy", "ann"], ["bo", "cy", "dee", "dee"])
    campaign = gx.Campaign(g, name="people", seeding={"nodes": [g.labels.tolist().index("cy")]}, run={"steps": 4})
    campaign.to_toml(tmp_path / "people.toml", graph_file=tmp_path / "people.gx")
    assert 'nodes = ["cy"]' in (tmp_path / "people.toml").read_text()
    again = gx.Campaign.from_toml(tmp_path / "people.toml")  # its [graph] names the saved snapshot
    assert again.spec == campaign.spec and list(again.graph.labels) == list(g.labels)
    # A scenario with its own [graph] keeps it when written elsewhere.
    source = tmp_path / "source.toml"
    source.write_text('name = "gen"\n[graph]\ngenerator = "holme-kim"\nn = 300\nm = 3\np = 0.5\nseed = 7\n'
                      '[policy.group_buy]\nsize = 2\n[run]\nsteps = 6\n')
    generated = gx.Campaign.from_toml(source)
    (tmp_path / "elsewhere").mkdir()
    generated.to_toml(tmp_path / "elsewhere" / "copy.toml")
    copy = gx.Campaign.from_toml(tmp_path / "elsewhere" / "copy.toml")
    assert copy.graph.num_ties == generated.graph.num_ties and copy.spec == generated.spec
    assert same_values(copy.run(replicates=3, seed=2, progress=False).values,
                       generated.run(replicates=3, seed=2, progress=False).values)


def test_replace_merges_nested_tables(designs):
    team = designs[2]
    bigger = team.replace(policy={"group_buy": {"size": 4}})
    assert bigger.spec["policy"]["group_buy"] == dict(team.spec["policy"]["group_buy"], size=4)
    assert bigger.spec["policy"]["group_buy"]["deadline"] == 3
    # Giving a switched-off table switches it on; enabled = False stays off.
    base = designs[0]
    assert base.spec["policy"]["bargain"]["enabled"] is False
    assert base.replace(policy={"bargain": {"helpers": 2}}).spec["policy"]["bargain"]["enabled"] is True
    assert base.replace(policy={"bargain": {"helpers": 2, "enabled": False}}).spec["policy"]["bargain"]["enabled"] is False
    assert team.replace(policy={"group_buy": {"enabled": False}}).spec["policy"]["group_buy"]["deadline"] == 3
    tiers = base.replace(behaviour={"tier_mult": {"fan": 2.0}}).spec["behaviour"]["tier_mult"]
    assert tiers == dict(base.spec["behaviour"]["tier_mult"], fan=2.0)


def test_metric_table_is_the_registry_in_column_order():
    table = gx.campaign.metric_table()
    assert list(table.index) == gx.campaign.metrics()
    assert set(table["kind"]) == {"stock", "flow", "ratio"}
    assert set(table["section"]) >= {"§4", "§5", "§12", "§8.1", "§9"}
    assert all(section.startswith("§") for section in table["section"])
    assert table.loc["reaches", "kind"] == "flow" and table.loc["reaches", "per_step"]
    assert table.loc["profit", "kind"] == "stock" and table.loc["profit", "unit"] == "currency"
    assert table.loc["k_factor", "kind"] == "ratio" and table.loc["k_factor", "per_step"]
    assert table.loc["incentive_roi", "kind"] == "ratio" and not table.loc["incentive_roi", "per_step"]
    assert (table[table["kind"] == "flow"]["per_step"]).all()


Z = 4.5  # tolerance in standard errors, for the many steps compared at once


def quiet(lifecycle_graph, **sections):
    """Nothing converts unless a section says so: no seeds, sharing, churn or repeat purchases."""
    base = {"seeding": {"k": 0}, "behaviour": {"share_prob": 0.0, "churn_prob": 0.0, "repeat_prob": 0.0},
            "run": {"steps": 30}}
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return gx.Campaign(lifecycle_graph, **base)


def test_one_group_of_everyone_converts_at_group_conv_per_step(lifecycle_graph):
    q, seeds, replicates = 0.02, 5, 30
    campaign = quiet(lifecycle_graph, seeding={"k": seeds}, community={"initial": "all", "initial_activity": 1.0,
                                                              "activity_decay": 0.0, "post_prob": 1.0,
                                                              "social_proof": 0.0, "group_conv": q})
    result = campaign.run(replicates=replicates, seed=1, progress=False)
    others = lifecycle_graph.num_nodes - seeds
    share = (result.metric("customers") - seeds) / others
    for t in range(result.steps):
        expected = 1 - (1 - q) ** (t + 1)
        error = math.sqrt(expected * (1 - expected) / (others * replicates))
        assert abs(share[:, t].mean() - expected) <= Z * error, (t, share[:, t].mean(), expected)
    assert np.all(result.metric("group_members") == lifecycle_graph.num_nodes)


def test_ads_alone_convert_each_prospect_at_the_impression_rate(lifecycle_graph):
    q, spend, cpm, replicates = 0.2, 3.0, 30.0, 30
    impressions = math.floor(1000 * spend / cpm)
    campaign = quiet(lifecycle_graph, acquisition={"ad_spend": spend, "cpm": cpm, "ad_conversion": q})
    result = campaign.run(replicates=replicates, seed=2, progress=False)
    n = lifecycle_graph.num_nodes
    c = 1 - (1 - q / n) ** impressions
    customers = result.metric("customers")
    for t in range(result.steps):
        expected = 1 - (1 - c) ** (t + 1)
        # Impressions are a multinomial draw: hits on two nodes are negatively correlated, so the
        # binomial variance bounds the variance of the count from above.
        error = math.sqrt(n * expected * (1 - expected) / replicates)
        assert abs(customers[:, t].mean() - n * expected) <= Z * error, (t, customers[:, t].mean(), n * expected)
    assert np.all(result.metric("customers") == result.metric("customers_ad"))
    assert np.all(result.metric("impressions")[:, -1] == impressions * result.steps)


def test_ad_conversion_zero_changes_only_the_ad_lines(busy):
    plain = busy.replace(acquisition={"ad_spend": 0.0}, community={"enabled": False})
    inert = plain.replace(acquisition={"ad_spend": 6.0, "ad_conversion": 0.0})
    a, b = plain.run(replicates=4, seed=3, progress=False), inert.run(replicates=4, seed=3, progress=False)
    ad_lines = {"ad_spend", "impressions", "profit", "marketing_spend"}
    for i, name in enumerate(a.metrics):
        if name not in ad_lines:
            assert np.array_equal(a.values[:, :, i], b.values[:, :, i], equal_nan=True), name
    assert np.array_equal(a.metric("profit") - b.metric("profit"), b.metric("ad_spend"))


def test_the_platform_fee_takes_exactly_its_share_of_ad_customers_revenue(busy):
    no_groups = busy.replace(community={"enabled": False})
    free = no_groups.replace(acquisition={"platform_fee": 0.0})
    fee = no_groups.replace(acquisition={"platform_fee": 0.25})
    a, b = free.run(replicates=3, seed=4, progress=False), fee.run(replicates=3, seed=4, progress=False)
    for r in range(3):
        ledger = b.customers(r)
        ad_revenue = ledger.loc[ledger.channel == "ad", "revenue"].sum()
        assert ad_revenue > 0
        drop = a.metric("profit")[r, -1] - b.metric("profit")[r, -1]
        assert drop == pytest.approx(0.25 * ad_revenue, rel=1e-12)
        assert b.metric("platform_fees")[r, -1] == pytest.approx(0.25 * ad_revenue, rel=1e-12)


def test_with_room_for_everyone_every_customer_joins_in_its_first_step(lifecycle_graph):
    campaign = gx.Campaign(lifecycle_graph, behaviour={"share_prob": 0.2, "churn_prob": 0.0}, community={
        "join_prob": 1.0, "capacity": lifecycle_graph.num_nodes, "invite_prob": 0.0, "leave_prob": 0.0},
        run={"steps": 20})
    result = campaign.run(replicates=4, seed=6, progress=False)
    assert np.array_equal(result.metric("group_members"), result.metric("customers"))
    assert np.all(result.metric("groups") == 1)
    assert (result.customers(1)["group"] == 0).all()


def test_threads_do_not_change_part_two(busy):
    one = busy.run(replicates=6, seed=9, threads=1, progress=False)
    two = busy.run(replicates=6, seed=9, threads=2, progress=False)
    assert one.values.tobytes() == two.values.tobytes()
    assert one.cohorts().equals(two.cohorts()) and one.lifetime_value().equals(two.lifetime_value())
    assert one.customers(2).equals(two.customers(2))


def test_sections_are_checked(lifecycle_graph):
    with pytest.raises(ValueError, match="acquisition.ad_target"):
        gx.Campaign(lifecycle_graph, acquisition={"ad_target": "everyone"})
    with pytest.raises(ValueError, match="community.initial"):
        gx.Campaign(lifecycle_graph, community={"initial": "some"})
    with pytest.raises(ValueError, match="did you mean 'join_prob'"):
        gx.Campaign(lifecycle_graph, community={"join_prop": 0.5})
    with pytest.raises(ValueError, match="community.flash_sale.period"):
        gx.Campaign(lifecycle_graph, community={"flash_sale": {"period": 0}})
    with pytest.raises(ValueError, match="acquisition.platform_fee"):
        gx.Campaign(lifecycle_graph, acquisition={"platform_fee": 1.5})
    with pytest.raises(ValueError, match="acquisition.cpm"):
        gx.Campaign(lifecycle_graph, acquisition={"cpm": 0})
    with pytest.raises(ValueError, match="finite"):
        gx.Campaign(lifecycle_graph, acquisition={"ad_spend": float("nan")})
    with pytest.warns(gx.DesignWarning, match="ad_budget"):
        gx.Campaign(lifecycle_graph, acquisition={"ad_spend": 10, "ad_budget": 5})
    with pytest.raises(ValueError, match="no groups are given"):
        gx.Campaign(lifecycle_graph, community={"initial": "column"})


def test_groups_given_per_node(lifecycle_graph):
    groups = np.full(lifecycle_graph.num_nodes, -1)
    groups[:300] = np.arange(300) % 3 + 10  # three groups of 100
    design = gx.Campaign(lifecycle_graph, behaviour={"churn_prob": 0.0}, community={"initial": "column", "post_prob": 0.0,
                                                                           "join_prob": 0.0,
                                           "invite_prob": 0.0, "leave_prob": 0.0}, groups=groups, run={"steps": 3})
    result = design.run(replicates=2, progress=False)
    assert np.all(result.metric("groups") == 3)
    assert np.all(result.metric("group_members") == 300)
    assert design.replace(behaviour={"share_prob": 0.2}).groups.tolist() == groups.tolist()
    for bad, message in [(groups[:-1], "one group id per node"), (np.where(groups < 0, -2, groups), "-1 for none"),
                         (groups + 0.5, "integer")]:
        with pytest.raises(ValueError, match=message):
            gx.Campaign(lifecycle_graph, community={"initial": "column"}, groups=bad)
    with pytest.raises(ValueError, match="column"):
        gx.Campaign(lifecycle_graph, community={"initial": "all"}, groups=groups)
    # Sweeps carry them (and refuse designs with other groups).
    sweep = gx.sweep(design, {"community.group_conv": [0.02, 0.05]}, replicates=2, progress=False)
    assert np.array_equal(sweep.result(0).metric("group_members"), result.metric("group_members"))


def test_scenario_sections_groups_file_and_round_trip(lifecycle_graph, tmp_path):
    graph_file = tmp_path / "people.edges"
    graph_file.write_text("10 20\n20 30\n30 40\n40 50\n50 10\n10 30\n")
    (tmp_path / "groups.csv").write_text("label,group\n10,1\n20,1\n30,2 # a comment\n\n40,-1\n")
    scenario = tmp_path / "design.toml"
    scenario.write_text(textwrap.dedent("""
        [graph]
        file = "people.edges"
        [seeding]
        k = 1
        [acquisition]
        ad_spend = 3
        platform_fee = 0.2
        [community]
        initial = "column"
        groups_file = "groups.csv"
        [community.flash_sale]
        period = 7
        [run]
        steps = 10
    """))
    design = gx.Campaign.from_toml(scenario)
    labels = [str(label) for label in design.graph.labels]
    groups = dict(zip(labels, design.groups))
    assert groups == {"10": 1, "20": 1, "30": 2, "40": -1, "50": -1}
    assert design.spec["community"]["flash_sale"] == {"enabled": True, "period": 7, "discount": 0.2}
    result = design.run(replicates=3, seed=2, progress=False)
    assert np.all(result.metric("groups")[:, 0] >= 1)
    design.to_toml(tmp_path / "copy.toml")
    again = gx.Campaign.from_toml(tmp_path / "copy.toml")
    assert list(again.groups) == list(design.groups)
    assert again.run(replicates=3, seed=2, progress=False).values.tobytes() == result.values.tobytes()
    # Errors name the file, the line and the field; a line that is not label,group is not quoted.
    (tmp_path / "groups.csv").write_text("10,1\n20,one\n")
    with pytest.raises(ValueError, match=r"groups\.csv:2: group: expected an integer >= -1 \(-1: no group\)$"):
        gx.Campaign.from_toml(scenario)
    (tmp_path / "groups.csv").write_text("10,1\n99,2\n")
    with pytest.raises(ValueError, match=r"groups\.csv:2: label: no node of the graph has this label$"):
        gx.Campaign.from_toml(scenario)
    (tmp_path / "groups.csv").unlink()
    with pytest.raises(OSError, match="community.groups_file"):
        gx.Campaign.from_toml(scenario)
    scenario.write_text(scenario.read_text().replace('groups_file = "groups.csv"\n', "").replace(
        "[community.flash_sale]", "jion_prob = 0.5\n[community.flash_sale]"))
    with pytest.raises(ValueError, match=r"design\.toml:\d+.*community\.jion_prob.*join_prob"):
        gx.Campaign.from_toml(scenario)


def example_paths():
    import glob
    import os

    source = os.environ.get("GUANXI_SOURCE_DIR")
    if not source:
        pytest.skip("GUANXI_SOURCE_DIR not set")
    return sorted(glob.glob(os.path.join(source, "examples", "*.toml")))


def test_every_example_conserves_money_and_its_ledger_adds_up():
    small = gx.generators.holme_kim(3000, 4, 0.5, seed=1)
    paths = example_paths()
    assert len(paths) == 15
    for path in paths:
        result = gx.Campaign.from_toml(path, graph=small).run(replicates=3, seed=1, progress=False)
        m = {name: result.metric(name) for name in result.metrics}
        expected_profit = (m["revenue"] - m["cost_of_goods"] - m["rewards"] - m["commissions"] - m["red_packets"]
                           - m["ad_spend"] - m["platform_fees"] - m["community_cost"] + m["fees"]
                           + m["stake_sales"] - m["dividends"] - m["rebates"])  # Part III's lines (§17, §18)
        np.testing.assert_allclose(m["profit"], expected_profit, rtol=1e-12, atol=1e-9, err_msg=path)
        np.testing.assert_allclose(m["incentive_spend"], m["rewards"] + m["commissions"] + m["discounts"]
                                   + m["red_packets"], rtol=1e-12, atol=1e-9, err_msg=path)
        np.testing.assert_allclose(m["marketing_spend"], m["incentive_spend"] + m["ad_spend"] + m["community_cost"],
                                   rtol=1e-12, atol=1e-9, err_msg=path)
        posts = np.cumsum(m["posts"], axis=1) * result.campaign.spec["community"]["post_cost"]
        np.testing.assert_allclose(m["community_cost"], posts, rtol=1e-12, atol=1e-9, err_msg=path)
        channels = sum(m[f"customers_{c}"] for c in gx.campaign.channels())
        assert np.array_equal(channels, m["customers"]), path
        ledger = result.customers(2)
        assert len(ledger) == m["customers"][2, -1], path
        assert ledger.revenue.sum() == pytest.approx(m["revenue"][2, -1], rel=1e-12), path
        assert ledger.margin.sum() == pytest.approx(m["revenue"][2, -1] - m["cost_of_goods"][2, -1]
                                                    - m["platform_fees"][2, -1], rel=1e-12), path


def test_inert_part_two_features_change_no_example():
    # Part II's mechanisms draw from streams of their own: community groups that nobody joins and
    # ads that convert nobody leave every Part I example's trajectory as it was, bit for bit,
    # but for the lines that count the ads' cost.
    small = gx.generators.holme_kim(3000, 4, 0.5, seed=1)
    ad_lines = {"ad_spend", "impressions", "profit", "marketing_spend"}
    for path in example_paths():
        design = gx.Campaign.from_toml(path, graph=small)
        if design.spec["community"]["enabled"] or design.spec["acquisition"]["ad_spend"] > 0:
            continue
        # Dividends (§17) and rebates (§18) are shares of profit, which the ads' cost lowers.
        if design.spec["ladder"]["shareholding"]["enabled"] or design.spec["policy"]["margin_cap"]["enabled"]:
            continue
        inert = design.replace(acquisition={"ad_spend": 3.0, "ad_conversion": 0.0, "platform_fee": 0.3},
                               community={"join_prob": 0.0})
        a = design.run(replicates=3, seed=4, progress=False)
        b = inert.run(replicates=3, seed=4, progress=False)
        for i, name in enumerate(a.metrics):
            if name not in ad_lines:
                assert np.array_equal(a.values[:, :, i], b.values[:, :, i], equal_nan=True), (path, name)
        np.testing.assert_array_equal(a.metric("profit") - b.metric("profit"), b.metric("ad_spend"))


def test_from_toml_shares_graphs_named_alike(tmp_path):
    table = '[graph]\ngenerator = "holme-kim"\nn = 300\nseed = 2\n[run]\nsteps = 3\n'
    (tmp_path / "a.toml").write_text(table)
    (tmp_path / "b.toml").write_text(table + "[policy]\nreferral_reward = 5\n")
    (tmp_path / "c.toml").write_text(table.replace("n = 300", "n = 200"))
    graphs = {}
    a, b, c = (gx.Campaign.from_toml(tmp_path / f"{x}.toml", graphs=graphs) for x in "abc")
    assert a.graph.core is b.graph.core and a.graph.core is not c.graph.core and len(graphs) == 2
    alone = gx.Campaign.from_toml(tmp_path / "a.toml")
    assert alone.graph.core is not a.graph.core and np.array_equal(alone.graph.targets, a.graph.targets)


_SWITCH_PROBE = """
import guanxi as gx
g = gx.generators.holme_kim(200, 3, 0.3, seed=1)
result = gx.Campaign(g, run={"steps": 3, "replicates": 2}).run(progress=False)
print(gx._guanxi.verify_every_step(), result.metric("customers")[:, -1].min() > 0)
"""


@pytest.mark.parametrize("value, checks", [("1", "True"), ("0", "False"), ("", "False")])
def test_the_invariant_checks_are_switched_on_by_guanxi_verify(value, checks):
    # make verify runs the Python tests on the release engine with GUANXI_VERIFY=1; a build with
    # the checks compiled in (the asan preset) has no Python module, so here 0 means off.
    env = {**os.environ, "GUANXI_VERIFY": value}
    out = subprocess.run([sys.executable, "-c", _SWITCH_PROBE], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [checks, "True"], out.stdout


def test_a_guanxi_verify_that_is_not_0_or_1_is_refused_by_name():
    env = {**os.environ, "GUANXI_VERIFY": "yes"}
    out = subprocess.run([sys.executable, "-c", _SWITCH_PROBE], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 1
    assert "ValueError: environment variable GUANXI_VERIFY: expected 0 or 1, got 'yes'" in out.stderr


def test_replace_names_the_copy_after_the_original_and_its_changes(hk1200):
    base = gx.Campaign(hk1200, name="one-sided referral", policy={"referral_reward": 10})
    assert base.replace(policy={"referral_reward": 20}).name == "one-sided referral (referral_reward=20)"
    assert base.replace(policy={"group_buy": {"size": 4}}, run={"steps": 30}).name == \
        "one-sided referral (enabled=true, size=4, steps=30)"
    assert base.replace().name == "one-sided referral"
    assert base.replace(name="twenty", policy={"referral_reward": 20}).name == "twenty"
    assert gx.Campaign(hk1200).replace(policy={"referral_reward": 20}).name is None
    # Only what changed value is named: a switch given as it was is no change.
    assert base.replace(policy={"group_buy": {"enabled": False}}, run={"steps": 30}).name == \
        "one-sided referral (steps=30)"


# -- MODEL.md §18 (Part III): the margin promise --------------------------------------------------


@pytest.fixture(scope="module")
def promise_graph():
    return gx.generators.holme_kim(3000, 3, 0.5, seed=5)


@pytest.mark.parametrize("rate", [0.05, 0.25, 0.4, 0.6])
def test_the_margin_promise_returns_exactly_the_margin_above_its_rate(promise_graph, rate):
    """§19: price P, unit cost c, no incentives, ads, groups or fees and one period over the whole
    horizon: the rebate at the horizon is ((P - c)/P - r) revenue when (P - c)/P > r, else 0; and
    profit is what is left, revenue times min(r, (P - c)/P)."""
    steps = 30
    campaign = gx.Campaign(promise_graph, run={"steps": steps}, product={"price": 100, "unit_cost": 60},
                           policy={"margin_cap": {"rate": rate, "period": steps}})
    result = campaign.run(replicates=4, seed=3, progress=False)
    revenue, rebates = result.metric("revenue")[:, -1], result.metric("rebates")[:, -1]
    assert (revenue > 0).all()
    expected = max(0.4 - rate, 0.0) * revenue
    np.testing.assert_allclose(rebates, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result.metric("profit")[:, -1], revenue * min(rate, 0.4), rtol=1e-12)
    assert (result.metric("rebates")[:, :-1] == 0).all()  # paid at the end of the period only


def test_the_rebates_go_to_the_periods_buyers_in_proportion_to_what_they_paid(promise_graph):
    # No incentives: a customer's `earned` is its share of the rebates. One period of 20 steps
    # over a 20-step run: each buyer's share is the rebate times what it paid over the revenue.
    campaign = gx.Campaign(promise_graph, run={"steps": 20}, policy={"margin_cap": {"rate": 0.1, "period": 20}})
    result = campaign.run(replicates=2, seed=8, progress=False)
    for replicate in range(2):
        ledger = result.customers(replicate)
        rebate = result.metric("rebates")[replicate, -1]
        assert rebate > 0
        np.testing.assert_allclose(ledger["earned"].sum(), rebate, rtol=1e-12)
        np.testing.assert_allclose(ledger["earned"], rebate * ledger["revenue"] / ledger["revenue"].sum(), rtol=1e-12)


def test_a_promise_without_trust_or_lift_changes_only_money(promise_graph):
    """Trust 0 and lift 0: the rebates change nobody's behaviour, so every metric but rebates and
    profit equals the run without the promise, bit for bit (the promise draws no random numbers);
    with the promise switched off by enabled = false, everything does."""
    base = gx.Campaign(promise_graph, run={"steps": 65}, policy={"referral_reward": 5}, behaviour={"neg_prob": 0.3})
    plain = base.run(replicates=3, seed=4, progress=False)
    inert = base.replace(policy={"margin_cap": {"rate": 0.0, "period": 20, "trust": 0.0, "lift": 0.0}}).run(
        replicates=3, seed=4, progress=False)
    off = base.replace(policy={"margin_cap": {"enabled": False, "rate": 0.0}}).run(replicates=3, seed=4,
                                                                                   progress=False)
    assert inert.metric("rebates")[:, -1].min() > 0
    for metric in gx.campaign.metrics():
        if metric in ("rebates", "profit"):
            continue
        assert np.array_equal(inert.metric(metric), plain.metric(metric), equal_nan=True), metric
        assert np.array_equal(off.metric(metric), plain.metric(metric), equal_nan=True), metric
    np.testing.assert_allclose(inert.metric("profit") + inert.metric("rebates"), plain.metric("profit"), rtol=1e-12)


def test_the_lift_raises_repeat_purchases_in_the_period_after_a_rebate(promise_graph):
    """Lift 19 multiplies the repeat probability (0.05) of every rebated active customer by 20 for
    the next period: paired over replicates, more repeat purchases in steps 20..39 than without
    the lift, and none changed before the first rebate (steps 0..19)."""
    base = gx.Campaign(promise_graph, run={"steps": 40},
                       policy={"referral_reward": 5, "margin_cap": {"rate": 0.0, "period": 20, "trust": 0.0,
                                                                     "lift": 0.0}})
    flat = base.run(replicates=12, seed=6, progress=False)
    lifted = base.replace(policy={"margin_cap": {"lift": 19.0}}).run(replicates=12, seed=6, progress=False)
    assert np.array_equal(lifted.metric("repeat_purchases")[:, :20], flat.metric("repeat_purchases")[:, :20])
    extra = (lifted.metric("repeat_purchases")[:, -1] - lifted.metric("repeat_purchases")[:, 19]) - (
        flat.metric("repeat_purchases")[:, -1] - flat.metric("repeat_purchases")[:, 19])
    change = gx.stats.paired_difference(np.zeros(len(extra)), extra, 0.99)
    assert change.low > 0, change


@pytest.mark.parametrize("policy, field", [
    ({"margin_cap": {"rate": 1.5}}, "policy.margin_cap.rate"),
    ({"margin_cap": {"rate": float("nan")}}, "policy.margin_cap.rate"),
    ({"margin_cap": {"period": 0}}, "policy.margin_cap.period"),
    ({"margin_cap": {"trust": -0.1}}, "policy.margin_cap.trust"),
    ({"margin_cap": {"lift": -1}}, "policy.margin_cap.lift"),
    ({"margin_cap": {"rat": 0.05}}, "policy.margin_cap.rat"),
])
def test_bad_margin_promises_name_the_key(promise_graph, policy, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        gx.Campaign(promise_graph, policy=policy)


def test_a_margin_cap_table_in_a_scenario_file_switches_the_promise_on(tmp_path):
    path = tmp_path / "promise.toml"
    path.write_text('[graph]\ngenerator = "holme-kim"\nn = 500\n[policy.margin_cap]\nrate = 0.05\n', encoding="utf-8")
    campaign = gx.Campaign.from_toml(path)
    assert campaign.spec["policy"]["margin_cap"] == {"enabled": True, "rate": 0.05, "period": 30, "trust": 0.5,
                                                     "lift": 0.5}
    bad = tmp_path / "bad.toml"
    bad.write_text('[graph]\ngenerator = "holme-kim"\nn = 500\n[policy.margin_cap]\nrate = 2\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml:5: .*policy\.margin_cap\.rate"):
        gx.Campaign.from_toml(bad)


# -- MODEL.md §17 (Part III): shareholders ---------------------------------------------------------


@pytest.fixture(scope="module")
def ladder_campaign(promise_graph):
    """Partners come quickly: two referrals, or the membership fee at 5 % per step."""
    return gx.Campaign(promise_graph, run={"steps": 90}, ladder={"partner_referrals": 2},
                       policy={"referral_reward": 10, "membership": {"take_rate": 0.05}},
                       behaviour={"share_prob": 0.2, "conv_strong": 0.2, "repeat_prob": 0.05})


def test_shareholding_with_take_rate_0_is_version_2(ladder_campaign):
    # §19: no stake is ever bought, so no shareholder, dividend or changed draw.
    plain = ladder_campaign.run(replicates=3, seed=2, progress=False)
    idle = ladder_campaign.replace(ladder={"shareholding": {"take_rate": 0.0}}).run(replicates=3, seed=2, progress=False)
    for metric in gx.campaign.metrics():
        assert np.array_equal(idle.metric(metric), plain.metric(metric), equal_nan=True), metric


def test_stakes_shareholders_and_dividends_add_up(ladder_campaign):
    """Stake sales are stake_price per shareholder ever made; shareholders and partners move
    together (a stake turns a partner into a shareholder); dividends are paid only at the ends of
    their periods, each dividend_share of the period's profit before it; profit is §12's sum with
    stake sales in and dividends out."""
    price, share, period = 500.0, 0.1, 30
    campaign = ladder_campaign.replace(ladder={"shareholding": {"take_rate": 0.05, "stake_price": price,
                                                                "dividend_period": period, "dividend_share": share}})
    result = campaign.run(replicates=3, seed=2, progress=False)
    stakes, dividends = result.metric("stake_sales"), result.metric("dividends")
    profit, holders = result.metric("profit"), result.metric("shareholders")
    assert (holders[:, -1] > 0).all()
    assert (np.mod(stakes, price) == 0).all() and (stakes[:, -1] / price >= holders[:, -1]).all()  # churned ones bought too
    for replicate in range(3):
        before = 0.0  # profit after the previous dividend
        for t in range(result.steps):
            paid = dividends[replicate, t] - (dividends[replicate, t - 1] if t else 0.0)
            if (t + 1) % period:
                assert paid == 0
                continue
            period_profit = profit[replicate, t] + paid - before
            assert paid == pytest.approx(share * period_profit if period_profit > 0 else 0.0, rel=1e-12, abs=1e-9)
            before = profit[replicate, t]
    plain = ladder_campaign.run(replicates=3, seed=2, progress=False)
    # Until the first stake, nothing differs; partners turned shareholders leave the partners' count.
    first = int(np.argmax(stakes[0] > 0))
    assert np.array_equal(result.metric("customers")[0, :first], plain.metric("customers")[0, :first])


def test_shareholders_churn_less(ladder_campaign):
    """churn_mult 0: a shareholder never churns, so every shareholder ever made is still one at the
    horizon (stakes sold = shareholders x price)."""
    campaign = ladder_campaign.replace(behaviour={"churn_prob": 0.05},
                                       ladder={"shareholding": {"take_rate": 0.1, "stake_price": 100.0,
                                                                "churn_mult": 0.0}})
    result = campaign.run(replicates=3, seed=5, progress=False)
    np.testing.assert_array_equal(result.metric("stake_sales")[:, -1], 100.0 * result.metric("shareholders")[:, -1])
    assert (result.metric("shareholders")[:, -1] > 0).all()


@pytest.mark.parametrize("ladder, field", [
    ({"shareholding": {"take_rate": 1.5}}, "ladder.shareholding.take_rate"),
    ({"shareholding": {"stake_price": -1}}, "ladder.shareholding.stake_price"),
    ({"shareholding": {"dividend_period": 0}}, "ladder.shareholding.dividend_period"),
    ({"shareholding": {"dividend_share": 2}}, "ladder.shareholding.dividend_share"),
    ({"shareholding": {"churn": 0.2}}, "ladder.shareholding.churn"),
])
def test_bad_shareholding_names_the_key(promise_graph, ladder, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        gx.Campaign(promise_graph, ladder=ladder)


def test_the_ledger_names_each_customers_rung_at_the_horizon(ladder_campaign):
    # The fourth tier in the ledger: active customers on each rung are the metrics' counts.
    campaign = ladder_campaign.replace(ladder={"shareholding": {"take_rate": 0.05, "stake_price": 500.0}})
    assert gx.campaign.tiers() == ["none", "customer", "fan", "partner", "shareholder"]
    result = campaign.run(replicates=2, seed=3, progress=False, customers=[1])
    ledger = result.customers(1)
    active = ledger[ledger["churned"] < 0]
    assert set(ledger["tier"]) <= {"customer", "fan", "partner", "shareholder"}
    for tier, metric in (("fan", "fans"), ("partner", "partners"), ("shareholder", "shareholders")):
        assert (active["tier"] == tier).sum() == result.metric(metric)[1, -1], tier
    assert (active["tier"] == "shareholder").sum() > 0


# -- MODEL.md §15 (Part III): segments ---------------------------------------------------------------


STUDENTS = {"name": "students", "share": 0.3,
            "behaviour": {"share_prob": 0.3, "discount_elasticity": 6.0, "tier_repeat_mult": {"fan": 2.0}}}


@pytest.fixture(scope="module")
def layered(promise_graph):
    return gx.Campaign(promise_graph, run={"steps": 40}, policy={"referee_discount": 0.1},
                       behaviour={"share_prob": 0.1, "conv_strong": 0.2, "repeat_prob": 0.05, "churn_prob": 0.02},
                       segments={"list": [STUDENTS, {"name": "retirees", "share": 0.2,
                                                     "behaviour": {"churn_prob": 0.0, "repeat_prob": 0.1}}]})


def test_one_segment_of_everyone_is_version_2(ladder_campaign):
    # §19: one segment holding everyone, no overrides: the same numbers; the ledger names it.
    plain = ladder_campaign.run(replicates=3, seed=2, progress=False, customers=[0])
    one = ladder_campaign.replace(segments={"list": [{"name": "everyone", "share": 1.0}]})
    layered_run = one.run(replicates=3, seed=2, progress=False, customers=[0])
    for metric in gx.campaign.metrics():
        assert np.array_equal(layered_run.metric(metric), plain.metric(metric), equal_nan=True), metric
    assert set(layered_run.customers(0)["segment"]) == {"everyone"}
    assert set(plain.customers(0)["segment"]) == {"other"}
    assert layered_run.segments == ["everyone", "other"]


def test_results_by_segment_add_up_to_the_totals(layered):
    result = layered.run(replicates=6, seed=4, progress=False, customers=[0])
    table = result.by_segment()
    assert list(table.index) == ["students", "retirees", "other"]
    last = {m: result.metric(m)[:, -1].mean() for m in ("customers", "revenue", "active")}
    assert table["customers"].sum() == pytest.approx(last["customers"])
    assert table["revenue"].sum() == pytest.approx(last["revenue"])
    assert (table["retention"] * table["customers"]).sum() == pytest.approx(last["active"], rel=0.05)
    # The ledger of replicate 0 agrees with that replicate's sums (a run of it alone).
    ledger = result.customers(0)
    counts = ledger["segment"].value_counts()
    alone = layered.run(replicates=1, seed=4, progress=False).by_segment()
    for name in table.index:
        assert counts.get(name, 0) == alone.loc[name, "customers"]
        assert ledger.loc[ledger["segment"] == name, "revenue"].sum() == pytest.approx(alone.loc[name, "revenue"])
    # Retirees never churn (churn_prob 0): their retention is 1 in every replicate.
    assert table.loc["retirees", "retention"] == pytest.approx(1.0)
    assert (ledger.loc[ledger["segment"] == "retirees", "churned"] == -1).all()
    for column in ("customers", "ltv", "retention"):
        assert (table[f"{column}_low"] <= table[column]).all() and (table[column] <= table[f"{column}_high"]).all()
    # A pickled result keeps them.
    import pickle

    again = pickle.loads(pickle.dumps(result))
    assert again.by_segment().equals(table)


def test_segments_travel_through_scenario_files(layered, tmp_path):
    path = tmp_path / "layers.toml"
    layered.replace(acquisition={"ad_spend": 5, "ad_segments": ["students"]}).to_toml(path)
    text = path.read_text(encoding="utf-8")
    assert "[[segments.list]]" in text and 'ad_segments = ["students"]' in text
    again = gx.Campaign.from_toml(path, graph=layered.graph)
    assert again.spec["segments"] == layered.spec["segments"]
    assert again.spec["acquisition"]["ad_segments"] == ["students"]
    assert again.spec["segments"]["list"][0]["behaviour"] == {"discount_elasticity": 6.0, "share_prob": 0.3,
                                                              "tier_repeat_mult": {"fan": 2.0}}


@pytest.mark.parametrize("segments,acquisition,field", [
    ({"list": [{"name": "a", "share": 0.7}, {"name": "b", "share": 0.4}]}, {}, "segments.list"),
    ({"list": [{"name": "a", "share": 0.2, "behaviour": {"stickiness": 0.5}}]}, {}, "segments.list[0].behaviour.stickiness"),
    ({"list": [{"name": "a", "behaviour": {"shares_prob": 0.5}}]}, {}, "segments.list[0].behaviour.shares_prob"),
    ({"list": [{"name": "a", "behaviour": {"reach": 1.5}}]}, {}, "segments.list[0].behaviour.reach"),
    ({"list": [{"name": "a"}, {"name": "a"}]}, {}, "segments.list[1].name"),
    ({"list": [{"name": "other"}]}, {}, "segments.list[0].name"),
    ({"list": [{"name": "a", "size": 3}]}, {}, "segments.list[0].size"),
    ({"assign": "random"}, {}, "segments.assign"),
    ({"list": [{"name": "a", "share": 0.5}]}, {"ad_segments": ["b"]}, "acquisition.ad_segments"),
    (None, {"ad_segments": ["a"]}, "acquisition.ad_segments"),
])
def test_bad_segments_name_the_key(promise_graph, segments, acquisition, field):
    sections = {"acquisition": acquisition} if acquisition else {}
    if segments is not None:
        sections["segments"] = segments
    with pytest.raises(ValueError, match=re.escape(field)):
        gx.Campaign(promise_graph, **sections)


def test_a_bad_segment_in_a_scenario_file_names_its_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[graph]\ngenerator = "holme-kim"\nn = 500\n\n[[segments.list]]\nname = "students"\n'
                    'share = 0.3\n\n[[segments.list]]\nname = "city"\nbehaviour = { reach = 2 }\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml:11: .*segments\.list\[1\]\.behaviour\.reach"):
        gx.Campaign.from_toml(path)


def test_the_json_schema_describes_the_segments_list():
    entry = gx.campaign.json_schema()["properties"]["segments"]["properties"]["list"]["items"]
    assert entry["properties"]["behaviour"]["properties"]["tier_repeat_mult"]["properties"]["fan"]["minimum"] == 0
    assert entry["properties"]["share"]["maximum"] == 1


@pytest.fixture(scope="module")
def column_campaign(promise_graph):
    n = promise_graph.num_nodes
    column = np.array(["students", "", "city"], dtype=object)[np.arange(n) % 3]
    return gx.Campaign(promise_graph, name="by column", run={"steps": 30},
                       behaviour={"share_prob": 0.1, "conv_strong": 0.2},
                       segments={"assign": "column", "column": column,
                                 "list": [{"name": "students", "behaviour": {"share_prob": 0.4}}]})


def test_a_segment_column_places_people_as_given(column_campaign):
    result = column_campaign.run(replicates=3, seed=6, progress=False, customers=[1])
    assert result.segments == ["students", "city", "other"]  # the list's, the column's own, other
    ledger = result.customers(1)
    given = column_campaign.segment_column[ledger["node"].to_numpy()]
    assert list(ledger["segment"]) == ["other" if name == "" else name for name in given]
    assert set(ledger["segment"]) == {"students", "city", "other"}


def test_a_segment_column_travels_through_scenario_files_and_pickles(column_campaign, tmp_path):
    import pickle

    path = tmp_path / "layers.toml"
    column_campaign.to_toml(path)
    lines = (tmp_path / "layers.segments.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label,segment" and len(lines) == 1 + 2 * ((column_campaign.graph.num_nodes + 1) // 3)
    again = gx.Campaign.from_toml(path, graph=column_campaign.graph)
    assert again.spec["segments"]["file"] == "layers.segments.csv"
    assert again.same_per_node(column_campaign) and pickle.loads(pickle.dumps(again)).same_per_node(column_campaign)
    a = column_campaign.run(replicates=2, seed=3, progress=False)
    b = again.run(replicates=2, seed=3, progress=False)
    assert np.array_equal(a.values, b.values, equal_nan=True)
    changed = column_campaign.replace(policy={"referral_reward": 5})
    assert changed.same_per_node(column_campaign)
    sweep = gx.sweep(column_campaign, {"behaviour.conv_strong": [0.1, 0.2]}, replicates=2, progress=False)
    assert len(sweep.summary()) == 2


def test_a_bad_segments_file_names_its_line(tmp_path):
    (tmp_path / "layers.csv").write_text("label,segment\n0,students\n1,students\n0,city\n", encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text('[graph]\ngenerator = "holme-kim"\nn = 300\n[segments]\nassign = "column"\nfile = "layers.csv"\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"layers\.csv:4: label: this node is listed twice"):
        gx.Campaign.from_toml(path)
    outside = tmp_path / "inner"
    outside.mkdir()
    (outside / "s.toml").write_text(path.read_text(encoding="utf-8").replace("layers.csv", "../layers.csv"),
                                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"segments\.file: .*outside the scenario's folder"):
        gx.Campaign.from_toml(outside / "s.toml")
    with pytest.raises(ValueError, match=r"segments\.column: expected one segment name per node"):
        gx.Campaign(gx.generators.holme_kim(300, 3, 0.5, seed=5), segments={"assign": "column", "column": ["a"]})
    with pytest.raises(ValueError, match=r"segments\.column: segment name 'a,b': no commas"):
        gx.Campaign(gx.generators.holme_kim(300, 3, 0.5, seed=5), segments={"assign": "column", "column": ["a,b"] * 300})


# -- MODEL.md §16 (Part III): targeted policies --------------------------------------------------


def test_a_target_of_everyone_with_the_base_values_is_no_target(ladder_campaign):
    # §19: a target with no conditions that sets the base policy's own values.
    plain = ladder_campaign.run(replicates=3, seed=2, progress=False)
    same = ladder_campaign.replace(name="ladder").replace(policy={"target": [{"who": {}, "referral_reward": 10.0,
                                                                             "referee_discount": 0.0}]})
    again = same.run(replicates=3, seed=2, progress=False)
    for metric in gx.campaign.metrics():
        assert np.array_equal(again.metric(metric), plain.metric(metric), equal_nan=True), metric
    assert same.name == "ladder (target=[everyone: referral_reward=10, referee_discount=0])"


def test_rewards_only_to_fans_and_partners_and_a_discount_only_for_students(layered):
    # The ledger property of §19: every reward goes to someone the target matches, every
    # discount to a student; the others get nothing (the base policy pays nothing).
    targeted = layered.replace(name="targeted", policy={"referee_discount": 0.0, "target": [
        {"who": {"tier": ["fan", "partner"]}, "referral_reward": 15},
        {"who": {"segment": ["students"]}, "referee_discount": 0.2}]})
    result = targeted.run(replicates=4, seed=3, progress=False, customers=[0, 1])
    assert result.summary().loc["rewards", "mean"] > 0 and result.summary().loc["discounts", "mean"] > 0
    for r in (0, 1):
        ledger = result.customers(r)
        earners = ledger[ledger["earned"] > 0]
        assert len(earners) and set(earners["tier"]) <= {"fan", "partner", "shareholder"}
        discounted = ledger[(ledger["incentives"] > 0) & (ledger["channel"] == "referral")]
        # A referee's incentives: its 20 % discount, and the reward for its conversion if its
        # referrer was a fan or partner (students earning rewards are fans: the first target wins).
        assert set(discounted.loc[discounted["incentives"] % 15 != 0, "segment"]) <= {"students"}


def test_a_targets_budget_caps_it(promise_graph):
    campaign = gx.Campaign(promise_graph, run={"steps": 60}, behaviour={"share_prob": 0.2, "conv_strong": 0.2},
                           policy={"referral_reward": 5, "target": [{"who": {}, "referral_reward": 10, "budget": 150}]})
    rewards = campaign.run(replicates=4, seed=1, progress=False).metric("rewards")[:, -1]
    assert np.all(rewards <= 150) and np.all(rewards >= 140) and np.all(rewards % 10 == 0)


def test_targets_travel_through_scenario_files(layered, tmp_path):
    targeted = layered.replace(policy={"target": [{"who": {"tier": ["fan"], "member": False}, "commission": [0.1, 0.05]},
                                                  {"who": {"segment": ["students"]}, "team_discount": 0.3,
                                                   "budget": 800}]})
    path = tmp_path / "targets.toml"
    targeted.to_toml(path)
    text = path.read_text(encoding="utf-8")
    assert text.count("[[policy.target]]") == 2 and 'who = { tier = ["fan"], member = false }' in text
    again = gx.Campaign.from_toml(path, graph=layered.graph)
    assert again.spec["policy"]["target"] == targeted.spec["policy"]["target"]


def test_an_infinite_target_budget_is_unlimited_and_nan_names_the_entry(promise_graph):
    campaign = gx.Campaign(promise_graph, policy={"target": [{"referral_reward": 3, "budget": float("inf")}]})
    assert "budget" not in campaign.spec["policy"]["target"][0]  # unlimited: the default, not written
    with pytest.raises(ValueError, match=r"policy\.target\[1\]\.referral_reward: must be finite"):
        gx.Campaign(promise_graph, policy={"target": [{}, {"referral_reward": float("nan")}]})


@pytest.mark.parametrize("target,field", [
    ({"who": {"tier": ["vip"]}}, "policy.target[0].who.tier"),
    ({"who": {"channel": ["tv"]}}, "policy.target[0].who.channel"),
    ({"who": {"segment": ["students"]}}, "policy.target[0].who.segment"),
    ({"who": {"tiers": ["fan"]}}, "policy.target[0].who.tiers"),
    ({"referal_reward": 5}, "policy.target[0].referal_reward"),
    ({"referee_discount": 1.5}, "policy.target[0].referee_discount"),
    ({"budget": -1}, "policy.target[0].budget"),
    ({"commission": [0.1, 2]}, "policy.target[0].commission[1]"),
    ({"who": {"min_degree": -2}}, "policy.target[0].who.min_degree"),
])
def test_bad_targets_name_the_key(promise_graph, target, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        gx.Campaign(promise_graph, policy={"target": [target]})


def test_sweeps_vary_a_targets_lever_and_a_segments_share(layered):
    targeted = layered.replace(name="targeted", policy={"target": [{"who": {"tier": ["fan", "partner"]},
                                                                     "referral_reward": 15}]})
    sweep = gx.sweep(targeted, {"policy.target[0].referral_reward": [0, 30], "segments.list[0].share": [0.1, 0.5]},
                     replicates=2, seed=4, progress=False)
    table = sweep.summary()
    assert list(table["label"]) == ["referral_reward=0, share=0.1", "referral_reward=0, share=0.5",
                                    "referral_reward=30, share=0.1", "referral_reward=30, share=0.5"]
    # A design changes only its entries: the same design written out in full gives its numbers.
    written = targeted.replace(policy={"target": [{"who": {"tier": ["fan", "partner"]}, "referral_reward": 30.0}]},
                               segments={"list": [dict(STUDENTS, share=0.1), layered.spec["segments"]["list"][1]]})
    again = written.run(replicates=2, seed=4, progress=False)
    assert again.summary().loc["profit", "mean"] == pytest.approx(table.iloc[2]["mean"])
    with pytest.raises(ValueError, match=r"policy\.target\[3\]\.referral_reward'.*list has 1 entries"):
        gx.sweep(targeted, {"policy.target[3].referral_reward": [1]}, replicates=2, progress=False)
    with pytest.raises(ValueError, match=r"not a key path a design may vary"):
        gx.sweep(targeted, {"policy.target[0].reward": [1]}, replicates=2, progress=False)
    # Uncertain parameters may name a lever too.
    uncertain = gx.sweep(targeted, {"policy.referral_reward": [0, 5]}, replicates=2, progress=False,
                         uncertain={"policy.target[0].referral_reward": ("uniform", 10, 20)})
    assert len(uncertain.summary()) == 2


def test_the_ic_equivalent_and_imm_read_segments_and_targets(column_campaign):
    # Arcs out of the students (share_prob 0.4) are likelier to convert than the same arcs from
    # the others (share_prob 0.1); strategy imm runs on it with a column and targets.
    graph = column_campaign.graph
    p = column_campaign.ic_equivalent()
    sources = np.repeat(np.arange(graph.num_nodes), graph.degrees())
    students = column_campaign.segment_column[sources] == "students"
    assert p[students].mean() > 1.5 * p[~students].mean()
    imm = column_campaign.replace(seeding={"strategy": "imm", "k": 5},
                                  policy={"target": [{"who": {"segment": ["students"]}, "referral_reward": 20}]})
    result = imm.run(replicates=2, seed=1, progress=False)
    assert result.metric("customers")[:, 0].min() >= 5


def test_segments_are_drawn_side_by_side(layered):
    import matplotlib

    matplotlib.use("Agg")
    results = {}
    gx.compare({"no reward": layered, "reward": layered.replace(policy={"referral_reward": 10})}, replicates=3,
               seed=1, progress=False, results=results)
    ax = gx.plotting.plot_by_segment(results, "customers")
    bars = ax.patches
    assert len(bars) == 2 * 3  # two designs, three segments (students, retirees, other)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["students", "retirees", "other"]
    assert matplotlib.colors.to_hex(bars[0].get_facecolor()) == "#000000"  # the baseline is black
    table = results["reward"].by_segment()
    assert [b.get_height() for b in bars[3:]] == pytest.approx(list(table["customers"]))
    assert "people" in ax.get_ylabel() and "3 replicates" in ax.get_title()
    with pytest.raises(ValueError, match="column: must be one of"):
        gx.plotting.plot_by_segment(results, "profit")
    # Shares adding up to 1 leave nobody in other: it is not listed.
    full = layered.replace(segments={"list": [dict(STUDENTS, share=0.6), {"name": "rest", "share": 0.4}]})
    assert list(full.run(replicates=2, seed=1, progress=False).by_segment().index) == ["students", "rest"]
    import matplotlib.pyplot as plt

    plt.close("all")


def test_compare_reports_a_metric_for_one_segment(layered):
    results = {}
    reward = layered.replace(name="reward", policy={"referral_reward": 15})
    table = gx.compare({"base": layered, "reward": reward}, replicates=4, seed=2, progress=False, results=results,
                       metrics=["profit", "profit@students", "customers@retirees", "retention@students"])
    row = table.loc[("reward", "profit@students")]
    values = results["reward"].segment_values("profit", "students")
    by = results["reward"].by_segment()
    assert row["design_mean"] == pytest.approx(values.mean())
    assert values.mean() == pytest.approx(by.loc["students", "margin"] - by.loc["students", "incentives"])
    assert table.loc[("reward", "customers@retirees"), "design_mean"] == pytest.approx(by.loc["retirees", "customers"])
    paired = gx.stats.paired_difference(results["base"].segment_values("customers", "retirees"),
                                        results["reward"].segment_values("customers", "retirees"))
    assert table.loc[("reward", "customers@retirees"), "difference"] == pytest.approx(paired.difference)
    with pytest.raises(ValueError, match="no segment 'pupils'"):
        gx.compare({"base": layered, "reward": reward}, replicates=2, progress=False, metrics=["profit@pupils"])
    with pytest.raises(ValueError, match="a segment's metric is one of"):
        gx.compare({"base": layered, "reward": reward}, replicates=2, progress=False, metrics=["reaches@students"])
    with pytest.raises(ValueError, match="sweeps, selections and stores keep the whole campaign's metrics"):
        gx.sweep(layered, {"policy.referral_reward": [0, 5]}, replicates=2, progress=False).summary("profit@students")


def test_a_runs_manifest_names_its_segment_column(column_campaign, layered):
    result = column_campaign.run(replicates=2, seed=1, progress=False)
    digest = result.manifest["per_node"]["segments_sha256"]
    assert len(digest) == 64 and "groups_sha256" not in result.manifest["per_node"]
    other = column_campaign.segment_column.copy()
    other[0] = "city" if other[0] != "city" else "students"
    moved = gx.Campaign(column_campaign.graph, segments=dict(column_campaign.spec["segments"], column=other))
    assert moved.run(replicates=2, seed=1, progress=False).manifest["per_node"]["segments_sha256"] != digest
    assert "per_node" not in layered.run(replicates=2, seed=1, progress=False).manifest


def _part_three_in_child(campaign):
    return campaign.run(replicates=3, seed=7, threads=1, progress=False, customers=[2])


def test_part_three_gives_the_same_results_in_another_process(column_campaign):
    # Segments from a column, targets with a budget, shareholders and the margin promise: the
    # campaign pickles with its column, and a child process (spawned: a fresh interpreter) gets
    # the numbers and the ledger this process gets, on any thread count.
    import multiprocessing

    design = column_campaign.replace(policy={"referral_reward": 5, "margin_cap": {"rate": 0.1}, "target": [
        {"who": {"segment": ["students"]}, "referral_reward": 20, "budget": 400},
        {"who": {"tier": ["fan"]}, "referee_discount": 0.1}]}, ladder={"shareholding": {"take_rate": 0.05}})
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        child = pool.map(_part_three_in_child, [design])[0]
    here = design.run(replicates=3, seed=7, threads=2, progress=False, customers=[2])
    assert np.array_equal(child.values, here.values, equal_nan=True)
    assert child.customers(2).equals(here.customers(2))
    assert here.summary().loc["rewards", "mean"] > 0
