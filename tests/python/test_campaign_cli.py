# `guanxi run` and `guanxi compare` (GUANXI_CLI) as subprocesses: timeseries.csv and summary.json, agreement
# with gx.Campaign and gx.compare, reproducibility, one-line errors naming file/line/key, and Ctrl-C (exit 130).
import csv
import json
import math
import os
import textwrap

import numpy as np
import pytest

stats = pytest.importorskip("scipy.stats")

import guanxi as gx
from helpers import assert_one_line_error, interrupt, run

EXAMPLES = os.path.join(os.environ.get("GUANXI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")
BASELINE = os.path.join(EXAMPLES, "01_no_incentive.toml")
REFERRAL = os.path.join(EXAMPLES, "03_two_sided_referral.toml")
GROUP_BUY = os.path.join(EXAMPLES, "05_group_buy.toml")


def run_json(cli, *args):
    result = run(cli, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def without_time(report):
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
    assert without_time(printed) == without_time(summary)
    one = run_json(cli, "--threads", 1, "run", REFERRAL, "--graph", path, "--replicates", 5)
    two = run_json(cli, "--threads", 2, "run", REFERRAL, "--graph", path, "--replicates", 5)
    assert without_time(one) == without_time(printed) == without_time(two)
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


def test_sigint_stops_the_run_with_exit_130(cli, tmp_path):
    # 100 000 people, 5000 lively replicates of 60 steps: many minutes of work, stopped after 1 s.
    path = tmp_path / "big.gx"
    gx.generators.holme_kim(100000, 4, 0.5, seed=1).save(path)
    scenario = tmp_path / "lively.toml"
    scenario.write_text("[behaviour]\nshare_prob = 0.3\nconv_weak = 0.05\nconv_strong = 0.3\n")
    args = ["run", scenario, "--graph", path, "--replicates", 5000, "--quiet"]
    out, err, code = interrupt([cli, *args])
    assert code == 130, (code, err)
    assert "guanxi: interrupted" in err and out == "", (out, err)


# -- errors name their place; legal mistakes warn ------------------------------------------------------


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


# -- tables people can read ------------------------------------------------------------------------------


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
