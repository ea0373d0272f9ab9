"""Plots fit for a meeting: campaign metrics over time with their confidence bands, and paired
comparisons of designs as a forest plot.

Every axis says what it measures: the metric's unit from the engine's metric table (people,
currency units, shares as percentages), the day on the x axis, the replicates behind each band,
and the baseline of a comparison. Figures use matplotlib's constrained layout, so saved files
keep their labels.
"""

from __future__ import annotations

import json
import math
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ._designs import value_text
from ._format import day
from ._engine import metric_registry

__all__ = ["plot_comparison", "plot_sweep", "plot_cohorts", "plot_lifetime_value", "plot_by_segment", "label_day_axes",
           "metric_unit",
           "metric_label", "metric_title", "metric_units", "format_axis", "panels", "text_label"]

# Units of the engine's metric table as axis labels.
_UNIT_LABELS = {
    "people": "people",
    "purchases": "purchases",
    "currency": "currency units",
    "share": "share",
    "ratio": "ratio",
    "reaches": "reaches",
    "strength": "tie strength",
    "ties": "ties",
    "value": "network value",
    "levels": "referral levels",
    "groups": "groups",
    "posts": "posts",
    "impressions": "impressions",
}


def metric_units() -> dict:
    """The engine's metric registry as {name: (unit, per_step, description)}."""
    return {row["name"]: (row["unit"], row["per_step"], row["description"])
            for row in metric_registry()}


def metric_unit(metric: str) -> str:
    """The unit of a campaign metric (``"people"``, ``"currency"``, ``"share"``, ...);
    ``incremental_roi`` and ``incremental_marketing_roi`` (comparison rows) are ratios."""
    return metric_units().get(metric, ("ratio", False, ""))[0]


def text_label(text) -> str:
    """A name or label drawn as it is written: matplotlib reads text between two ``$`` as
    mathematics (and fails on a label such as ``$x^$``), so every ``$`` is escaped. Every label
    that comes from a user (design and sweep names, swept values) goes through here."""
    return str(text).replace("$", r"\$")


def metric_label(metric: str) -> str:
    """Axis label of a metric: its unit, per day for metrics that count one step only."""
    unit, per_step, _ = metric_units().get(metric, ("ratio", False, ""))
    label = _UNIT_LABELS[unit]
    return f"{label} per day" if per_step and unit in ("people", "reaches", "posts") else label


def metric_title(metric: str) -> str:
    """A metric's name as a title: ``"new_customers_referral"`` -> ``"New customers: referral"``."""
    for prefix, title in (("new_customers_", "New customers"), ("customers_", "Customers")):
        if metric.startswith(prefix):
            return f"{title}: {metric[len(prefix):]}"
    special = {"cac": "CAC", "incentive_roi": "Incentive ROI (per run, §4)",
               "incremental_roi": "Incentive ROI (Δprofit / Δincentive spend)",
               "incremental_marketing_roi": "Marketing ROI (Δprofit / Δmarketing spend)",
               "k_factor": "K-factor", "value_metcalfe": "Network value (Metcalfe)",
               "value_odlyzko": "Network value (Odlyzko)", "value_ties": "Network value (tie strength)"}
    return special.get(metric, metric.replace("_", " ").capitalize())


def format_axis(axis, unit: str) -> None:
    """Tick labels in the metric's unit: percentages for shares, thousands separators for money
    and counts."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    if unit == "share":
        axis.set_major_formatter(PercentFormatter(1.0))
    elif unit in ("currency", "people", "purchases", "reaches", "ties", "value", "impressions", "groups", "posts"):
        axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}" if abs(x) >= 10 or x == 0 else f"{x:,.2g}"))


def _as_list(metrics: Union[str, Sequence[str]], name: str) -> list:
    if isinstance(metrics, str):
        return [metrics]
    metrics = list(metrics)
    if not metrics or not all(isinstance(m, str) for m in metrics):
        raise ValueError(f"{name}: give a metric name or a list of them, got {metrics!r}")
    return metrics


def panels(count: int, axes, width: float = 5.0, height: float = 3.8):
    """``count`` axes: the given ones (one Axes or a sequence), or a new constrained figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        figure, grid = plt.subplots(1, count, figsize=(width * count, height), squeeze=False, layout="constrained")
        return list(grid[0]), True
    axes = list(np.atleast_1d(np.asarray(axes, dtype=object)).ravel())
    if len(axes) < count:
        raise ValueError(f"axes: {count} metrics need {count} axes, got {len(axes)}")
    return axes[:count], False


