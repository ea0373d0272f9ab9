"""Designs compared with common random numbers (docs/model.md §0): every design runs with the
same seed, so replicate i of each faces the same randomness and the paired difference of any two
designs is an exact pair. :func:`compare` reports each design against the first (a baseline):
means at the horizon, the mean paired difference with its Student t interval, the share of
replicates where the design is higher, the incremental ROI and the paired payback. Sweeps report
the same rows (:meth:`guanxi.Sweep.compare`).

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.holme_kim(2000, 3, 0.5, seed=1)
>>> base = gx.Campaign(g, run={"steps": 20})
>>> referral = gx.Campaign(g, policy={"referral_reward": 10}, run={"steps": 20})
>>> table = gx.compare({"none": base, "referral": referral}, replicates=20, seed=1, progress=False)
>>> table.loc[("referral", "incentive_spend"), "difference"] >= 0
True
"""

from __future__ import annotations

import json
import math
from typing import Dict, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from . import _engine
from ._checks import Progress, check_name, checked_int, checked_level, checked_metric, plain, warn_design
from ._designs import parse_uncertain
from .campaign import Campaign
from .results import CampaignResult
from .stats import mean_interval, paired_difference, ratio_of_mean_differences

__all__ = ["compare", "named_designs", "default_comparison_metrics", "paired_rows", "stays_at_or_above_zero", "RATIOS"]




def stays_at_or_above_zero(curve: np.ndarray) -> float:
    """The first step from which ``curve`` stays >= 0 to the horizon; NaN if it ends below 0."""
    below = np.flatnonzero(~(np.asarray(curve) >= 0))
    if below.size == 0:
        return 0.0
    return float(below[-1] + 1) if below[-1] + 1 < len(curve) else math.nan


def named_designs(campaigns) -> Dict[str, Campaign]:
    """Designs by name: a dict of name -> Campaign, or a list of named Campaigns."""
    if isinstance(campaigns, Mapping):
        for name, campaign in campaigns.items():
            check_name(name, "campaigns: a design's name")
            if not isinstance(campaign, Campaign):
                raise ValueError(f"campaigns[{name!r}]: must be a guanxi.Campaign, got {type(campaign).__name__}")
        return dict(campaigns)
    if isinstance(campaigns, (str, bytes)) or not isinstance(campaigns, Iterable):
        raise ValueError("campaigns: give a dict of name -> Campaign or a list of named Campaigns")
    named: Dict[str, Campaign] = {}
    for i, campaign in enumerate(campaigns):
        if not isinstance(campaign, Campaign):
            raise ValueError(f"campaigns[{i}]: must be a guanxi.Campaign, got {type(campaign).__name__}")
        if campaign.name is None:
            raise ValueError(f"campaigns[{i}]: has no name (give one: Campaign(..., name=...) or .replace(name=...), "
                             "or pass a dict of name -> Campaign)")
        if campaign.name in named:
            raise ValueError(f"campaigns[{i}]: the name {campaign.name!r} is used twice")
        named[campaign.name] = campaign
    return named


# The two ratios of money a comparison reports (docs/campaign.md, "Two ROIs"): the name asked for,
# the row it gives, the spend whose paired difference divides the profit's, and the name people
# read. Incentive ROI:
# Δprofit / Δincentive spend (rewards, commissions, discounts, red packets). Marketing ROI:
# Δprofit / Δmarketing spend (incentives, ads and community cost): what each unit of the whole
# budget returns. The per-run metric incentive_roi (MODEL.md §4) is neither: it divides the
# margin of incentive-driven purchases, not a difference between two designs.
RATIOS = {"incentive_roi": ("incremental_roi", "incentive_spend", "incentive ROI"),
          "marketing_roi": ("incremental_marketing_roi", "marketing_spend", "marketing ROI")}


def default_comparison_metrics() -> list:
    """The rows :func:`compare` reports by default: the engine's comparison metrics (its
    incentive_roi giving the incentive ROI row), the marketing ROI and the paired payback step
    (MODEL.md §11)."""
    names = _engine.comparison_metrics()
    at = names.index("incentive_roi") + 1 if "incentive_roi" in names else len(names)
    return names[:at] + ["marketing_roi"] + names[at:] + ["payback_step"]


