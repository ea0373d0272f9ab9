"""Campaigns: the guanxi campaign model (docs/model.md) on a social graph.

A campaign is product + behaviour + ties + ladder + policy + seeding + horizon, each a section of
keyword dictionaries with MODEL.md's defaults (unknown keys are errors that suggest the closest
valid key). ``campaign.run`` simulates it, many replicates, reporting per step the people, money,
trust, network value and cascades of MODEL.md §5; :func:`compare` runs several designs with
common random numbers and reports paired differences against the first.

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

import copy
import json
import math
import os
from typing import Dict, Iterable, Mapping, Optional, Sequence

import numpy as np

from . import _guanxi
from .graph import Graph

__all__ = ["Campaign", "CampaignResult", "compare", "metrics", "channels"]

_SECTIONS = ("product", "behaviour", "ties", "ladder", "policy", "seeding", "run")


def metrics() -> list:
    """The metric names of MODEL.md §5 (and CAC), in the order of result columns."""
    return list(_guanxi.campaign_metrics())


def channels() -> list:
    """Acquisition channels: seed, external, referral, team, bargain, solo."""
    return list(_guanxi.campaign_channels())


def _unknown_section(name: str) -> ValueError:
    import difflib

    close = difflib.get_close_matches(name, _SECTIONS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (sections: {', '.join(_SECTIONS)})"
    return ValueError(f"campaign: unknown section {name!r}{hint}")


def _finite(value, path: str):
    """JSON has no NaN or infinity: an infinite budget means "unlimited"; others are errors."""
    if isinstance(value, Mapping):
        return {key: _finite(v, f"{path}.{key}") for key, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_finite(v, path) for v in value]
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        if path == "policy.budget" and value > 0:
            return "unlimited"
        raise ValueError(f"{path}: must be finite, got {value}")
    return value


def _plain(value):
    """numpy scalars and arrays as JSON-friendly Python values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    raise TypeError(f"cannot use {type(value).__name__} in a campaign section")


class Campaign:
    """A campaign design on a graph.

    Parameters
    ----------
    graph : Graph
    product, behaviour, ties, ladder, policy, seeding, run : dict, optional
        Sections of docs/model.md §7 (defaults for every missing key). ``policy`` takes
        ``referral_reward``, ``referee_discount``, ``commission`` (rates by level), ``budget``,
        and the sub-tables ``group_buy``, ``bargain``, ``membership`` (present = on).
        ``seeding`` takes ``strategy`` (top_degree, pagerank, kcore, random, nodes), ``k`` and
        ``nodes`` (node ids). ``run`` takes ``steps``, ``replicates``, ``seed``.
    name : str, optional

    Raises
    ------
    ValueError
        Unknown keys (with the closest valid key), values of the wrong type or out of range.
    """

    def __init__(self, graph: Graph, *, name: Optional[str] = None, **sections):
        if not isinstance(graph, Graph):
            raise TypeError("graph: must be a guanxi.Graph")
        unknown = [key for key in sections if key not in _SECTIONS]
        if unknown:
            raise _unknown_section(unknown[0])
        given = {key: _finite(value, key) for key, value in sections.items() if value is not None}
        self.graph = graph
        self.name = name
        self.description: Optional[str] = None
        self.spec: dict = json.loads(_guanxi.campaign_spec(json.dumps(given, default=_plain)))
        _guanxi.validate_campaign(graph._g, json.dumps(self.spec))

    @classmethod
    def from_toml(cls, path: "str | os.PathLike", graph: Optional[Graph] = None) -> "Campaign":
        """A campaign from a scenario file; its ``[graph]`` is read or generated unless ``graph``
        is given. ``[seeding] nodes`` name the graph's labels."""
        loaded = _guanxi.load_scenario(os.fspath(path))
        if graph is None:
            graph = Graph(_guanxi.load_scenario_graph(os.fspath(path)))
        spec = json.loads(loaded["spec"])
        if loaded["seed_labels"]:
            spec["seeding"]["nodes"] = _guanxi.resolve_labels(graph._g, loaded["seed_labels"], os.fspath(path))
        campaign = cls(graph, name=loaded["name"] or os.path.splitext(os.path.basename(os.fspath(path)))[0], **spec)
        campaign.description = loaded["description"]
        return campaign

    def replace(self, name: Optional[str] = None, **sections) -> "Campaign":
        """A copy with some keys changed, section by section (other keys kept). The copy is a
        new design: it is unnamed unless ``name`` is given."""
        spec = copy.deepcopy(self.spec)
        for section, values in sections.items():
            if section not in _SECTIONS:
                raise _unknown_section(section)
            if not isinstance(values, Mapping):
                raise ValueError(f"{section}: expected a dict")
            for key, value in values.items():
                spec[section][key] = value
        return Campaign(self.graph, name=name, **spec)

    def run(
        self,
        replicates: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        progress: bool = True,
        forests: Iterable[int] = (),
        label: Optional[str] = None,
    ) -> "CampaignResult":
        """Simulate ``replicates`` replicates (default: the ``run`` section). Replicates are pure
        functions of (seed, replicate): campaigns run with the same seed share their random
        numbers, and the thread count never changes results. Ctrl-C stops within a step.
        ``label`` names the run (progress bar, plots); default the campaign's name."""
        replicates = self.spec["run"]["replicates"] if replicates is None else replicates
        seed = self.spec["run"]["seed"] if seed is None else seed
        if not isinstance(replicates, (int, np.integer)) or replicates < 1:
            raise ValueError(f"replicates: must be an integer >= 1, got {replicates!r}")
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed: must be a non-negative integer, got {seed!r}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads: must be >= 1, got {threads}")
        label = label if label is not None else self.name
        callback, bar = _progress_bar(int(replicates), progress, label)
        try:
            raw = _guanxi.run_campaign(
                self.graph._g,
                json.dumps(self.spec),
                int(replicates),
                int(seed),
                0 if threads is None else int(threads),
                [int(r) for r in forests],
                callback,
            )
        finally:
            if bar is not None:
                bar.close()
        return CampaignResult(raw, self, int(seed), label)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<guanxi.Campaign{label} on {self.graph!r}>"


