# gx.Campaign (MODEL.md §1-§7): the §6 degenerate cases (IC and Bass laws, budget 0, group buy of one),
# determinism and common random numbers, the Python API, money identities, metric ranges, and Ctrl-C.
import math
import os
import textwrap
import tomllib
import warnings

import numpy as np
import pytest

import guanxi as gx
from helpers import assert_call_interrupts

stats = pytest.importorskip("scipy.stats")

ALPHA = 1e-4  # false-alarm rate of each distribution test
EXAMPLES = os.path.join(os.environ.get("GUANXI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")

CHANNELS = ["seed", "external", "referral", "team", "bargain", "solo", "ad", "community"]
NEW = [f"new_customers_{c}" for c in CHANNELS]
# Tie dynamics off (MODEL.md §6): strengths never move.
TIES_OFF = dict(init="constant", value=0.5, alpha_conv=0, alpha_team=0, alpha_bond=0, beta_spam=0, beta_fail=0, decay=0)
# A campaign where things happen within 25 steps on ~1500 people.
LIVELY = dict(share_prob=0.3, team_share_prob=0.6, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02,
              repeat_prob=0.05, external_rate=0.002, help_mult=10)


def run(campaign, **kw):
    kw.setdefault("progress", False)
    return campaign.run(**kw)


def same_values(a, b):
    """Bit-identical arrays, NaN equal to NaN."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@pytest.fixture(scope="module")
def hk():
    return gx.generators.holme_kim(1500, 3, 0.5, seed=2)


@pytest.fixture(scope="module")
def small():
    return gx.generators.holme_kim(300, 3, 0.5, seed=5)


def lively(graph, steps=25, **sections):
    behaviour = dict(LIVELY, **sections.pop("behaviour", {}))
    run_section = dict({"steps": steps}, **sections.pop("run", {}))
    return gx.Campaign(graph, behaviour=behaviour, run=run_section, **sections)


# -- 1. MODEL.md §6 degenerate cases --------------------------------------------------------


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
    result = run(campaign, replicates=1000, seed=11)
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
    result = run(campaign, replicates=R, seed=5)
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
    base = run(none, replicates=6, seed=3)
    assert same_values(run(zero, replicates=6, seed=3).values, base.values)
    # The design itself does change the trajectory when it may pay (the test can fail).
    assert not same_values(run(none.replace(policy=policy), replicates=6, seed=3).values, base.values)


def test_group_buy_of_one_is_a_referral_discount(hk):
    # Seeds open teams of one (pending during step 0, sharing with team_share_prob = share_prob)
    # that complete at once: everything matches the referral policy with referee discount d_g,
    # except that each seed pays P (1 - d_g) instead of P.
    d, price = 0.3, 120.0
    common = dict(behaviour=dict(churn_prob=0, repeat_prob=0, external_rate=0, team_share_prob=LIVELY["share_prob"]),
                  product={"price": price, "unit_cost": 50}, seeding={"strategy": "pagerank", "k": 7})
    referral = lively(hk, policy=dict(referee_discount=d, referral_reward=5), **common)
    team = referral.replace(policy=dict(referee_discount=0, group_buy=dict(size=1, deadline=3, discount=d)))
    a, b = run(referral, replicates=6, seed=9), run(team, replicates=6, seed=9)
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
        r = run(campaign, replicates=1, seed=seed)
        assert r.metric("new_customers_team")[0, 0] == 1 and r.metric("revenue")[0, 0] == 160
        outcomes.add(float(r.metric("commissions")[0, 0]))
    assert outcomes == {0.0}, outcomes


# -- 2. determinism and common random numbers ------------------------------------------------


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
    one = run(campaign, replicates=8, seed=21, threads=1)
    two = run(campaign, replicates=8, seed=21, threads=2)
    again = run(campaign, replicates=8, seed=21, forests=[3])  # recording a forest changes nothing
    assert same_values(one.values, two.values) and same_values(one.values, again.values)
    assert one.metric("customers")[:, -1].max() > 30
    other = run(campaign, replicates=8, seed=22)
    assert not same_values(one.values, other.values)


def test_replicate_rows_do_not_depend_on_the_number_of_replicates(hk):
    # Random seeding: even the seeds are a function of (seed, replicate).
    campaign = lively(hk, seeding={"strategy": "random", "k": 5}, policy={"referral_reward": 8})
    few, many = run(campaign, replicates=3, seed=4), run(campaign, replicates=10, seed=4, threads=2)
    assert same_values(few.values, many.values[:3])
    assert not same_values(many.values[0], many.values[1])


def test_unit_cost_changes_money_but_not_people(hk):
    campaign = lively(hk, policy={"referral_reward": 6, "referee_discount": 0.1, "commission": [0.05]})
    dear = campaign.replace(product={"unit_cost": 85})
    a, b = run(campaign, replicates=6, seed=8), run(dear, replicates=6, seed=8)
    money = {"cost_of_goods", "profit", "incentive_roi"}
    for i, metric in enumerate(a.metrics):
        if metric not in money:
            assert same_values(a.values[:, :, i], b.values[:, :, i]), metric
    purchases = a.metric("purchases")
    np.testing.assert_allclose(b.metric("cost_of_goods") - a.metric("cost_of_goods"), 25 * purchases, atol=1e-6)
    np.testing.assert_allclose(a.metric("profit") - b.metric("profit"), 25 * purchases, atol=1e-6)


# -- 3. the Python API --------------------------------------------------------------------------

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
    ("behaviour", "tier_repeat_mult"): {"customer": 1.0, "fan": 1.0, "partner": 1.0},
    ("behaviour", "tier_spend_mult"): {"customer": 1.0, "fan": 1.0, "partner": 1.0},
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
    metrics = gx.campaign.metrics()
    assert sorted(metrics) == sorted(section_5 + cumulative + section_12 + ["cac"]) and len(set(metrics)) == len(metrics)
    assert gx.campaign.channels() == CHANNELS


def test_defaults_are_model_md_section_7(small):
    spec = gx.Campaign(small).spec
    assert set(spec) == {"product", "behaviour", "ties", "ladder", "policy", "acquisition", "community", "seeding", "run"}
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
            run(campaign, **kw)
        assert str(info.value).startswith(name), str(info.value)
    with pytest.raises(TypeError):
        gx.Campaign("not a graph")


def test_replace_changes_one_key_and_keeps_the_rest(small):
    base = gx.Campaign(small, name="base", behaviour={"reach": 0.6, "share_prob": 0.2}, policy={"commission": [0.1]})
    changed = base.replace(behaviour={"reach": 0.4})
    assert changed.spec["behaviour"]["reach"] == 0.4 and changed.spec["behaviour"]["share_prob"] == 0.2
    assert changed.spec["policy"]["commission"] == [0.1]
    assert changed.name is None and base.name == "base"  # a copy is a new design: unnamed unless named
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
    result = run(campaign.replace(run={"steps": 4}), replicates=2, seed=1)
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
    result = run(campaign)  # replicates and seed from [run]
    assert result.values.shape[:2] == (3, 6) and result.seed == 9
    assert same_values(result.values, run(gx.Campaign(expected, **campaign.spec)).values)


def test_from_toml_resolves_seed_labels(write_file):
    write_file("g.edges", "10 20\n20 30\n30 40\n40 50\n")
    path = write_file("s.toml", '[graph]\nfile = "g.edges"\n\n[seeding]\nnodes = [20, "40"]\n\n[run]\nsteps = 2\n')
    campaign = gx.Campaign.from_toml(path)
    labels = np.asarray(campaign.graph.labels)
    assert campaign.spec["seeding"]["strategy"] == "nodes"
    assert sorted(labels[campaign.spec["seeding"]["nodes"]].tolist()) == [20, 40]
    forest = run(campaign, replicates=1, forests=[0]).referral_forest(0)
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


@pytest.fixture(scope="module")
def lively_result(hk):
    campaign = lively(hk, policy={"referral_reward": 5, "commission": [0.1, 0.05]}, name="lively")
    return run(campaign, replicates=5, seed=13, forests=[0, 3])


def test_timeseries_is_tidy(lively_result):
    r = lively_result
    frame = r.timeseries
    metrics = gx.campaign.metrics()
    assert list(frame.columns) == ["replicate", "step", "metric", "value"]
    assert len(frame) == r.replicates * r.steps * len(metrics) == r.values.size
    assert r.metrics == metrics and r.values.shape == (5, 25, len(metrics))
    rows = frame.set_index(["replicate", "step", "metric"])["value"]
    for rep, step, metric in [(0, 0, "customers"), (4, 24, "profit"), (2, 13, "structural_virality")]:
        assert rows[(rep, step, metric)] == r.values[rep, step, metrics.index(metric)]
    assert list(frame["metric"].cat.categories) == metrics


def test_summary_is_the_horizon_with_a_student_interval(lively_result):
    r = lively_result
    summary = r.summary()
    assert list(summary.index) == r.metrics + ["payback_step"]  # payback: test_campaign_lifecycle.py
    assert list(summary.columns) == ["mean", "ci_low", "ci_high", "sd", "replicates"]
    for metric in r.metrics:
        x = r.metric(metric)[:, -1]
        x = x[~np.isnan(x)]
        row = summary.loc[metric]
        assert row["replicates"] == x.size
        if x.size == 0:
            assert np.isnan(row["mean"])
            continue
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12, abs=1e-12)
        if x.size == 1:  # no spread from one value: not available, never a zero-width interval
            assert np.isnan(row["sd"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
        else:
            sd = x.std(ddof=1)
            assert row["sd"] == pytest.approx(sd, rel=1e-9, abs=1e-12)
            # Student t interval: t_{n-1} sd / sqrt(n) (gx.stats, scipy's t quantile).
            half = stats.t.ppf(0.975, x.size - 1) * sd / math.sqrt(x.size)
            assert row["ci_high"] - row["mean"] == pytest.approx(row["mean"] - row["ci_low"], rel=1e-9, abs=1e-9)
            assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-9, abs=1e-9), metric
    narrow = r.summary(level=0.5).loc["customers"]
    wide = summary.loc["customers"]
    assert wide["ci_low"] < narrow["ci_low"] <= narrow["ci_high"] < wide["ci_high"]


def test_metric_is_a_column_of_values(lively_result):
    r = lively_result
    assert np.array_equal(r.metric("profit"), r.values[:, :, r.metrics.index("profit")])
    with pytest.raises(ValueError, match="profitt"):
        r.metric("profitt")


def tree_distances(members, parent):
    """Mean distance over pairs of a tree given as node -> parent (None for the root)."""
    children = {v: [] for v in members}
    for v in members:
        if parent[v] is not None:
            children[parent[v]].append(v)
            children[v].append(parent[v])
    total, pairs = 0, 0
    for source in members:
        dist, frontier = {source: 0}, [source]
        while frontier:
            nxt = []
            for u in frontier:
                for w in children[u]:
                    if w not in dist:
                        dist[w] = dist[u] + 1
                        nxt.append(w)
            frontier = nxt
        total += sum(dist.values())
        pairs += len(members) - 1
    return total / pairs


@pytest.mark.parametrize("design", ["referral", "group_buy", "bargain"])
def test_referral_forest_matches_the_metrics(hk, design):
    policies = {"referral": {"referral_reward": 5}, "group_buy": {"group_buy": {"size": 2, "deadline": 4}},
                "bargain": {"bargain": {"helpers": 1, "deadline": 3}}}
    r = run(lively(hk, policy=policies[design]), replicates=4, seed=17, forests=[1, 2])
    for rep in (1, 2):
        forest = r.referral_forest(rep)
        assert len(forest) == r.metric("customers")[rep, -1]  # one row per customer who ever bought
        assert forest.node.is_unique and set(forest.channel) <= set(CHANNELS)
        assert (forest.step >= 0).all() and (forest.step < r.steps).all()
        by_node = forest.set_index("node")
        roots = forest.referrer == -1
        assert (forest.depth[roots] == 0).all()
        inner = forest[~roots]
        assert inner.referrer.isin(forest.node).all()
        assert np.array_equal(inner.depth.to_numpy(), by_node.loc[inner.referrer, "depth"].to_numpy() + 1)
        assert (by_node.loc[inner.referrer, "step"].to_numpy() <= inner.step.to_numpy()).all()
        labels = np.asarray(hk.labels)
        assert np.array_equal(forest.label.to_numpy(), labels[forest.node.to_numpy()])
        # Channel counts per step are the new_customers_<channel> of the time series.
        for channel in CHANNELS:
            counts = np.bincount(forest.step[forest.channel == channel], minlength=r.steps)
            assert np.array_equal(counts, r.metric(f"new_customers_{channel}")[rep]), channel
        seeds = forest[forest.channel == "seed"]
        degrees = np.asarray(hk.degrees())
        assert len(seeds) <= 10 and (degrees[seeds.node] >= np.sort(degrees)[-10]).all()  # top_degree, k 10
        assert (forest.referrer[forest.channel.isin(["seed", "external"])] == -1).all()
        if design == "referral":  # sharers are customers: every referral customer has its referrer in the forest
            assert (forest.referrer[forest.channel == "referral"] >= 0).all()
            assert (seeds.step == 0).all() and len(seeds) == 10
        # Cascade metrics from the forest: trees by root.
        root_of = {}
        for node, referrer in zip(forest.node, forest.referrer):  # listed parents first
            root_of[node] = node if referrer == -1 else root_of[referrer]
        sizes = {}
        for root in root_of.values():
            sizes[root] = sizes.get(root, 0) + 1
        largest = max(sizes.values())
        assert r.metric("largest_cascade")[rep, -1] == largest
        assert r.metric("max_depth")[rep, -1] == forest.depth.max()
        parent = {n: (None if p == -1 else p) for n, p in zip(forest.node, forest.referrer)}
        candidates = {tree_distances([n for n in root_of if root_of[n] == root], parent) if largest > 1 else 0.0
                      for root, size in sizes.items() if size == largest}
        virality = r.metric("structural_virality")[rep, -1]
        assert any(abs(virality - v) < 1e-9 for v in candidates), (virality, candidates)
    # A replicate not kept (3) is run again alone: the same replicate as in a whole run that
    # kept it (a pure function of seed and index).
    rerun = r.referral_forest(3)
    kept = run(r.campaign, replicates=4, seed=17, forests=[3]).referral_forest(3)
    assert rerun.equals(kept) and len(rerun) == r.metric("customers")[3, -1]
    with pytest.raises(ValueError, match="replicate"):
        r.referral_forest(r.replicates)


def test_plot_returns_one_axis_per_metric(lively_result):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = lively_result.plot(metrics=("customers", "profit", "mean_strength"))
    try:
        assert len(axes) == 3 and [ax.get_title() for ax in axes] == ["Customers", "Profit", "Mean strength"]
        assert [ax.get_ylabel() for ax in axes] == ["people", "currency units", "tie strength"]
        assert all(ax.get_xlabel() == "day" for ax in axes)
        line = axes[1].get_lines()[0]
        assert np.allclose(line.get_ydata(), lively_result.metric("profit").mean(axis=0))
        assert line.get_label() == "lively"
    finally:
        plt.close("all")


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
    assert same_values(results["reward"].values, run(reward, replicates=10, seed=5).values)

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
            if metric in ("incremental_roi", "payback_step"):  # payback: test_campaign_lifecycle.py
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


@pytest.mark.parametrize("policy, warned", [
    ({"commission": [0.1, 0.05, 0.02, 0.01]}, True),
    ({"commission": [0.1, 0.05, 0.02]}, False),
    ({"membership": {"partner_commission": [0.1, 0.05, 0.02, 0.01]}}, True),
])
def test_commission_deeper_than_three_levels_warns(small, policy, warned):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        campaign = gx.Campaign(small, policy=policy, run={"steps": 3})
    result = run(campaign, replicates=2)
    # Warned once, when the design is made, with the run's warnings.
    assert [str(w.message) for w in caught if w.category is gx.DesignWarning] == result.warnings
    found = [w for w in result.warnings if "commission" in w and "three levels" in w]
    assert len(found) == (1 if warned else 0), result.warnings
    if warned:
        assert "4 levels" in found[0]


# -- 4. money and people identities -------------------------------------------------------------


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
    r = run(campaign, replicates=3, seed=index)
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
    r = run(lively(hk, policy={"referral_reward": R}), replicates=4, seed=6)
    referred = np.cumsum(r.metric("new_customers_referral"), axis=1)
    np.testing.assert_allclose(r.metric("rewards"), R * referred, atol=1e-9)
    defined = referred > 0
    assert np.array_equal(~np.isnan(r.metric("cac")), defined)
    np.testing.assert_allclose(r.metric("cac")[defined], R, rtol=1e-12)
    np.testing.assert_allclose(r.metric("incentive_roi")[defined], (P - c - R) / R, rtol=1e-12)
    assert referred[:, -1].min() > 20


def test_discount_only_cac_and_roi_have_closed_forms(hk):
    d, P, c = 0.2, 100.0, 60.0
    r = run(lively(hk, policy={"referee_discount": d}), replicates=4, seed=7)
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
    r = run(campaign, replicates=1)
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
    r = run(campaign, replicates=1, forests=[0])
    forest = r.referral_forest(0).set_index("node")
    assert forest.loc[1, "channel"] == "solo"
    assert forest.loc[1, "referrer"] == -1 and forest.loc[1, "depth"] == 0
    assert r.metric("rewards")[0, -1] == 0 and r.metric("revenue")[0, -1] == 200
    assert r.metric("largest_cascade")[0, -1] == 1


# -- 5. trust and cascade metrics --------------------------------------------------------------


@pytest.mark.parametrize("policy", [{}, {"group_buy": {"size": 3}}, {"referral_reward": 20, "commission": [0.1]}])
def test_trust_and_cascade_metrics_are_in_range(hk, policy):
    r = run(lively(hk, ties={"alpha_conv": 0.5, "alpha_bond": 0.05}, policy=policy), replicates=4, seed=19)
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
    strong = run(gx.Campaign(small, **base), replicates=2, seed=1)
    assert np.all(strong.metric("strong_tie_fraction") == 1)
    np.testing.assert_allclose(strong.metric("mean_strength"), 0.6, rtol=1e-6)
    np.testing.assert_allclose(strong.metric("value_ties"), 0.6 * strong.metric("strong_ties_customers"), rtol=1e-6)
    weak = run(gx.Campaign(small, **dict(base, ties=dict(TIES_OFF, value=0.6, strong_threshold=0.7))),
               replicates=2, seed=1)
    assert np.all(weak.metric("strong_tie_fraction") == 0) and np.all(weak.metric("strong_ties_customers") == 0)


# -- 6. Ctrl-C ---------------------------------------------------------------------------------


def test_ctrl_c_raises_keyboard_interrupt(tmp_path):
    # 100 000 people, 5000 lively replicates of 60 steps: many minutes of work.
    assert_call_interrupts(tmp_path, """
        g = gx.generators.holme_kim(100000, 4, 0.5, seed=1)
        c = gx.Campaign(g, behaviour={"share_prob": 0.3, "conv_weak": 0.05, "conv_strong": 0.3})
        """, "c.run(replicates=5000, seed=1, progress=False)")


# -- the parameter table ---------------------------------------------------------------------------

def _leaves(table, prefix=""):
    for key, value in table.items():
        path = f"{prefix}{key}"
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
    assert paths == list(table.index)


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