def label_day_axes(ax, metric: str) -> None:
    """A panel of one metric over days, as every such panel is labelled: the metric as title, the
    day on x, the metric's unit on y (its ticks in that unit), a light grid, no x margins, the
    legend."""
    ax.set_title(metric_title(metric))
    ax.set_xlabel("day")
    ax.set_ylabel(metric_label(metric))
    format_axis(ax.yaxis, metric_unit(metric))
    ax.grid(True, alpha=0.3)
    ax.margins(x=0)
    ax.legend(fontsize="small", frameon=False)


# Up to 20 designs in colours told apart at a glance (matplotlib's ten, then ten darker shades of
# other hues); the baseline is black. A 21st design starts the list again.
DESIGN_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                  "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
                  "#756bb1", "#969696"]
BASELINE_COLOUR = "black"


def plot_result(result, metrics, axes=None, label: Optional[str] = None, level: float = 0.95, baseline: bool = False):
    """The body of :meth:`guanxi.CampaignResult.plot` (see there)."""
    metrics = _as_list(metrics, "metrics")
    for metric in metrics:
        result.metric(metric)  # unknown names fail before anything is drawn
    axes, new_figure = panels(len(metrics), axes)
    name = text_label(label or result.label or result.campaign.name or "campaign")
    days = day(np.arange(result.steps))  # day 1 to the horizon, day `steps`
    percent = f"{level:.0%}"
    for ax, metric in zip(axes, metrics):
        mean, low, high = result.mean_curve(metric, level)
        # The designs drawn on these axes so far pick the colour: each its own, the baseline black.
        drawn = getattr(ax, "_guanxi_designs", 0)
        colour = BASELINE_COLOUR if baseline else DESIGN_COLOURS[drawn % len(DESIGN_COLOURS)]
        if not baseline:
            ax._guanxi_designs = drawn + 1
        line = ax.plot(days, mean, label=name, linewidth=1.8, color=colour, zorder=3 if baseline else 2)[0]
        line.set_gid("baseline" if baseline else "design")
        if result.replicates > 1:  # the band is the line's colour; the figure's title says what it is
            ax.fill_between(days, low, high, alpha=0.15 if baseline else 0.2, color=colour, linewidth=0,
                            label="_nolegend_")
        label_day_axes(ax, metric)
        handles, labels = ax.get_legend_handles_labels()  # the baseline named first
        first = sorted(range(len(handles)), key=lambda i: handles[i].get_gid() != "baseline")
        ax.legend([handles[i] for i in first], [labels[i] for i in first], fontsize="small", frameon=False)
    figure = axes[0].figure
    # The figure title names every result drawn on it, so an overlay is never labelled as one design.
    names = getattr(figure, "_guanxi_results", [])
    if new_figure or names:
        names = names + [name]
        figure._guanxi_results = names
        bands = f"mean of {result.replicates} replicates" + (f" with {percent} bands" if result.replicates > 1 else "")
        figure.suptitle(f"{' vs '.join(names)} ({bands})")
    return np.array(axes, dtype=object)


