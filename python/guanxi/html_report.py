"""A report for the team: one self-contained HTML page from a run store or from results.

``gx.report("runs.db", "report.html")`` (and ``guanxi report runs.db -o report.html``) writes one
page with, for every stored sweep, its designs with the metric's mean and interval, the winner and
how confident the numbers make it (the paired margin over the runner-up), the paired differences
against the best as a table and a forest plot, the metric against the swept keys, robustness when
the sweep had uncertain parameters, and every stored study — selections, optimisations,
sensitivity analyses, calibrations. Results held in memory (a Sweep, Selection, Optimization,
SensitivityResult or Calibration) can be given instead of, or beside, a store; a campaign's own
run (a CampaignResult) gets its money at the horizon, customers and profit over time, cohort
retention and lifetime value against acquisition cost by channel (MODEL.md §11).

The page has no remote resources: styles are inline and plots are PNG images embedded as data
URIs, so it can be mailed, archived or opened offline, and it renders the same everywhere (a test
screenshots it with headless Chromium).
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import math
import os
from typing import Iterable, List, Optional, Sequence

import numpy as np

from . import _engine
from ._checks import checked_level, checked_metric
from ._designs import short_names, shown_value
from ._format import day, metric_text, readable, row_scale
from .calibration import plot_predictive
from .plotting import format_axis, metric_unit, plot_comparison
from .results import CampaignResult
from .store import Store
from .sweeps import Sweep

__all__ = ["html_report"]

_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#1d2733;
line-height:1.45;padding:0 1em}
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.35em;border-bottom:2px solid #3a6ea5;padding-bottom:.2em;
margin-top:2em}h3{font-size:1.1em;margin-top:1.4em}
.meta{color:#5b6773;font-size:.92em}
.verdict{background:#eef4fb;border-left:5px solid #3a6ea5;padding:.7em 1em;margin:1em 0;font-size:1.05em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #cfd6de;padding:.3em .6em;text-align:right}th{background:#f1f4f7}
td.label,th.label{text-align:left}tr.best td{background:#e3f3e3;font-weight:600}
img{max-width:100%;border:1px solid #e3e7eb;margin:.4em 0}
.note{color:#5b6773;font-size:.88em}
"""


