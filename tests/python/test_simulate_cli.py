# `guanxi simulate` (GUANXI_CLI) as a subprocess: the JSON report, reproducibility across runs and
# thread counts, agreement with gx.simulate for every model, one-line errors, and Ctrl-C (exit 130).
import json
import math

import pytest
from scipy import stats

import guanxi as gx
from helpers import assert_one_line_error, interrupt, run

VARYING = ("seconds", "ms_per_replicate")  # wall time: the only fields allowed to differ


def simulate_json(cli, *args):
    result = run(cli, "simulate", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def without_time(report):
    return {k: v for k, v in report.items() if k not in VARYING}


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    """A 1000-node Holme–Kim graph as a snapshot, and the same graph loaded in Python."""
    path = tmp_path_factory.mktemp("simulate") / "hk.gx"
    gx.generators.holme_kim(1000, 3, 0.5, seed=2).save(path)
    return path, gx.Graph.load(path)


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


def test_missing_file(cli, tmp_path):
    path = tmp_path / "nope.edges"
    assert_one_line_error(run(cli, "simulate", path, "--model", "ic"), str(path), "cannot open")


def test_sigint_stops_the_run_with_exit_130(cli, tmp_path):
    # Endemic SIS on 200 000 nodes for up to a million steps: hours of work, stopped after 1 s
    # (reading the snapshot takes ~0.1 s, so the run is under way by then).
    path = tmp_path / "big.gx"
    gx.generators.erdos_renyi(200000, 10 / 200000, seed=1).save(path)
    args = ["simulate", path, "--model", "sis", "--beta", 0.2, "--gamma", 0.1, "--max-steps", 1000000]
    args += ["--seeds", "random:20", "--replicates", 8, "--seed", 1, "--quiet"]
    out, err, code = interrupt([cli, *args])
    assert code == 130, (code, err)
    assert "guanxi: interrupted" in err and out == "", (out, err)