def plot_comparison(table, metrics: Union[str, Sequence[str]] = "profit", axes=None, baseline: Optional[str] = None):
    """Forest plot of a comparison: each design's mean paired difference against the baseline
    with its confidence interval, one panel per metric.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`guanxi.compare`. Designs are drawn sorted by their difference in
        the first metric, the largest at the top.
    metrics : str or list of str
        Rows of the comparison (``"profit"``, ``"customers"``, ``"incremental_roi"``, ...).
    axes : matplotlib Axes or sequence of them, optional
        Where to draw (default: a new figure).
    baseline : str, optional
        The baseline's name (default: the one :func:`guanxi.compare` recorded).

    Returns
    -------
    numpy.ndarray of Axes
    """
    metrics = _as_list(metrics, "metrics")
    attrs = getattr(table, "attrs", {})
    baseline = text_label(baseline or attrs.get("baseline") or "the baseline")
    level = attrs.get("level", 0.95)
    available = list(table.index.get_level_values("metric").unique())
    for metric in metrics:
        if metric not in available:
            raise ValueError(f"metrics: {metric!r} is not in the comparison (rows: {', '.join(available)})")
    designs = list(table.index.get_level_values("design").unique())
    # Sorted by effect: the largest difference in the first metric at the top (the y axis runs
    # upwards), designs without one (NaN) at the bottom; every panel in that order.
    first = table.xs(metrics[0], level="metric")["difference"].reindex(designs).to_numpy(dtype=float)
    designs = [designs[i] for i in sorted(range(len(designs)), key=lambda i: (bool(np.isnan(first[i])),
                                                                              -np.nan_to_num(first[i])))]
    axes, new_figure = panels(len(metrics), axes, width=6.5, height=0.5 * len(designs) + 2.2)
    for ax, metric in zip(axes, metrics):
        rows = table.xs(metric, level="metric").reindex(designs)
        y = np.arange(len(designs))[::-1]
        difference = rows["difference"].to_numpy(dtype=float)
        low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
        errors = np.vstack([difference - low, high - difference])
        roi = metric in ("incremental_roi", "incremental_marketing_roi")  # ratios: 0 is "no profit gained"
        ax.errorbar(difference, y, xerr=np.where(np.isnan(errors), 0, errors), fmt="o", capsize=4, color="C0",
                    label=f"{'ratio of mean differences' if roi else 'mean paired difference'}, {level:.0%} CI")
        ax.axvline(0, color="0.4", linestyle="--", linewidth=1,
                   label="no profit gained per unit spent" if roi else f"no difference from “{baseline}”")
        for yi, share in zip(y, rows["share_higher"].to_numpy(dtype=float)):
            if np.isfinite(share):
                ax.annotate(f"{'more profit' if roi else 'higher'} in {share:.0%}", (1.0, yi), xycoords=("axes fraction", "data"),
                            xytext=(4, 0), textcoords="offset points", va="center", fontsize="small")
        ax.set_yticks(y, [text_label(d) for d in designs])
        ax.set_ylim(-0.7, len(designs) - 0.3)
        unit = metric_unit(metric)
        if roi:
            ax.set_xlabel("Δ profit / Δ " + ("incentive" if metric == "incremental_roi" else "marketing") + " spend")
        else:
            ax.set_xlabel(f"difference in {metric_label(metric)}" + (" (percentage points)" if unit == "share" else ""))
        # A new figure names the baseline once, in its title; panels drawn into given axes name it each.
        ax.set_title(metric_title(metric) if new_figure else f"{metric_title(metric)} against “{baseline}”")
        format_axis(ax.xaxis, unit)
        ax.grid(True, axis="x", alpha=0.3)
        if not new_figure:  # below the panel, where it cannot cover a design's interval
            ax.legend(fontsize="small", frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    if new_figure:
        figure = axes[0].figure
        replicates = attrs.get("replicates")
        figure.suptitle("Paired differences against “{}”{}".format(
            baseline, f" ({replicates} replicates, common random numbers)" if replicates else ""))
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="lower center", ncols=len(labels), frameon=False, fontsize="small",
                      bbox_to_anchor=(0.5, 0.0))
        figure.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))  # room for the legend below the panels
    return np.array(axes, dtype=object)


def _is_number(value) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            and not math.isnan(value))