def _figure_html(figure, alt: str) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _number(x) -> str:
    """A number that is not a metric's value (a swept value, a tolerance, a sample size) as
    :func:`guanxi._format.readable` writes it; metrics' values go through :func:`_values`."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return f"{x:,}"
    if isinstance(x, float):
        return readable(x)
    return html.escape(str(x))


def _values(values: Sequence, metric: str, scale: Optional[float] = None, difference: bool = False) -> List[str]:
    """Values of one metric as the text tables write them (money with separators, shares as
    percentages, one format per row: ``scale`` defaults to the largest of ``values``)."""
    unit = metric_unit(metric)
    values = [math.nan if v is None else float(v) for v in values]
    scale = row_scale(values) if scale is None else scale
    return [metric_text(v, unit, scale, difference) for v in values]


def _table(columns: Sequence[str], rows: Iterable[Sequence], best_row: Optional[int] = None,
           labels: Sequence[int] = (0,)) -> str:
    head = "".join(f'<th class="{"label" if i in labels else ""}">{html.escape(str(c))}</th>'
                   for i, c in enumerate(columns))
    body = []
    for number, row in enumerate(rows):
        cells = "".join(f'<td class="{"label" if i in labels else ""}">{_number(v) if not isinstance(v, str) else html.escape(v)}</td>'
                        for i, v in enumerate(row))
        body.append(f'<tr class="{"best" if number == best_row else ""}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _sweep_section(sweep, metric: str, level: float) -> List[str]:
    import matplotlib.pyplot as plt

    parts = [f"<h2>Sweep “{html.escape(sweep.name)}”</h2>"]
    done = int(sweep.replicates_done.min()) if len(sweep) else 0
    parts.append(f'<p class="meta">{len(sweep)} designs × {sweep.replicates} replicates (seed {sweep.seed}, common '
                 f"random numbers{'' if sweep.complete else f'; stopped part-way at {done}'}); swept: "
                 f"{html.escape(', '.join(sweep.keys)) or 'nothing'}"
                 + (f"; uncertain: {html.escape(', '.join(p for p, _ in sweep.uncertain))}" if sweep.uncertain else "")
                 + "</p>")
    summary = sweep.summary(metric, level)
    lead = sweep.lead(metric, level)
    best = lead["best"] if lead else (sweep.best(metric) if len(sweep) and summary["mean"].notna().any() else None)
    if lead is not None:
        runner = lead["runner_up"]
        margin, low, high = _values((lead["margin"], lead["low"], lead["high"]), metric, difference=True)
        parts.append(f'<div class="verdict"><b>Highest mean {html.escape(metric)}: design {best} '
                     f"({html.escape(str(summary['label'][best]))})</b>, ahead of the runner-up, design {runner} "
                     f"({html.escape(str(summary['label'][runner]))}), by {margin} "
                     f"[{low}, {high}] ({level:.0%} CI, paired over {done} replicates; "
                     f"ahead in {lead['share_ahead']:.0%} of them). "
                     + ("The interval excludes zero: the lead is clear at this level."
                        if lead["low"] > 0 else "The interval includes zero: these replicates do not separate the two; "
                        "add replicates or use <code>gx.select</code> for a decision with a stated confidence.")
                     + "</div>")
    names = short_names(sweep.keys)  # the full key paths are in the line above the table
    columns = ["design", "label", *[names[k] for k in sweep.keys], f"{metric} mean", f"{level:.0%} CI low", "high",
               "replicates"]
    scale = row_scale(summary["mean"].astype(float))  # one format for the whole column
    rows = [[int(n), str(r["label"]), *[_swept(k, r[k]) for k in sweep.keys],
             *_values((r["mean"], r["ci_low"], r["ci_high"]), metric, scale), int(r["replicates"])]
            for n, r in summary.iterrows()]
    parts.append(_table(columns, rows, best_row=best, labels=(1,)))
    if len(sweep.keys) in (1, 2) and len(sweep) >= 2:
        ax = sweep.plot(metric, level=level)
        parts.append(_figure_html(ax.figure, f"{metric} against the swept keys"))
    if lead is not None:
        table = sweep.compare(reference=best, metrics=[metric], level=level)
        renamed = table.rename(index=lambda n: f"{n}: {summary['label'][n]}" if isinstance(n, (int,)) else n,
                               level="design")
        renamed.attrs = dict(table.attrs, baseline=f"design {best} (best)")
        metrics = [metric]
        axes = plot_comparison(renamed, metrics)
        figure = axes[0].figure  # wide enough for its title, which names the best and the replicates
        figure.set_size_inches(max(figure.get_figwidth(), 10.0), figure.get_figheight())
        parts.append("<h3>Paired differences against the best</h3>")
        parts.append(_figure_html(axes[0].figure, "paired differences against the best"))
        plt.close("all")
    if sweep.uncertain and done >= 3:
        robust = sweep.robustness(metric)
        parts.append("<h3>Robustness to the uncertain parameters</h3>")
        parts.append(f"<p>{html.escape(robust.summary())}</p>")
        parts.append(_table(["design", "label", "mean", "expected regret", "chance best", "share highest"],
                            [[int(n), str(r["label"]), *_values((r["mean"], r["expected_regret"]), metric),
                              f"{r['p_best']:.0%}", f"{r['share_highest']:.0%}"]
                             for n, r in robust.table.iterrows()],
                            best_row=int(robust.table["p_best"].idxmax()), labels=(1,)))
        for parameter in robust.winners:
            ax = robust.plot(parameter)
            parts.append(_figure_html(ax.figure, f"robustness along {parameter}"))
    return parts


def _swept(path: str, value) -> str:
    """A swept key's value in a table cell as labels write it: "off" for a section that is off,
    shares of the price as percentages ("12%"), three significant digits; a switch as on/off.
    An optimisation's constraint columns ("incentive_spend (mean)") are metrics' values."""
    if isinstance(value, (bool, np.bool_)):
        return "on" if value else "off"
    if path.endswith(" (mean)") and path[: -len(" (mean)")] in _engine.metrics():
        return _values([value], path[: -len(" (mean)")])[0]
    return shown_value(path, value)


def _study_section(name: str, document: dict) -> List[str]:
    kind = document.get("kind")
    parts = [f"<h2>{html.escape({'select': 'Selection', 'optimize': 'Optimisation', 'sensitivity': 'Sensitivity', 'calibrate': 'Calibration'}.get(kind, kind))}: "
             f"{html.escape(name)}</h2>"]
    if document.get("message"):
        parts.append(f'<div class="verdict">{html.escape(document["message"])}</div>')
    if kind == "select":
        rows = [[d["design"], d["label"], *_values([d["mean"]], document["metric"]), d["replicates"],
                 "—" if d["eliminated_at"] is None else f"at {int(d['eliminated_at'])} by {d['eliminated_by']}"]
                for d in document["designs"]]
        parts.append(_table(["design", "label", f"{document['metric']} mean", "replicates", "dropped"], rows,
                            best_row=document["best"], labels=(1, 4)))
        parts.append(f'<p class="note">Kim–Nelson procedure KN, confidence {document["confidence"]:.0%}, '
                     f"indifference zone δ = {_number(document['delta'])}, {document['replicates_used']:,} replicates.</p>")
    elif kind == "optimize":
        finalists = document.get("finalists", [])
        if finalists:
            keys = [k for k in finalists[0] if k not in ("trial", "value", "fresh", "fresh_low", "fresh_high",
                                                           "feasible")]
            rows = [[f["trial"], *[_swept(k, f[k]) for k in keys],
                     *_values((f["value"], f["fresh"], f["fresh_low"], f["fresh_high"]), document.get("objective")),
                     "yes" if f["feasible"] else "no"] for f in finalists]
            best = next((i for i, f in enumerate(finalists) if all(f[k] == document["best_params"].get(k)
                                                                    for k in keys)), None)
            names = short_names(keys)
            parts.append(_table(["trial", *[names[k] for k in keys], "search mean", "fresh mean", "low", "high",
                                 "feasible"], rows,
                                best_row=best, labels=()))
        figure = _optimize_figure(document)
        if figure is not None:
            parts.append(_figure_html(figure, "optimisation trials"))
        trials = document.get("trials") or []
        if trials:
            constraints = document.get("constraints") or []
            rule = "; ".join(f"{m} {op} {_number(bound)}" for m, op, bound in constraints)
            parts.append(f"<h3>Every trial ({len(trials)}; {sum(bool(t['feasible']) for t in trials)} meet the "
                         f"constraints{': ' + html.escape(rule) if rule else ''})</h3>")
            keys = [k for k in trials[0] if k not in ("trial", "value", "feasible")]
            scale = row_scale(float("nan") if t["value"] is None else float(t["value"]) for t in trials)
            rows = [[t["trial"], *[_swept(k, t[k]) for k in keys], *_values([t["value"]], document.get("objective"), scale),
                     "yes" if t["feasible"] else "no"] for t in trials]
            names = short_names(keys)
            parts.append(_table(["trial", *[names[k] for k in keys], f"{document.get('objective')} (search)",
                                 "feasible"], rows,
                                labels=()))
    elif kind == "sensitivity":
        indices = document.get("indices", {})
        if indices:
            columns = list(next(iter(indices.values())).keys())
            parts.append(_table(["parameter", *columns], [[p, *[v.get(c) for c in columns]] for p, v in indices.items()]))
    elif kind == "calibrate":
        for warning in document.get("warnings") or []:
            parts.append(f'<div class="verdict">Warning: {html.escape(warning)}</div>')
        intervals = document.get("intervals", {})
        if intervals:
            # The interval's width as a share of the prior's says how much the data said (near 90 %:
            # next to nothing); older stored documents lack it and show "—".
            parts.append(_table(["parameter", "prior", "posterior mean", "90% low", "90% high", "width / prior"],
                                [[p, "[{}, {}]".format(*map(readable, v["prior"])) if v.get("prior") else "—",
                                  v.get("mean"), v.get("low"), v.get("high"),
                                  "—" if v.get("share_of_prior") is None else f"{v['share_of_prior']:.0%}"]
                                 for p, v in intervals.items()], labels=(0, 1)))
        figure = _predictive_figure(document)
        if figure is not None:
            parts.append("<h3>Posterior predictive check</h3>")
            parts.append(_figure_html(figure, "observed series against the posterior predictive band"))
        generations = [g for g in document.get("generations") or [] if g.get("complete")]
        if generations:  # convergence: tolerances, acceptance and effective sample size per generation
            parts.append(f"<h3>Convergence (stopped: {html.escape(str(document.get('stopped')))})</h3>")
            parts.append(_table(["generation", "tolerance", "acceptance", "effective sample size"],
                                [[g["generation"], "none (the prior)" if g["tolerance"] is None else g["tolerance"],
                                  f"{g['acceptance_rate']:.0%}", g["ess"]]
                                 for g in generations]))
    return parts


def _predictive_figure(document: dict):
    """A calibration's posterior predictive check, drawn from its stored document (no simulation
    here): :func:`guanxi.calibration.plot_predictive`."""
    import matplotlib.pyplot as plt

    predictive = document.get("predictive")
    if not predictive or not predictive.get("series"):
        return None
    series = predictive["series"]
    figure, axes = plt.subplots(1, len(series), figsize=(6.2 * len(series), 3.8), layout="constrained", squeeze=False)
    plot_predictive(axes[0], series, predictive["level"])
    figure.suptitle(f"Does the posterior reproduce the data? Observed against {predictive['draws']} draws from "
                    "the posterior")
    return figure


def _optimize_figure(document: dict):
    import matplotlib.pyplot as plt

    trials = document.get("trials") or []
    if not trials:
        return None
    figure, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
    x = [t["trial"] for t in trials]
    y = [t["value"] for t in trials]
    colors = ["C0" if t["feasible"] else "C3" for t in trials]
    ax.scatter(x, y, c=colors, s=16)
    ax.set_xlabel("trial")
    ax.set_ylabel(str(document.get("objective")))
    format_axis(ax.yaxis, metric_unit(str(document.get("objective"))))  # money with separators, shares in %
    ax.set_title("Trials of the search (red: breaks a constraint)")
    ax.grid(True, alpha=0.3)
    return figure


def _result_section(result, level: float) -> List[str]:
    """One campaign run: the horizon's money and people, customers and profit per day, cohort
    retention by channel and lifetime value against acquisition cost (when the run kept its
    customer lifecycle), and with segments (MODEL.md §15) the segments side by side."""
    import matplotlib.pyplot as plt

    name = result.label or result.campaign.name or "campaign"
    parts = [f"<h2>Campaign: {html.escape(name)}</h2>",
             f'<p class="meta">{result.replicates} replicates x {result.steps} days, seed {result.seed}; means at the '
             f"horizon with {level:.0%} confidence intervals.</p>"]
    summary = result.summary(level)
    shown = ["customers", "active", "revenue", "profit", "marketing_spend", "incentive_spend", "ad_spend",
             "platform_fees", "community_cost", "red_packets", "group_members", "payback_step"]
    # The payback step is shown as the day people read (days count from 1).
    rows = [("pays back on day", *[readable(day(float(summary.loc[m, c]))) for c in ("mean", "ci_low", "ci_high")])
            if m == "payback_step" else (m, *_values([summary.loc[m, c] for c in ("mean", "ci_low", "ci_high")], m))
            for m in shown]
    parts.append(_table(["metric", "mean", "ci low", "ci high"], rows))
    axes = result.plot(("customers", "profit"), level=level)
    parts.append(_figure_html(np.asarray(axes, dtype=object).flat[0].figure, "customers and profit over days"))
    if result.has_lifecycle:
        figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4.4), constrained_layout=True)
        result.plot_cohorts(by="channel", level=level, ax=left)
        result.plot_lifetime_value(level=level, ax=right)
        parts.append(_figure_html(figure, "cohort retention by channel; lifetime value against acquisition cost"))
        value = result.lifetime_value(level)
        parts.append(_table(["channel", "customers", "lifetime value", "acquisition cost", "ltv / cac"],
                            [(channel, *_values([row.customers], "customers"),
                              *_values((row.ltv, row.cac), "revenue"), _number(float(row.ltv_to_cac)))
                             for channel, row in value.iterrows()]))
        if result.campaign.spec["segments"]["enabled"]:  # MODEL.md §15: the segments side by side
            figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4.4), constrained_layout=True)
            result.plot_by_segment("customers", level=level, ax=left)
            result.plot_by_segment("ltv", level=level, ax=right)
            parts.append(_figure_html(figure, "customers and lifetime value by segment"))
            table = result.by_segment(level)
            parts.append(_table(["segment", "customers", "revenue", "margin", "incentives", "lifetime value",
                                 "retention"],
                                [(segment, *_values([row.customers], "customers"),
                                  *_values((row.revenue, row.margin, row.incentives, row.ltv), "revenue"),
                                  metric_text(float(row.retention), "share", 1.0))
                                 for segment, row in table.iterrows()]))
    return parts


def _object_section(item, metric: str, level: float) -> List[str]:
    if isinstance(item, Sweep):
        return _sweep_section(item, metric, level)
    if isinstance(item, CampaignResult):
        return _result_section(item, level)
    if hasattr(item, "document"):
        document = item.document()
        parts = _study_section(getattr(item, "name", None) or document.get("kind", "study"), document)
        if hasattr(item, "plot"):
            drawn = item.plot()  # an Axes, an array of Axes or a Figure
            if hasattr(drawn, "savefig"):
                figure = drawn
            elif hasattr(drawn, "figure"):
                figure = drawn.figure
            else:
                figure = np.asarray(drawn, dtype=object).flat[0].figure
            parts.append(_figure_html(figure, f"{document.get('kind')} plot"))
        return parts
    raise ValueError(f"report: cannot report a {type(item).__name__} (give a run store, CampaignResult, Sweep, "
                     "Selection, Optimization, SensitivityResult or Calibration)")


def html_report(source=None, path: "str | os.PathLike | None" = None, *, metric: str = "profit",
                title: str = "guanxi report", sweeps: Optional[Sequence[str]] = None, level: float = 0.95) -> str:
    """One self-contained HTML page (see the module's text); written to ``path`` when given.
    Returns the HTML.

    Parameters
    ----------
    source : str, os.PathLike, Store, result, or list of them
        A run store (every sweep and study in it, or the ``sweeps`` named), and/or results held
        in memory.
    path : str or os.PathLike, optional
        Where to write the page.
    metric : str
        The metric the designs are compared by.
    """
    import matplotlib

    checked_metric(metric, _engine.metrics())
    level = checked_level(level)
    items = source if isinstance(source, (list, tuple)) else [source]
    if not items or all(i is None for i in items):
        raise ValueError("report: give a run store or results to report")
    previous = matplotlib.get_backend()
    matplotlib.use("Agg", force=True)  # drawing into files only
    body: List[str] = []
    origins = []
    try:
        for item in items:
            if isinstance(item, (str, os.PathLike)):
                with Store(item, create=False, read_only=True) as store:
                    body += _store_sections(store, metric, level, sweeps)
                origins.append(os.fspath(item))
            elif isinstance(item, Store):
                body += _store_sections(item, metric, level, sweeps)
                origins.append(item.path)
            else:
                body += _object_section(item, metric, level)
    finally:
        try:
            matplotlib.use(previous, force=True)
        except Exception:  # a backend that cannot come back (no display): stay on Agg
            pass
    if not body:
        body.append("<p>Nothing to report: the store has no sweeps or studies.</p>")
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f'<p class="meta">guanxi {html.escape(_engine.version())}, {when}'
            + (f"; run store {html.escape(', '.join(origins))}" if origins else "")
            + f"; designs compared by {html.escape(metric)} at the horizon, {level:.0%} confidence intervals, "
              "common random numbers (paired differences).</p>"
            + "".join(body) + "</body></html>")
    if path is not None:
        with open(os.fspath(path), "w", encoding="utf-8") as out:
            out.write(page)
    return page


def _store_sections(store, metric: str, level: float, names: Optional[Sequence[str]]) -> List[str]:
    parts: List[str] = []
    listing = store.sweeps()
    chosen = list(listing.index) if names is None else list(names)
    studies = store.studies()
    # A sweep that holds a study's runs is shown in the study's section, under the study's one
    # verdict: its own highest mean may be a design the study rules out (a trial that breaks a
    # constraint).
    owned = {row["sweep"] for _, row in studies.iterrows() if row["sweep"] in chosen}
    for name in chosen:
        if name not in owned:
            parts += _sweep_section(Sweep.load(store, name), metric, level)
    for name, row in studies.iterrows():
        if names is None or row["sweep"] in chosen:
            parts += _study_section(name, store.study(name))
    return parts
