# guanxi.cli: the `guanxi` command line run as a subprocess (GUANXI_CLI) and in-process: the ways in
# (launcher, python -m guanxi, the console script), info, generate, convert, simulate, seed, run,
# compare, sweep, store, select, optimize, calibrate and report; agreement with the package's
# numbers, reproducibility across runs and thread counts, the files of a run, one-line errors
# naming file, line and key with documented exit codes, warnings, and Ctrl-C (exit 130).
import csv
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import guanxi as gx
import guanxi.cli
from helpers import EXAMPLES, STUDIES, assert_one_line_error, interrupt, run


def test_cli_writes_customers_and_cohorts(cli, write_file, tmp_path):
    scenario = write_file("ads.toml", textwrap.dedent("""
        [graph]
        generator = "holme-kim"
        n = 600
        [acquisition]
        ad_spend = 3
        ad_conversion = 0.05
        [community]
        [run]
        steps = 12
    """))
    out = tmp_path / "out"
    result = run(cli, "run", scenario, "--replicates", 3, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    import pandas as pd

    customers = pd.read_csv(out / "customers.csv")
    assert list(customers.columns) == ["node", "label", "channel", "acquired", "referrer", "referrer_label", "group",
                                       "purchases", "revenue", "margin", "incentives", "earned", "churned", "tier",
                                       "segment"]
    cohorts = pd.read_csv(out / "cohorts.csv")
    assert list(cohorts.columns) == ["cohort", "age", "customers", "share_active", "ci_low", "ci_high", "replicates"]
    timeseries = pd.read_csv(out / "timeseries.csv")
    last = timeseries[(timeseries.replicate == 0) & (timeseries.step == 11)].set_index("metric")["value"]
    assert len(customers) == last["customers"]
    assert customers.revenue.sum() == pytest.approx(last["revenue"])
    bad = write_file("bad.toml", '[graph]\ngenerator = "holme-kim"\nn = 100\n[acquisition]\nad_target = "all of them"\n')
    assert_one_line_error(run(cli, "run", bad), "bad.toml", "acquisition.ad_target")


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    """A 1000-node Holme–Kim graph as a snapshot, and the same graph loaded in Python."""
    path = tmp_path_factory.mktemp("simulate") / "hk.gx"
    gx.generators.holme_kim(1000, 3, 0.5, seed=2).save(path)
    return path, gx.Graph.load(path)


def seed_json(cli, *args):
    result = run(cli, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_seed_prints_the_seeds_as_json(cli, graph_file):
    path, g = graph_file
    # The defaults: IMM, WC, ε = 0.1, ℓ = 1, RR seed 0 — the same run as in Python.
    default = seed_json(cli, "seed", path, "--k", 5)
    assert default["algorithm"] == "imm" and default["model"] == "wc" and default["k"] == 5
    assert default["seeds"] == gx.seeding.imm(g, 5).seeds.tolist()
    out = seed_json(cli, "seed", path, "--k", 5, "--algorithm", "opim")
    r = gx.seeding.opim(g, 5)
    assert out["algorithm"] == "opim-c" and out["model"] == "wc" and out["k"] == 5
    assert out["seeds"] == r.seeds.tolist() and out["labels"] == r.labels.tolist()
    assert out["spread"] == pytest.approx(r.spread, rel=1e-12)
    assert out["lower_bound"] == pytest.approx(r.lower_bound, rel=1e-12)
    assert out["optimum_upper_bound"] == pytest.approx(r.optimum_upper_bound, rel=1e-12)
    assert out["rr_sets"] == r.rr_sets and out["nodes"] == g.num_nodes
    imm = seed_json(cli, "seed", path, "--k", 5, "--algorithm", "imm", "--model", "lt", "--epsilon", 0.2)
    assert imm["algorithm"] == "imm" and imm["model"] == "lt" and imm["epsilon"] == 0.2
    assert imm["seeds"] == gx.seeding.imm(g, 5, model="lt", epsilon=0.2).seeds.tolist()
    assert imm["optimum_upper_bound"] is None and imm["approximation"] is None and imm["lower_bound"] > 0
    # Any thread count, the same report (wall time and per-thread scratch memory aside).
    one = seed_json(cli, "--threads", 1, "seed", path, "--k", 5, "--algorithm", "opim")
    two = seed_json(cli, "--threads", 2, "seed", path, "--k", 5, "--algorithm", "opim")
    varying = ("seconds", "memory_bytes")
    assert {k: v for k, v in one.items() if k not in varying} == {k: v for k, v in two.items() if k not in varying}


def test_cli_seed_errors_are_one_line(cli, graph_file, tmp_path):
    path, g = graph_file
    assert_one_line_error(run(cli, "seed", path, "--k", 0, "--json"), "--k", code=1)
    assert_one_line_error(run(cli, "seed", path, "--k", g.num_nodes + 1, "--json"), "--k", code=1)
    assert_one_line_error(run(cli, "seed", path, "--k", 5, "--epsilon", 1.5), "--epsilon", code=1)
    assert_one_line_error(run(cli, "seed", path, "--k", 5, "--model", "sir"), "--model", code=1)
    missing = tmp_path / "missing.edges"
    assert_one_line_error(run(cli, "seed", missing, "--k", 5, "--json"), "missing.edges", code=1)


def ok(cli, *args, cwd=None):
    result = run(cli, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def tiny_edges(write_file):
    # Triangle 10-20-30 with a pendant 40, and an isolated pair 50-60.
    return write_file("tiny.edges", "# tiny\n10 20\n20 30\n30 10\n30 40\n50 60\n")


def test_info_prints_nodes_and_ties(cli, write_file):
    out = ok(cli, "info", tiny_edges(write_file)).stdout
    assert [l.split()[:2] for l in out.splitlines() if l.split()[:1] in (["nodes"], ["ties"])] == [
        ["nodes", "6"],
        ["ties", "5"],
    ]


def test_info_json(cli, write_file):
    info = json.loads(ok(cli, "info", tiny_edges(write_file), "--json").stdout)
    assert (info["nodes"], info["ties"], info["directed"], info["weighted"]) == (6, 5, False, False)
    assert info["components"]["count"] == 2 and info["components"]["largest"] == 4
    assert info["degree"]["min"] == 1 and info["degree"]["max"] == 3 and info["degree"]["isolated"] == 0
    # Triangle nodes 10, 20 have clustering 1, node 30 has 1/3; 3 closed of 5 triples.
    assert info["average_clustering"] == pytest.approx((1 + 1 + 1 / 3) / 6)
    assert info["transitivity"] == pytest.approx(3 / 5)


def test_info_json_directed_flag(cli, write_file):
    info = json.loads(ok(cli, "info", tiny_edges(write_file), "--json", "--directed").stdout)
    assert info["directed"] is True and info["ties"] == 5


def test_info_on_real_data(cli, data_file):
    info = json.loads(ok(cli, "info", data_file("karate.gml"), "--json").stdout)
    assert (info["nodes"], info["ties"], info["components"]["count"]) == (34, 78, 1)


def test_generate_then_info(cli, tmp_path):
    out = tmp_path / "X.gx"
    ok(cli, "generate", "holme-kim", "--n", 2000, "--m", 3, "--p", 0.5, "--seed", 1, "-o", out)
    info = json.loads(ok(cli, "info", out, "--json").stdout)
    assert info["nodes"] == 2000
    assert 0 < info["ties"] <= 3 * (2000 - 3)
    # The CLI and the Python generator are the same function of the seed.
    g = gx.Graph.load(out)
    h = gx.generators.holme_kim(2000, 3, 0.5, seed=1)
    assert np.array_equal(g.offsets, h.offsets) and np.array_equal(g.targets, h.targets)
    assert info["ties"] == h.num_ties


@pytest.mark.parametrize(
    "kind, params",
    [
        ("holme-kim", ["--n", 3000, "--m", 3, "--p", 0.5]),
        ("erdos-renyi", ["--n", 3000, "--p", 0.003]),
        ("rmat", ["--scale", 12, "--edge-factor", 8]),
        ("sbm", ["--sizes", "1500,1500", "--p", "0.004,0.001,0.001,0.004"]),
    ],
)
def test_same_seed_gives_identical_snapshot_bytes(cli, tmp_path, kind, params):
    paths = [tmp_path / f"{i}.gx" for i in range(3)]
    ok(cli, "--threads", 1, "generate", kind, *params, "--seed", 7, "-o", paths[0])
    ok(cli, "--threads", 2, "generate", kind, *params, "--seed", 7, "-o", paths[1])
    ok(cli, "generate", kind, *params, "--seed", 8, "-o", paths[2])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_generate_edge_list_output(cli, tmp_path):
    out = tmp_path / "k.edges"
    ok(cli, "generate", "complete", "--n", 6, "-o", out)
    g = gx.Graph.read(out)
    assert (g.num_nodes, g.num_ties) == (6, 15)


def test_convert_gml_to_edges_round_trip(cli, data_file, tmp_path):
    source = data_file("karate.gml")
    out = tmp_path / "out.edges"
    ok(cli, "convert", source, out)
    original, back = gx.Graph.read(source), gx.Graph.read(out)
    assert back.labels.tolist() == original.labels.tolist()  # GML ids 1..34 written as labels
    assert np.array_equal(back.offsets, original.offsets) and np.array_equal(back.targets, original.targets)


def test_convert_to_snapshot_keeps_string_labels(cli, tmp_path, write_file):
    source = write_file("names.edges", "bob alice 0.5\nalice carol 2\n")
    out = tmp_path / "names.gx"
    ok(cli, "convert", "--string-ids", source, out)
    g = gx.Graph.load(out)
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert sorted(g.tie_weights().tolist()) == [0.5, 2.0]


def test_missing_file(cli, tmp_path):
    path = tmp_path / "nope.edges"
    assert_one_line_error(run(cli, "info", path), str(path), "cannot open")


def test_malformed_file(cli, write_file):
    path = write_file("bad.edges", "0 1\n1 x\n")
    assert_one_line_error(run(cli, "info", path), f"{path}:2:", "dst", "'x'")


def test_malformed_option_value(cli, write_file):
    path = tiny_edges(write_file)
    assert_one_line_error(run(cli, "info", path, "--self-loops", "sometimes"), "self_loops", "sometimes")


def test_unknown_generator(cli, tmp_path):
    # The message must name what was wrong: the unknown generator.
    assert_one_line_error(run(cli, "generate", "no-such-model", "-o", tmp_path / "x.gx"), "no-such-model", code=2)


@pytest.mark.parametrize(
    "kind, args, needle",
    [
        ("holme-kim", ["--p", 2], "p:"),
        ("erdos-renyi", ["--p", "abc"], "p:"),
        ("watts-strogatz", ["--k", 3], "k:"),
        ("barabasi-albert", ["--n", 5, "--m", 5], "m:"),
        ("erdos-renyi", ["--n", -5], "n:"),
        ("sbm", ["--sizes", "10,10", "--p", "0.1,0.2,0.3"], "p:"),
        ("rmat", ["--directed", "maybe"], "directed:"),
    ],
)
def test_bad_generator_parameter(cli, tmp_path, kind, args, needle):
    out = tmp_path / "y.gx"
    result = run(cli, "generate", kind, *args, "-o", out)
    assert_one_line_error(result, needle)
    assert not out.exists()


def test_missing_subcommand_and_argument(cli):
    for args in ([], ["info"], ["nonsense"], ["info", "--no-such-flag", "x.edges"]):
        assert_one_line_error(run(cli, *args), code=2)  # usage


def test_version_and_documented_exit_codes(cli):
    from guanxi import __version__

    result = ok(cli, "--version")
    assert result.stdout.strip() == f"guanxi {__version__}" and result.stderr == ""
    help_text = ok(cli, "--help").stdout
    assert "Exit codes: 0 ok; 1 bad input" in help_text and "2 usage" in help_text and "130 interrupted" in help_text


PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(gx.__file__)))


def python_env():
    return dict(os.environ, PYTHONPATH=PACKAGE_ROOT)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("entry") / "tiny.edges"
    path.write_text("10 20\n20 30\n30 10\n30 40\n50 60\n")
    return path


def test_python_dash_m_is_the_same_command(cli, tiny):
    module = [sys.executable, "-m", "guanxi"]
    version = subprocess.run([*module, "--version"], capture_output=True, text=True, env=python_env())
    assert version.returncode == 0 and version.stdout.strip() == f"guanxi {gx.__version__}"
    by_module = subprocess.run([*module, "info", tiny, "--json"], capture_output=True, text=True, env=python_env())
    by_launcher = run(cli, "info", tiny, "--json")
    assert by_module.returncode == by_launcher.returncode == 0, by_module.stderr
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "read_seconds"}  # noqa: E731
    assert strip(by_module.stdout) == strip(by_launcher.stdout)
    usage = subprocess.run([*module, "nonsense"], capture_output=True, text=True, env=python_env())
    assert_one_line_error(usage, "unknown command 'nonsense'", code=2)