def _value_key(value) -> str:
    """A swept value's identity, exactly: two values that read alike (8.8287 and 8.8291 both
    read 8.83) stay two; "off" for a key whose section is off (None, NaN in a table)."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return "off"
    return value if isinstance(value, str) else json.dumps(value, default=float)


def _levels(values: Sequence) -> Tuple[List[str], List[str]]:
    """A swept key's distinct values: their keys (:func:`_value_key`) and how they read
    (:func:`value_text`); "off" first (its section is off in those designs), then numbers in
    increasing order, or the others as they come."""
    first: dict = {}
    for value in values:
        first.setdefault(_value_key(value), value)
    on = [key for key in first if key != "off"]
    if all(_is_number(first[key]) for key in on):
        on.sort(key=lambda key: float(first[key]))
    keys = (["off"] if "off" in first else []) + on
    return keys, [value_text(first[key]) for key in keys]


def _axis_values(values: Sequence) -> tuple:
    """Positions for a swept key's values: the numbers themselves, or 0, 1, ... with the values
    as tick labels (lists, text, and "off" where the key's section is off, placed first)."""
    if all(_is_number(v) for v in values):
        return np.array(values, dtype=float), None
    keys, texts = _levels(values)
    return np.array([keys.index(_value_key(v)) for v in values], dtype=float), texts


def plot_sweep(sweep, metric: str = "profit", x: Optional[str] = None, ax=None, level: float = 0.95):
    """The body of :meth:`guanxi.Sweep.plot` (see there)."""
    import matplotlib.pyplot as plt

    summary = sweep.summary(metric, level)
    keys = list(sweep.keys)
    if x is not None and x not in keys:
        raise ValueError(f"x: {x!r} is not a swept key (keys: {', '.join(keys)})")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
    unit = metric_unit(metric)
    bands = f"mean of {int(sweep.replicates_done.min())} replicates, {level:.0%} CI"
    if x is None and len(keys) == 2:
        # A heat map of the mean: the first key across, the second down.
        across, down = keys
        (columns, column_texts), (rows, row_texts) = _levels(list(summary[across])), _levels(list(summary[down]))
        grid = np.full((len(rows), len(columns)), np.nan)
        for _, row in summary.iterrows():  # one cell per design: designs are distinct in their swept values
            grid[rows.index(_value_key(row[down])), columns.index(_value_key(row[across]))] = row["mean"]
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(columns)), [text_label(c) for c in column_texts])
        ax.set_yticks(range(len(rows)), [text_label(r) for r in row_texts])
        ax.set_xlabel(across)
        ax.set_ylabel(down)
        finite = grid[np.isfinite(grid)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(j, i, f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}", ha="center", va="center",
                        fontsize="small", color="white" if value < middle else "black")
        colorbar = ax.figure.colorbar(image, ax=ax)
        colorbar.set_label(f"{metric_title(metric)} ({metric_label(metric)})")
        format_axis(colorbar.ax.yaxis, unit)
        ax.set_title(f"{metric_title(metric)} at the horizon ({bands.split(',')[0]})")
        return ax
    if x is None:
        if len(keys) != 1:
            raise ValueError(f"x: give the swept key to put on the x axis (keys: {', '.join(keys)})")
        x = keys[0]
    others = [k for k in keys if k != x]
    by = [summary[k].map(_value_key) for k in others]
    groups = summary.groupby(by if len(by) > 1 else by[0], sort=False) if others else [((), summary)]
    for _, frame in groups:
        positions, ticks = _axis_values(list(frame[x]))
        order = np.argsort(positions, kind="stable")
        mean = frame["mean"].to_numpy(float)[order]
        low, high = frame["ci_low"].to_numpy(float)[order], frame["ci_high"].to_numpy(float)[order]
        shown = [frame[k].iloc[0] for k in others]  # the group's values, read as labels read them
        label = ", ".join(f"{k.rsplit('.', 2)[-2]} off" if _value_key(v) == "off" else
                          f"{k.rsplit('.', 1)[-1]}={value_text(v)}" for k, v in zip(others, shown)) or sweep.name
        line = ax.plot(positions[order], mean, marker="o", linewidth=1.6, label=text_label(label))[0]
        if np.isfinite(low).any():
            ax.fill_between(positions[order], low, high, alpha=0.2, color=line.get_color(), linewidth=0)
        if ticks is not None:
            ax.set_xticks(range(len(ticks)), [text_label(t) for t in ticks])
    ax.set_xlabel(x)
    ax.set_ylabel(metric_label(metric))
    format_axis(ax.yaxis, unit)
    ax.set_title(f"{metric_title(metric)} at the horizon ({bands})")
    ax.grid(True, alpha=0.3)
    if others:
        ax.legend(fontsize="small", frameon=False)
    return ax


