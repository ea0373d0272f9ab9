"""Results as people and programs read them: the JSON documents and text tables of a graph's
summary, a diffusion simulation, a campaign run and a comparison of designs, the files of a run
(``timeseries.csv``, ``summary.json``, ``customers.csv``, ``cohorts.csv``), and messages placed in scenario files.

The ``guanxi`` command prints and writes exactly these, so a notebook that calls them shows what
the command line shows. Documents are plain dicts (numbers that are not available, NaN, become
``None`` in JSON); tables are text. Sweeps and run stores have theirs too (``sweep_document``,
``sweep_text``, ``store_text``).

The module is also callable: ``gx.report("runs.db", "report.html")`` writes the team's HTML
report (:func:`guanxi.html_report.html_report`).

>>> import guanxi as gx
>>> g = gx.generators.complete(4)
>>> gx.report.graph_document(g)["components"]
{'count': 1, 'largest': 4, 'largest_fraction': 1.0}
>>> [gx.report.number_text(x) for x in (1.0, 0.1, 1e6, 0.0001, float("nan"))]
['1', '0.1', '1e+06', '1e-04', 'nan']
"""

from __future__ import annotations

import math
import os
import sys
import types
from typing import Iterable, Optional

from . import _engine, analytics
from ._checks import plain_json, to_json
from ._format import day, metric_interval, metric_text, row_scale
from .comparison import RATIOS
from .graph import Graph
from .html_report import html_report
from .plotting import metric_unit, metric_units

__all__ = [
    "to_json",
    "number_text",
    "scenario_message",
    "graph_document",
    "graph_text",
    "simulation_document",
    "simulation_text",
    "run_document",
    "run_text",
    "comparison_document",
    "comparison_text",
    "sweep_document",
    "sweep_text",
    "store_text",
    "write_timeseries_csv",
    "write_run",
]


# -- numbers ------------------------------------------------------------------------------------


def scenario_message(path: "str | os.PathLike", key: str, what: str) -> str:
    """A message about ``key`` of a scenario file, placed as the engine places its own errors:
    ``"file:line: key: what"`` (``(the default)`` appended where the file does not set it)."""
    return _engine.scenario_message(path, key, what)


def number_text(x: float) -> str:
    """The shortest text that reads back as the same double, in fixed or scientific notation,
    whichever is shorter (fixed on a tie): ``1``, ``0.1``, ``1e+06``, ``1e-04``, ``nan``. The
    same text as C++ ``std::to_chars``, so files keep the format the C++ engine writes."""
    x = float(x)
    if x != x:
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign = "-" if x < 0 else ""
    mantissa, _, power = repr(abs(x)).partition("e")  # repr: the shortest round-trip digits
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    leading = len(all_digits) - len(all_digits.lstrip("0"))
    digits = all_digits[leading:].rstrip("0")
    exponent = len(whole) - leading - 1 + (int(power) if power else 0)  # x = d.ddd * 10**exponent
    scientific = (digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
                  + f"e{'-' if exponent < 0 else '+'}{abs(exponent):02d}")
    if exponent < 0:
        fixed = "0." + "0" * (-exponent - 1) + digits
    elif len(digits) <= exponent + 1:
        # A whole number: every fixed text has exponent + 1 digits, so the exact value is the
        # closest one (it differs from the shortest digits padded with zeros beyond 2**53).
        fixed = f"{abs(x):.0f}"
    else:
        fixed = digits[: exponent + 1] + "." + digits[exponent + 1 :]
    return sign + (fixed if len(fixed) <= len(scientific) else scientific)