def _progress_bar(total: int, progress: bool, label: Optional[str]):
    if not progress:
        return None, None
    try:
        import ipywidgets  # noqa: F401  (tqdm.auto draws widgets in notebooks only with it)

        from tqdm.auto import tqdm
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:  # progress is optional
            return None, None
    bar = tqdm(total=total, unit="rep", leave=False, desc=label)

    def callback(done, _total):
        bar.update(done - bar.n)

    return callback, bar


class CampaignResult:
    """Outcome of :meth:`Campaign.run`.

    Attributes
    ----------
    values : numpy.ndarray
        Shape ``(replicates, steps, len(metrics))``: each metric at the end of each step.
    metrics : list of str
    warnings : list of str
    seconds : float
    """

    def __init__(self, raw: dict, campaign: Campaign, seed: int, label: Optional[str] = None):
        self.campaign = campaign
        self.label = label
        self.seed = seed
        self.metrics: list = list(raw["metrics"])
        self.values: np.ndarray = raw["values"]
        self.warnings: list = list(raw["warnings"])
        self.seconds: float = raw["seconds"]
        self._forests: dict = raw["forests"]
        self.replicates, self.steps, _ = self.values.shape
        self._raw = raw["handle"]

    def metric(self, name: str) -> np.ndarray:
        """One metric, shape ``(replicates, steps)``."""
        if name not in self.metrics:
            raise ValueError(f"metric: unknown {name!r} (metrics: {', '.join(self.metrics)})")
        return self.values[:, :, self.metrics.index(name)]

    @property
    def timeseries(self):
        """Tidy :class:`pandas.DataFrame`: replicate, step, metric, value."""
        import pandas as pd

        r, s, m = self.values.shape
        return pd.DataFrame(
            {
                "replicate": np.repeat(np.arange(r), s * m),
                "step": np.tile(np.repeat(np.arange(s), m), r),
                "metric": pd.Categorical(np.tile(self.metrics, r * s), categories=self.metrics),
                "value": self.values.reshape(-1),
            }
        )

    def summary(self, level: float = 0.95):
        """Per metric at the horizon: mean, confidence interval, sd and the number of replicates
        with a value (rates are undefined, NaN, when their denominator is 0)."""
        import pandas as pd

        rows = _guanxi.summarize_campaign(self._raw, float(level))
        frame = pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high", "sd", "replicates"])
        return frame.set_index("metric")

    def referral_forest(self, replicate: int):
        """The referral forest of ``replicate``: one row per customer with its referrer in the
        forest (-1 for roots), channel, step of the first purchase and depth, plus labels.
        Replicates listed in ``forests=`` of the run are kept; any other is run again alone (a
        replicate is a pure function of the seed and its index, so it is the same one)."""
        import pandas as pd

        if not isinstance(replicate, (int, np.integer)) or not 0 <= replicate < self.replicates:
            raise ValueError(f"replicate: must be in [0, {self.replicates}), got {replicate!r}")
        replicate = int(replicate)
        if replicate not in self._forests:
            raw = _guanxi.run_campaign(self.campaign.graph._g, json.dumps(self.campaign.spec), 1, self.seed, 1,
                                       [replicate], None, replicate)
            self._forests[replicate] = raw["forests"][replicate]
        node, referrer, channel, step, depth = self._forests[replicate]
        referrer = referrer.astype(np.int64)
        referrer[referrer == np.iinfo(np.uint32).max] = -1
        labels = self.campaign.graph.labels
        names = np.array(channels(), dtype=object)
        return pd.DataFrame(
            {
                "node": node.astype(np.int64),
                "referrer": referrer,
                "channel": names[channel],
                "step": step.astype(np.int64),
                "depth": depth.astype(np.int64),
                "label": labels[node],
                "referrer_label": pd.Series([labels[r] if r >= 0 else None for r in referrer], dtype=object),
            }
        )

    def mean_curve(self, metric: str, level: float = 0.95):
        """Mean and Student t interval of a metric per step: arrays ``(mean, low, high)``
        (NaN-aware)."""
        from scipy.stats import t as student

        values = self.metric(metric)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(values, axis=0) if np.isnan(values).any() else values.mean(axis=0)
            n = np.sum(~np.isnan(values), axis=0)
            sd = np.nanstd(values, axis=0, ddof=1) if self.replicates > 1 else np.zeros(self.steps)
            quantile = student.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
            half = quantile * sd / np.sqrt(np.maximum(n, 1))
        return mean, mean - half, mean + half

    def plot(self, metrics: Sequence[str] = ("customers", "profit"), axes=None, label: Optional[str] = None):
        """Mean of each metric per step with its 95% band, one panel per metric. Returns the axes."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
            axes = axes[0]
        steps = np.arange(self.steps)
        for ax, metric in zip(axes, metrics):
            mean, low, high = self.mean_curve(metric)
            line = ax.plot(steps, mean, label=label or self.label or "campaign")[0]
            ax.fill_between(steps, low, high, alpha=0.2, color=line.get_color())
            ax.set_title(metric)
            ax.set_xlabel("step")
        return axes

    def __repr__(self) -> str:
        customers = self.metric("customers")[:, -1].mean()
        profit = self.metric("profit")[:, -1].mean()
        return (
            f"<guanxi.CampaignResult {self.replicates} replicates x {self.steps} steps: customers {customers:.1f}, "
            f"profit {profit:.1f} (means at the horizon), {self.seconds:.2f} s>"
        )


def compare(
    campaigns: Mapping[str, Campaign],
    replicates: int = 200,
    seed: int = 0,
    threads: Optional[int] = None,
    progress: bool = True,
    metrics: Optional[Sequence[str]] = None,
    level: float = 0.95,
    results: Optional[Dict[str, CampaignResult]] = None,
):
    """Run campaigns with common random numbers and compare each with the first.

    Returns a :class:`pandas.DataFrame` indexed by (design, metric) with the baseline's and the
    design's means at the horizon, the mean paired difference, its confidence interval and the
    share of replicates where the design is higher (Student t intervals). The
    ``incremental_roi`` row is the true incremental ROI, mean Δprofit / mean Δincentive spend over
    paired replicates, with a delta-method interval; its ``share_higher`` is the share of
    replicates where Δprofit > 0 and its baseline and design columns are NaN. For one row per
    design, ``table["difference"].unstack("metric")``. Pass a dict as ``results`` to receive each
    design's :class:`CampaignResult`.
    """
    import pandas as pd

    if len(campaigns) < 2:
        raise ValueError("campaigns: give at least two (the first is the baseline)")
    names = list(campaigns)
    steps = {campaigns[n].spec["run"]["steps"] for n in names}
    if len(steps) != 1:
        raise ValueError(f"campaigns: run.steps must agree, got {sorted(steps)}")
    runs = {}
    for name in names:
        runs[name] = campaigns[name].run(replicates=replicates, seed=seed, threads=threads, progress=progress, label=name)
    if results is not None:
        results.update(runs)
    wanted = list(metrics) if metrics is not None else list(_guanxi.comparison_metrics())
    rows = []
    base = runs[names[0]]
    for name in names[1:]:
        for r in _guanxi.compare_campaigns(base._raw, runs[name]._raw, wanted, float(level)):
            rows.append((name,) + tuple(r))
    frame = pd.DataFrame(
        rows, columns=["design", "metric", "baseline", "design_mean", "difference", "ci_low", "ci_high", "share_higher"]
    )
    return frame.set_index(["design", "metric"])
