"""Best of many: sequential ranking and selection with common random numbers.

``gx.select(designs, metric="profit", delta=500)`` runs the designs side by side, replicate by
replicate (the same seed for all: common random numbers), and drops a design as soon as the
paired evidence says it is not the best; it stops when one is left. It follows Kim and Nelson's
fully sequential procedure KN (Kim & Nelson, "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3), 2001), which allows common random numbers because it
screens on the variances of paired differences:

- first stage: n0 replicates of every design; S²_il is the sample variance of X_i − X_l;
- η = ½ [(2α / (k − 1))^(−2 / (n0 − 1)) − 1] and h² = 2η(n0 − 1), with α = 1 − confidence;
- after replicate r ≥ n0 design i survives if, for every other survivor l,
  X̄_i(r) ≥ X̄_l(r) − W_il(r), W_il(r) = max(0, δ/(2r) · (h² S²_il / δ² − r));
- it stops when one design survives, or at r = max_il ⌊h² S²_il / δ²⌋ + 1 (the survivor with the
  highest mean is chosen then).

The guarantee: if the best design's mean is at least ``delta`` above every other's, it is chosen
with probability at least ``confidence`` (for normally distributed replicates; means of campaign
metrics over many people are close to it). Designs within ``delta`` of the best are "as good"
and any of them may be chosen: the decision reads "B is best, or within δ of the best, with
≥ 95 % confidence", and the paired margin over the runner-up says how far apart they are. Replicates are computed in batches (``batch``) and screened one
by one, so batching never changes the decision; a replicate is a pure function of (seed,
replicate), so the decision does not depend on threads or machines either.
"""

from __future__ import annotations

import math
from typing import Mapping, Optional

import numpy as np

from . import _engine
from ._checks import checked_int, checked_level, checked_metric, plain_json
from ._format import readable
from .comparison import named_designs
from .plotting import format_axis, metric_label, metric_title, metric_unit, text_label
from .stats import paired_difference
from .store import save_study
from .sweeps import DesignRuns

__all__ = ["select", "Selection", "kn_select"]


