# The audit of what guanxi says (issue "Answers a strategist can act on", item 8): properties
# every answer must have, checked over several designs and seeds rather than one example. A
# winner meets the study's constraints; every design run is drawn exactly once; the numbers in
# a generated sentence are the numbers of its table; a design whose section is off says "off";
# the two ROIs divide by their own spend.
import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import guanxi as gx
from guanxi import report

SEEDS = (1, 7, 23)


def _numbers(text: str) -> list:
    """The numbers written in a sentence, as floats (thousands separators and signs read)."""
    return [float(n.replace(",", "")) for n in re.findall(r"[-+]?\d[\d,]*(?:\.\d+)?", text)]


def _grid_with_sections_off():
    grid = [{"policy.referral_reward": r} for r in (0, 10)]
    return grid + [{"policy.referral_reward": r, "policy.group_buy.size": s} for r in (0, 10) for s in (2, 4)]


@pytest.fixture(scope="module")
def sweeps(sweep_base):
    return [gx.sweep(sweep_base, _grid_with_sections_off(), replicates=6, seed=seed, progress=False, name=f"s{seed}")
            for seed in SEEDS]


def test_every_design_run_is_drawn_exactly_once(sweeps):
    for swept in sweeps:
        means = sorted(swept.summary("profit")["mean"].tolist())
        ax = swept.plot("profit")  # two keys: the heat map
        drawn = np.asarray(ax.images[0].get_array())
        assert sorted(drawn[np.isfinite(drawn)].tolist()) == means
        plt.close("all")
        for key in swept.keys:
            ax = swept.plot("profit", x=key)
            assert sorted(y for line in ax.get_lines() for y in line.get_ydata()) == means, key
            plt.close("all")
        table = swept.compare(reference="best", metrics=["profit"])
        axes = gx.plot_comparison(table.rename(index=str, level="design"), "profit")
        ticks = [t.get_text() for t in axes[0].get_yticklabels()]
        others = [str(n) for n in range(len(swept.designs)) if n != swept.best("profit")]
        assert sorted(ticks) == sorted(others)  # every design but the reference, once
        plt.close("all")


def test_a_sweep_with_a_section_off_reports_it_as_off_everywhere(sweeps, tmp_path):
    for swept in sweeps:
        off = swept.designs["policy.group_buy.size"].isna()
        assert off.tolist() == [True, True, False, False, False, False]
        assert swept.summary("profit")["policy.group_buy.size"].isna().tolist() == off.tolist()
        assert swept.results(["profit"]).groupby("design")["policy.group_buy.size"].first().isna().tolist() == \
            off.tolist()
        document = report.sweep_document(swept, "profit")
        assert [d["values"]["policy.group_buy.size"] is None for d in document["designs"]] == off.tolist()
        json.loads(report.to_json(document))  # NaN is written as null, not as invalid JSON
        ax = swept.plot("profit", x="policy.referral_reward")
        assert "group_buy off" in [t.get_text() for t in ax.get_legend().get_texts()]
        plt.close("all")


def test_the_verdict_sentence_carries_the_numbers_of_its_table(sweeps):
    for swept in sweeps:
        document = report.sweep_document(swept, "profit")
        lead = swept.lead("profit")
        summary = swept.summary("profit")
        verdict = next(line for line in report.sweep_text(document).splitlines() if line.startswith("* highest mean"))
        assert verdict.startswith(f"* highest mean: design {lead['best']} ({summary['label'][lead['best']]}), "
                                  f"ahead of design {lead['runner_up']} by ")
        assert lead["best"] == int(summary["mean"].idxmax())  # the winner is the highest mean of the table
        margin, low, high = _numbers(verdict.split(" by ", 1)[1])[:3]
        for said, computed in ((margin, lead["margin"]), (low, lead["low"]), (high, lead["high"])):
            assert said == pytest.approx(computed, abs=0.5), verdict  # printed to whole currency units


@pytest.fixture(scope="module")
def optimised(sweep_base):
    return [gx.optimize(sweep_base, {"policy.referral_reward": (0, 30), "seeding.k": [2, 5, 10]}, trials=8,
                        replicates=4, reevaluate=3, reevaluate_replicates=8, seed=seed, progress=False,
                        constraints={"incentive_spend": ("<=", limit)})
            for seed, limit in zip(SEEDS, (50.0, 200.0, 1e9))]


def test_an_optimisation_names_only_a_design_that_meets_its_constraints(optimised):
    assert any((~r.trials["feasible"]).any() for r in optimised)  # some trials do break the constraint
    for result in optimised:
        final = result.finalists
        best = final[(final[list(result.best_params)] == pd.Series(result.best_params)).all(axis=1)].iloc[0]
        feasible = final[final["feasible"]]
        if len(feasible):  # a feasible finalist exists: the best is one, and the best of them
            assert bool(best["feasible"]) and best["fresh"] == feasible["fresh"].max(), result.message
        else:
            assert "WARNING: no finalist met the constraints" in result.message
        # The sentence's number is the finalists table's, as people read it, never in e-notation.
        said = _numbers(result.message.split(" on ", 1)[0])[-1]
        assert said == pytest.approx(float(best["fresh"]), rel=5e-3, abs=0.5)
        assert not re.search(r"\de[+-]\d", result.message), result.message