def _check_same_horizon(campaigns: Mapping[str, Campaign]) -> None:
    """Compared designs share the horizon (an error naming the scenario file's line when the
    design came from one); designs on graphs of other sizes than the baseline's warn."""
    names = list(campaigns)
    base = campaigns[names[0]]
    base_name = base.source or repr(names[0])
    steps = base.spec["run"]["steps"]
    for name in names[1:]:
        campaign = campaigns[name]
        if campaign.spec["run"]["steps"] != steps:
            what = f"differs from the baseline's ({steps} in {base_name}); compared designs share the horizon"
            if campaign.source:
                raise ValueError(_engine.scenario_message(campaign.source, "run.steps", what))
            raise ValueError(f"campaigns[{name!r}]: run.steps is {campaign.spec['run']['steps']}, which {what}")
    warn_design([f"{campaigns[n].source or f'campaigns[{n!r}]'}: its graph has {campaigns[n].graph.num_nodes:,} nodes "
                 f"and the baseline's ({base_name}) {base.graph.num_nodes:,}: paired differences then compare "
                 "different populations" for n in names[1:] if campaigns[n].graph.num_nodes != base.graph.num_nodes],
                stacklevel=4)


def compare(
    campaigns: Union[Mapping[str, Campaign], Sequence[Campaign]],
    replicates: int = 200,
    seed: int = 0,
    threads: Optional[int] = None,
    progress: bool = True,
    metrics: Optional[Sequence[str]] = None,
    level: float = 0.95,
    results: Optional[Dict[str, CampaignResult]] = None,
    uncertain: Optional[Mapping] = None,
):
    """Run campaigns with common random numbers and compare each with the first.

    ``campaigns`` is a dict of name -> :class:`Campaign`, or a list of named campaigns (the
    first is the baseline). Returns a :class:`pandas.DataFrame` indexed by (design, metric) with
    the baseline's and the design's means at the horizon, the mean paired difference, its
    confidence interval and the share of replicates where the design is higher (Student t
    intervals of :func:`guanxi.stats.paired_difference`; NaN, not available, with one
    replicate; replicates where either value is NaN are left out). Two rows are ratios of paired
    differences (:data:`RATIOS`), each mean Δprofit over the mean difference in a spend, with a
    delta-method interval (:func:`guanxi.stats.ratio_of_mean_differences`), its ``share_higher``
    the share of replicates where Δprofit > 0 and its baseline and design columns NaN: the
    ``incremental_roi`` row (incentive ROI, asked for as ``"incentive_roi"``: Δprofit /
    Δincentive spend) and the ``incremental_marketing_roi`` row (marketing ROI, asked for as
    ``"marketing_roi"``: Δprofit / Δmarketing spend, ads and community cost included). The ``payback_step`` row (MODEL.md §11) holds each design's mean payback
    step (first step with cumulative profit >= 0) as baseline and design mean, and as difference
    the first step from which the mean paired difference in cumulative profit stays >= 0 (NaN:
    not by the horizon); its interval gives the steps from which the interval's upper and lower
    bounds stay >= 0, and share_higher the share of replicates with more profit at the horizon.
    For one row per design,
    ``table["difference"].unstack("metric")``; for a forest plot,
    :func:`guanxi.plot_comparison`. ``table.attrs`` records the baseline, replicates, seed and
    level. Pass a dict as ``results`` to receive each design's :class:`CampaignResult`.
    ``uncertain`` (parameters as distributions, :mod:`guanxi.uncertainty`) makes each replicate
    draw them, the same draw for every design (the designs must share a graph); the differences
    are then averaged over the uncertainty too. A metric ``"name@segment"`` (``"profit@students"``)
    compares one segment's value at the horizon (MODEL.md §15,
    :meth:`CampaignResult.segment_values`: customers, revenue, margin, incentives, profit, ltv,
    cac, retention), not with ``uncertain``.

    Warns
    -----
    DesignWarning
        When designs run on graphs of different sizes: their paired differences then compare
        different populations.
    """
    import pandas as pd

    campaigns = named_designs(campaigns)
    if len(campaigns) < 2:
        raise ValueError("campaigns: give at least two (the first is the baseline)")
    # Arguments are checked before the runs, which may take long.
    wanted = list(metrics) if metrics is not None else default_comparison_metrics()
    known = _engine.metrics() + ["marketing_roi", "payback_step"]
    for name in wanted:
        if isinstance(name, str) and "@" in name:
            _check_segment_metric(name, campaigns, uncertain)
        else:
            checked_metric(name, known, "metrics")
    checked_level(level)
    replicates = checked_int(replicates, "replicates", 1)
    seed = checked_int(seed, "seed", 0, 2**64)
    draws = parse_uncertain(uncertain)
    names = list(campaigns)
    _check_same_horizon(campaigns)
    runs = {}
    if draws:
        # Each replicate draws the uncertain parameters, the same draw for every design: the
        # sweep's task (one replicate per draw), one design after another.
        with Progress(len(names), progress, "compare", unit="design") as bar:
            for name in names:
                campaign = campaigns[name]
                population = campaign.graph if campaign.per_node is None else (campaign.graph, campaign.per_node)
                values, seconds, warnings, _ = _engine.run_block(population, json.dumps(campaign.spec, default=plain),
                                                                 seed, 0, replicates, threads or 0, draws)
                raw = _engine.result_from_values(values, 0)
                raw.update(warnings=warnings, seconds=seconds)
                runs[name] = CampaignResult(raw, campaign, seed, name)
                bar.advance()
    else:
        for name in names:
            runs[name] = campaigns[name].run(replicates=replicates, seed=seed, threads=threads, progress=progress,
                                             label=name)
    if results is not None:
        results.update(runs)
    rows = []
    base = runs[names[0]]
    for name in names[1:]:
        rows += [(name,) + row for row in paired_rows(base, runs[name], wanted, level)]
    frame = pd.DataFrame(
        rows, columns=["design", "metric", "baseline", "design_mean", "difference", "ci_low", "ci_high", "share_higher"]
    ).set_index(["design", "metric"])
    frame.attrs.update(baseline=names[0], replicates=int(replicates), seed=int(seed), level=float(level))
    return frame