def kn_constants(designs: int, n0: int, confidence: float) -> float:
    """h² of procedure KN for k designs, first-stage size n0 and the confidence."""
    alpha = 1.0 - confidence
    eta = 0.5 * ((2.0 * alpha / (designs - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return 2.0 * eta * (n0 - 1)


def kn_select(draw, designs: int, delta: float, confidence: float = 0.95, n0: int = 20, batch: int = 10,
              max_replicates: int = 100_000):
    """Procedure KN on any source of replicates: ``draw(numbers, replicates)`` returns, for each
    design number in ``numbers``, the array of its first ``replicates`` values (higher is
    better; common random numbers allowed). Returns a dict: ``best``, ``replicates`` (per
    design, where it stopped being observed), ``eliminated`` (per design: (r, by whom) or None),
    ``stopped`` ("one left", "bound", "max_replicates") and ``h2``, ``variances`` (S²_il)."""
    if designs < 2:
        raise ValueError("designs: give at least two")
    h2 = kn_constants(designs, n0, confidence)
    first = draw(list(range(designs)), n0)
    x = np.array([np.asarray(v, dtype=float)[:n0] for v in first])
    if not np.all(np.isfinite(x)):
        raise ValueError("the metric is NaN or infinite in some replicates (a rate with nothing to count?): choose a "
                         "metric that always has a value")
    diff = x[:, None, :] - x[None, :, :]
    variances = diff.var(axis=2, ddof=1)  # S²_il
    bound = int(np.floor(h2 * variances.max() / delta ** 2)) + 1  # the procedure ends at r = N + 1
    alive = list(range(designs))
    replicates = {i: n0 for i in alive}
    eliminated: dict = {i: None for i in alive}
    sums = x.sum(axis=1)
    values = {i: x[i] for i in alive}

    def screen(alive: list, r: int) -> list:
        """The designs still in the race after replicate r (each against the others of the round)."""
        survivors = []
        for i in alive:
            for l in alive:
                if l != i:
                    w = max(0.0, delta / (2 * r) * (h2 * variances[i, l] / delta ** 2 - r))
                    if sums[i] / r < sums[l] / r - w:
                        eliminated[i], replicates[i] = (r, l), r
                        break
            else:
                survivors.append(i)
        return survivors

    r = n0
    alive = screen(alive, r)
    while len(alive) > 1 and r < bound and r < max_replicates:
        # The next batch for the survivors, screened one replicate at a time.
        upto = min(r + batch, bound, max_replicates)
        for i, v in zip(alive, draw(alive, upto)):
            v = np.asarray(v, dtype=float)[:upto]
            if not np.all(np.isfinite(v)):
                raise ValueError("the metric is NaN or infinite in some replicates: choose a metric that always has "
                                 "a value")
            values[i] = v
        while r < upto and len(alive) > 1:
            r += 1
            for i in alive:
                sums[i] += values[i][r - 1]
            alive = screen(alive, r)
    stopped = "one left" if len(alive) == 1 else "bound" if r >= bound else "max_replicates"
    for i in alive:
        replicates[i] = r
    best = max(alive, key=lambda i: sums[i] / r)
    return {"best": best, "alive": alive, "replicates": replicates, "eliminated": eliminated, "stopped": stopped,
            "h2": h2, "variances": variances, "bound": bound, "r": r}


class Selection:
    """Outcome of :func:`select`.

    Attributes
    ----------
    best : int
        The chosen design's number; ``best_label`` its name and ``campaign`` the Campaign.
    table : pandas.DataFrame
        Per design: ``label``, ``mean`` (of the metric over its replicates), ``replicates``
        (observed before it was dropped or the end), ``eliminated_at`` (replicate, NaN for the
        survivors) and ``eliminated_by``.
    margin : dict
        The chosen design against the runner-up (the other design with the highest mean), paired
        over their common replicates: ``runner_up``, ``difference``, ``low``, ``high`` (at the
        confidence level) and ``replicates``.
    replicates_used : int
        Replicates the procedure looked at, all designs together.
    confidence, delta, metric, stopped
    message : str
        The decision in one sentence.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"<guanxi.Selection: {self.message}>"

    def plot(self, ax=None):
        """The race: each design's running mean of the metric over replicates until it was
        dropped (a cross), the chosen design's line to the end. Returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
        for number, row in self.table.iterrows():
            values = self._values[number][: int(row["replicates"])]
            running = np.cumsum(values) / np.arange(1, len(values) + 1)
            x = np.arange(1, len(values) + 1)
            width = 2.4 if number == self.best else 1.2
            line = ax.plot(x, running, linewidth=width, label=text_label(f"{number}: {row['label']}"))[0]
            if not math.isnan(row["eliminated_at"]):
                ax.plot(x[-1], running[-1], marker="x", color=line.get_color(), markersize=8)
        ax.axvline(self.n0, color="0.5", linestyle=":", linewidth=1, label=f"first stage ({self.n0})")
        ax.set_xlabel("replicates (common random numbers)")
        ax.set_ylabel(f"running mean, {metric_label(self.metric)}")
        format_axis(ax.yaxis, metric_unit(self.metric))
        ax.set_title(f"Selecting the best by {metric_title(self.metric)}: "
                     f"{self.best_label} (≥ {self.confidence:.0%}, δ = {readable(self.delta)})")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", frameon=False)
        return ax

    def document(self) -> dict:
        """The selection as a JSON-friendly document (reports, ``guanxi select --json``)."""
        return plain_json({
            "kind": "select", "metric": self.metric, "delta": self.delta, "confidence": self.confidence,
            "lowest": self.lowest, "best": self.best, "best_label": self.best_label, "message": self.message,
            "stopped": self.stopped, "replicates_used": self.replicates_used, "seed": self.seed, "n0": self.n0,
            "margin": self.margin, "uncertain": [[p, list(d)] for p, d in self.uncertain],
            "designs": [{"design": int(n), **{k: row[k] for k in ("label", "mean", "replicates", "eliminated_at",
                                                                  "eliminated_by")}}
                        for n, row in self.table.iterrows()]})


def select(
    designs,
    metric: str = "profit",
    delta: Optional[float] = None,
    confidence: float = 0.95,
    initial: int = 20,
    batch: int = 10,
    max_replicates: int = 10_000,
    lowest: bool = False,
    seed: int = 0,
    uncertain: Optional[Mapping] = None,
    store=None,
    client=None,
    threads: Optional[int] = None,
    progress: bool = True,
    name: Optional[str] = None,
) -> Selection:
    """Choose the best design with a stated confidence, adding replicates only where needed.

    Parameters
    ----------
    designs : dict or list
        Name -> Campaign, or a list of named Campaigns (as :func:`guanxi.compare`), on one graph
        with one horizon.
    metric : str
        Compared at the horizon; higher is better unless ``lowest``.
    delta : float
        The indifference zone: the smallest difference in the metric worth telling apart
        (required). Designs within ``delta`` of the best count as equally good.
    confidence : float
        The probability of choosing the best when it leads by at least ``delta``.
    initial : int
        First-stage replicates of every design (n0 >= 2; 20 is usual).
    batch : int
        Replicates added per round to the designs still in the race (decisions do not depend on
        it).
    max_replicates : int
        A cap per design; reaching it with several designs left ends with the best mean among
        them, and ``stopped`` says so.
    seed, uncertain, store, client, threads, progress, name
        As for :func:`guanxi.sweep` (``uncertain``: each replicate draws those parameters, the
        same draw for every design, so "best" means best in expectation over them).

    Returns
    -------
    Selection
        ``.best``, ``.best_label``, ``.campaign``, ``.message`` ("B is best, or within δ of the
        best, with ≥ 95 % confidence; margin over the runner-up ...; 1,400 replicates used").
    """
    named = named_designs(designs)
    if len(named) < 2:
        raise ValueError("designs: give at least two")
    if delta is None:
        raise ValueError(f"delta: required: the smallest difference in {metric} worth telling apart (the "
                         "indifference zone), e.g. delta=500")
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)) or not (
            math.isfinite(delta) and delta > 0):
        raise ValueError(f"delta: must be a finite number > 0, got {delta!r}")
    confidence = checked_level(confidence)
    if confidence <= 1.0 / len(named):
        raise ValueError(f"confidence: must exceed 1/{len(named)} (a guess among {len(named)} designs)")
    initial = checked_int(initial, "initial", 2)
    batch = checked_int(batch, "batch", 1)
    max_replicates = checked_int(max_replicates, "max_replicates", initial)
    checked_metric(metric, _engine.metrics())
    labels = list(named)
    campaigns = [named[n].replace(name=n) if named[n].name != n else named[n] for n in labels]
    base = campaigns[0]
    runs = DesignRuns(base, campaigns, seed=seed, store=store, client=client, block=batch, threads=threads,
                      progress=progress, name=name, uncertain=uncertain, label=f"select by {metric}")
    column = runs.metrics.index(metric)
    sign = -1.0 if lowest else 1.0

    def draw(numbers, replicates):
        runs.ensure(numbers, replicates, target=replicates)
        return [sign * runs.values[n][:replicates, -1, column] for n in numbers]

    try:
        outcome = kn_select(draw, len(campaigns), float(delta), confidence, initial, batch, max_replicates)
    finally:
        runs.close()
    import pandas as pd

    values = [runs.values[n][: runs.done[n], -1, column] for n in range(len(campaigns))]
    rows = []
    for number in range(len(campaigns)):
        used = outcome["replicates"][number]
        out = outcome["eliminated"][number]
        rows.append({"label": labels[number], "mean": float(values[number][:used].mean()), "replicates": used,
                     "eliminated_at": float(out[0]) if out else math.nan,
                     "eliminated_by": labels[out[1]] if out else None})
    table = pd.DataFrame(rows, index=pd.Index(range(len(campaigns)), name="design"))
    best = outcome["best"]
    others = [n for n in range(len(campaigns)) if n != best]
    runner = max(others, key=lambda n: sign * table["mean"][n])
    common = int(min(outcome["replicates"][best], outcome["replicates"][runner]))
    paired = paired_difference(values[runner][:common], values[best][:common], confidence)
    margin = {"runner_up": int(runner), "runner_up_label": labels[runner], "difference": float(paired.difference),
              "low": float(paired.low), "high": float(paired.high), "replicates": common}
    used = int(sum(outcome["replicates"].values()))
    half = (paired.high - paired.low) / 2
    better = "lower" if lowest else "higher"
    if outcome["stopped"] == "max_replicates":
        verdict = (f"no single best within δ = {readable(delta)} after {max_replicates:,} replicates per design: "
                   f"{', '.join(labels[n] for n in outcome['alive'])} remain; {labels[best]} has the {better} mean")
    else:
        verdict = (f"{labels[best]} is best, or within δ = {readable(delta)} of the best in {metric}, with ≥ "
                   f"{confidence:.0%} confidence")
    message = (f"{verdict}; margin over the runner-up {labels[runner]}: Δ = {readable(paired.difference, True)} ± {readable(half)} "
               f"({confidence:.0%} CI, {common:,} paired replicates); {used:,} replicates used")
    result = Selection(best=best, best_label=labels[best], campaign=campaigns[best], table=table, margin=margin,
                     replicates_used=used, confidence=confidence, delta=float(delta), metric=metric,
                     stopped=outcome["stopped"], message=message, lowest=lowest, seed=runs.seed, n0=initial,
                     uncertain=runs.uncertain, bound=outcome["bound"], h2=outcome["h2"], _values=values,
                     sweep=runs.sweep(None), store=None if store is None else getattr(runs.store, "path", None))
    if runs.store is not None:
        save_study(store, f"select-{runs.name}" if name is None else f"select-{name}", result.document(), runs.name)
    return result