def plot_cohorts(result, by="step", cohorts: Optional[int] = 6, level: float = 0.95, ax=None):
    """The body of :meth:`guanxi.CampaignResult.plot_cohorts`: one retention curve per cohort
    (the largest ``cohorts`` of them), the share still active by age with its confidence band."""
    import matplotlib.pyplot as plt

    table = result.cohorts(by=by, level=level)
    if cohorts is not None and (isinstance(cohorts, bool) or not isinstance(cohorts, int) or cohorts < 1):
        raise ValueError(f"cohorts: must be an integer >= 1 or None, got {cohorts!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    sizes = table[table["age"] == 0].set_index("cohort")["customers"].sort_values(ascending=False)
    chosen = list(sizes.index[:cohorts] if cohorts is not None else sizes.index)
    kind = "channel" if by == "channel" else "acquired on day" if by == "step" else f"acquired in days (window {by})"
    for cohort in sorted(chosen, key=lambda c: (str(type(c)), c)):
        rows = table[table["cohort"] == cohort]
        name = f"{cohort} ({sizes[cohort]:,.1f} customers)" if by == "channel" else (
            f"day {day(cohort)}" + (f"–{day(cohort + by - 1)}" if isinstance(by, int) and by > 1 else "") +
            f" ({sizes[cohort]:,.1f} customers)")
        line = ax.plot(rows["age"], rows["share_active"], label=name, linewidth=1.6)[0]
        if result.replicates > 1:
            ax.fill_between(rows["age"], rows["ci_low"], rows["ci_high"], alpha=0.15, color=line.get_color(),
                            linewidth=0)
    ax.set_title(f"Cohort retention by {kind} — {text_label(result.label or result.campaign.name or 'campaign')}, "
                 f"{result.replicates} replicates ({level:.0%} CI shaded)", fontsize="medium")
    ax.set_xlabel("age (days since the first purchase)")
    ax.set_ylabel("share of the cohort still active")
    format_axis(ax.yaxis, "share")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.margins(x=0)
    ax.legend(fontsize="small", frameon=False, title="cohort", title_fontsize="small")
    return ax


# by_segment's columns (MODEL.md §15; results.py defines them): title, axis label and unit.
_SEGMENT_COLUMNS = {
    "customers": ("customers at the horizon", "customers", "people"),
    "revenue": ("revenue", "revenue", "currency"),
    "margin": ("margin: revenue - cost of goods - platform fees", "margin", "currency"),
    "incentives": ("incentives attributed to its customers", "incentives", "currency"),
    "ltv": ("lifetime value: margin per customer", "margin per customer", "currency"),
    "cac": ("incentives per incentive-driven customer", "incentives per driven customer", "currency"),
    "retention": ("customers still active at the horizon", "share still active", "share"),
}


def plot_by_segment(results, column: str = "customers", level: float = 0.95, ax=None):
    """Segments side by side (MODEL.md §15): for each segment, one bar per design with its
    interval over the replicates (:meth:`guanxi.CampaignResult.by_segment`'s ``column``).
    ``results``: a CampaignResult, or a dict of name -> CampaignResult (``gx.compare``'s
    ``results=``) whose designs share their segments; its first design is the baseline, drawn in
    black as in every comparison. Returns the Axes."""
    import matplotlib.pyplot as plt

    if column not in _SEGMENT_COLUMNS:
        raise ValueError(f"column: must be one of {', '.join(_SEGMENT_COLUMNS)}, got {column!r}")
    if not isinstance(results, dict):
        results = {results.label or results.campaign.name or "campaign": results}
    if not results:
        raise ValueError("results: no design to plot")
    tables = {name: result.by_segment(level=level) for name, result in results.items()}
    segments = list(next(iter(tables.values())).index)
    for name, table in tables.items():
        if list(table.index) != segments:
            raise ValueError(f"results[{name!r}]: its segments {list(table.index)} differ from {segments}")
    label, axis_label, unit = _SEGMENT_COLUMNS[column]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.5, 0.9 * len(segments) * (len(tables) + 1) + 2), 4.2),
                             constrained_layout=True)
    x = np.arange(len(segments))
    width = 0.8 / len(tables)
    for i, (name, table) in enumerate(tables.items()):
        values = table[column].to_numpy(dtype=float)
        low, high = table[f"{column}_low"].to_numpy(dtype=float), table[f"{column}_high"].to_numpy(dtype=float)
        error = np.where(np.isfinite(np.vstack([values - low, high - values])),
                         np.vstack([values - low, high - values]), 0.0)
        colour = (BASELINE_COLOUR if i == 0 and len(tables) > 1
                  else DESIGN_COLOURS[(i - 1 if len(tables) > 1 else i) % len(DESIGN_COLOURS)])
        ax.bar(x - 0.4 + width * (i + 0.5), np.nan_to_num(values), width, label=text_label(name), yerr=error, capsize=3,
               color=colour, ecolor="0.4")
    ax.set_xticks(x, segments)
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_xlabel("segment")
    ax.set_ylabel(axis_label if unit == "share" else f"{axis_label} ({_UNIT_LABELS[unit]})")
    format_axis(ax.yaxis, unit)
    replicates = min(result.replicates for result in results.values())
    ax.set_title(f"By segment: {label} — {replicates} replicates ({level:.0%} CI)", fontsize="medium")
    ax.grid(True, axis="y", alpha=0.3)
    # Below the axes: bars of any height stay readable.
    ax.legend(fontsize="small", frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=min(len(tables), 3))
    return ax