def test_launcher_from_another_folder_without_path_or_pythonpath(cli, tiny, tmp_path):
    # A folder named guanxi where the command runs must not stand in for the package, and the
    # launcher names its interpreter and package itself: no PATH, no PYTHONPATH needed.
    (tmp_path / "guanxi").mkdir()
    (tmp_path / "guanxi" / "__init__.py").write_text("raise ImportError('the decoy was imported')\n")
    (tmp_path / "tiny.edges").write_text(tiny.read_text())
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    result = subprocess.run([os.path.abspath(cli), "info", "tiny.edges"], capture_output=True, text=True, cwd=tmp_path,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "tiny.edges" and "nodes               6" in result.stdout


def test_console_script_entry_point(tiny):
    # pyproject.toml: guanxi = "guanxi._cli:main"
    code = "import sys; sys.argv = ['guanxi', 'info', sys.argv[1]]; from guanxi._cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code, str(tiny)], capture_output=True, text=True, env=python_env())
    assert result.returncode == 0 and "ties                5 (undirected)" in result.stdout, result.stderr
    code = "import sys; sys.argv = ['guanxi', 'info', 'x.edges', '--no-flag']; from guanxi._cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=python_env())
    assert_one_line_error(result, "--no-flag", code=2)


@pytest.mark.parametrize("args, code", [
    (["--version"], 0),
    ([], 2),
    (["nonsense"], 2),
    (["generate"], 2),
    (["generate", "no-such-model"], 2),
    (["simulate", "x.edges", "--replicates", "-3"], 1),
    (["info", "/nonexistent/x.edges"], 1),
])
def test_main_returns_the_exit_code(capsys, args, code):
    assert guanxi.cli.main(args) == code
    err = capsys.readouterr().err
    assert code == 0 or (len(err.splitlines()) == 1 and err.startswith("guanxi: error:")), err


def test_help_keeps_examples_and_exit_codes(cli):
    for args in (["--help"], ["run", "--help"], ["generate", "--help"], ["generate", "holme-kim", "--help"]):
        result = run(cli, *args)
        assert result.returncode == 0 and result.stderr == "", (args, result.stderr)
        assert "Examples:" in result.stdout and "Exit codes: 0 ok; 1 bad input" in result.stdout, args
    assert all(name in run(cli, "--help").stdout for name in guanxi.cli.COMMANDS)
    assert "--edge-factor" in run(cli, "generate", "rmat", "--help").stdout
    assert "triad formation" in run(cli, "generate", "--help").stdout


def test_threads_before_or_after_the_command(cli, tiny):
    before = run(cli, "--threads", 1, "info", tiny, "--json")
    after = run(cli, "info", tiny, "--json", "--threads", 1)
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout)["ties"] == json.loads(after.stdout)["ties"] == 5
    assert_one_line_error(run(cli, "info", tiny, "--threads", 5000), "--threads: must be an integer in [0, 4096]")