def _check_segment_metric(name: str, campaigns: Mapping[str, Campaign], uncertain) -> None:
    """``"profit@students"``: a segment's metric (CampaignResult.SEGMENT_METRICS) and a segment
    every design has, checked before anything runs."""
    metric, _, segment = name.partition("@")
    if metric not in CampaignResult.SEGMENT_METRICS:
        raise ValueError(f"metrics: {name!r}: a segment's metric is one of {', '.join(CampaignResult.SEGMENT_METRICS)}")
    for label, campaign in campaigns.items():
        if segment not in campaign.segments:
            raise ValueError(f"metrics: {name!r}: design {label!r} has no segment {segment!r} "
                             f"(its segments: {', '.join(campaign.segments)})")
    if uncertain:
        raise ValueError(f"metrics: {name!r}: a segment's values come from full runs, not from runs with uncertain "
                         "parameters (leave uncertain out, or compare the whole campaign's metrics)")


def paired_rows(baseline: CampaignResult, design: CampaignResult, metrics: Sequence[str], level: float) -> list:
    """The rows of :func:`compare` for one design: ``(metric, baseline, design_mean, difference,
    ci_low, ci_high, share_higher)`` per metric at the horizon, replicate by replicate
    (:func:`guanxi.stats.paired_difference`). ``"incentive_roi"`` and ``"marketing_roi"`` give the
    rows of :data:`RATIOS`: mean Δprofit / mean Δspend with its delta-method interval
    (:func:`guanxi.stats.ratio_of_mean_differences`), its share_higher the share of replicates
    with more profit, and no baseline or design mean (NaN)."""
    if baseline.values.shape != design.values.shape:
        raise ValueError(f"compare: campaigns must have the same replicates and steps, got "
                         f"{baseline.replicates} x {baseline.steps} and {design.replicates} x {design.steps}")

    def change(metric: str) -> np.ndarray:
        return design.metric(metric)[:, -1] - baseline.metric(metric)[:, -1]

    rows = []
    for metric in metrics:
        if metric == "payback_step":
            # The design's own payback steps, and the paired one: the first step from which the
            # mean difference in cumulative profit stays >= 0 (ci_low / ci_high: from which the
            # upper / lower bound of its interval does); share_higher: the share of replicates
            # whose difference is >= 0 at the horizon.
            gain = design.metric("profit") - baseline.metric("profit")
            curve = mean_interval(gain, level, axis=0)
            # Each design's own: summary()'s payback_step mean (NaN when no replicate pays back).
            own = [float(mean_interval(r.payback_steps(), level).mean) for r in (baseline, design)]
            rows.append(("payback_step", own[0], own[1], stays_at_or_above_zero(curve.mean),
                         stays_at_or_above_zero(curve.high), stays_at_or_above_zero(curve.low),
                         float(np.mean(gain[:, -1] >= 0))))
        elif metric in RATIOS:
            row, spend, _ = RATIOS[metric]
            roi = ratio_of_mean_differences(change("profit"), change(spend), level)
            rows.append((row, math.nan, math.nan, float(roi.ratio), float(roi.low), float(roi.high),
                         float(roi.share_higher)))
        elif "@" in metric:  # §15 one segment's value at the horizon (CampaignResult.segment_values)
            name, segment = metric.split("@", 1)
            paired = paired_difference(baseline.segment_values(name, segment), design.segment_values(name, segment),
                                       level)
            rows.append((metric, float(paired.baseline_mean), float(paired.design_mean), float(paired.difference),
                         float(paired.low), float(paired.high), float(paired.share_higher)))
        else:
            paired = paired_difference(baseline.metric(metric)[:, -1], design.metric(metric)[:, -1], level)
            rows.append((metric, float(paired.baseline_mean), float(paired.design_mean), float(paired.difference),
                         float(paired.low), float(paired.high), float(paired.share_higher)))
    return rows
