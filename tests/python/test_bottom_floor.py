# The package's bottom floor (docs/architecture.md): the shared checks, JSON values and progress bar
# of guanxi._checks; designs as data in guanxi._designs (grids and their labels, key paths, the
# canonical spec and its hash, uncertain draws as pure functions of seed and replicate); and
# guanxi._engine, the one caller of the campaign runner (named arguments equal Campaign.run, a
# sweep's blocks equal one run of all replicates, stored values rebuild the same result).
import hashlib
import json
import math

import numpy as np
import pytest

import guanxi as gx
from guanxi import _checks, _designs, _engine, _format


@pytest.fixture(scope="module")
def campaign():
    g = gx.generators.holme_kim(800, 3, 0.5, seed=3)
    return gx.Campaign(g, behaviour={"share_prob": 0.3, "conv_strong": 0.3, "churn_prob": 0.02},
                       policy={"referral_reward": 5}, run={"steps": 12})


# -- checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, low, high, ok", [(3, 1, None, True), (0, 1, None, False), (True, 0, None, False),
                                                  (2.0, 0, None, False), (np.int64(5), 0, 6, True), (6, 0, 6, False)])
def test_checked_int(value, low, high, ok):
    if ok:
        assert _checks.checked_int(value, "n", low, high) == int(value)
    else:
        with pytest.raises(ValueError, match="^n: must be an integer"):
            _checks.checked_int(value, "n", low, high)
    assert _checks.checked_int(None, "n", 0, allow_none=True) is None


def test_checked_metric_names_the_closest():
    known = gx.campaign.metrics()
    assert _checks.checked_metric("profit", known) == "profit"
    with pytest.raises(ValueError, match=r"^--metric: unknown 'proft'; did you mean 'profit'\?"):
        _checks.checked_metric("proft", known, "--metric")
    with pytest.raises(ValueError, match=r"^metric: unknown 'zzzz' \(metrics: "):
        _checks.checked_metric("zzzz", known)


def test_json_values_and_finite_specs():
    document = {"a": np.float64(1.5), "b": [np.int64(2), math.nan], "c": math.inf}
    assert json.loads(_checks.to_json(document)) == {"a": 1.5, "b": [2, None], "c": None}
    assert _checks.finite_spec({"budget": math.inf}, "policy") == {"budget": "unlimited"}
    with pytest.raises(ValueError, match="^policy.referral_reward: must be finite"):
        _checks.finite_spec({"referral_reward": math.nan}, "policy")


def test_a_disabled_progress_bar_is_silent():
    with _checks.Progress(10, False, "x") as bar:
        assert bar.callback is None
        bar.advance(3, note="ignored")


# -- designs ------------------------------------------------------------------------------------


def test_a_grid_is_the_product_labelled_by_short_names():
    # Two keys ending in "discount" keep their whole paths in labels; 10.0 reads as 10.
    keys, designs = _designs.grid_changes({"policy.referral_reward": [0, 10.0], "policy.group_buy.discount": [0.1],
                                           "policy.bargain.discount": [0.2, 0.3]})
    assert keys == ["policy.referral_reward", "policy.group_buy.discount", "policy.bargain.discount"]
    assert [label for label, _ in designs] == [
        "referral_reward=0, policy.group_buy.discount=10%, policy.bargain.discount=20%",
        "referral_reward=0, policy.group_buy.discount=10%, policy.bargain.discount=30%",
        "referral_reward=10, policy.group_buy.discount=10%, policy.bargain.discount=20%",
        "referral_reward=10, policy.group_buy.discount=10%, policy.bargain.discount=30%"]
    assert designs[2][1] == {"policy.referral_reward": 10.0, "policy.group_buy.discount": 0.1,
                             "policy.bargain.discount": 0.2}


@pytest.mark.parametrize("changes, message", [({"run.steps": [5]}, "cannot vary"), ({"policy": [1]}, "not a key path"),
                                              ({"policy.referral_reward": []}, "no values"),
                                              ({"policy.referral_reward": 5}, "give a list")])
def test_bad_grids(changes, message):
    with pytest.raises(ValueError, match=message):
        _designs.grid_changes(changes)


def test_nested_and_flatten_are_inverse():
    changes = {"policy.referral_reward": 5, "policy.group_buy.size": 3, "behaviour.share_prob": 0.2}
    assert _designs.flatten(_designs.nested(changes, "x")) == changes
    with pytest.raises(ValueError, match="conflicts"):
        _designs.nested({"policy.group_buy": 1, "policy.group_buy.size": 3}, "x")


