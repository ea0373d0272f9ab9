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

import math
from typing import List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .campaign import _parameter_rows, parameter_row

__all__ = ["parse_uncertain", "draw", "robustness", "Robustness"]

_TAG = 0x756E6365  # "unce": the stream of the uncertain parameters' draws, apart from the engine's


def _bounds(row: dict) -> Tuple[float, float]:
    """The allowed range of a parameter, from its table row."""
    text = row["range"]
    if text == "[0, 1]":
        return 0.0, 1.0
    if text in (">= 0", "> 0"):
        return 0.0, math.inf
    if text == ">= 1":
        return 1.0, math.inf
    if text.startswith("[") and "," in text:
        low, high = text.strip("[]").split(",")[:2]
        try:
            return float(low), float(high.split()[0].rstrip("]"))
        except ValueError:
            pass
    return -math.inf, math.inf


def parse_uncertain(uncertain: Optional[Mapping], where: str = "uncertain") -> List[Tuple[str, tuple]]:
    """``[(key path, (kind, *numbers))]`` in the given order, every distribution checked against
    the parameter's type and range. None or {} gives []."""
    if uncertain is None:
        return []
    if not isinstance(uncertain, Mapping):
        raise ValueError(f"{where}: give a dict of key path -> distribution, e.g. "
                         "{'behaviour.conv_strong': ('uniform', 0.04, 0.16)}")
    parsed = []
    for path, spec in uncertain.items():
        label = f"{where}[{path!r}]"
        row = parameter_row(path, label)
        if row["type"] not in ("number", "count"):
            raise ValueError(f"{label}: {row['type']} parameters cannot be uncertain (numbers and counts can)")
        if not isinstance(spec, (tuple, list)) or not spec or not isinstance(spec[0], str):
            raise ValueError(f"{label}: give (kind, ...), e.g. ('uniform', 0.04, 0.16)")
        kind, args = spec[0], list(spec[1:])
        low, high = _bounds(row)
        if kind == "choice":
            if len(args) != 1 or not isinstance(args[0], (list, tuple)) or not args[0]:
                raise ValueError(f"{label}: ('choice', [v1, v2, ...]) takes a non-empty list")
            values = [_number(v, label) for v in args[0]]
            for v in values:
                _inside(v, low, high, label)
            parsed.append((path, ("choice", tuple(values))))
            continue
        arity = {"uniform": 2, "triangular": 3, "normal": 2}
        if kind not in arity:
            raise ValueError(f"{label}: unknown distribution {kind!r} (uniform, triangular, normal, choice)")
        if len(args) != arity[kind]:
            raise ValueError(f"{label}: {kind} takes {arity[kind]} numbers, got {len(args)}")
        numbers = [_number(v, label) for v in args]
        if kind == "uniform":
            if not numbers[0] < numbers[1]:
                raise ValueError(f"{label}: uniform needs low < high, got {numbers[0]} and {numbers[1]}")
            _inside(numbers[0], low, high, label)
            _inside(numbers[1], low, high, label)
        elif kind == "triangular":
            if not numbers[0] <= numbers[1] <= numbers[2] or numbers[0] == numbers[2]:
                raise ValueError(f"{label}: triangular needs low <= mode <= high and low < high")
            _inside(numbers[0], low, high, label)
            _inside(numbers[2], low, high, label)
        else:
            if not numbers[1] > 0:
                raise ValueError(f"{label}: normal needs sd > 0, got {numbers[1]}")
            _inside(numbers[0], low, high, label)
        parsed.append((path, (kind, *numbers)))
    return parsed


def _number(value, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise ValueError(f"{label}: numbers must be finite, got {value!r}")
    return float(value)


def _inside(value: float, low: float, high: float, label: str) -> None:
    if not low <= value <= high:
        raise ValueError(f"{label}: {value} is outside the parameter's range [{low}, {high}]")


def draw(uncertain: Sequence[Tuple[str, tuple]], seed: int, first: int, count: int) -> np.ndarray:
    """The draws of replicates ``first .. first + count``: shape (count, parameters). Replicate
    r's draw is a pure function of (seed, r) and the distributions, so every design, block and
    machine sees the same one."""
    from scipy import stats

    rows = _parameter_rows()
    out = np.empty((count, len(uncertain)))
    for i, r in enumerate(range(first, first + count)):
        uniforms = np.random.Generator(np.random.Philox(np.random.SeedSequence([int(seed), int(r), _TAG]))).random(
            len(uncertain))
        for j, (path, (kind, *args)) in enumerate(uncertain):
            u = uniforms[j]
            if kind == "uniform":
                value = args[0] + u * (args[1] - args[0])
            elif kind == "triangular":
                low, mode, high = args
                value = stats.triang.ppf(u, (mode - low) / (high - low), loc=low, scale=high - low)
            elif kind == "normal":
                low, high = _bounds(rows[path])
                value = min(max(stats.norm.ppf(u, loc=args[0], scale=args[1]), low), high)
            else:
                choices = args[0]
                value = choices[min(int(u * len(choices)), len(choices) - 1)]
            out[i, j] = round(value) if rows[path]["type"] == "count" else value
    return out


def with_values(spec: dict, paths: Sequence[str], values: Sequence[float]) -> dict:
    """A copy of a spec with key paths set (counts as integers)."""
    import copy

    rows = _parameter_rows()
    changed = copy.deepcopy(spec)
    for path, value in zip(paths, values):
        at = changed
        parts = path.split(".")
        for part in parts[:-1]:
            at = at[part]
        at[parts[-1]] = int(value) if rows[path]["type"] == "count" else float(value)
    return changed


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
                         f"{row.to_design} at {row.at:.4g}.")
        if self.switches.empty:
            lines.append("The winner does not change across the uncertain range.")
        return " ".join(lines)

    def plot(self, parameter: Optional[str] = None, ax=None, bins: int = 8, level: float = 0.95):
        """The metric against one uncertain parameter: per design, the fitted mean (line, the
        other parameters at their means) and binned means of the replicates with their
        ``level`` intervals (points); the winner's regions shaded along the x axis and the
        switches marked. Returns the Axes."""
        import matplotlib.pyplot as plt

        from .plotting import format_axis, metric_label, metric_title, metric_unit
        from .stats import mean_interval

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
            line = ax.plot(grid, fitted[number], linewidth=1.8, label=f"{number}: {label}")[0]
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
