# `guanxi sweep` and `guanxi store` (GUANXI_CLI) as subprocesses: the printed table and JSON agree with
# gx.sweep, a second run reads the store back, Ctrl-C leaves a usable store (exit 130), store
# ls/show/export/rm, and one-line errors naming the file, the line and the key.
import json
import os
import sqlite3
import textwrap

import numpy as np
import pandas as pd
import pytest

import guanxi as gx
from helpers import assert_one_line_error, interrupt, run

EXAMPLES = os.path.join(os.environ.get("GUANXI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")
REFERRAL = os.path.join(EXAMPLES, "02_one_sided_referral.toml")


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("graphs") / "small.gx"
    gx.generators.holme_kim(1500, 3, 0.5, seed=3).save(path)
    return path


def sweep_file(folder, body: str, base: str = REFERRAL):
    path = folder / "sweep.toml"
    path.write_text(f"base = {json.dumps(base)}\n" + textwrap.dedent(body))
    return path


def test_the_example_sweep_file_reads(small_graph):
    loaded = gx.read_sweep_file(os.path.join(EXAMPLES, "sweeps", "referral_reward.toml"), graph=gx.Graph.load(small_graph))
    assert loaded["name"] == "referral-reward" and loaded["replicates"] == 100
    assert list(loaded["grid"]) == ["policy.referral_reward", "seeding.k"]


def test_sweep_prints_the_designs_and_stores_them(cli, small_graph, tmp_path):
    path = sweep_file(tmp_path, """
        name = "reward"
        replicates = 6
        [sweep]
        "policy.referral_reward" = [0, 10, 20]
        seeding.k = [5, 10]
        """)
    store = tmp_path / "runs.db"
    first = run(cli, "sweep", path, "--graph", small_graph, "--store", store, "--block", 4, "--json")
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    assert document["name"] == "reward" and document["replicates"] == 6 and document["complete"]
    assert document["keys"] == ["policy.referral_reward", "seeding.k"]
    assert document["computed_blocks"] == 6 * 2 and document["reused_blocks"] == 0
    base = gx.Campaign.from_toml(REFERRAL, graph=gx.Graph.load(small_graph))
    expected = gx.sweep(base, {"policy.referral_reward": [0, 10, 20], "seeding.k": [5, 10]}, replicates=6,
                        seed=0, progress=False).summary("profit")
    assert [d["mean"] for d in document["designs"]] == list(expected["mean"])
    assert [d["values"] for d in document["designs"]][3] == {"policy.referral_reward": 10, "seeding.k": 10}
    best = int(expected["mean"].to_numpy().argmax())
    assert document["best"]["design"] == best and document["best"]["label"] == expected["label"][best]
    again = run(cli, "sweep", path, "--graph", small_graph, "--store", store, "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["computed_blocks"] == 0 and second["designs"] == document["designs"]
    text = run(cli, "sweep", path, "--graph", small_graph, "--store", store)
    assert text.returncode == 0, text.stderr
    assert 'sweep "reward": 6 designs x 6 replicates' in text.stdout and "0 blocks computed" in text.stdout
    assert "referral_reward=10, k=5" in text.stdout and "* highest mean: design" in text.stdout
    # The store commands read the same sweep.
    listing = run(cli, "store", "ls", store)
    assert listing.returncode == 0 and "reward" in listing.stdout and "6/6" in listing.stdout, listing
    shown = run(cli, "store", "show", store, "reward", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["designs"] == document["designs"]
    customers = json.loads(run(cli, "store", "show", store, "reward", "--metric", "customers", "--json").stdout)
    assert customers["metric"] == "customers"
    out = tmp_path / "export"
    exported = run(cli, "store", "export", store, "reward", "-o", out)
    assert exported.returncode == 0, exported.stderr
    designs = pd.read_csv(out / "designs.csv")
    assert list(designs["seeding.k"]) == [5, 10] * 3
    results = pd.read_csv(out / "results.csv")
    profit = results[results.metric == "profit"].groupby("design")["value"].mean()
    assert np.allclose(profit.to_numpy(), expected["mean"].to_numpy(), rtol=1e-12)
    removed = run(cli, "store", "rm", store, "reward")
    assert removed.returncode == 0 and "deleted" in removed.stdout
    assert "no sweeps" in run(cli, "store", "ls", store).stdout


def test_ctrl_c_leaves_a_store_that_resumes(cli, tmp_path):
    # 100 000 people, lively, 5000 replicates of two designs: many minutes of work, stopped after 1 s.
    graph = tmp_path / "big.gx"
    gx.generators.holme_kim(100000, 4, 0.5, seed=1).save(graph)
    scenario = tmp_path / "lively.toml"
    scenario.write_text("[behaviour]\nshare_prob = 0.3\nconv_weak = 0.05\nconv_strong = 0.3\n[run]\nsteps = 30\n")
    path = sweep_file(tmp_path, """
        name = "long"
        replicates = 5000
        block = 2
        [sweep]
        "policy.referral_reward" = [0, 10]
        """, base=str(scenario))
    store = tmp_path / "runs.db"
    out, err, code = interrupt([cli, "sweep", path, "--graph", graph, "--store", store, "--quiet"], delay=3.0)
    assert code == 130, (code, err)
    assert "the blocks finished so far are in" in err and "the same command resumes" in err, err
    loaded = gx.Store(store).load("long")
    assert not loaded.complete and loaded.replicates == 5000
    done = loaded.replicates_done
    assert done.max() - done.min() <= 2  # interleaved: the designs stopped within a block of each other
    listing = run(cli, "store", "ls", store)
    assert listing.returncode == 0 and f"{done.min()}/5000" in listing.stdout, listing.stdout


@pytest.mark.parametrize("body, needles", [
    ('[sweep]\n"policy.referral_rewrd" = [1, 2]\n', ["sweep.toml:3:", "sweep.policy.referral_rewrd", "did you mean"]),
    ('[sweep]\n"policy.referral_reward" = [1, -2]\n', ["sweep.toml:3:", "sweep.policy.referral_reward", ">= 0"]),
    ('[sweep]\n"policy.referral_reward" = 5\n', ["sweep.toml:3:", "non-empty list"]),
    ('replicate = 4\n[sweep]\n"policy.referral_reward" = [1]\n', ["sweep.toml:2:", "replicate", "did you mean"]),
    ('replicates = 0\n[sweep]\n"policy.referral_reward" = [1]\n', ["sweep.toml:2:", "replicates", "integer"]),
    ('[sweep]\n', ["[sweep]", "missing or empty"]),
    ('[sweep\n', ["not valid TOML", "line 2"]),
])
def test_bad_sweep_files_name_the_line(cli, small_graph, tmp_path, body, needles):
    path = sweep_file(tmp_path, body)
    assert_one_line_error(run(cli, "sweep", path, "--graph", small_graph), *needles)


def test_sweep_and_store_errors(cli, small_graph, tmp_path):
    missing_base = sweep_file(tmp_path, '[sweep]\n"policy.referral_reward" = [1]\n', base="nowhere.toml")
    assert_one_line_error(run(cli, "sweep", missing_base), "sweep.toml:1:", "base", "nowhere.toml")
    assert_one_line_error(run(cli, "sweep", tmp_path / "absent.toml"), "absent.toml", "cannot read")
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n" * 100)
    assert_one_line_error(run(cli, "store", "ls", junk), "junk.db", "not a guanxi run store")
    assert_one_line_error(run(cli, "store", "ls", tmp_path / "absent.db"), "absent.db", "no such run store")
    assert not (tmp_path / "absent.db").exists()
    good = sweep_file(tmp_path, 'replicates = 2\n[sweep]\n"policy.referral_reward" = [1, 2]\n')
    store = tmp_path / "runs.db"
    assert run(cli, "sweep", good, "--graph", small_graph, "--store", store).returncode == 0
    assert_one_line_error(run(cli, "store", "show", store, "nope"), "no sweep 'nope'", "'sweep'")
    assert_one_line_error(run(cli, "store", "show", store), "give the sweep's name", code=2)
    assert_one_line_error(run(cli, "store", "export", store, "sweep"), "-o FOLDER", code=2)
    assert_one_line_error(run(cli, "store", "frob", store), "invalid choice", code=2)
    assert_one_line_error(run(cli, "sweep", good, "--graph", small_graph, "--metric", "proft"), "--metric", "proft")
    # The same sweep on another graph: refused, naming both graphs.
    other = tmp_path / "other.gx"
    gx.generators.holme_kim(800, 3, 0.5, seed=3).save(other)
    assert_one_line_error(run(cli, "sweep", good, "--graph", other, "--store", store), "was run on graph",
                          "1,500 nodes", "800 nodes")
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM graphs").fetchone()[0] == 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # tornado, inside distributed
def test_scheduler_runs_the_sweep_on_a_dask_cluster(cli, small_graph, tmp_path):
    distributed = pytest.importorskip("distributed")
    path = sweep_file(tmp_path, 'replicates = 6\n[sweep]\n"policy.referral_reward" = [0, 10, 20]\n')
    local = run(cli, "sweep", path, "--graph", small_graph, "--json")
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run(cli, "sweep", path, "--graph", small_graph, "--json", "--block", 2, "--store", tmp_path / "r.db",
                     "--scheduler", cluster.scheduler_address)
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout)["designs"] == json.loads(local.stdout)["designs"]
    assert json.loads(remote.stdout)["computed_blocks"] == 3 * 3
    unreachable = run(cli, "sweep", path, "--graph", small_graph, "--scheduler", "tcp://127.0.0.1:9")
    assert_one_line_error(unreachable, "--scheduler", "cannot reach the Dask scheduler")


# -- choosing a design from the command line ------------------------------------------------------------

STUDIES = os.path.join(EXAMPLES, "studies")


def test_select_from_scenarios_and_from_a_study_file(cli, small_graph, tmp_path):
    scenarios = [os.path.join(EXAMPLES, name) for name in ("01_no_incentive.toml", "03_two_sided_referral.toml",
                                                           "05_group_buy.toml")]
    result = run(cli, "select", *scenarios, "--graph", small_graph, "--delta", 50, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    graph = gx.Graph.load(small_graph)
    designs = {gx.Campaign.from_toml(p, graph=graph).name: gx.Campaign.from_toml(p, graph=graph) for p in scenarios}
    expected = gx.select(designs, delta=50, progress=False)
    assert document["best_label"] == expected.best_label and document["message"] == expected.message
    store = tmp_path / "runs.db"
    text = run(cli, "select", os.path.join(STUDIES, "select_designs.toml"), "--graph", small_graph, "--delta", 50,
               "--store", store)
    assert text.returncode == 0, text.stderr
    assert "is best, or within δ = 50 of the best in profit, with ≥ 95% confidence" in text.stdout
    assert "select-select-referral" in gx.Store(store).studies().index
    assert_one_line_error(run(cli, "select", scenarios[0], scenarios[1], "--graph", small_graph), "--delta",
                          "required")
    assert_one_line_error(run(cli, "select", scenarios[0], "--graph", small_graph), "two or more scenario files")


def test_optimize_calibrate_and_report(cli, small_graph, tmp_path):
    store = tmp_path / "runs.db"
    result = run(cli, "optimize", os.path.join(STUDIES, "optimize_reward.toml"), "--graph", small_graph, "--trials",
                 6, "--replicates", 4, "--store", store, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "optimize" and len(document["trials"]) == 6
    assert 0 <= document["best_params"]["policy.referral_reward"] <= 30
    assert document["best_params"]["policy.group_buy.size"] in (2, 3, 4, 5)
    study = tmp_path / "calibrate.toml"
    study.write_text(textwrap.dedent(f"""
        base = {json.dumps(REFERRAL)}
        observed = {json.dumps(os.path.join(STUDIES, "last_campaign.csv"))}
        particles = 20
        generations = 2
        [params]
        "behaviour.share_prob" = {{low = 0.01, high = 0.2}}
        """))
    calibrated = run(cli, "calibrate", study, "--graph", small_graph, "--store", store, "--quiet")
    assert calibrated.returncode == 0, calibrated.stderr
    assert "behaviour.share_prob" in calibrated.stdout and "90% interval" in calibrated.stdout
    page = tmp_path / "report.html"
    written = run(cli, "report", store, "-o", page)
    assert written.returncode == 0, written.stderr
    text = page.read_text(encoding="utf-8")
    assert "Optimisation: optimize-reward" in text and "Calibration: calibrate-calibrate" in text
    assert_one_line_error(run(cli, "report", tmp_path / "absent.db", "-o", page), "no such run store")
    bad = tmp_path / "bad.toml"
    bad.write_text(f'base = {json.dumps(REFERRAL)}\n[space]\n"policy.referral_reward" = [0, 30]\n')
    assert_one_line_error(run(cli, "optimize", bad, "--graph", small_graph), "bad.toml:3:",
                          "space.policy.referral_reward", "low = ..., high = ...")
    bad.write_text(f'base = {json.dumps(REFERRAL)}\nobserved = "nowhere.csv"\n[params]\n"behaviour.share_prob" = '
                   '{low = 0.1, high = 0.01}\n')
    assert_one_line_error(run(cli, "calibrate", bad, "--graph", small_graph), "bad.toml:4:", "params.behaviour.share_prob")


def test_a_sweep_file_with_uncertain_parameters(cli, small_graph, tmp_path):
    result = run(cli, "sweep", os.path.join(STUDIES, "robustness.toml"), "--graph", small_graph, "--replicates", 20,
                 "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["robustness"]["uncertain"] == [["behaviour.conv_strong", ["uniform", 0.04, 0.16]]]
    assert sum(d["p_best"] for d in document["robustness"]["designs"]) == pytest.approx(1.0)
    bad = sweep_file(tmp_path, '[sweep]\n"policy.referral_reward" = [0, 5]\n[uncertain]\n'
                               '"behaviour.conv_strong" = ["uniform", 0.2, 0.1]\n')
    assert_one_line_error(run(cli, "sweep", bad, "--graph", small_graph), "sweep.toml:5:",
                          "uncertain.behaviour.conv_strong", "low < high")