def test_options_and_scenarios_intermixed(cli, tmp_path):
    graph = tmp_path / "g.gx"
    gx.generators.holme_kim(300, 3, 0.5, seed=1).save(graph)
    base, referral = (os.path.join(EXAMPLES, name) for name in ("01_no_incentive.toml", "03_two_sided_referral.toml"))
    result = run(cli, "compare", base, "--graph", graph, referral, "--replicates", 2, "--json")
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)["designs"]) == ["two-sided referral"]


def test_designs_with_the_same_name_stay_apart(cli, tmp_path):
    # Two files may name their designs alike; each design keeps its own row.
    graph = tmp_path / "g.gx"
    gx.generators.holme_kim(300, 3, 0.5, seed=1).save(graph)
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.write_text('name = "same"\n[run]\nsteps = 3\n')
    two.write_text('name = "same"\n[policy]\nreferral_reward = 5\n[run]\nsteps = 3\n')
    result = run(cli, "compare", one, two, two, "--graph", graph, "--replicates", 2, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["baseline"] == "same" and len(report["designs"]) == 2, list(report["designs"])


def test_compare_names_the_line_of_a_different_horizon(cli, tmp_path):
    graph = tmp_path / "g.gx"
    gx.generators.holme_kim(300, 3, 0.5, seed=1).save(graph)
    short = tmp_path / "short.toml"
    short.write_text("[behaviour]\nshare_prob = 0.1\n[run]\nsteps = 5\n")
    assert_one_line_error(run(cli, "compare", os.path.join(EXAMPLES, "01_no_incentive.toml"), short, "--graph", graph),
                          f"{short}:4: run.steps: differs from the baseline's (60 in ")


stats = pytest.importorskip("scipy.stats")


BASELINE = os.path.join(EXAMPLES, "01_no_incentive.toml")


REFERRAL = os.path.join(EXAMPLES, "03_two_sided_referral.toml")


GROUP_BUY = os.path.join(EXAMPLES, "05_group_buy.toml")


def run_json(cli, *args):
    result = run(cli, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def without_seconds(report):
    return {k: v for k, v in report.items() if k != "seconds"}


def none_if_nan(x):
    return None if math.isnan(x) else x


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("graphs") / "small.gx"
    g = gx.generators.holme_kim(1500, 3, 0.5, seed=3)
    g.save(path)
    return path, gx.Graph.load(path)


@pytest.fixture(scope="module")
def run_out(cli, small_graph, tmp_path_factory):
    path, _ = small_graph
    out = tmp_path_factory.mktemp("run") / "results"
    result = run(cli, "run", REFERRAL, "--graph", path, "--replicates", 5, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    with open(out / "summary.json") as f:
        summary = json.load(f)
    return rows, summary


def test_run_writes_the_timeseries_csv(run_out):
    rows, _ = run_out
    metrics = gx.campaign.metrics()
    steps = 60  # the scenario's [run]
    assert rows[0] == ["replicate", "step", "metric", "value"]
    body = rows[1:]
    assert len(body) == 5 * steps * len(metrics)
    expected_keys = [(str(r), str(t), m) for r in range(5) for t in range(steps) for m in metrics]
    assert [tuple(row[:3]) for row in body] == expected_keys
    for row in body:
        float(row[3])  # numbers, or "nan" for undefined rates


def test_summary_json_carries_the_manifest_of_the_same_run_in_python(run_out, small_graph):
    _, summary = run_out
    _, g = small_graph
    result = gx.Campaign.from_toml(REFERRAL, graph=g).run(replicates=5, progress=False)
    assert summary["manifest"] == result.manifest


def test_summary_json_means_match_the_csv_horizon(run_out):
    rows, summary = run_out
    metrics = gx.campaign.metrics()
    assert list(summary["metrics"]) == metrics + ["payback_step"]
    assert summary["replicates"] == 5 and summary["steps"] == 60 and summary["name"] == "two-sided referral"
    horizon = {}
    for r, t, metric, value in rows[1:]:
        if t == "59":
            horizon.setdefault(metric, []).append(float(value))
    for metric in metrics:
        x = np.array(horizon[metric])
        x = x[~np.isnan(x)]
        entry = summary["metrics"][metric]
        assert entry["replicates"] == x.size, metric
        if x.size == 0:
            assert entry["mean"] is None
        else:
            assert entry["mean"] == pytest.approx(x.mean(), rel=1e-12, abs=1e-12), metric
            if x.size > 1:  # Student t interval (Boost.Math's quantile and scipy's agree to ~2.5e-9)
                half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
                assert entry["ci95"][1] - entry["mean"] == pytest.approx(half, rel=1e-8, abs=1e-12), metric
                assert entry["mean"] - entry["ci95"][0] == pytest.approx(half, rel=1e-8, abs=1e-12), metric


def test_csv_values_are_the_python_values(run_out, small_graph):
    # Same scenario, graph and seed: the CSV holds gx.Campaign's numbers to the last digit.
    rows, _ = run_out
    _, g = small_graph
    result = gx.Campaign.from_toml(REFERRAL, graph=g).run(replicates=5, progress=False)
    csv_values = np.array([float(row[3]) for row in rows[1:]])
    python_values = result.values.reshape(-1)
    both_nan = np.isnan(csv_values) & np.isnan(python_values)
    mismatch = np.flatnonzero(~both_nan & (csv_values != python_values))
    assert mismatch.size == 0, [(rows[1 + i], python_values[i]) for i in mismatch[:5]]


def test_run_json_is_the_summary_and_is_reproducible(cli, small_graph, run_out, tmp_path):
    _, summary = run_out
    path, _ = small_graph
    printed = run_json(cli, "run", REFERRAL, "--graph", path, "--replicates", 5)
    assert without_seconds(printed) == without_seconds(summary)
    one = run_json(cli, "--threads", 1, "run", REFERRAL, "--graph", path, "--replicates", 5)
    two = run_json(cli, "--threads", 2, "run", REFERRAL, "--graph", path, "--replicates", 5)
    assert without_seconds(one) == without_seconds(printed) == without_seconds(two)
    other = run_json(cli, "run", REFERRAL, "--graph", path, "--replicates", 5, "--seed", 1)
    assert other["seed"] == 1 and other["metrics"] != printed["metrics"]


def test_run_agrees_with_python_on_the_scenario_graph(cli, write_file):
    # No --graph: the scenario's own [graph] (a small generator), [run] replicates and seed.
    path = write_file("own.toml", textwrap.dedent("""
        name = "own graph"
        [graph]
        generator = "holme-kim"
        n = 800
        m = 3
        p = 0.4
        seed = 2
        [behaviour]
        share_prob = 0.3
        conv_strong = 0.3
        [policy]
        referral_reward = 7
        [run]
        steps = 12
        replicates = 6
        seed = 4
        """))
    report = run_json(cli, "run", path)
    assert report["name"] == "own graph" and report["replicates"] == 6 and report["steps"] == 12
    summary = gx.Campaign.from_toml(path).run(progress=False).summary()
    for metric, entry in report["metrics"].items():
        row = summary.loc[metric]
        assert entry["replicates"] == row["replicates"], metric
        assert entry["mean"] == (None if np.isnan(row["mean"]) else pytest.approx(row["mean"], rel=1e-12)), metric


def test_compare_reports_paired_differences_like_gx_compare(cli, small_graph):
    path, g = small_graph
    report = run_json(cli, "compare", BASELINE, REFERRAL, GROUP_BUY, "--graph", path, "--replicates", 8)
    assert report["baseline"] == "no incentive" and report["replicates"] == 8 and report["seed"] == 0
    assert list(report["designs"]) == ["two-sided referral", "group buy"]
    campaigns = {}
    for scenario in (BASELINE, REFERRAL, GROUP_BUY):
        c = gx.Campaign.from_toml(scenario, graph=g)
        campaigns[c.name] = c
    table = gx.compare(campaigns, replicates=8, seed=0, progress=False)
    for design, rows in report["designs"].items():
        assert list(rows) == list(table.loc[design].index)
        for metric, entry in rows.items():
            assert set(entry) == {"baseline", "design", "difference", "ci95", "share_higher"}
            low, high = entry["ci95"]
            expected = table.loc[(design, metric)]
            for key, column in [("baseline", "baseline"), ("design", "design_mean"), ("difference", "difference"),
                                ("share_higher", "share_higher")]:
                value = none_if_nan(expected[column])
                assert entry[key] == (None if value is None else pytest.approx(value, rel=1e-12, abs=1e-12)), (
                    design, metric, key)
            # The same interval: the t quantiles (Boost.Math here, scipy in Python) agree to about
            # 2.5e-9 relative (scipy's t.ppf is accurate to that), so the half-widths do too.
            if low is None:
                assert math.isnan(expected["ci_low"]) and math.isnan(expected["ci_high"])
            else:
                middle = (expected["ci_low"] + expected["ci_high"]) / 2
                assert (low + high) / 2 == pytest.approx(middle, rel=1e-12, abs=1e-12)
                assert (high - low) / 2 == pytest.approx((expected["ci_high"] - expected["ci_low"]) / 2, rel=1e-8)
    assert report["designs"]["two-sided referral"]["incentive_spend"]["difference"] > 0


def test_deep_commission_warns(cli, small_graph, write_file):
    path, _ = small_graph
    scenario = write_file("deep.toml", "[policy]\ncommission = [0.05, 0.04, 0.03, 0.02]\n[run]\nsteps = 3\n")
    result = run(cli, "run", scenario, "--graph", path, "--replicates", 2, "--json")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("guanxi: warning:")]
    assert len(warnings) == 1 and "policy.commission" in warnings[0] and "three levels" in warnings[0], result.stderr
    assert json.loads(result.stdout)["warnings"] == [warnings[0][len("guanxi: warning: "):]]
    assert warnings[0].startswith(f"guanxi: warning: {scenario}:2: policy.commission:"), warnings[0]


def test_unknown_key_names_file_line_key_and_suggestion(cli, small_graph, write_file):
    path, _ = small_graph
    scenario = write_file("typo.toml", "[product]\nprice = 100\n\n[behaviour]\nshare_prob = 0.1\nshar_prb = 0.2\n")
    assert_one_line_error(run(cli, "run", scenario, "--graph", path), "typo.toml:6", "behaviour.shar_prb",
                          "did you mean 'share_prob'")
    section = write_file("section.toml", "[run]\nsteps = 3\n[polcy]\nbudget = 5\n")
    assert_one_line_error(run(cli, "compare", BASELINE, section, "--graph", path), "section.toml:3", "polcy",
                          "did you mean 'policy'")


def test_malformed_toml(cli, small_graph, write_file):
    path, _ = small_graph
    scenario = write_file("broken.toml", "[product]\nprice = 100\n[run\nsteps = 3\n")
    assert_one_line_error(run(cli, "run", scenario, "--graph", path), "broken.toml:3")


def test_bad_value_names_the_key(cli, small_graph, write_file):
    path, _ = small_graph
    scenario = write_file("range.toml", "[behaviour]\nreach = 1.5\n")
    assert_one_line_error(run(cli, "run", scenario, "--graph", path), "behaviour.reach")
    scenario = write_file("type.toml", '[policy]\nreferral_reward = "ten"\n')
    assert_one_line_error(run(cli, "run", scenario, "--graph", path), "type.toml:2", "policy.referral_reward")


def test_missing_scenario(cli, small_graph, tmp_path):
    path, _ = small_graph
    missing = tmp_path / "absent.toml"
    assert_one_line_error(run(cli, "run", missing, "--graph", path), str(missing), "cannot open")
    assert_one_line_error(run(cli, "compare", BASELINE, missing, "--graph", path), str(missing))


def test_missing_graph_without_graph_option(cli, write_file):
    scenario = write_file("nograph.toml", "name = \"no graph\"\n[run]\nsteps = 3\n")
    assert_one_line_error(run(cli, "run", scenario), "nograph.toml", "[graph]", "--graph")


def test_compare_needs_two_scenarios(cli, small_graph):
    path, _ = small_graph
    assert_one_line_error(run(cli, "compare", BASELINE, "--graph", path), "at least two")


def test_compare_with_different_horizons(cli, small_graph, write_file):
    path, _ = small_graph
    short = write_file("short.toml", "[run]\nsteps = 5\n")
    assert_one_line_error(run(cli, "compare", BASELINE, short, "--graph", path), "short.toml", "run.steps")


def test_sigint_stops_a_campaign_run_with_exit_130(cli, tmp_path):
    # 100 000 people, 5000 lively replicates of 60 steps: many minutes of work, stopped after 1 s.
    path = tmp_path / "big.gx"
    gx.generators.holme_kim(100000, 4, 0.5, seed=1).save(path)
    scenario = tmp_path / "lively.toml"
    scenario.write_text("[behaviour]\nshare_prob = 0.3\nconv_weak = 0.05\nconv_strong = 0.3\n")
    args = ["run", scenario, "--graph", path, "--replicates", 5000, "--quiet"]
    out, err, code = interrupt([cli, *args])
    assert code == 130, (code, err)
    assert "guanxi: interrupted" in err and out == "", (out, err)


def test_compare_names_the_file_with_the_bad_value(cli, small_graph, write_file):
    path, _ = small_graph
    bad = write_file("bad.toml", "name = \"bad\"\n\n[behaviour]\nshare_prob = 1.5\n")
    result = run(cli, "compare", BASELINE, bad, GROUP_BUY, "--graph", path)
    assert_one_line_error(result, f"{bad}:4: behaviour.share_prob: must be in [0, 1], got 1.5", code=1)
    too_many = write_file("huge.toml", "[run]\nreplicates = 1000000000000\n")
    assert_one_line_error(run(cli, "run", too_many, "--graph", path), f"{too_many}:2: run.replicates:",
                          "of memory; this machine has")
    k = write_file("k.toml", "[seeding]\nk = 2000\n")
    assert_one_line_error(run(cli, "compare", BASELINE, k, "--graph", path),
                          f"{k}:2: seeding.k: must be in [0, 1500], got 2000 (the graph has 1500 nodes)")


@pytest.mark.parametrize("args, needle", [
    (["--replicates", -3], "--replicates: must be an integer in [1, 1000000000000], got '-3'"),
    (["--replicates", 10 ** 12], "--replicates: 1000000000000 replicates x 60 steps"),
    (["--seed", -1], "--seed: must be an integer in [0, 18446744073709551615], got '-1'"),
    (["--threads", "many"], "--threads: must be an integer in [0, 4096], got 'many'"),
])
def test_bad_numbers_are_one_line_errors(cli, small_graph, args, needle):
    path, _ = small_graph
    assert_one_line_error(run(cli, "run", BASELINE, "--graph", path, *args), needle, code=1)


def test_out_naming_a_file_is_refused_before_running(cli, small_graph, tmp_path):
    path, _ = small_graph
    existing = tmp_path / "results.csv"
    existing.write_text("keep me\n")
    assert_one_line_error(run(cli, "run", BASELINE, "--graph", path, "--out", existing),
                          f"--out: '{existing}' exists and is not a folder", code=1)
    assert existing.read_text() == "keep me\n"


def test_mistaken_designs_warn_and_run(cli, small_graph, write_file):
    path, _ = small_graph
    scenario = write_file("loss.toml", "[product]\nprice = 50\nunit_cost = 55\n[run]\nsteps = 3\n")
    result = run(cli, "run", scenario, "--graph", path, "--replicates", 2, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"guanxi: warning: {scenario}:3: product.unit_cost: unit cost 55 is not below the price 50: every sale loses money"]


def test_compare_warns_about_graphs_of_different_sizes(cli, write_file):
    big = write_file("big.toml", '[graph]\ngenerator = "holme-kim"\nn = 400\n[run]\nsteps = 3\n')
    small = write_file("small.toml", '[graph]\ngenerator = "holme-kim"\nn = 300\n[run]\nsteps = 3\n')
    result = run(cli, "compare", big, small, "--replicates", 2, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"guanxi: warning: {small}: its graph has 300 nodes and the baseline's ({big}) 400: "
        "paired differences then compare different populations"]


def test_run_table_groups_units_and_cumulative_channels(cli, small_graph):
    path, _ = small_graph
    out = run(cli, "run", REFERRAL, "--graph", path, "--replicates", 6, "--quiet").stdout
    report = run_json(cli, "run", REFERRAL, "--graph", path, "--replicates", 6)
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    # new_customers_<channel> counts the last day only: the table shows customers_<channel> instead.
    assert not any(name.startswith("new_customers_") for name in lines)
    channels = [f"customers_{c}" for c in gx.campaign.channels()]
    assert all(name in lines for name in channels)
    total = sum(report["metrics"][c]["mean"] for c in channels)
    assert total == pytest.approx(report["metrics"]["customers"]["mean"], rel=1e-12)
    assert "customers by channel (cumulative)" in out
    # Money: whole currency units with thousands separators; shares as percentages.
    revenue = report["metrics"]["revenue"]["mean"]
    assert revenue > 1000 and lines["revenue"].split()[1] == f"{revenue:,.0f}"
    rate = report["metrics"]["conversion_rate"]["mean"]
    assert lines["conversion_rate"].split()[1] == f"{100 * rate:.1f}%"
    customers = report["metrics"]["customers"]
    assert lines["customers"].split()[1:] == [f"{customers['mean']:,.1f}", f"[{customers['ci95'][0]:,.1f},",
                                              f"{customers['ci95'][1]:,.1f}]"]


def test_compare_table_formats_differences(cli, small_graph):
    path, _ = small_graph
    out = run(cli, "compare", BASELINE, REFERRAL, "--graph", path, "--replicates", 6, "--quiet").stdout
    report = run_json(cli, "compare", BASELINE, REFERRAL, "--graph", path, "--replicates", 6)
    row = report["designs"]["two-sided referral"]["incentive_spend"]
    line = next(l for l in out.splitlines() if l.split()[:1] == ["incentive_spend"])
    assert line.split()[3] == f"{row['difference']:+,.0f}"  # money difference, signed, grouped
    assert line.split()[-1] == f"{100 * row['share_higher']:.0f}%"


def test_one_replicate_says_intervals_are_not_available(cli, small_graph):
    path, _ = small_graph
    report = run_json(cli, "run", BASELINE, "--graph", path, "--replicates", 1)
    assert report["metrics"]["customers"]["ci95"] == [None, None] and report["metrics"]["customers"]["sd"] is None
    out = run(cli, "run", BASELINE, "--graph", path, "--replicates", 1, "--quiet").stdout
    assert "(not available from one replicate)" in out
    assert next(l for l in out.splitlines() if l.split()[:1] == ["customers"]).split()[-1] == "n/a"


VARYING = ("seconds", "ms_per_replicate")  # wall time: the only fields allowed to differ


def simulate_json(cli, *args):
    result = run(cli, "simulate", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def without_time(report):
    return {k: v for k, v in report.items() if k not in VARYING}


def test_json_report_on_facebook(cli, data_file):
    path = data_file("facebook_combined.edges")
    args = [path, "--model", "ic", "--p", 0.01, "--seeds", "top-degree:10", "--replicates", 2000, "--seed", 1]
    out = simulate_json(cli, *args)
    for key in ("mean", "ci95", "sd", "seconds", "kernel", "replicates", "seed", "mean_fraction"):
        assert key in out, key
    assert out["model"] == "ic" and out["replicates"] == 2000 and out["seed"] == 1
    assert out["kernel"] in ("scalar", "sparse", "bitparallel") and out["seconds"] > 0
    low, high = out["ci95"]
    assert low < out["mean"] < high
    # Student t 95% interval of the mean: half-width t(R - 1) sd / sqrt(R).
    assert (high - low) / 2 == pytest.approx(stats.t.ppf(0.975, 1999) * out["sd"] / math.sqrt(2000), rel=1e-8)
    assert out["mean_fraction"] == pytest.approx(out["mean"] / 4039, rel=1e-12)
    # The same run in Python gives the same replicates, hence the same mean and sd.
    g = gx.Graph.read(path)
    r = gx.simulate(g, "ic", seeds="top-degree:10", p=0.01, replicates=2000, seed=1, progress=False)
    assert r.kernel == out["kernel"]
    assert r.mean() == pytest.approx(out["mean"], rel=1e-12)
    assert r.sizes.std(ddof=1) == pytest.approx(out["sd"], rel=1e-9)
    assert r.ci() == pytest.approx(tuple(out["ci95"]), rel=1e-9)
    # Same seed: the same report (wall time aside), for any thread count; another seed differs.
    again = simulate_json(cli, *args)
    one = json.loads(run(cli, "--threads", 1, "simulate", *args, "--json").stdout)
    two = json.loads(run(cli, "--threads", 2, "simulate", *args, "--json").stdout)
    assert without_time(out) == without_time(again) == without_time(one) == without_time(two)
    other = simulate_json(cli, *args[:-1], 2)
    assert other["mean"] != out["mean"]


@pytest.mark.parametrize(
    "args",
    [
        ["--model", "ic", "--p", 0.05, "--kernel", "scalar"],
        ["--model", "ic", "--p", 0.05, "--kernel", "bitparallel"],
        ["--model", "lt"],
        ["--model", "sir", "--beta", 0.1, "--gamma", 0.3],
    ],
    ids=["ic-scalar", "ic-bitparallel", "lt", "sir"],
)
def test_same_seed_same_report_for_any_thread_count(cli, graph_file, args):
    path, _ = graph_file
    common = [path, *args, "--seeds", "random:3", "--replicates", 600, "--seed", 5, "--json"]
    reports = [
        json.loads(run(cli, *threads, "simulate", *common).stdout)
        for threads in ([], ["--threads", 1], ["--threads", 2])
    ]
    assert without_time(reports[0]) == without_time(reports[1]) == without_time(reports[2])


MODELS = [
    ("ic", ["--p", 0.05], dict(p=0.05)),
    ("wc", [], {}),
    ("ic", ["--probability", "wc", "--kernel", "scalar"], dict(probability="wc", kernel="scalar")),
    ("lt", [], {}),
    ("lt", ["--kernel", "bitparallel"], dict(kernel="bitparallel")),
    ("si", ["--beta", 0.05, "--max-steps", 10], dict(beta=0.05, max_steps=10)),
    ("sir", ["--beta", 0.1, "--gamma", 0.3], dict(beta=0.1, gamma=0.3)),
    ("sis", ["--beta", 0.1, "--gamma", 0.3, "--max-steps", 20], dict(beta=0.1, gamma=0.3, max_steps=20)),
    ("complex", ["--k", 2], dict(k=2)),
    ("complex", ["--phi", 0.2], dict(phi=0.2)),
    ("bass", ["--p", 0.02, "--bass-q", 0.5, "--seeds", "none", "--max-steps", 30], dict(p=0.02, q=0.5, max_steps=30)),
]


@pytest.mark.parametrize("model, args, kwargs", MODELS, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(MODELS)])
def test_every_model_runs_and_matches_python(cli, graph_file, model, args, kwargs):
    path, g = graph_file
    R = 200
    cli_args = [path, "--model", model, *args, "--replicates", R, "--seed", 3]
    if "--seeds" not in args:
        cli_args += ["--seeds", "top-degree:5"]
    # One thread on both sides: this test is about passing the parameters through (thread
    # counts are covered above and in test_diffusion.py).
    result = run(cli, "--threads", 1, "simulate", *cli_args, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["model"] == model and out["replicates"] == R
    seeds = None if model == "bass" else "top-degree:5"
    r = gx.simulate(g, model, seeds=seeds, replicates=R, seed=3, threads=1, progress=False, **kwargs)
    # Same parameters, same seed: the same replicates.
    assert out["kernel"] == r.kernel
    assert out["mean"] == pytest.approx(r.mean(), rel=1e-12)
    assert out["mean_last_step"] == pytest.approx(r.last_step.mean(), rel=1e-12)
    assert (0 if model == "bass" else 5) <= out["mean"] <= g.num_nodes
    assert out["mean"] > (0 if model == "bass" else 5)  # something spread


BAD_OPTIONS = [
    (["--p", 2], ["p:", "2"]),
    (["--p", "nan"], ["p:"]),
    (["--model", "nope"], ["model", "nope"]),
    (["--model", "sir", "--beta", -0.5], ["beta"]),
    (["--model", "sis", "--gamma", 1.5], ["gamma"]),
    (["--model", "bass", "--bass-q", 3, "--seeds", "none"], ["q:"]),
    (["--model", "complex", "--k", 0], ["k:"]),
    (["--seeds", "random:0"], ["seeds", "random:"]),
    (["--seeds", "random:5000"], ["seeds"]),  # more seeds than the 1000 nodes
    (["--seeds", "nobody"], ["seeds", "nobody"]),
    (["--kernel", "sparse", "--model", "lt"], ["kernel", "sparse"]),
    (["--kernel", "bitparallel", "--model", "sir"], ["kernel", "bitparallel"]),
    (["--kernel", "nope"], ["kernel", "nope"]),
    (["--probability", "weights"], ["probability"]),  # the graph has no weights
    (["--probability", "nope"], ["probability", "nope"]),
    (["--model", "lt", "--lt-weights", "graph"], ["weights"]),
    (["--replicates", 0], ["--replicates: must be an integer in [1, "]),
    # Numbers are checked as written: a negative count must not wrap around to 2**64 - 1.
    (["--replicates", -3], ["--replicates: must be an integer", "got '-3'"]),
    (["--replicates", "1e12"], ["--replicates: must be an integer", "got '1e12'"]),
    (["--replicates", 10 ** 12], ["--replicates: 1000000000000 replicates need", "of memory; this machine has"]),
    (["--seed", -1], ["--seed: must be an integer in [0, 18446744073709551615], got '-1'"]),
    (["--seed", 2 ** 64], ["--seed: must be an integer"]),
    (["--seeds", "top-degree:-2"], ["--seeds: expected a positive count after 'top-degree:', got '-2'"]),
    (["--max-steps", -1], ["--max-steps: must be an integer"]),
    (["--threads", -1], ["--threads: must be an integer in [0, 4096], got '-1'"]),
    (["--p", 1.5], ["--p: must be a number in [0, 1], got '1.5'"]),
]


USAGE = [  # exit code 2: the command line itself is wrong
    (["--no-such-option"], ["--no-such-option"]),
    (["--p"], ["--p"]),
]


@pytest.mark.parametrize("args, needles", BAD_OPTIONS, ids=[" ".join(map(str, a)) for a, _ in BAD_OPTIONS])
def test_bad_options_one_line_error(cli, graph_file, args, needles):
    path, _ = graph_file
    assert_one_line_error(run(cli, "simulate", path, *args), *needles, code=1)


@pytest.mark.parametrize("args, needles", USAGE, ids=[" ".join(map(str, a)) for a, _ in USAGE])
def test_usage_errors_exit_2(cli, graph_file, args, needles):
    path, _ = graph_file
    assert_one_line_error(run(cli, "simulate", path, *args), *needles, code=2)


def test_one_replicate_reports_no_interval(cli, graph_file):
    path, _ = graph_file
    out = simulate_json(cli, path, "--replicates", 1)
    assert out["ci95"] == [None, None] and out["sd"] is None and out["mean"] > 0
    text = run(cli, "simulate", path, "--replicates", 1, "--quiet").stdout
    assert "95% CI n/a (one replicate)  sd n/a" in text, text


def test_simulate_with_a_missing_graph_file(cli, tmp_path):
    path = tmp_path / "nope.edges"
    assert_one_line_error(run(cli, "simulate", path, "--model", "ic"), str(path), "cannot open")


def test_sigint_stops_a_simulation_with_exit_130(cli, tmp_path):
    # Endemic SIS on 200 000 nodes for up to a million steps: hours of work, stopped after 1 s
    # (reading the snapshot takes ~0.1 s, so the run is under way by then).
    path = tmp_path / "big.gx"
    gx.generators.erdos_renyi(200000, 10 / 200000, seed=1).save(path)
    args = ["simulate", path, "--model", "sis", "--beta", 0.2, "--gamma", 0.1, "--max-steps", 1000000]
    args += ["--seeds", "random:20", "--replicates", 8, "--seed", 1, "--quiet"]
    out, err, code = interrupt([cli, *args])
    assert code == 130, (code, err)
    assert "guanxi: interrupted" in err and out == "", (out, err)


ONE_SIDED = os.path.join(EXAMPLES, "02_one_sided_referral.toml")


def sweep_file(folder, body: str, base: str = ONE_SIDED):
    """A sweep file in ``folder``; a base scenario elsewhere is copied beside it (the files a
    study names stay in its folder unless --allow-outside-paths)."""
    if os.path.isabs(base) and os.path.exists(base) and os.path.dirname(base) != str(folder):
        shutil.copy(base, folder)
        base = os.path.basename(base)
    path = folder / "sweep.toml"
    path.write_text(f"base = {json.dumps(base)}\n" + textwrap.dedent(body))
    return path


def test_sweep_prints_the_designs_and_stores_them(cli, small_graph_path, tmp_path):
    path = sweep_file(tmp_path, """
        name = "reward"
        replicates = 6
        [sweep]
        "policy.referral_reward" = [0, 10, 20]
        seeding.k = [5, 10]
        """)
    store = tmp_path / "runs.db"
    first = run(cli, "sweep", path, "--graph", small_graph_path, "--store", store, "--block", 4, "--json")
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    assert document["name"] == "reward" and document["replicates"] == 6 and document["complete"]
    assert document["keys"] == ["policy.referral_reward", "seeding.k"]
    assert document["computed_blocks"] == 6 * 2 and document["reused_blocks"] == 0
    base = gx.Campaign.from_toml(ONE_SIDED, graph=gx.Graph.load(small_graph_path))
    expected = gx.sweep(base, {"policy.referral_reward": [0, 10, 20], "seeding.k": [5, 10]}, replicates=6,
                        seed=0, progress=False).summary("profit")
    assert [d["mean"] for d in document["designs"]] == list(expected["mean"])
    assert [d["values"] for d in document["designs"]][3] == {"policy.referral_reward": 10, "seeding.k": 10}
    best = int(expected["mean"].to_numpy().argmax())
    assert document["best"]["design"] == best and document["best"]["label"] == expected["label"][best]
    again = run(cli, "sweep", path, "--graph", small_graph_path, "--store", store, "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["computed_blocks"] == 0 and second["designs"] == document["designs"]
    text = run(cli, "sweep", path, "--graph", small_graph_path, "--store", store)
    assert text.returncode == 0, text.stderr
    assert 'sweep "reward": 6 designs x 6 replicates' in text.stdout and "0 blocks computed" in text.stdout
    assert "referral_reward=10, k=5" in text.stdout and "* highest mean: design" in text.stdout
    # The store commands read the same sweep.
    listing = run(cli, "store", "ls", store)
    assert listing.returncode == 0 and "reward" in listing.stdout and "6/6" in listing.stdout, listing
    assert " 36 " in listing.stdout  # 6 designs x 6 replicates stored
    shown = run(cli, "store", "show", store, "reward", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["designs"] == document["designs"]
    as_text = run(cli, "store", "show", store, "reward")
    assert "as stored, nothing run" in as_text.stdout and "blocks computed" not in as_text.stdout, as_text.stdout
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
    assert len([line for line in err.splitlines() if "interrupted" in line]) == 1, err  # said once, on one line
    loaded = gx.Sweep.load(store, "long")
    assert not loaded.complete and loaded.replicates == 5000
    done = loaded.replicates_done
    assert done.max() - done.min() <= 2  # interleaved: the designs stopped within a block of each other
    listing = run(cli, "store", "ls", store)
    shown = f"{done.min():,}" + ("" if done.min() == done.max() else f"-{done.max():,}") + "/5,000"
    assert listing.returncode == 0 and shown in listing.stdout and f" {done.sum():,} " in listing.stdout, listing.stdout


@pytest.mark.parametrize("body, needles", [
    ('[sweep]\n"policy.referral_rewrd" = [1, 2]\n', ["sweep.toml:3:", "sweep.policy.referral_rewrd", "did you mean"]),
    ('[sweep]\n"policy.referral_reward" = [1, -2]\n', ["sweep.toml:3:", "sweep.policy.referral_reward", ">= 0"]),
    ('[sweep]\n"policy.referral_reward" = 5\n', ["sweep.toml:3:", "non-empty list"]),
    ('replicate = 4\n[sweep]\n"policy.referral_reward" = [1]\n', ["sweep.toml:2:", "replicate", "did you mean"]),
    ('replicates = 0\n[sweep]\n"policy.referral_reward" = [1]\n', ["sweep.toml:2:", "replicates", "integer"]),
    ('[sweep]\n', ["[sweep]", "missing or empty"]),
    ('[sweep\n', ["not valid TOML", "line 2"]),
])
def test_bad_sweep_files_name_the_line(cli, small_graph_path, tmp_path, body, needles):
    path = sweep_file(tmp_path, body)
    assert_one_line_error(run(cli, "sweep", path, "--graph", small_graph_path), *needles)


def test_sweep_and_store_errors(cli, small_graph_path, tmp_path):
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
    assert run(cli, "sweep", good, "--graph", small_graph_path, "--store", store).returncode == 0
    assert_one_line_error(run(cli, "store", "show", store, "nope"), "no sweep 'nope'", "'sweep'")
    assert_one_line_error(run(cli, "store", "show", store), "give the sweep's name", code=2)
    assert_one_line_error(run(cli, "store", "export", store, "sweep"), "-o FOLDER", code=2)
    assert_one_line_error(run(cli, "store", "frob", store), "invalid choice", code=2)
    assert_one_line_error(run(cli, "sweep", good, "--graph", small_graph_path, "--metric", "proft"), "--metric", "proft")
    # The same sweep on another graph: refused, naming both graphs.
    other = tmp_path / "other.gx"
    gx.generators.holme_kim(800, 3, 0.5, seed=3).save(other)
    assert_one_line_error(run(cli, "sweep", good, "--graph", other, "--store", store), "was run on graph",
                          "1,500 nodes", "800 nodes")
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM graphs").fetchone()[0] == 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # tornado, inside distributed
def test_scheduler_runs_the_sweep_on_a_dask_cluster(cli, small_graph_path, tmp_path):
    distributed = pytest.importorskip("distributed")
    path = sweep_file(tmp_path, 'replicates = 6\n[sweep]\n"policy.referral_reward" = [0, 10, 20]\n')
    local = run(cli, "sweep", path, "--graph", small_graph_path, "--json")
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run(cli, "sweep", path, "--graph", small_graph_path, "--json", "--block", 2, "--store", tmp_path / "r.db",
                     "--scheduler", cluster.scheduler_address)
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout)["designs"] == json.loads(local.stdout)["designs"]
    assert json.loads(remote.stdout)["computed_blocks"] == 3 * 3
    unreachable = run(cli, "sweep", path, "--graph", small_graph_path, "--scheduler", "tcp://127.0.0.1:9")
    assert_one_line_error(unreachable, "--scheduler", "cannot reach the Dask scheduler")


def test_select_from_scenarios_and_from_a_study_file(cli, small_graph_path, tmp_path):
    scenarios = [os.path.join(EXAMPLES, name) for name in ("01_no_incentive.toml", "03_two_sided_referral.toml",
                                                           "05_group_buy.toml")]
    result = run(cli, "select", *scenarios, "--graph", small_graph_path, "--delta", 50, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    graph = gx.Graph.load(small_graph_path)
    designs = {gx.Campaign.from_toml(p, graph=graph).name: gx.Campaign.from_toml(p, graph=graph) for p in scenarios}
    expected = gx.select(designs, delta=50, progress=False)
    assert document["best_label"] == expected.best_label and document["message"] == expected.message
    store = tmp_path / "runs.db"
    text = run(cli, "select", os.path.join(STUDIES, "select_designs.toml"), "--graph", small_graph_path, "--delta", 50,
               "--store", store)
    assert text.returncode == 0, text.stderr
    assert "is best, or within δ = 50 of the best in profit, with ≥ 95% confidence" in text.stdout
    assert "select-select-referral" in gx.Store(store).studies().index
    assert_one_line_error(run(cli, "select", scenarios[0], scenarios[1], "--graph", small_graph_path), "--delta",
                          "required")
    assert_one_line_error(run(cli, "select", scenarios[0], "--graph", small_graph_path), "two or more scenario files")


def test_optimize_calibrate_and_report(cli, small_graph_path, tmp_path):
    store = tmp_path / "runs.db"
    result = run(cli, "optimize", os.path.join(STUDIES, "optimize_reward.toml"), "--graph", small_graph_path, "--trials",
                 6, "--replicates", 4, "--store", store, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "optimize" and len(document["trials"]) == 6
    assert 0 <= document["best_params"]["policy.referral_reward"] <= 30
    assert document["best_params"]["policy.group_buy.size"] in (2, 3, 4, 5)
    study = tmp_path / "calibrate.toml"
    shutil.copy(REFERRAL, tmp_path / "referral.toml")  # beside the study: it names files in its own folder
    shutil.copy(os.path.join(STUDIES, "last_campaign.csv"), tmp_path)
    study.write_text(textwrap.dedent("""
        base = "referral.toml"
        observed = "last_campaign.csv"
        particles = 20
        generations = 2
        [params]
        "behaviour.share_prob" = {low = 0.01, high = 0.2}
        """))
    calibrated = run(cli, "calibrate", study, "--graph", small_graph_path, "--store", store, "--quiet")
    assert calibrated.returncode == 0, calibrated.stderr
    assert "behaviour.share_prob" in calibrated.stdout and "90% interval" in calibrated.stdout
    # How much the data said: the interval's width as a share of the prior's, as in the document.
    said = re.search(r"90% interval \[([\d.]+), ([\d.]+)\]: (\d+)% of the prior's width \[0\.01, 0\.2\]",
                     calibrated.stdout)
    assert said, calibrated.stdout
    assert abs(int(said[3]) - 100 * (float(said[2]) - float(said[1])) / 0.19) <= 2  # (3 significant digits shown)
    listing = run(cli, "store", "ls", store)  # the studies are listed with the sweeps they ran
    assert "1 sweep, 2 studies" in listing.stdout or "2 sweeps, 2 studies" in listing.stdout, listing.stdout
    assert re.search(r"optimize-reward\s+optimize\s+optimize-reward", listing.stdout), listing.stdout
    assert re.search(r"calibrate-calibrate\s+calibrate", listing.stdout), listing.stdout
    studies = json.loads(run(cli, "store", "ls", store, "--json").stdout)["studies"]
    assert sorted(s["kind"] for s in studies) == ["calibrate", "optimize"]
    page = tmp_path / "report.html"
    written = run(cli, "report", store, "-o", page)
    assert written.returncode == 0, written.stderr
    text = page.read_text(encoding="utf-8")
    assert "Optimisation: optimize-reward" in text and "Calibration: calibrate-calibrate" in text
    assert "Posterior predictive check" in text and "Convergence (stopped:" in text
    assert "<th class=\"\">width / prior</th>" in text and re.search(r"<td class=\"label\">\[0\.01, 0\.2\]</td>", text)
    # One study, one verdict: the trials are the optimisation's (feasible or not), not a sweep of
    # their own with a winner that may break the constraint.
    assert "Sweep “optimize-reward”" not in text and "Highest mean" not in text
    assert "Every trial (6;" in text and "incentive_spend &lt;= 5,000" in text
    shown = run(cli, "store", "show", store, "optimize-reward")
    assert shown.returncode == 0 and "highest mean" not in shown.stdout, shown.stdout
    assert "these are the runs of the optimisation 'optimize-reward', whose answer is: best profit" in shown.stdout
    assert_one_line_error(run(cli, "report", tmp_path / "absent.db", "-o", page), "no such run store")
    bad = tmp_path / "bad.toml"
    bad.write_text(f'base = {json.dumps(REFERRAL)}\n[space]\n"policy.referral_reward" = [0, 30]\n')
    assert_one_line_error(run(cli, "optimize", bad, "--graph", small_graph_path), "bad.toml:3:",
                          "space.policy.referral_reward", "low = ..., high = ...")
    bad.write_text(f'base = {json.dumps(REFERRAL)}\nobserved = "nowhere.csv"\n[params]\n"behaviour.share_prob" = '
                   '{low = 0.1, high = 0.01}\n')
    assert_one_line_error(run(cli, "calibrate", bad, "--graph", small_graph_path), "bad.toml:4:", "params.behaviour.share_prob")


def test_a_sweep_file_with_uncertain_parameters(cli, small_graph_path, tmp_path):
    result = run(cli, "sweep", os.path.join(STUDIES, "robustness.toml"), "--graph", small_graph_path, "--replicates", 20,
                 "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["robustness"]["uncertain"] == [["behaviour.conv_strong", ["uniform", 0.04, 0.16]]]
    assert sum(d["p_best"] for d in document["robustness"]["designs"]) == pytest.approx(1.0)
    bad = sweep_file(tmp_path, '[sweep]\n"policy.referral_reward" = [0, 5]\n[uncertain]\n'
                               '"behaviour.conv_strong" = ["uniform", 0.2, 0.1]\n')
    assert_one_line_error(run(cli, "sweep", bad, "--graph", small_graph_path), "sweep.toml:5:",
                          "uncertain.behaviour.conv_strong", "low < high")
