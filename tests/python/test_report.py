# guanxi.report: the documents and text tables the command line prints and notebooks share (a graph,
# a simulation, a run, a comparison), the files of a run, numbers in C++ std::to_chars form, and
# messages placed in scenario files.
import csv
import json
import math
import os

import numpy as np
import pytest

import guanxi as gx
from helpers import EXAMPLES


# Texts of libstdc++'s std::to_chars (shortest round trip, fixed or scientific, whichever is shorter),
# which the C++ command line wrote into timeseries.csv.
@pytest.mark.parametrize("value, text", [
    (0.0, "0"), (-0.0, "-0"), (1.0, "1"), (-2.5, "-2.5"), (0.1, "0.1"), (100.0, "100"), (1000.0, "1000"),
    (10000.0, "10000"), (1e5, "1e+05"), (1e6, "1e+06"), (123456.7, "123456.7"), (0.001, "0.001"),
    (0.0001, "1e-04"), (2.5e-3, "0.0025"), (1e-5, "1e-05"), (1e16, "1e+16"), (1e23, "1e+23"),
    (2.0**60, "1152921504606846976"), (1.2345678901234568e+20, "123456789012345683968"),
    (5e-324, "5e-324"), (float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf"),
])
def test_number_text_is_that_of_to_chars(value, text):
    assert gx.report.number_text(value) == text
    if math.isfinite(value):
        assert float(text) == value


def test_to_json_has_no_nan():
    text = gx.report.to_json({"a": float("nan"), "b": [1.5, float("inf")], "c": np.int64(3), "d": "ü"})
    assert json.loads(text) == {"a": None, "b": [1.5, None], "c": 3, "d": "ü"} and "ü" in text


def test_graph_document_and_text():
    g = gx.Graph.from_edges([10, 20, 30, 30, 50], [20, 30, 10, 40, 60], relabel=True)
    d = gx.report.graph_document(g, "tiny", 0.5)
    assert (d["file"], d["nodes"], d["ties"]) == ("tiny", 6, 5)
    assert (d["components"]["count"], d["components"]["largest"]) == (2, 4)
    assert d["transitivity"] == pytest.approx(3 / 5) and d["read_seconds"] == 0.5
    assert d["spectral_radius"] == pytest.approx(gx.analytics.spectral_radius(g), rel=1e-8)
    text = gx.report.graph_text(d).splitlines()
    assert text[0] == "tiny" and text[3].split()[:3] == ["degree", "min", "1"]


def test_simulation_document_is_the_result():
    g = gx.generators.holme_kim(500, 3, 0.5, seed=1)
    r = gx.simulate(g, "ic", seeds="top-degree:3", p=0.05, replicates=50, seed=2, progress=False)
    d = gx.report.simulation_document(r, g, "ic", 2)
    assert d["mean"] == r.mean() and d["ci95"] == list(r.ci()) and d["sd"] == pytest.approx(r.sizes.std(ddof=1))
    one = gx.simulate(g, "ic", replicates=1, progress=False)
    assert math.isnan(gx.report.simulation_document(one, g, "ic", 0)["sd"])
    assert "95% CI n/a (one replicate)" in gx.report.simulation_text(gx.report.simulation_document(one, g, "ic", 0), g)


@pytest.fixture(scope="module")
def referral_run():
    g = gx.generators.holme_kim(800, 3, 0.5, seed=3)
    return gx.Campaign.from_toml(os.path.join(EXAMPLES, "03_two_sided_referral.toml"), graph=g).run(
        replicates=3, progress=False)


def test_write_run_files(referral_run, tmp_path):
    result = referral_run
    gx.report.write_run(result, tmp_path / "out")
    with open(tmp_path / "out" / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["replicate", "step", "metric", "value"] and len(rows) == 1 + result.values.size
    values = np.array([float(row[3]) for row in rows[1:]])
    both_nan = np.isnan(values) & np.isnan(result.values.reshape(-1))
    assert np.all(both_nan | (values == result.values.reshape(-1)))  # shortest texts read back exactly
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    table = result.summary()
    assert summary["metrics"]["customers"]["mean"] == table.loc["customers", "mean"]
    assert summary["name"] == "two-sided referral" and summary["steps"] == result.steps
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="not a folder"):
        gx.report.write_run(result, tmp_path / "file")


def test_run_text_groups(referral_run):
    text = gx.report.run_text(gx.report.run_document(referral_run))
    assert "customers by channel (cumulative)" in text and "new_customers_" not in text


def test_comparison_document_is_the_table():
    g = gx.generators.holme_kim(800, 3, 0.5, seed=3)
    base = gx.Campaign(g, run={"steps": 5})
    table = gx.compare({"none": base, "referral": base.replace(policy={"referral_reward": 10})}, replicates=4,
                       progress=False)
    d = gx.report.comparison_document(table)
    assert (d["baseline"], d["replicates"], d["seed"]) == ("none", 4, 0)
    assert d["designs"]["referral"]["profit"]["difference"] == table.loc[("referral", "profit"), "difference"]
    assert 'paired differences against "none"' in gx.report.comparison_text(table, 5)


def test_scenario_message_names_file_and_line(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[product]\nprice = 10\n[run]\nsteps = 5\n")
    assert gx.report.scenario_message(path, "run.steps", "what") == f"{path}:4: run.steps: what"
