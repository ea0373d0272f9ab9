"""A campaign run's outcome (MODEL.md §5, §11): every metric of every replicate at every step,
with the summaries, curves, ledgers, cohorts, lifetime values, referral forests and plots a
strategist reads from it. :meth:`guanxi.Campaign.run` makes one; a sweep rebuilds one per design
from stored values (without the lifecycle, which only a run keeps).
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from . import _engine
from ._checks import checked_level, checked_metric
from ._designs import per_node_sha256, spec_sha256
from .plotting import plot_by_segment, plot_cohorts, plot_lifetime_value, plot_result
from .stats import mean_interval

__all__ = ["CampaignResult", "first_step_at_or_above_zero"]


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

    def __init__(self, raw: dict, campaign, seed: int, label: Optional[str] = None,
                 first_replicate: int = 0):
        self.campaign = campaign
        self.label = label
        self.seed = seed
        self.first_replicate = first_replicate
        self.metrics: list = list(raw["metrics"])
        self.values: np.ndarray = raw["values"]
        self.warnings: list = list(raw["warnings"])
        self.seconds: float = raw["seconds"]
        self._forests: dict = raw["forests"]
        self._ledgers: dict = dict(raw.get("ledgers", {}))
        # §11 per replicate: cohort rows (acquired, channel, churned, customers) and channel sums
        # (customers, margin, incentives, incentive-driven customers, revenue); None when the run
        # was rebuilt from stored values only.
        cohorts = raw.get("cohorts")
        self._cohorts = list(cohorts) if cohorts else None
        sums = raw.get("channel_sums")
        self._channel_sums = np.stack([np.asarray(s) for s in sums]) if sums else None
        # §15 per replicate and segment: customers, revenue, margin, incentives, incentive-driven
        # customers, customers active at the horizon; the segments' names by index.
        segment_sums = raw.get("segment_sums")
        self._segment_sums = np.stack([np.asarray(s) for s in segment_sums]) if segment_sums else None
        self._segments: list = list(raw.get("segments") or ["other"])
        self.replicates, self.steps, _ = self.values.shape
        self._raw = raw["handle"]
        # Strengths can change after the run: a run that started from them records them now.
        self._strength_fingerprint = (f"{campaign.graph.core.strength_fingerprint():016x}"
                                      if campaign.spec["ties"]["init"] == "graph" else None)

    @property
    def has_lifecycle(self) -> bool:
        """Whether the customer lifecycle (ledgers, cohorts, lifetime value) is available: a run
        has it, a result rebuilt from stored values (a sweep's design) does not."""
        return self._cohorts is not None

    def __getstate__(self) -> dict:
        # The values travel as a plain array; the engine's view of them is rebuilt on load.
        return {"campaign": self.campaign, "label": self.label, "seed": self.seed,
                "first_replicate": self.first_replicate, "metrics": self.metrics,
                "values": np.array(self.values), "warnings": self.warnings, "seconds": self.seconds,
                "forests": self._forests, "strength_fingerprint": self._strength_fingerprint,
                "cohorts": self._cohorts, "channel_sums": self._channel_sums, "ledgers": self._ledgers,
                "segment_sums": self._segment_sums, "segments": self._segments}

    def __setstate__(self, state: dict) -> None:
        if list(state["metrics"]) != _engine.metrics():
            raise ValueError("CampaignResult: pickled by a guanxi with other metrics; run the campaign again")
        raw = _engine.result_from_values(state["values"], state["first_replicate"])
        raw.update(warnings=state["warnings"], seconds=state["seconds"], forests=state["forests"],
                   ledgers=state.get("ledgers", {}), cohorts=state.get("cohorts"))
        if state.get("channel_sums") is not None:
            raw["channel_sums"] = list(state["channel_sums"])
        if state.get("segment_sums") is not None:
            raw["segment_sums"] = list(state["segment_sums"])
        raw["segments"] = state.get("segments")
        self.__init__(raw, state["campaign"], state["seed"], state["label"], state["first_replicate"])
        self._strength_fingerprint = state.get("strength_fingerprint")

    @property
    def manifest(self) -> dict:
        """The identity of this run: everything that determines its numbers, for a run store or
        a cluster to tell whether two results come from the same computation (or can be joined:
        the same manifest but for the replicate range). Keys: ``engine`` and ``version``,
        ``spec_sha256`` (SHA-256 of the normalised spec as canonical JSON: every parameter, the
        defaults included, but the ``run`` section's replicates and seed, which may be
        overridden when running and are given here as run), ``graph`` (``fingerprint``, ``nodes``, ``ties``, ``directed``, and
        ``strength_fingerprint`` when ``ties.init`` is ``"graph"``: the run started from the
        graph's strengths), ``seed``, ``first_replicate``, ``replicates``, ``steps`` and
        ``metrics`` (the column names), and ``per_node`` (``groups_sha256``, ``segments_sha256``)
        when the design reads data per node (initial groups, a segment column). Thread counts
        are not in it: they never change results."""
        graph = self.campaign.graph
        identity = {"fingerprint": graph.fingerprint, "nodes": graph.num_nodes, "ties": graph.num_ties,
                    "directed": graph.directed}
        if self._strength_fingerprint is not None:
            identity["strength_fingerprint"] = self._strength_fingerprint
        return {"engine": "guanxi", "version": _engine.version(),
                "spec_sha256": spec_sha256(self.campaign.spec), "graph": identity,
                "seed": int(self.seed), "first_replicate": int(self.first_replicate),
                "replicates": int(self.replicates), "steps": int(self.steps), "metrics": list(self.metrics),
                **({"per_node": per_node_sha256(self.campaign.per_node)} if self.campaign.per_node is not None else {})}

    def metric(self, name: str) -> np.ndarray:
        """One metric, shape ``(replicates, steps)``."""
        return self.values[:, :, self.metrics.index(checked_metric(name, self.metrics))]

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
        """Per metric at the horizon: mean, Student t confidence interval, sd and the number of
        replicates with a value (rates are undefined, NaN, when their denominator is 0; with
        fewer than two values the sd and the interval are NaN). The numbers of
        :func:`guanxi.stats.mean_interval`, identical to the last step of :meth:`mean_curve`.
        The last row, ``payback_step`` (MODEL.md §11), is the first step at which cumulative
        profit is >= 0, over the replicates that pay back within the horizon (its
        ``replicates`` counts them)."""
        import pandas as pd

        horizon = mean_interval(self.values[:, -1, :], level, axis=0)
        payback = mean_interval(self.payback_steps(), level)
        return pd.DataFrame(
            {"mean": np.append(horizon.mean, payback.mean), "ci_low": np.append(horizon.low, payback.low),
             "ci_high": np.append(horizon.high, payback.high), "sd": np.append(horizon.sd, payback.sd),
             "replicates": np.append(horizon.n, payback.n)},
            index=pd.Index(self.metrics + ["payback_step"], name="metric"),
        )

    def _checked_replicate(self, replicate) -> int:
        if not isinstance(replicate, (int, np.integer)) or not 0 <= replicate < self.replicates:
            raise ValueError(f"replicate: must be in [0, {self.replicates}), got {replicate!r}")
        return int(replicate)

    def _run_alone(self, replicate: int, kept: str):
        """Replicate ``replicate`` of this result run again alone, keeping its ``"forests"`` or
        ``"ledgers"`` entry (a replicate is a pure function of the seed and its index)."""
        index = self.first_replicate + replicate
        raw = _engine.run_campaign(self.campaign.graph, self.campaign.spec, replicates=1, seed=self.seed, threads=1,
                                   first=index, groups=self.campaign.per_node,
                                   forests=[index] if kept == "forests" else [],
                                   customers=[index] if kept == "ledgers" else [])
        return raw[kept][index]

    def payback_steps(self) -> np.ndarray:
        """Per replicate, the first step at which cumulative profit is >= 0 (MODEL.md §11); NaN
        where it never is within the horizon."""
        return first_step_at_or_above_zero(self.metric("profit"))

    def _lifecycle(self, what: str):
        if self._cohorts is None:
            raise ValueError(f"{what}: this result has no customer lifecycle (it was rebuilt from stored "
                             "per-step values, e.g. by a sweep); run the design with Campaign.run")

    def customers(self, replicate: int = 0):
        """The customer ledger of one replicate (MODEL.md §11), one row per customer in the
        order of first purchases: ``node``, ``label``, ``channel``, ``acquired`` (step of the
        first purchase), ``referrer`` and ``referrer_label`` (-1 / None: none), ``group``
        (community group at the horizon, -1: none), ``purchases``, ``revenue``, ``margin``
        (revenue - cost of goods - platform fees), ``incentives`` (attributed to it: discounts
        on its purchases, the reward paid for its conversion, commissions paid on its purchases;
        red packets are not attributed), ``earned`` (rewards, commissions, dividends and rebates
        it received), ``churned`` (the step it churned in, -1: active at the horizon) and
        ``tier`` (its rung at the horizon: customer, fan, partner or shareholder; a churned
        customer's last) and ``segment`` (MODEL.md §15; ``other`` for everyone when there are no
        segments). Replicates listed in
        ``customers=`` of the run are kept; any other is run again alone (the same replicate)."""
        import pandas as pd

        replicate = self._checked_replicate(replicate)
        if replicate not in self._ledgers:
            self._ledgers[replicate] = self._run_alone(replicate, "ledgers")
        columns = self._ledgers[replicate]
        labels = self.campaign.graph.labels
        names = np.array(_engine.channels(), dtype=object)
        referrer = np.asarray(columns["referrer"])
        return pd.DataFrame({
            "node": np.asarray(columns["node"]),
            "label": labels[np.asarray(columns["node"])] if len(referrer) else np.array([], dtype=object),
            "channel": names[np.asarray(columns["channel"], dtype=np.int64)],
            "acquired": np.asarray(columns["acquired"], dtype=np.int64),
            "referrer": referrer,
            "referrer_label": pd.Series([labels[r] if r >= 0 else None for r in referrer], dtype=object),
            "group": np.asarray(columns["group"]),
            "purchases": np.asarray(columns["purchases"], dtype=np.int64),
            "revenue": np.asarray(columns["revenue"]),
            "margin": np.asarray(columns["margin"]),
            "incentives": np.asarray(columns["incentives"]),
            "earned": np.asarray(columns["earned"]),
            "churned": np.asarray(columns["churned"]),
            "tier": np.array(_engine.tiers(), dtype=object)[np.asarray(columns["tier"], dtype=np.int64)],
            "segment": np.array(self._segments, dtype=object)[np.asarray(columns["segment"], dtype=np.int64)],
        })

    # §15 what a segment's horizon value may be (segment_values, "profit@students" in compare).
    SEGMENT_METRICS = ("customers", "revenue", "margin", "incentives", "profit", "ltv", "cac", "retention")

    def segment_values(self, metric: str, segment: str) -> np.ndarray:
        """One value per replicate at the horizon for one segment (MODEL.md §15): ``customers``,
        ``revenue``, ``margin``, ``incentives``, ``ltv``, ``cac``, ``retention`` as in
        :meth:`by_segment`, and ``profit``, the segment's contribution: its customers' margin
        less the incentives attributed to them (ad spend, community cost, red packets, fees,
        stakes, dividends and rebates are not attributed to segments). NaN where a ratio has no
        denominator."""
        self._lifecycle(f"{metric}@{segment}")
        if metric not in self.SEGMENT_METRICS:
            raise ValueError(f"{metric}@{segment}: a segment's metric is one of {', '.join(self.SEGMENT_METRICS)}")
        if segment not in self._segments:
            raise ValueError(f"{metric}@{segment}: no segment named {segment!r} (this design's: "
                             f"{', '.join(self._segments)})")
        k = self._segments.index(segment)
        customers, revenue, margin, incentives, driven, active = (self._segment_sums[:, k, i] for i in range(6))
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {"customers": customers, "revenue": revenue, "margin": margin, "incentives": incentives,
                      "profit": margin - incentives,
                      "ltv": np.where(customers > 0, margin / np.where(customers > 0, customers, 1), np.nan),
                      "cac": np.where(driven > 0, incentives / np.where(driven > 0, driven, 1), np.nan),
                      "retention": np.where(customers > 0, active / np.where(customers > 0, customers, 1), np.nan)}
        return np.asarray(values[metric], dtype=np.float64)

    @property
    def segments(self) -> list:
        """The run's segments (MODEL.md §15), in the engine's order: the list's, then ``other``
        (everyone the shares leave over; everyone when there are no segments)."""
        return list(self._segments)

    def by_segment(self, level: float = 0.95):
        """Results by segment (MODEL.md §15), over the replicates, each a mean per replicate with
        its Student t interval (``_low``/``_high``): ``customers`` (at the horizon, churned
        included), ``revenue``, ``margin`` (revenue - cost of goods - platform fees),
        ``incentives`` (attributed to the segment's customers: discounts on their purchases,
        rewards for their conversion, commissions on their purchases), ``ltv`` (margin per
        customer), ``cac`` (attributed incentives per incentive-driven customer; ad spend and
        community costs are not attributed to segments) and ``retention`` (the share of the
        segment's customers still active at the horizon). A ratio is NaN in a replicate where
        the segment has no customers (or no incentive-driven ones, for ``cac``) and its mean is
        over the others. One row per segment, ``other`` last; ``other`` is left out when it
        cannot hold anyone (shares that add up to 1)."""
        import pandas as pd

        self._lifecycle("by_segment")
        checked_level(level)
        sums = self._segment_sums  # (replicates, segments, 6)
        customers, revenue, margin, incentives, driven, active = (sums[:, :, i] for i in range(6))

        def per(numerator, denominator):
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)

        columns = {"customers": customers, "revenue": revenue, "margin": margin, "incentives": incentives,
                   "ltv": per(margin, customers), "cac": per(incentives, driven), "retention": per(active, customers)}
        table = {}
        for name, values in columns.items():
            interval = mean_interval(values, level, axis=0)
            table[name], table[f"{name}_low"], table[f"{name}_high"] = interval.mean, interval.low, interval.high
        frame = pd.DataFrame(table, index=pd.Index(self._segments, name="segment"))
        segments = self.campaign.spec["segments"]
        if segments["enabled"] and segments["assign"] == "shares":
            total = 0.0
            for entry in segments["list"]:  # summed in the engine's order: U < total holds for every U
                total += entry["share"]
            if total >= 1.0:
                frame = frame.drop(index="other")
        return frame

    def cohorts(self, by: "str | int" = "step", level: float = 0.95):
        """Cohort retention (MODEL.md §11): for the customers acquired together, the share still
        active at each age (steps since the first purchase), with a Student t interval over the
        replicates. ``by`` groups customers by acquisition ``"step"``, by ``"channel"``, or by
        windows of that many steps (``by=7``: weekly cohorts, labelled by their first step). Only
        ages observed within the horizon count (a customer acquired at step c is seen at ages
        0 .. steps - 1 - c). Columns: ``cohort``, ``age``, ``customers`` (mean observed per
        replicate), ``share_active`` (mean over the replicates with customers in the cohort),
        ``ci_low``, ``ci_high``, ``replicates``."""
        import pandas as pd

        self._lifecycle("cohorts")
        checked_level(level)
        steps = self.steps
        if by == "step" or by == "channel":
            width = None
        elif isinstance(by, (int, np.integer)) and not isinstance(by, bool) and by >= 1:
            width = int(by)
        else:
            raise ValueError(f"by: must be 'step', 'channel' or a window of steps >= 1, got {by!r}")
        n_keys = len(_engine.channels()) if by == "channel" else steps if width is None else -(-steps // width)
        observed = np.zeros((self.replicates, n_keys, steps + 1))
        active = np.zeros_like(observed)
        for r, rows in enumerate(self._cohorts):
            rows = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
            if rows.size == 0:
                continue
            acquired, channel, churned, count = rows.T
            key = channel if by == "channel" else acquired if width is None else acquired // width
            np.add.at(observed[r], (key, 0), count)
            np.add.at(observed[r], (key, steps - acquired), -count)
            np.add.at(active[r], (key, 0), count)
            np.add.at(active[r], (key, churned - acquired), -count)
        observed = np.cumsum(observed, axis=2)[:, :, :steps]
        active = np.cumsum(active, axis=2)[:, :, :steps]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(observed > 0, active / np.where(observed > 0, observed, 1), np.nan)
        interval = mean_interval(share, level, axis=0)
        size = observed.mean(axis=0)
        keys, ages = np.nonzero(size > 0)
        labels = (np.array(_engine.channels(), dtype=object)[keys] if by == "channel"
                  else keys if width is None else keys * width)
        return pd.DataFrame({"cohort": labels, "age": ages, "customers": size[keys, ages],
                             "share_active": interval.mean[keys, ages], "ci_low": interval.low[keys, ages],
                             "ci_high": interval.high[keys, ages], "replicates": interval.n[keys, ages]})

    def lifetime_value(self, level: float = 0.95):
        """Realized lifetime value and acquisition cost by channel (MODEL.md §11), over the
        replicates: ``customers`` (mean per replicate), ``ltv`` (margin per customer to the
        horizon: revenue - cost of goods - platform fees) with ``ltv_low``/``ltv_high``, ``cac``
        (ad channel: ad spend per ad customer; other channels: incentives attributed to the
        channel's customers per incentive-driven customer; NaN where there is none) with
        ``cac_low``/``cac_high``, and ``ltv_to_cac`` (mean ltv / mean cac). Community cost
        (posts) and red packets are not attributed to customers. One row per channel that won
        customers."""
        import pandas as pd

        self._lifecycle("lifetime_value")
        checked_level(level)
        sums = self._channel_sums  # (replicates, channels, 5)
        names = _engine.channels()
        customers, margin, incentives, driven = sums[:, :, 0], sums[:, :, 1], sums[:, :, 2], sums[:, :, 3]
        ad = names.index("ad")
        with np.errstate(invalid="ignore", divide="ignore"):
            ltv = np.where(customers > 0, margin / np.where(customers > 0, customers, 1), np.nan)
            cac = np.where(driven > 0, incentives / np.where(driven > 0, driven, 1), np.nan)
            ad_customers = customers[:, ad]
            cac[:, ad] = np.where(ad_customers > 0, self.metric("ad_spend")[:, -1] / np.where(ad_customers > 0,
                                                                                               ad_customers, 1), np.nan)
        value, cost = mean_interval(ltv, level, axis=0), mean_interval(cac, level, axis=0)
        rows = [c for c in range(len(names)) if customers[:, c].sum() > 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = value.mean / cost.mean
        return pd.DataFrame({"customers": customers.mean(axis=0)[rows], "ltv": value.mean[rows],
                             "ltv_low": value.low[rows], "ltv_high": value.high[rows], "cac": cost.mean[rows],
                             "cac_low": cost.low[rows], "cac_high": cost.high[rows], "ltv_to_cac": ratio[rows]},
                            index=pd.Index([names[c] for c in rows], name="channel"))

    def plot_cohorts(self, by: "str | int" = "step", cohorts: Optional[int] = 6, level: float = 0.95, ax=None):
        """Cohort retention curves: the share of each cohort still active by age, with its
        confidence band (:meth:`cohorts`); ``cohorts`` caps how many cohorts are drawn (the
        largest first). Returns the Axes."""
        return plot_cohorts(self, by, cohorts, level, ax)

    def plot_by_segment(self, column: str = "customers", level: float = 0.95, ax=None):
        """:meth:`by_segment`'s ``column`` per segment with its interval (several designs side by
        side: ``gx.plotting.plot_by_segment(results)``). Returns the Axes."""
        return plot_by_segment(self, column, level, ax)

    def plot_lifetime_value(self, level: float = 0.95, ax=None):
        """Lifetime value against acquisition cost by channel, with intervals
        (:meth:`lifetime_value`). Returns the Axes."""
        return plot_lifetime_value(self, level, ax)

    def referral_forest(self, replicate: int):
        """The referral forest of ``replicate``: one row per customer with its referrer in the
        forest (-1 for roots), channel, step of the first purchase and depth, plus labels.
        Replicates listed in ``forests=`` of the run are kept; any other is run again alone (a
        replicate is a pure function of the seed and its index, so it is the same one)."""
        import pandas as pd

        replicate = self._checked_replicate(replicate)
        if replicate not in self._forests:
            self._forests[replicate] = self._run_alone(replicate, "forests")
        node, referrer, channel, step, depth = self._forests[replicate]
        referrer = referrer.astype(np.int64)
        referrer[referrer == np.iinfo(np.uint32).max] = -1
        labels = self.campaign.graph.labels
        names = np.array(_engine.channels(), dtype=object)
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
        (NaN-aware, :func:`guanxi.stats.mean_interval`; the last step is :meth:`summary`'s row).
        Where fewer than two replicates have a value the interval is not available: NaN, never a
        zero-width band."""
        curve = mean_interval(self.metric(metric), level, axis=0)
        return curve.mean, curve.low, curve.high

    def plot(self, metrics: Union[str, Sequence[str]] = ("customers", "profit"), axes=None, label: Optional[str] = None,
             level: float = 0.95, ax=None, baseline: bool = False):
        """Mean of each metric per day with its confidence band, one panel per metric.

        Each panel is titled with the metric, its y axis labelled with the unit (people,
        currency units, shares in percent), the x axis with the day; the band is the
        ``level`` confidence interval of the mean (absent for one replicate). The figure is
        titled with the campaign's name and the number of replicates. To overlay designs, pass
        the axes of the first plot (``axes=`` or ``ax=`` for one metric): each result gets a
        legend entry and the figure title names them all. Up to 20 designs drawn on the same axes
        get distinct colours; ``baseline=True`` draws this one in black and names it first.

        Parameters
        ----------
        metrics : str or list of str
            ``"profit"`` plots one metric.
        axes, ax : matplotlib Axes (or a sequence of them), optional
        label : str, optional
            Legend name (default: the run's label or the campaign's name).
        level : float

        Returns
        -------
        numpy.ndarray of Axes
        """
        if ax is not None and axes is not None:
            raise ValueError("give axes= or ax=, not both")
        return plot_result(self, metrics, axes if axes is not None else ax, label, level, baseline)

    def __repr__(self) -> str:
        customers = self.metric("customers")[:, -1].mean()
        profit = self.metric("profit")[:, -1].mean()
        return (
            f"<guanxi.CampaignResult {self.replicates} replicates x {self.steps} steps: customers {customers:.1f}, "
            f"profit {profit:.1f} (means at the horizon), {self.seconds:.2f} s>"
        )


def first_step_at_or_above_zero(curves: np.ndarray) -> np.ndarray:
    """Per row of ``curves`` (replicates, steps), the first step with a value >= 0; NaN where
    none is."""
    curves = np.asarray(curves)
    reached = curves >= 0
    first = reached.argmax(axis=1).astype(float)
    first[~reached.any(axis=1)] = np.nan
    return first
