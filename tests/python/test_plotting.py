# guanxi.plotting: the pictures a meeting sees, checked as drawn objects: metric panels with units,
# bands and titles, overlays naming every design, forest plots of comparisons, sweeps (lines and heat
# maps), cohort retention and lifetime value against acquisition cost.
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import guanxi as gx


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


def test_plot_one_metric_with_units_band_and_title(compared):
    _, results = compared
    axes = results["team"].plot("profit")
    try:
        assert len(axes) == 1
        ax = axes[0]
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Profit", "day", "currency units")
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["team"]  # the band is explained by the figure's title, not a legend entry
        mean, low, high = results["team"].mean_curve("profit")
        band = ax.collections[0].get_paths()[0].vertices[:, 1]
        assert np.isclose(band.min(), np.nanmin(low)) and np.isclose(band.max(), np.nanmax(high))
        assert ax.figure._suptitle.get_text() == "team (mean of 12 replicates with 95% bands)"
        assert ax.figure.get_layout_engine() is not None  # constrained: saved files keep their labels
    finally:
        plt.close("all")


def test_plot_overlays_name_every_design(compared, tmp_path):
    _, results = compared
    axes = results["none"].plot(("customers", "strong_tie_fraction"))
    results["referral"].plot(("customers", "strong_tie_fraction"), axes=axes)
    try:
        for ax in axes:
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert labels == ["none", "referral"]  # one entry per design
            assert len(ax.collections) == 2
        assert axes[1].get_ylabel() == "share"
        assert axes[0].figure._suptitle.get_text().startswith("none vs referral (")
        # Saved, every label stays inside the picture (constrained layout).
        figure = axes[0].figure
        figure.savefig(tmp_path / "overlay.png")
        renderer = figure.canvas.get_renderer()
        for text in (axes[0].xaxis.label, axes[1].xaxis.label, axes[0].yaxis.label, figure._suptitle):
            box = text.get_window_extent(renderer)
            assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= figure.bbox.width and box.y1 <= figure.bbox.height
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="metric: unknown 'profits'"):
        results["none"].plot("profits")


def test_forest_plot_of_a_comparison(compared):
    table, _ = compared
    axes = gx.plot_comparison(table, ["profit", "customers"])
    # Sorted by effect: the largest profit difference at the top, in every panel.
    order = list(table.xs("profit", level="metric")["difference"].sort_values(ascending=False).index)
    try:
        for ax, metric in zip(axes, ["profit", "customers"]):
            rows = table.xs(metric, level="metric").reindex(order)
            points = ax.lines[0].get_data()
            assert list(points[0]) == pytest.approx(list(rows["difference"]))
            ticks = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
            assert set(ticks) == {"referral", "team"}
            assert sorted(ticks, key=ticks.get, reverse=True) == order  # top to bottom
            # Each design's whisker spans its confidence interval.
            segments = ax.collections[0].get_segments()
            for design, segment in zip(rows.index, segments):
                assert segment[:, 0] == pytest.approx([rows.loc[design, "ci_low"], rows.loc[design, "ci_high"]])
                assert segment[0, 1] == ticks[design]
        figure = axes[0].figure
        assert [ax.get_title() for ax in axes] == ["Profit", "Customers"]
        assert figure._suptitle.get_text() == "Paired differences against “none” (12 replicates, common random numbers)"
        legend = [t.get_text() for t in figure.legends[0].get_texts()]
        assert legend == ["no difference from “none”", "mean paired difference, 95% CI"]
        assert axes[0].get_xlabel() == "difference in currency units"
    finally:
        plt.close("all")
    # Into given axes: each panel names the baseline and has its legend.
    figure, ax = plt.subplots()
    try:
        gx.plot_comparison(table, "incremental_roi", axes=ax, baseline="the control")
        assert ax.get_title() == "Incentive ROI (Δprofit / Δincentive spend) against “the control”"
        assert ax.get_xlabel() == "Δ profit / Δ incentive spend"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no profit gained per unit spent",
                                                                        "ratio of mean differences, 95% CI"]
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="'reach' is not in the comparison"):
        gx.plot_comparison(table, "reach")


def test_lifecycle_plots(busy_run):
    import matplotlib

    matplotlib.use("Agg")
    ax = busy_run.plot_cohorts(by=7)
    assert ax.get_xlabel().startswith("age") and len(ax.get_lines()) >= 1
    ax = busy_run.plot_lifetime_value()
    assert "ad" in " ".join(t.get_text() for t in ax.get_xticklabels())
    axes = busy_run.plot(["groups", "group_activity"])
    assert len(axes) == 2
    with pytest.raises(ValueError, match="cohorts"):
        busy_run.plot_cohorts(cohorts=0)


def test_plots(swept):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = swept.plot("profit", x="policy.referral_reward")
    assert ax.get_xlabel() == "policy.referral_reward" and len(ax.lines) == 2  # one per team size
    assert "currency" in ax.get_ylabel()
    heat = swept.plot("customers")
    assert len(heat.images) == 1 and heat.get_ylabel() == "policy.group_buy.size"
    with pytest.raises(ValueError, match="not a swept key"):
        swept.plot("profit", x="policy.budget")
    plt.close("all")


def test_twenty_designs_get_twenty_colours_and_the_baseline_is_black_and_first(compared):
    _, results = compared
    figure, ax = plt.subplots()
    try:
        for i in range(20):
            results["referral"].plot("profit", ax=ax, label=f"design {i}")
        results["none"].plot("profit", ax=ax, label="baseline", baseline=True)  # drawn last, named first
        colours = [matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines()]
        assert len(set(colours[:20])) == 20 and colours[20] == "#000000" and "#000000" not in colours[:20]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[0] == "baseline" and labels[1:] == [f"design {i}" for i in range(20)]
        for band, line in zip(ax.collections, ax.get_lines()):  # each band in its line's colour
            assert matplotlib.colors.to_hex(band.get_facecolor()[0]) == matplotlib.colors.to_hex(line.get_color())
    finally:
        plt.close("all")
