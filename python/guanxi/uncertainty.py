"""Robustness to what we do not know: parameters given as distributions instead of numbers.

``uncertain={"behaviour.conv_strong": ("uniform", 0.04, 0.16)}`` on :func:`guanxi.sweep`,
:func:`guanxi.compare` and :func:`guanxi.select` makes each replicate draw the uncertain
parameters — the same draw for every design, a pure function of (seed, replicate) — so designs
are compared on the same states of the world as well as the same randomness. The replicates then
average over the uncertainty, and :meth:`Sweep.robustness <guanxi.Sweep.robustness>` asks what a
strategist asks of it: how likely is each design to be the best, what does choosing it cost
when it is not (expected regret), and where in the uncertain range does the winner change.

Distributions: ``("uniform", low, high)``, ``("triangular", low, mode, high)``, ``("normal",
mean, sd)`` (clipped to the parameter's allowed range), ``("choice", [v1, v2, ...])`` (equally
likely). Count parameters (``seeding.k``, ``policy.group_buy.size``) are rounded to integers.

How the answers are computed (docs/model.md records these as open choices): each design's metric
at the horizon is regressed, over replicates, on the uncertain parameters with a quadratic
response surface (least squares on 1, θ_j, θ_j², θ_j·θ_l, parameters standardised), which
averages out the Monte Carlo noise of single replicates; at each replicate's draw the design
with the highest fitted mean is that draw's best. The chance of being best is the share of draws
where a design is best; the expected regret is the mean, over draws, of the best fitted mean
minus the design's; the winner along one parameter is read from the fitted means on a grid of
that parameter with the others at their means. The raw share of replicates in which each design
was highest (noise included) is reported beside them.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._designs import draw, parse_uncertain, with_values
from ._format import readable
from .plotting import format_axis, metric_label, metric_title, metric_unit, text_label
from .stats import mean_interval

__all__ = ["parse_uncertain", "draw", "with_values", "robustness", "Robustness"]


# -- robustness ------------------------------------------------------------------------------------


def _features(theta: np.ndarray, center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Quadratic response-surface features of standardised parameters."""
    z = (theta - center) / scale
    columns = [np.ones(len(z))]
    k = z.shape[1]
    columns += [z[:, j] for j in range(k)]
    columns += [z[:, j] ** 2 for j in range(k)]
    columns += [z[:, j] * z[:, l] for j in range(k) for l in range(j + 1, k)]
    return np.column_stack(columns)


class Robustness:
    """Outcome of :meth:`Sweep.robustness <guanxi.Sweep.robustness>`.

    Attributes
    ----------
    table : pandas.DataFrame
        Per design (index ``design``): ``label``, ``mean`` (over replicates and draws),
        ``p_best`` (chance of being best over the uncertainty, from the fitted response),
        ``expected_regret``, ``share_highest`` (raw share of replicates in which it was highest)
        and ``r2`` (of its fitted response).
    switches : pandas.DataFrame
        Where the winner changes along each uncertain parameter (the others at their means):
        ``parameter``, ``at`` (the value), ``from_design`` and ``to_design``. Empty when one
        design wins across the whole range.
    winners : dict
        Per parameter, (grid, fitted means (designs x grid), winner per grid point).
    """

    def __init__(self, sweep, metric: str, table, switches, winners, draws, values):
        self.sweep, self.metric, self.table, self.switches, self.winners = sweep, metric, table, switches, winners
        self.draws, self.values = draws, values

    def __repr__(self) -> str:
        best = self.table["p_best"].idxmax()
        return (f"<guanxi.Robustness of {self.metric}: design {best} ({self.table['label'][best]}) best with chance "
                f"{self.table['p_best'][best]:.0%}; {len(self.switches)} winner changes>")

    def summary(self) -> str:
        """One paragraph for a strategist."""
        best = self.table["p_best"].idxmax()
        lines = [f"Over the uncertain {', '.join(self.winners)}, design {best} ({self.table['label'][best]}) is best "
                 f"with chance {self.table['p_best'][best]:.0%} (expected regret "
                 f"{self.table['expected_regret'][best]:,.1f} in {self.metric})."]
        for row in self.switches.itertuples(index=False):
            lines.append(f"Along {row.parameter}, the winner changes from design {row.from_design} to design "
                         f"{row.to_design} at {readable(row.at)}.")
        if self.switches.empty:
            lines.append("The winner does not change across the uncertain range.")
        return " ".join(lines)

    def plot(self, parameter: Optional[str] = None, ax=None, bins: int = 8, level: float = 0.95):
        """The metric against one uncertain parameter: per design, the fitted mean (line, the
        other parameters at their means) and binned means of the replicates with their
        ``level`` intervals (points); the winner's regions shaded along the x axis and the
        switches marked. Returns the Axes."""
        import matplotlib.pyplot as plt

        names = list(self.winners)
        parameter = parameter or names[0]
        if parameter not in self.winners:
            raise ValueError(f"parameter: {parameter!r} is not uncertain here (uncertain: {', '.join(names)})")
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
        grid, fitted, winner = self.winners[parameter]
        column = names.index(parameter)
        theta = self.draws[:, column]
        edges = np.quantile(theta, np.linspace(0, 1, bins + 1))
        which = np.clip(np.searchsorted(edges, theta, side="right") - 1, 0, bins - 1)
        for number, label in self.table["label"].items():
            line = ax.plot(grid, fitted[number], linewidth=1.8, label=text_label(f"{number}: {label}"))[0]
            centres, means, lows, highs = [], [], [], []
            for b in range(bins):
                chosen = which == b
                if chosen.sum() >= 2:
                    interval = mean_interval(self.values[number][chosen], level)
                    centres.append(theta[chosen].mean())
                    means.append(interval.mean)
                    lows.append(interval.mean - interval.low)
                    highs.append(interval.high - interval.mean)
            ax.errorbar(centres, means, yerr=[lows, highs], fmt="o", markersize=3, capsize=2, color=line.get_color(),
                        alpha=0.7)
        for row in self.switches[self.switches["parameter"] == parameter].itertuples(index=False):
            ax.axvline(row.at, color="0.3", linestyle="--", linewidth=1)
            ax.annotate(f"winner {row.from_design} → {row.to_design}", (row.at, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, -12), textcoords="offset points", fontsize="small")
        ax.set_xlabel(f"{parameter} (uncertain)")
        ax.set_ylabel(metric_label(self.metric))
        format_axis(ax.yaxis, metric_unit(self.metric))
        ax.set_title(f"{metric_title(self.metric)} at the horizon across the uncertain {parameter}\n"
                     f"lines: fitted means; points: binned replicates with {level:.0%} CI")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", frameon=False)
        return ax