def test_the_canonical_spec_leaves_out_replicates_and_seed(campaign):
    spec = campaign.spec
    other = json.loads(json.dumps(spec))
    other["run"].update(replicates=7, seed=99)
    assert _designs.canonical_spec(spec) == _designs.canonical_spec(other)
    assert _designs.spec_sha256(spec) == hashlib.sha256(_designs.canonical_spec(spec).encode()).hexdigest()
    other["run"]["steps"] += 1
    assert _designs.spec_sha256(spec) != _designs.spec_sha256(other)


def test_uncertain_draws_are_pure_functions_of_seed_and_replicate():
    uncertain = _designs.parse_uncertain({"product.unit_cost": ("uniform", 20, 90), "seeding.k": ("choice", [5, 10])})
    whole = _designs.draw(uncertain, 7, 0, 10)
    parts = np.vstack([_designs.draw(uncertain, 7, 0, 4), _designs.draw(uncertain, 7, 4, 6)])
    assert np.array_equal(whole, parts)
    assert not np.array_equal(whole, _designs.draw(uncertain, 8, 0, 10))
    assert set(whole[:, 1]) <= {5, 10} and np.all((whole[:, 0] >= 20) & (whole[:, 0] <= 90))
    spec = _designs.with_values({"seeding": {"k": 1}, "product": {"unit_cost": 1.0}}, ["seeding.k"], [10.0])
    assert spec["seeding"]["k"] == 10 and isinstance(spec["seeding"]["k"], int)


# -- the engine's runner ------------------------------------------------------------------------


def test_the_runner_with_named_arguments_is_campaign_run(campaign):
    raw = _engine.run_campaign(campaign.graph, campaign.spec, replicates=5, seed=11, threads=1)
    assert np.array_equal(raw["values"], campaign.run(replicates=5, seed=11, progress=False).values, equal_nan=True)
    later = _engine.run_campaign(campaign.graph, json.dumps(campaign.spec), replicates=2, seed=11, first=3)
    assert np.array_equal(later["values"], raw["values"][3:], equal_nan=True)


def test_blocks_of_a_sweep_equal_one_run(campaign):
    whole, _, _, version = _engine.run_block(campaign.graph, json.dumps(campaign.spec), 4, 0, 6, 0)
    halves = [_engine.run_block(campaign.graph, json.dumps(campaign.spec), 4, first, 3, 1)[0] for first in (0, 3)]
    assert np.array_equal(whole, np.concatenate(halves), equal_nan=True) and version == gx.__version__
    rebuilt = _engine.result_from_values(whole, 0)
    assert np.array_equal(rebuilt["values"], whole, equal_nan=True) and rebuilt["forests"] == {}


def test_blocks_with_uncertain_parameters_run_each_replicate_with_its_draw(campaign):
    uncertain = _designs.parse_uncertain({"behaviour.share_prob": ("uniform", 0.1, 0.5)})
    values = _engine.run_block(campaign.graph, json.dumps(campaign.spec), 4, 2, 3, 0, uncertain)[0]
    draws = _designs.draw(uncertain, 4, 2, 3)
    for i in range(3):
        alone = campaign.replace(behaviour={"share_prob": float(draws[i, 0])})
        raw = _engine.run_campaign(alone.graph, alone.spec, replicates=1, seed=4, threads=1, first=2 + i)
        assert np.array_equal(raw["values"][0], values[i], equal_nan=True)


@pytest.mark.parametrize("value, text, signed", [
    (18115.3, "18,115", "+18,115"), (999.3, "999", "+999"), (99.96, "100", "+100"), (4.883, "4.88", "+4.88"),
    (20.0, "20", "+20"), (0.08961, "0.0896", "+0.0896"), (0.000123, "0.000123", "+0.000123"),
    (-1306.2, "-1,306", "-1,306"), (0.0, "0", "+0"), (float("nan"), "n/a", "n/a")])
def test_numbers_read_without_e_notation(value, text, signed):
    assert _format.readable(value) == text and _format.readable(value, signed=True) == signed


@pytest.mark.parametrize("changes, label", [
    ({"policy.referral_reward": 8.828791336730964}, "referral_reward=8.83"),
    ({"policy.group_buy.discount": 0.12}, "discount=12%"),
    ({"policy.group_buy.discount": 0.08961, "seeding.k": 10.0}, "discount=8.96%, k=10"),
    ({"behaviour.share_prob": 0.1}, "share_prob=0.1"),
    ({"acquisition.ad_spend": 1234.567}, "ad_spend=1235"),
    ({"policy.group_buy.size": None}, "size=off")])
def test_labels_read_as_people_write_values(changes, label):
    assert _designs.change_label(changes) == label