def test_a_report_shows_one_verdict_per_study(optimised, sweep_base, tmp_path):
    store = tmp_path / "runs.db"
    gx.optimize(sweep_base, {"policy.referral_reward": (0, 30)}, trials=6, replicates=4, reevaluate=2,
                reevaluate_replicates=6, seed=3, progress=False, constraints={"incentive_spend": ("<=", 200.0)},
                store=store, name="opt")
    gx.sweep(sweep_base, {"policy.referral_reward": [0, 10]}, replicates=4, seed=3, progress=False, store=store,
             name="plain")
    page = tmp_path / "r.html"
    gx.report(store, page)
    text = page.read_text(encoding="utf-8")
    assert text.count("Highest mean") == 1  # the plain sweep's; the optimisation's trials name no winner
    assert "Sweep “plain”" in text and "Sweep “opt”" not in text and "Optimisation: opt" in text


def test_the_two_rois_divide_by_their_own_spend_for_every_design(busy):
    designs = [busy.replace(name="quiet", acquisition={"ad_spend": 0}, policy={"referral_reward": 0}), busy,
               busy.replace(name="more ads", acquisition={"ad_spend": 12})]
    for seed in SEEDS:
        results = {}
        table = gx.compare(designs, replicates=5, seed=seed, progress=False, results=results,
                           metrics=["profit", "incentive_roi", "marketing_roi"])
        for name in ("busy", "more ads"):
            def change(metric):
                return (results[name].metric(metric)[:, -1] - results["quiet"].metric(metric)[:, -1]).mean()

            for row, spend in (("incremental_roi", "incentive_spend"),
                               ("incremental_marketing_roi", "marketing_spend")):
                assert table.loc[(name, row), "difference"] == pytest.approx(change("profit") / change(spend),
                                                                             rel=1e-12)
        text = report.comparison_text(table, busy.spec["run"]["steps"])
        assert "incentive ROI" in text and "marketing ROI" in text and "incremental_roi" not in text


def test_metric_names_are_checked_with_the_closest_name_everywhere(sweeps, busy):
    swept = sweeps[0]
    result = busy.run(replicates=2, progress=False)
    for call in (lambda: swept.summary("proft"), lambda: swept.best("proft"), lambda: result.metric("proft"),
                 lambda: gx.compare([busy, busy.replace(name="b2", policy={"referral_reward": 1})], replicates=2,
                                    progress=False, metrics=["proft"])):
        with pytest.raises(ValueError, match="did you mean 'profit'"):
            call()


def test_days_count_from_1_in_text_and_plots(busy_run):
    # One convention (docs/campaign.md, "Days"): step t is day t + 1, the horizon is day `steps`.
    steps = busy_run.steps
    assert f"means at day {steps} (the horizon)" in report.run_text(report.run_document(busy_run))
    axes = busy_run.plot("customers")
    x = axes[0].get_lines()[0].get_xdata()
    assert x[0] == 1 and x[-1] == steps
    plt.close("all")
    ax = busy_run.plot_cohorts(by="step", cohorts=3)
    for text in ax.get_legend().get_texts():
        assert re.match(r"day [1-9]\d* \(", text.get_text()), text.get_text()  # no "day 0"
    plt.close("all")


def test_values_that_read_alike_are_still_drawn_as_two_designs(sweep_base):
    # 8.8287 and 8.8291 both read "8.83" in labels; the plots place them by their exact values.
    grid = {"policy.referral_reward": [8.8287, 8.8291], "seeding.k": [5, 10]}
    swept = gx.sweep(sweep_base, grid, replicates=3, seed=1, progress=False)
    labels = list(swept.designs["label"])
    assert len(set(labels)) == 4 and "referral_reward=8.83, k=5" in labels  # told apart with #n
    means = sorted(swept.summary("profit")["mean"].tolist())
    ax = swept.plot("profit")
    drawn = np.asarray(ax.images[0].get_array())
    assert drawn.shape == (2, 2) and sorted(drawn.ravel().tolist()) == means
    plt.close("all")
    ax = swept.plot("profit", x="seeding.k")
    assert len(ax.get_lines()) == 2 and sorted(y for line in ax.get_lines() for y in line.get_ydata()) == means
    plt.close("all")


@pytest.mark.parametrize("metric", ["profit", "conversion_rate"])
def test_the_report_writes_numbers_as_the_text_tables_do(sweeps, metric, tmp_path):
    """One formatting module (item 5): in the HTML report a share reads as a percentage, money
    with thousands separators, nothing in scientific notation; the verdict's margin is the
    paired lead of the table's winner, written as the command line writes it."""
    from guanxi._format import metric_interval, metric_text

    swept = sweeps[0]
    page = gx.report(swept, metric=metric)
    body = page.split("</style>", 1)[1]
    visible = re.sub(r"<[^>]+>|data:image/png;base64,[A-Za-z0-9+/=]+", " ", body)
    assert not re.search(r"\d\.?\d*e[+-]\d\d", visible), "scientific notation in the report"
    cells = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", body)
    means = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in cells[: len(swept)]]
    unit = "share" if metric == "conversion_rate" else "currency"
    summary = swept.summary(metric, 0.95)
    scale = max(abs(v) for v in summary["mean"] if np.isfinite(v))
    for design, row in zip(summary.index, means):
        assert metric_text(float(summary["mean"][design]), unit, scale) in row, row
        if unit == "share":
            assert any(cell.endswith("%") for cell in row), row
    lead = swept.lead(metric, 0.95)
    if lead is not None:
        sentence = re.search(r"ahead of the runner-up, design \d+ \(.*?\), by (.*?) \(95% CI", body)[1]
        lead_scale = max(abs(lead[k]) for k in ("margin", "low", "high"))
        assert sentence == (f"{metric_text(lead['margin'], unit, lead_scale, True)} "
                            f"{metric_interval(lead['low'], lead['high'], unit, lead_scale, True)}")
