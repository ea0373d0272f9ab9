# guanxi.html_report: the self-contained HTML report of a run store or of results in memory (one page,
# figures inline, rendered by headless Chromium when it is installed), and a run's lifecycle in it.
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import guanxi as gx


def test_the_html_report_shows_a_runs_lifecycle(busy_run, tmp_path):
    page = gx.report(busy_run, tmp_path / "run.html")
    assert "Campaign: busy" in page and "pays back on day" in page and "lifetime value" in page
    assert page.count("data:image/png;base64,") == 2  # over days; cohorts beside lifetime value
    assert (tmp_path / "run.html").read_text() == page


@pytest.fixture(scope="module")
def report_store(decision_base, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "runs.db"
    gx.sweep(decision_base, {"policy.referral_reward": [0, 10, 20], "policy.group_buy.size": [2, 3]}, replicates=10,
             store=path, name="grid", progress=False)
    gx.sweep(decision_base, {"policy.referral_reward": [0, 30]}, replicates=40, uncertain={"product.unit_cost": ("uniform", 20, 99)},
             store=path, name="robust", progress=False)
    gx.select({"a": decision_base, "b": decision_base.replace(product={"unit_cost": 50})}, delta=20, store=path, progress=False,
              name="ab")
    return path


def test_the_report_is_one_self_contained_page(report_store, tmp_path):
    out = tmp_path / "report.html"
    page = gx.report(report_store, out)
    assert out.read_text(encoding="utf-8") == page
    assert page.startswith("<!DOCTYPE html>") and page.count("<img") >= 5
    assert "http://" not in page and "https://" not in page and "<script" not in page  # nothing remote
    for needle in ("Sweep “grid”", "Sweep “robust”", "Highest mean profit", "Robustness to the uncertain parameters",
                   "Selection: select-ab", "b is best, or within δ = 20"):
        assert needle in page, needle
    with pytest.raises(ValueError, match="metric"):
        gx.report(report_store, metric="proft")
    with pytest.raises(OSError, match="no such run store"):
        gx.report(tmp_path / "missing.db")
    assert gx.report.to_json({"x": 1}).strip().startswith("{")  # the module's functions stay reachable


def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_the_report_renders_in_a_real_browser(report_store, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium (Debian: chromium; scripts/deps.sh installs it)")
    page = tmp_path / "report.html"
    gx.report(report_store, page)
    shot = tmp_path / "shot.png"
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--window-size=1200,1800", f"--screenshot={shot}", page.as_uri()],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, HOME=str(home)))
    assert shot.exists(), result.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[:, :, :3]
    # Not blank: a white page has one colour. Text, tables and plots make many, and cover a good
    # share of the window.
    coloured = (pixels.max(axis=2) - pixels.min(axis=2) > 0.1) | (pixels.mean(axis=2) < 0.6)
    assert coloured.mean() > 0.02, coloured.mean()
    assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 200


def test_the_report_of_results_in_memory(decision_base, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    s = gx.sweep(decision_base, {"policy.referral_reward": [0, 10]}, replicates=6, progress=False, name="mem")
    chosen = gx.select({"a": decision_base, "b": decision_base.replace(product={"unit_cost": 50})}, delta=20, progress=False)
    sa = gx.sensitivity(decision_base, {"product.unit_cost": (20, 60), "behaviour.share_prob": (0.05, 0.3)}, metric="customers",
                        n=8, replicates=4, progress=False)
    page = gx.report([s, chosen, sa], tmp_path / "r.html")
    assert "Sweep “mem”" in page and "Selection" in page and "Sensitivity" in page and page.count("<img") >= 3
    with pytest.raises(ValueError, match="cannot report a int"):
        gx.report([42])


def test_the_report_fits_1280_pixels_without_scrolling_sideways(report_store, decision_base, tmp_path):
    # The widest sections: a sweep's table and an optimisation's trials over three keys.
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium (Debian: chromium; scripts/deps.sh installs it)")
    store = tmp_path / "wide.db"
    shutil.copy(report_store, store)
    gx.optimize(decision_base, {"policy.referral_reward": (0, 30), "policy.group_buy.size": [2, 3, 4, 5],
                                "policy.group_buy.discount": (0.0, 0.3)}, trials=8, replicates=3, reevaluate=2,
                reevaluate_replicates=4, constraints={"incentive_spend": ("<=", 5000)}, store=store, progress=False,
                name="wide-optimisation")
    # Designs that differ in five keys, with long names and an uncertain parameter (robustness):
    # the sweep table names keys by their last part and writes shares as percentages.
    contenders = [
        decision_base.replace(name="reward 3.5, team 4 at 12% off, for the launch week only",
                              policy={"referral_reward": 3.55, "group_buy": {"enabled": True, "size": 4,
                                                                             "discount": 0.124}}),
        decision_base.replace(name="two-sided referral", policy={"referral_reward": 10, "referee_discount": 0.1,
                                                                  "group_buy": {"enabled": False}}),
        decision_base.replace(name="group buy of 3", policy={"referral_reward": 0, "group_buy": {"enabled": True,
                                                                                                  "size": 3}})]
    gx.sweep(decision_base, contenders, replicates=3, seed=0, store=store, name="wide-designs", progress=False,
             uncertain={"behaviour.conv_strong": ("uniform", 0.04, 0.16)})
    page = gx.report(store, tmp_path / "wide.html")
    assert "Sweep “wide-designs”" in page and "<th class=\"\">referee_discount</th>" in page
    assert "<td class=\"\">12.4%</td>" in page and "<td class=\"\">10%</td>" in page
    # A probe appended to a copy of the page writes the page's width and the window's into it.
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", '<script>document.body.insertAdjacentHTML("beforeend", "<p id=\\"w\\">" + '
                                  'document.documentElement.scrollWidth + " " + document.documentElement.clientWidth + '
                                  '"</p>")</script></body>'), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                             "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, HOME=str(home)))
    found = re.search(r'<p id="w">(\d+) (\d+)</p>', result.stdout)
    assert found, result.stderr[-2000:]
    content, window = map(int, found.groups())
    assert "Every trial (8;" in page and content <= window, (content, window)


def test_cells_of_swept_values_and_constraint_means_read_as_labels_and_metrics():
    # A swept key's value as labels write it; an optimisation's constraint column is a metric.
    from guanxi.html_report import _swept

    assert _swept("policy.group_buy.discount", 0.124) == "12.4%"
    assert _swept("policy.group_buy.size", float("nan")) == "off" and _swept("policy.group_buy.size", None) == "off"
    assert _swept("policy.group_buy.enabled", True) == "on" and _swept("policy.referral_reward", 8.828791336730964) == "8.83"
    assert _swept("incentive_spend (mean)", 9462.0) == "9,462"
    assert _swept("conversion_rate (mean)", 0.025) == "2.5%"


def test_the_report_of_a_layered_run_shows_its_segments(tmp_path):
    # MODEL.md §15: a run with segments shows them side by side, with a table of percentages and money.
    g = gx.generators.holme_kim(2000, 3, 0.5, seed=2)
    campaign = gx.Campaign(g, name="layered", behaviour={"share_prob": 0.1},
                           segments={"list": [{"name": "students", "share": 0.3, "behaviour": {"share_prob": 0.3}}]})
    gx.report(campaign.run(replicates=4, seed=1, progress=False), tmp_path / "layered.html")
    text = (tmp_path / "layered.html").read_text(encoding="utf-8")
    assert "customers and lifetime value by segment" in text
    assert "<td class=\"label\">students</td>" in text and "<td class=\"label\">other</td>" in text
    assert "%" in text.split("customers and lifetime value by segment", 1)[1]
