# guanxi.studyfile: study and sweep files read into their parts (the example sweep file).
import os

import pytest

import guanxi as gx
from helpers import EXAMPLES, STUDIES


def test_the_example_sweep_file_reads(small_graph_path):
    loaded = gx.read_sweep_file(os.path.join(EXAMPLES, "sweeps", "referral_reward.toml"), graph=gx.Graph.load(small_graph_path))
    assert loaded["name"] == "referral-reward" and loaded["replicates"] == 100
    assert list(loaded["grid"]) == ["policy.referral_reward", "seeding.k"]


@pytest.mark.parametrize("name, kind, parts", [
    ("select_designs.toml", "select", {"metric": "profit", "delta": 500.0, "confidence": 0.95}),
    ("optimize_reward.toml", "optimize", {"objective": "profit", "trials": 40, "replicates": 20}),
    ("robustness.toml", "sweep", {"replicates": 100}),
    ("calibrate_last_campaign.toml", "calibrate", {"particles": 100, "generations": 4})])
def test_the_example_studies_read(small_graph_path, name, kind, parts):
    study = gx.studyfile.read_study_file(os.path.join(STUDIES, name), kind, graph=gx.Graph.load(small_graph_path))
    assert study["kind"] == kind and isinstance(study["base"], gx.Campaign)
    assert {key: study[key] for key in parts} == parts
    if kind == "optimize":
        assert study["space"]["policy.group_buy.size"] == [2, 3, 4, 5]
        assert study["constraints"] == {"incentive_spend": ("<=", 5000.0)}
    if kind == "calibrate":
        assert study["params"]["behaviour.share_prob"] == (0.01, 0.2) and os.path.isabs(study["observed"])


@pytest.mark.parametrize("body, message", [
    ('base = "../02_one_sided_referral.toml"\nreplicate = 5\n[sweep]\n"policy.referral_reward" = [0]\n',
     ":2: replicate: unknown key; did you mean 'replicates'?"),
    ('base = "../02_one_sided_referral.toml"\n[sweep]\n"policy.referal_reward" = [0, 5]\n',
     ":3: sweep.policy.referal_reward: unknown key path; did you mean 'policy.referral_reward'?"),
    ('base = "../02_one_sided_referral.toml"\n[sweep]\n"policy.referral_reward" = 5\n',
     ":3: sweep.policy.referral_reward: give a non-empty list of values"),
    ('base = "nowhere.toml"\n[sweep]\n"policy.referral_reward" = [0]\n', ":1: base: no such scenario file"),
    ('base = "../02_one_sided_referral.toml"\n', "[sweep]: missing or empty"),
    # A scenario given as a sweep file: its first section is named with its line.
    ('name = "s"\n\n[graph]\ngenerator = "complete"\nn = 5\n',
     ':3: graph: a scenario\'s section, not a sweep file\'s: a sweep file names its scenario with base = "scenario.toml"'),
    ('name = "s"\n[policy.group_buy]\nsize = 3\n', ":2: policy: a scenario's section")])
def test_errors_name_the_file_the_line_and_the_key(small_graph_path, tmp_path, body, message):
    folder = tmp_path / "studies"
    folder.mkdir()
    (tmp_path / "02_one_sided_referral.toml").write_text(open(os.path.join(EXAMPLES, "02_one_sided_referral.toml")).read())
    path = folder / "study.toml"
    path.write_text(body)
    with pytest.raises(ValueError) as error:
        gx.read_sweep_file(path, graph=gx.Graph.load(small_graph_path))
    assert str(error.value).startswith(str(path)) and message in str(error.value), str(error.value)