def robustness(sweep, metric: str = "profit", lowest: bool = False, grid_points: int = 101) -> Robustness:
    """The body of :meth:`Sweep.robustness <guanxi.Sweep.robustness>` (see there)."""
    import pandas as pd

    if not sweep.uncertain:
        raise ValueError("robustness: the sweep has no uncertain parameters (sweep(..., uncertain={...}))")
    n = int(sweep.replicates_done.min())
    if n < 3:
        raise ValueError(f"robustness: needs at least 3 replicates per design, got {n}")
    names = [path for path, _ in sweep.uncertain]
    theta = sweep.draws.to_numpy(dtype=float)[:n]
    values = [v[:n] for v in sweep.horizon(metric)]
    sign = -1.0 if lowest else 1.0
    center, scale = theta.mean(axis=0), theta.std(axis=0)
    scale[scale == 0] = 1.0
    features = _features(theta, center, scale)
    fitted, r2, coefficients = [], [], []
    for y in values:
        ok = np.isfinite(y)
        if ok.sum() < features.shape[1]:
            raise ValueError(f"robustness: too few replicates with a value of {metric!r} to fit the response "
                             f"({ok.sum()}, need {features.shape[1]})")
        beta, *_ = np.linalg.lstsq(features[ok], y[ok], rcond=None)
        coefficients.append(beta)
        prediction = features @ beta
        fitted.append(prediction)
        residual = y[ok] - prediction[ok]
        total = ((y[ok] - y[ok].mean()) ** 2).sum()
        r2.append(1 - (residual ** 2).sum() / total if total > 0 else 1.0)
    fitted_matrix = sign * np.array(fitted)  # designs x draws, higher is better
    best_fit = fitted_matrix.max(axis=0)
    winner = fitted_matrix.argmax(axis=0)
    raw = sign * np.array(values)
    raw_best = np.nanargmax(np.where(np.isnan(raw), -np.inf, raw), axis=0)
    designs = len(values)
    table = pd.DataFrame({
        "label": list(sweep.designs["label"]),
        "mean": [float(np.nanmean(v)) for v in values],
        "p_best": [float(np.mean(winner == d)) for d in range(designs)],
        "expected_regret": [float(np.mean(best_fit - fitted_matrix[d])) for d in range(designs)],
        "share_highest": [float(np.mean(raw_best == d)) for d in range(designs)],
        "r2": r2,
    }, index=pd.Index(range(designs), name="design"))
    switches, winners = [], {}
    for j, name in enumerate(names):
        low, high = theta[:, j].min(), theta[:, j].max()
        grid = np.linspace(low, high, grid_points)
        points = np.tile(center, (grid_points, 1))
        points[:, j] = grid
        surface = _features(points, center, scale)
        curves = np.array([surface @ beta for beta in coefficients])
        best = (sign * curves).argmax(axis=0)
        winners[name] = (grid, curves, best)
        for i in range(1, grid_points):
            if best[i] != best[i - 1]:
                switches.append((name, float((grid[i] + grid[i - 1]) / 2), int(best[i - 1]), int(best[i])))
    frame = pd.DataFrame(switches, columns=["parameter", "at", "from_design", "to_design"])
    return Robustness(sweep, metric, table, frame, winners, theta, values)