def _fixed(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` decimals; "n/a" when it is not available (NaN)."""
    return "n/a" if x != x else f"{x:.{digits}f}"


# -- graphs -------------------------------------------------------------------------------------


def graph_document(g: Graph, file: Optional[str] = None, read_seconds: Optional[float] = None) -> dict:
    """Size, degrees, components, clustering, spectral radius and epidemic thresholds of a
    graph (``guanxi info --json``); ``file`` and ``read_seconds`` are included when given. The
    spectral radius is None when the eigensolver does not converge."""
    degrees = analytics.degree_stats(g)
    _, sizes = analytics.connected_components(g)
    largest = int(sizes.max()) if len(sizes) else 0
    try:
        radius = analytics.spectral_radius(g, tolerance=1e-9)
    except RuntimeError:  # no convergence: not available
        radius = None
    document = {} if file is None else {"file": file}
    document.update(
        directed=g.directed,
        nodes=g.num_nodes,
        ties=g.num_ties,
        weighted=g.has_weights,
        degree={key: degrees[key] for key in ("min", "mean", "max", "std", "second_moment", "isolated")},
        components={"count": len(sizes), "largest": largest,
                    "largest_fraction": largest / g.num_nodes if g.num_nodes else 0.0},
        average_clustering=analytics.average_clustering(g),
        transitivity=analytics.transitivity(g),
        spectral_radius=radius,
        threshold_spectral=1.0 / radius if radius is not None and radius > 0 else None,
        threshold_degree=analytics.percolation_threshold(g),
        memory_bytes=g.memory_bytes,
    )
    if read_seconds is not None:
        document["read_seconds"] = read_seconds
    return document


def graph_text(document: dict) -> str:
    """The table of ``guanxi info`` from :func:`graph_document`."""
    d, degree, components = document, document["degree"], document["components"]
    kind = ("directed" if d["directed"] else "undirected") + (", weighted" if d["weighted"] else "")
    radius = d["spectral_radius"]
    if radius is None:
        spectral = "n/a (eigensolver did not converge)"
    else:
        threshold = _fixed(1.0 / radius, 5) if radius > 0 else "inf"
        spectral = f"{_fixed(radius)}  (epidemic threshold 1/lambda = {threshold})"
    memory = f"{_fixed(d['memory_bytes'] / 1048576.0, 1)} MiB"
    if d.get("read_seconds") is not None:
        memory += f"  (read in {_fixed(d['read_seconds'], 2)} s)"
    lines = [
        d.get("file", "graph"),
        f"  nodes               {d['nodes']}",
        f"  ties                {d['ties']} ({kind})",
        f"  degree              min {degree['min']}  mean {_fixed(degree['mean'], 2)}  max {degree['max']}"
        f"  std {_fixed(degree['std'], 2)}  isolated {degree['isolated']}",
        f"  components          {components['count']} (largest {components['largest']}, "
        f"{_fixed(100.0 * components['largest'] / max(1, d['nodes']), 1)}%)",
        f"  clustering          average {_fixed(d['average_clustering'])}  transitivity {_fixed(d['transitivity'])}",
        f"  spectral radius     {spectral}",
        f"  threshold estimate  <k>/(<k^2>-<k>) = {_fixed(d['threshold_degree'], 5)}",
        f"  memory              {memory}",
    ]
    return "\n".join(lines)


# -- classic diffusion --------------------------------------------------------------------------


def simulation_document(result, g: Graph, model: str, seed: int, file: Optional[str] = None) -> dict:
    """The final size of a :func:`guanxi.simulate` run (``guanxi simulate --json``): mean,
    normal 95% interval of the mean and sd (None from one replicate), share of the nodes, mean
    last step and timing. ``model`` and ``seed`` are those the run was asked for."""
    low, high = result.ci(0.95)
    sd = float(result.sizes.std(ddof=1)) if result.replicates > 1 else float("nan")
    mean = result.mean()
    document = {} if file is None else {"file": file}
    document.update(
        model=model,
        kernel=result.kernel,
        replicates=result.replicates,
        seed=seed,
        mean=mean,
        ci95=[low, high],
        sd=sd,
        mean_fraction=mean / g.num_nodes,
        mean_last_step=float(result.last_step.mean()),
        seconds=result.seconds,
        ms_per_replicate=1e3 * result.seconds / result.replicates,
    )
    return document


def simulation_text(document: dict, g: Graph) -> str:
    """The table of ``guanxi simulate`` from :func:`simulation_document`."""
    d = document
    low, high = d["ci95"]
    interval = "n/a (one replicate)" if low != low or high != high else f"[{_fixed(low, 2)}, {_fixed(high, 2)}]"
    where = f" on {d['file']}" if "file" in d else ""
    return "\n".join([
        f"{d['model']}{where} ({g.num_nodes} nodes, {g.num_ties} ties), {d['replicates']} replicates, "
        f"seed {d['seed']}, kernel {d['kernel']}",
        f"  final size   mean {_fixed(d['mean'], 2)}  95% CI {interval}  sd {_fixed(d['sd'], 2)}  "
        f"({_fixed(100 * d['mean'] / g.num_nodes, 2)}% of nodes)",
        f"  last step    mean {_fixed(d['mean_last_step'], 2)}",
        f"  time         {_fixed(d['seconds'], 3)} s  ({_fixed(d['ms_per_replicate'], 4)} ms per replicate)",
    ])


# -- seeds by influence maximisation ------------------------------------------------------------


def seeding_document(result, g: Graph, file: Optional[str] = None) -> dict:
    """Seeds chosen by :func:`guanxi.seeding.imm` or :func:`~guanxi.seeding.opim` (``guanxi
    seed --json``): the graph's size, the run's parameters, the seeds (dense ids and labels, in
    greedy order) with their marginal gains, the spread estimate and bounds (None where the
    algorithm gives none), and the RR sets, memory and time it took."""
    document = {} if file is None else {"file": file}
    document.update(nodes=g.num_nodes, ties=g.num_ties)
    document.update(result.to_dict())
    return document


def seeding_text(document: dict) -> str:
    """The table of ``guanxi seed`` from :func:`seeding_document`."""
    d = document
    where = f" on {d['file']}" if "file" in d else ""
    lines = [
        f"{d['algorithm']} {d['model']}{where} ({d['nodes']} nodes, {d['ties']} ties): k = {d['k']}, "
        f"epsilon = {number_text(d['epsilon'])}, ell = {number_text(d['ell'])}",
        f"  spread       {_fixed(d['spread'], 1)} expected nodes (RR estimate)",
    ]
    if d["lower_bound"] is not None:
        lines.append(f"  lower bound  {_fixed(d['lower_bound'], 1)} with probability {_fixed(d['confidence'], 6)}")
    if d["approximation"] is not None:
        lines.append(f"  certified    {_fixed(d['approximation'], 3)} of the best (optimum <= "
                     f"{_fixed(d['optimum_upper_bound'], 1)})")
    lines.append(f"  work         {d['rr_sets']} RR sets, {_fixed(d['memory_bytes'] / 2**20, 1)} MiB, "
                 f"{_fixed(d['seconds'], 3)} s")
    lines.append("  seeds (label, marginal gain):")
    for label, gain in zip(d["labels"], d["marginal_gain"]):
        lines.append(f"    {label}  {_fixed(gain, 2)}")
    return "\n".join(lines)


# -- campaign runs ------------------------------------------------------------------------------


def run_document(result, scenario: Optional[str] = None, warnings: Iterable[str] = ()) -> dict:
    """A campaign run (``guanxi run --json``, ``summary.json``): the scenario file (when
    given), name, replicates, steps, seed, seconds, the design's warnings, per metric at the
    horizon the mean, 95% interval, sd and the number of replicates with a value
    (:meth:`CampaignResult.summary`), and the run's identity (:attr:`CampaignResult.manifest`)."""
    summary = result.summary(0.95)
    document = {} if scenario is None else {"scenario": scenario}
    document.update(
        name=result.campaign.name,
        replicates=result.replicates,
        steps=result.steps,
        seed=result.seed,
        seconds=result.seconds,
        warnings=list(warnings),
        metrics={
            metric: {"mean": float(row.mean), "ci95": [float(row.ci_low), float(row.ci_high)], "sd": float(row.sd),
                     "replicates": int(row.replicates)}
            for metric, row in zip(summary.index, summary.itertuples(index=False))
        },
        manifest=result.manifest,
    )
    return document


def _summary_group(metric: str, unit: str, per_step: bool) -> str:
    """The group of a metric in the run table. new_customers_<channel> count one day only, so
    the table shows the cumulative customers_<channel> instead ("" leaves a metric out)."""
    if metric.startswith("new_customers_"):
        return ""
    if metric.startswith("customers_"):
        return "customers by channel (cumulative)"
    if metric in ("largest_cascade", "max_depth", "structural_virality"):
        return "referral cascades"
    if metric in ("impressions", "groups", "group_members", "group_customers", "group_activity", "posts"):
        return "ads and community groups (posts: the last day)"
    if unit == "people":
        return "people"
    if unit in ("purchases", "currency") or metric == "incentive_roi":
        return "sales and money (currency units)"
    if per_step or metric.endswith("success_rate"):
        return "referral (reaches, conversion rate and k-factor: the last day)"
    return "trust and network value"


def run_text(document: dict) -> str:
    """The table of ``guanxi run`` from :func:`run_document`: each metric at the horizon with
    its 95% interval, grouped (people, customers by channel, sales and money, ads and community
    groups, referral, trust and network value, cascades), in units people read."""
    d = document
    lines = [
        f"{d['name']}: {d['replicates']} replicates x {d['steps']} days, seed {d['seed']} "
        f"({_fixed(d['seconds'], 2)} s)",
        f"means at day {day(d['steps'] - 1)} (the horizon) with 95% confidence intervals"
        + (" (not available from one replicate)" if d["replicates"] < 2 else ""),
    ]
    table = metric_units()
    groups: dict = {}
    for metric, (unit, per_step, _) in table.items():
        group = _summary_group(metric, unit, per_step)
        if group:
            groups.setdefault(group, []).append(metric)
    for group, metrics in groups.items():
        lines += ["", group]
        for metric in metrics:
            entry, unit = d["metrics"][metric], table[metric][0]
            mean, (low, high) = _nan(entry["mean"]), map(_nan, entry["ci95"])
            scale = row_scale((mean, low, high))
            lines.append(f"  {metric:<26} {metric_text(mean, unit, scale):>16}   "
                         f"{metric_interval(low, high, unit, scale)}")
        if "incentive_roi" in metrics:  # not the ROI of guanxi compare: say how it differs
            lines.append("  (incentive_roi: this campaign alone, MODEL.md §4: the margin of incentive-driven purchases "
                         "less incentive spend, over incentive spend; guanxi compare's incentive ROI is Δprofit / "
                         "Δincentive spend against a baseline)")
    return "\n".join(lines)


def _nan(x) -> float:
    """A document's number, None (not available) as NaN."""
    return float("nan") if x is None else float(x)


# -- comparisons --------------------------------------------------------------------------------


def comparison_document(table) -> dict:
    """A :func:`guanxi.compare` table as ``guanxi compare --json`` prints it: the baseline,
    replicates and seed, then per design and metric the baseline's and the design's means,
    the paired difference, its 95% interval and the share of replicates where the design is
    higher."""
    designs: dict = {}
    for (design, metric), row in zip(table.index, table.itertuples(index=False)):
        designs.setdefault(design, {})[metric] = {
            "baseline": float(row.baseline),
            "design": float(row.design_mean),
            "difference": float(row.difference),
            "ci95": [float(row.ci_low), float(row.ci_high)],
            "share_higher": float(row.share_higher),
        }
    attrs = table.attrs
    return {"baseline": attrs["baseline"], "replicates": attrs["replicates"], "seed": attrs["seed"], "designs": designs}


def comparison_text(table, steps: int) -> str:
    """The table of ``guanxi compare``: per design, each metric's baseline and design means at
    the horizon (day ``steps - 1``), the paired difference with its 95% interval and the share
    of replicates where the design is higher."""
    attrs = table.attrs
    lines = [
        f"paired differences against \"{attrs['baseline']}\" ({attrs['replicates']} replicates, seed {attrs['seed']}, "
        f"common random numbers; means at day {day(steps - 1)}, 95% confidence intervals"
        + (", not available from one replicate" if attrs["replicates"] < 2 else "") + ")"
    ]
    current = None
    for (design, metric), row in zip(table.index, table.itertuples(index=False)):
        if design != current:
            current = design
            lines += ["", design,
                      f"  {'metric':<24} {'baseline':>14} {'design':>14} {'difference':>14}   "
                      f"{'95% CI of the difference':<30} {'higher':>7}"]
        unit = metric_unit(metric)
        values = [float(v) for v in (row.baseline, row.design_mean, row.difference, row.ci_low, row.ci_high)]
        scale = row_scale(values)
        share = float(row.share_higher)
        higher = "n/a" if share != share else f"{100 * share:.0f}%"
        if metric == "payback_step":
            # Not a difference: the day from which the design's extra cumulative profit stays >= 0
            # (the interval: from which its upper and lower bounds do), and each design's own payback.
            def on(x: float, mean: bool = False) -> str:
                return "never" if x != x else f"day {day(x):.1f}" if mean else f"day {day(x):.0f}"

            lines.append(f"  {'pays back (extra profit)':<24} {on(values[0], True):>14} {on(values[1], True):>14} "
                         f"{on(values[2]):>14}   {'[' + on(values[3]) + ', ' + on(values[4]) + ']':<30} {higher:>7}")
            continue
        shown = RATIO_NAMES.get(metric, metric)
        lines.append(
            f"  {shown:<24} {metric_text(values[0], unit, scale):>14} {metric_text(values[1], unit, scale):>14} "
            f"{metric_text(values[2], unit, scale, True):>14}   "
            f"{metric_interval(values[3], values[4], unit, scale, True):<30} {higher:>7}")
    if any(metric in RATIO_NAMES for _, metric in table.index):
        lines += ["", "incentive ROI: Δprofit / Δincentive spend; marketing ROI: Δprofit / Δmarketing spend (incentives, "
                      "ads, community cost); both paired against the baseline (docs/campaign.md, \"Two ROIs\")"]
    return "\n".join(lines)


# The comparison rows that are ratios of paired differences, by the names people read.
RATIO_NAMES = {row: name for row, _, name in RATIOS.values()}


# -- sweeps and run stores ----------------------------------------------------------------------


def sweep_document(sweep, metric: str = "profit", store: Optional[str] = None, study: Optional[dict] = None) -> dict:
    """A sweep as ``guanxi sweep --json`` and ``guanxi store show --json`` print it: its name,
    seed, replicates (target and done), swept keys, the blocks computed and reused, and per
    design its label, swept values and the mean of ``metric`` at the horizon with its 95%
    interval; ``best`` is the design with the highest mean, with its paired difference from
    the runner-up (:meth:`Sweep.compare`). A sweep that holds a study's runs (``study``: its
    ``name``, ``kind`` and ``message``, as the store keeps them) names no best of its own: the
    study's answer is the one verdict (an optimisation's highest trial may break its
    constraints), and ``study`` says so."""
    summary = sweep.summary(metric, 0.95)
    designs = []
    for number, row in summary.iterrows():
        designs.append({"design": int(number), "label": row["label"],
                        "values": {key: plain_json(row[key]) for key in sweep.keys},
                        "mean": float(row["mean"]), "ci95": [float(row["ci_low"]), float(row["ci_high"])],
                        "replicates": int(row["replicates"])})
    document = {"name": sweep.name, "metric": metric, "seed": sweep.seed, "replicates": sweep.replicates,
                "replicates_done": int(sweep.replicates_done.min()) if len(sweep) else 0, "complete": sweep.complete,
                "keys": list(sweep.keys), "computed_blocks": sweep.computed_blocks,
                "reused_blocks": sweep.reused_blocks, "designs": designs}
    if store is not None:
        document["store"] = store
    if sweep.uncertain and len(sweep) >= 2 and int(sweep.replicates_done.min()) >= 3:
        robust = sweep.robustness(metric)
        document["robustness"] = {"uncertain": [[p, list(d)] for p, d in sweep.uncertain], "summary": robust.summary(),
                                  "designs": [{"design": int(n), "p_best": float(r["p_best"]),
                                               "expected_regret": float(r["expected_regret"]),
                                               "share_highest": float(r["share_highest"])}
                                              for n, r in robust.table.iterrows()],
                                  "switches": robust.switches.to_dict(orient="records")}
    if study is not None:
        document["study"] = {"name": study["name"], "kind": study["kind"], "message": study.get("message")}
        return document
    lead = sweep.lead(metric, 0.95)
    if lead is not None:
        document["best"] = {"design": lead["best"], "label": summary["label"][lead["best"]],
                            "runner_up": lead["runner_up"], "margin": lead["margin"], "ci95": [lead["low"], lead["high"]],
                            "share_higher": lead["share_ahead"]}
    return document


def sweep_text(document: dict) -> str:
    """The table of ``guanxi sweep``: one row per design with its mean and 95% interval of the
    metric at the horizon, the best marked, and its margin over the runner-up (paired)."""
    metric = document["metric"]
    unit = metric_unit(metric)
    done = "" if document["complete"] else f", stopped part-way: {document['replicates_done']} done"
    lines = [f"sweep \"{document['name']}\": {len(document['designs'])} designs x {document['replicates']} replicates "
             f"(seed {document['seed']}, common random numbers{done}); {metric} at the horizon, 95% confidence "
             "intervals"]
    if "store" in document and document["computed_blocks"] + document["reused_blocks"] > 0:  # it ran
        lines.append(f"store {document['store']}: {document['computed_blocks']} blocks computed, "
                     f"{document['reused_blocks']} read back")
    elif "store" in document:  # shown as stored (guanxi store show)
        lines.append(f"store {document['store']}: as stored, nothing run")
    best = document.get("best", {}).get("design")
    width = max([len(d["label"]) for d in document["designs"]] + [6])
    scale = row_scale([d["mean"] for d in document["designs"]])
    lines += ["", f"  {'design':>6}  {'label':<{width}} {metric:>14}   {'95% CI':<30} {'replicates':>10}"]
    for d in document["designs"]:
        mark = " *" if d["design"] == best else ""
        lines.append(f"  {d['design']:>6}  {d['label']:<{width}} {metric_text(d['mean'], unit, scale):>14}   "
                     f"{metric_interval(d['ci95'][0], d['ci95'][1], unit, scale):<30} {d['replicates']:>10}{mark}")
    if "study" in document:
        s = document["study"]
        kind = {"select": "selection", "optimize": "optimisation", "calibrate": "calibration"}.get(s["kind"], s["kind"])
        lines += ["", f"these are the runs of the {kind} '{s['name']}', whose answer is: {s['message'] or '(none stored)'}"]
    if "best" in document:
        b = document["best"]
        lines += ["", f"* highest mean: design {b['design']} ({b['label']}), ahead of design {b['runner_up']} by "
                      f"{metric_text(b['margin'], unit, scale, True)} "
                      f"{metric_interval(b['ci95'][0], b['ci95'][1], unit, scale, True)} (paired, 95% CI; higher "
                      f"in {100 * b['share_higher']:.0f}% of replicates)"]
    if "robustness" in document:
        r = document["robustness"]
        lines += ["", "robustness: " + r["summary"],
                  "  " + ", ".join(f"design {d['design']}: best with chance {100 * d['p_best']:.0f}%, regret "
                                   f"{d['expected_regret']:,.1f}" for d in r["designs"])]
    return "\n".join(lines)


def store_text(sweeps, path: str, studies=()) -> str:
    """``guanxi store ls``: one line per stored sweep (replicates: the fewest stored for a
    design, or the fewest to the most when designs differ, of the target; stored: all designs
    together), then one per study (selection, optimisation, calibration) with the sweep it ran."""
    if len(sweeps) == 0 and not studies:
        return f"{path}: no sweeps"
    count = f"{len(sweeps)} sweep{'s' if len(sweeps) != 1 else ''}"
    if studies:
        count += f", {len(studies)} stud{'ies' if len(studies) != 1 else 'y'}"
    lines = [f"{path}: {count}", "",
             f"  {'name':<28} {'designs':>7} {'replicates':>13} {'stored':>9} {'complete':>8}  {'graph':<30} "
             f"{'seed':>6}  keys"]
    for name, row in sweeps.iterrows():
        graph = f"{row['nodes']:,} nodes, {row['ties']:,} ties"
        low, high = int(row["replicates_done"]), int(row["replicates_most"])
        done = f"{low:,}" if low == high else f"{low:,}-{high:,}"
        lines.append(f"  {name:<28} {row['designs']:>7} {done + '/' + format(int(row['replicates']), ','):>13} "
                     f"{int(row['replicates_stored']):>9,} {row['complete']:>8}  {graph:<30} {row['seed']:>6}  "
                     f"{row['keys']}")
    if studies:
        lines += ["", f"  {'study':<28} {'kind':<10} {'sweep':<28} created"]
        for study in studies:
            lines.append(f"  {study['name']:<28} {study['kind']:<10} {study['sweep'] or '-':<28} {study['created']}")
    return "\n".join(lines)


# -- files of a run -----------------------------------------------------------------------------


def write_timeseries_csv(result, path: "str | os.PathLike") -> None:
    """Every metric of every replicate at every step as ``replicate,step,metric,value`` rows
    (values in their shortest round-trip text, ``nan`` where a rate is undefined)."""
    replicates, steps, width = result.values.shape
    keys = [f"{t},{metric}," for t in range(steps) for metric in result.metrics]
    rows = result.values.reshape(replicates, steps * width)
    texts: dict = {}

    def text(v: float) -> str:  # repeated values (counts, money) are formatted once
        if v != v or v == 0:
            return number_text(v)  # NaN is no dict key; 0.0 and -0.0 would share one
        found = texts.get(v)
        if found is None:
            found = texts[v] = number_text(v)
        return found

    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("replicate,step,metric,value\n")
        for r in range(replicates):
            prefix = f"{result.first_replicate + r},"
            out.write("".join(f"{prefix}{key}{text(v)}\n" for key, v in zip(keys, rows[r].tolist())))


def write_run(result, folder: "str | os.PathLike", document: Optional[dict] = None) -> None:
    """``timeseries.csv`` (:func:`write_timeseries_csv`), ``summary.json`` (``document``, by
    default :func:`run_document`), ``customers.csv`` (the customer ledger of the run's first
    replicate, :meth:`CampaignResult.customers`) and ``cohorts.csv`` (retention by acquisition
    step, :meth:`CampaignResult.cohorts`) in ``folder``, which is made when missing."""
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"{folder}: exists and is not a folder")
    os.makedirs(folder, exist_ok=True)
    write_timeseries_csv(result, os.path.join(folder, "timeseries.csv"))
    with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as out:
        out.write(to_json(run_document(result) if document is None else document) + "\n")
    result.customers(0).to_csv(os.path.join(folder, "customers.csv"), index=False, lineterminator="\n")
    result.cohorts().to_csv(os.path.join(folder, "cohorts.csv"), index=False, lineterminator="\n")


class _CallableModule(types.ModuleType):
    """``gx.report(...)`` writes the HTML report (:func:`guanxi.html_report.html_report`); the
    module's documents and tables stay ``gx.report.run_document`` and so on."""

    def __call__(self, source=None, path=None, **options) -> str:
        return html_report(source, path, **options)


sys.modules[__name__].__class__ = _CallableModule