def plot_lifetime_value(result, level: float = 0.95, ax=None):
    """The body of :meth:`guanxi.CampaignResult.plot_lifetime_value`: per channel, the realized
    lifetime value (margin per customer) beside the acquisition cost, each with its interval."""
    import matplotlib.pyplot as plt

    table = result.lifetime_value(level=level)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(table) + 2), 4.2), constrained_layout=True)
    x = np.arange(len(table))
    width = 0.38
    for offset, column, name in ((-width / 2, "ltv", "lifetime value (margin per customer)"),
                                 (width / 2, "cac", "acquisition cost per customer")):
        values = table[column].to_numpy(dtype=float)
        low, high = table[f"{column}_low"].to_numpy(dtype=float), table[f"{column}_high"].to_numpy(dtype=float)
        error = np.vstack([values - low, high - values])
        error = np.where(np.isfinite(error), error, 0.0)
        ax.bar(x + offset, np.nan_to_num(values), width, label=name, yerr=error, capsize=3)
    for i, (channel, row) in enumerate(table.iterrows()):
        if np.isfinite(row["ltv_to_cac"]):
            ax.annotate(f"{row['ltv_to_cac']:.1f}×", (i, max(row["ltv"], row["cac"], 0)), ha="center",
                        va="bottom", fontsize="small", xytext=(0, 4), textcoords="offset points")
    ax.set_xticks(x, [f"{c}\n({n:,.0f})" for c, n in zip(table.index, table["customers"])])
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_xlabel("channel (customers per replicate)")
    ax.set_ylabel("currency units per customer")
    format_axis(ax.yaxis, "currency")
    ax.set_title(f"Lifetime value against acquisition cost — {text_label(result.label or result.campaign.name or 'campaign')}, "
                 f"{result.replicates} replicates ({level:.0%} CI)", fontsize="medium")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small", frameon=False)
    return ax
