"""Which levers matter: global sensitivity of a campaign metric to chosen parameters.

A sweep answers "what happens at these values"; a sensitivity analysis answers "which of these
parameters moves the metric, over the whole of their ranges, alone and through interactions".
:func:`sensitivity` varies a campaign's key paths (``"behaviour.share_prob"``,
``"product.unit_cost"``, ...) each over a range and ranks them by variance-based Sobol' indices or
by Morris's elementary effects. :func:`sobol_indices` and :func:`morris_screening` are the same
estimators for any vectorised function of a box of inputs.

Sobol' indices (Sobol' 1993; Saltelli 2002; Saltelli et al. 2010; Jansen 1999)
-------------------------------------------------------------------------------
With the k inputs independent and uniform on their ranges and Y = f(X), the first-order index
S_i = Var(E[Y | X_i]) / Var(Y) is the share of the variance that X_i explains alone, and the
total index ST_i = E[Var(Y | X_~i)] / Var(Y) the share it takes part in, interactions included
(ST_i = 0 exactly when f does not depend on X_i; ST_i − S_i measures its interactions).

Saltelli's design: two n × k matrices A and B from one scrambled Sobol' sequence of dimension 2k
(:class:`scipy.stats.qmc.Sobol`, n a power of two, which keeps the sequence balanced), scaled to
the ranges; AB_i is A with its column i taken from B. f is evaluated at the n (k + 2) rows of A,
B and every AB_i. With f_A, f_B and f_ABi those values, centred on the mean of f_A and f_B (so
that the first-order estimate does not depend on the level of f, only on its changes), and V the
variance (divisor 2n) of f_A and f_B pooled:

- total (Jansen 1999, as recommended by Saltelli et al. 2010):
  ST_i = ½ · mean((f_A − f_ABi)²) / V;
- first order (Saltelli et al. 2010): S_i = mean(f_B · (f_ABi − f_A)) / V.

Both are exactly 0 for an input that f ignores, since then f_ABi = f_A row by row. (Jansen's
first-order form, (V − ½ · mean((f_B − f_ABi)²)) / V, is as consistent but not exactly 0 there:
it subtracts two estimates of V.) Intervals: the n rows are resampled with replacement
``bootstrap`` times, the indices recomputed, and the percentile interval at ``level`` taken
(Archer, Saltelli & Sobol' 1997). The bootstrap treats the quasi-random rows as independent, which
overstates the spread of a Sobol' sample a little: the intervals are conservative. When V = 0 (the
output never changes) the indices are undefined: NaN, with a warning.

Morris screening (Morris 1991; Campolongo, Cariboni & Saltelli 2007)
-------------------------------------------------------------------
Cheaper, for ranking many inputs: r trajectories of k + 1 points on a grid of p levels
{0, 1/(p − 1), ..., 1} of each range (p even), each point moving one input by Δ = p / (2(p − 1))
of its range, in a random order and direction, from a random start. The elementary effect of X_i
is EE_i = (f(x + Δ e_i) − f(x)) / Δ in units of the range: the change of f when X_i crosses its
whole range at that slope, so effects of inputs with different units compare. Per input: μ* =
mean |EE_i| (Campolongo 2007; the importance), μ = mean EE_i (its sign: effects of both signs
cancel in μ, not in μ*) and σ = sd EE_i (divisor r − 1: non-linearity and interactions). The μ*
interval resamples the trajectories. r (k + 1) evaluations in all.

Campaigns: common random numbers
--------------------------------
In :func:`sensitivity` a point of the design is a campaign, ``base`` with those key paths set,
and its value the mean of ``metric`` at the horizon over ``replicates`` replicates. Every point
runs with the same seed (one :func:`guanxi.sweep` over all of them), so replicate j of every point
faces the same random numbers: f is then a deterministic function of the parameters, and the
indices describe it without Monte Carlo noise being taken for sensitivity. A parameter that cannot
change the metric (the unit cost for the number of customers) gives f_ABi = f_A to the last bit:
its first-order and total indices, and its μ*, are exactly 0. The indices are those of the mean
over these ``replicates`` replicates: with few replicates the mean itself is noisy across seeds,
and the ranking of close parameters can change with the seed.

Parameters of type ``count`` in :func:`guanxi.campaign.parameter_table` take whole values: the
unit interval of the design is cut into high − low + 1 equal parts, one per whole number of the
range (rounding low − ½ + u (high − low + 1), so the ends are as likely as the rest). Points that
then coincide run once.

Examples
--------
>>> import numpy as np
>>> from guanxi.sensitivity_analysis import sobol_indices
>>> def f(x):
...     return 4 * x[:, 0] + x[:, 1]
>>> table = sobol_indices(f, {"a": (0, 1), "b": (0, 1), "c": (0, 1)}, n=256, bootstrap=0)
>>> [round(v, 2) for v in table["total"]]
[0.94, 0.06, 0.0]
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _engine
from ._checks import checked_int, checked_metric, plain_json
from ._designs import parameter_row, parameter_rows
from .campaign import Campaign
from .plotting import format_axis, metric_label, metric_title, metric_unit
from .store import save_study
from .sweeps import apply_changes, sweep as run_sweep

__all__ = ["sensitivity", "sobol_indices", "morris_screening", "SensitivityResult"]

METHODS = ("sobol", "morris")
SOBOL_COLUMNS = ["first", "first_low", "first_high", "total", "total_low", "total_high"]
MORRIS_COLUMNS = ["mu_star", "mu_star_low", "mu_star_high", "mu", "sigma"]


# -- checks ---------------------------------------------------------------------------------------


def _power_of_two(n, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or int(n) & (int(n) - 1):
        raise ValueError(f"{name}: must be a power of two >= 2 (a Sobol' sequence is balanced only in blocks of "
                         f"2^m points), got {n!r}")
    return int(n)


def _level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level: must be in (0, 1), got {level!r}")
    return float(level)


def _bounds(bounds, where: str) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Names and the low and high ends of a dict name -> (low, high), checked."""
    if not isinstance(bounds, Mapping) or not bounds:
        raise ValueError(f"{where}: give a non-empty dict of name -> (low, high), got {bounds!r}")
    names, lows, highs = [], [], []
    for name, pair in bounds.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"{where}: names must be non-empty strings, got {name!r}")
        if isinstance(pair, (str, bytes, Mapping)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"{where}[{name!r}]: give (low, high), got {pair!r}")
        low, high = pair
        for end, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{where}[{name!r}]: {end} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{where}[{name!r}]: {end} must be finite, got {value!r}")
        if not low < high:
            raise ValueError(f"{where}[{name!r}]: low must be below high, got ({low!r}, {high!r})")
        names.append(name)
        lows.append(float(low))
        highs.append(float(high))
    return names, np.array(lows), np.array(highs)


def _evaluate(func: Callable, points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """func at every row of ``points``, called once, checked: one finite number per row."""
    if not callable(func):
        raise ValueError(f"func: must be callable (an (m, k) array of points -> m values), got {type(func).__name__}")
    values = np.asarray(func(points.copy()), dtype=float)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.shape != (points.shape[0],):
        raise ValueError(f"func: given {points.shape[0]} points (an array of shape {points.shape}: columns "
                         f"{', '.join(names)}) it returned shape {values.shape}; give one value per point")
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        where = ", ".join(f"{n}={v:.6g}" for n, v in zip(names, points[first]))
        raise ValueError(f"func: {int(bad.sum())} of {len(values)} values are not finite (first at {where}: "
                         f"{values[first]})")
    return values


def _interval(samples: np.ndarray, level: float) -> Tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column of bootstrap samples (rows), NaN samples skipped."""
    if samples.shape[0] == 0:
        nan = np.full(samples.shape[1], np.nan)
        return nan, nan.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column stays NaN
        low, high = np.nanpercentile(samples, [50 * (1 - level), 50 * (1 + level)], axis=0)
    return low, high


# -- Sobol' indices -------------------------------------------------------------------------------


def _saltelli_design(k: int, n: int, seed: int) -> np.ndarray:
    """Unit-cube points: A (n rows), B (n rows), then AB_1 ... AB_k (n rows each)."""
    from scipy.stats import qmc

    sample = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random_base2(int(n).bit_length() - 1)
    a, b = sample[:, :k], sample[:, k:]
    blocks = [a, b]
    for i in range(k):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.vstack(blocks)


def _sobol_estimates(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """First-order and total indices from f_A, f_B (..., n) and f_AB (..., n, k); leading axes
    are bootstrap samples. NaN where the pooled variance is 0."""
    centre = (f_a.mean(axis=-1) + f_b.mean(axis=-1)) / 2
    a = f_a - centre[..., None]
    b = f_b - centre[..., None]
    ab = f_ab - centre[..., None, None]
    variance = (np.mean(a * a, axis=-1) + np.mean(b * b, axis=-1)) / 2 - (
        (a.mean(axis=-1) + b.mean(axis=-1)) / 2) ** 2
    first = np.mean(b[..., None] * (ab - a[..., None]), axis=-2)
    total = 0.5 * np.mean((a[..., None] - ab) ** 2, axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(variance > 0, variance, np.nan)[..., None]
        return first / scale, total / scale


def _sobol_table(values: np.ndarray, names: List[str], n: int, bootstrap: int, level: float, seed: int):
    import pandas as pd

    k = len(names)
    f_a, f_b = values[:n], values[n:2 * n]
    f_ab = values[2 * n:].reshape(k, n).T  # (n, k)
    pooled = np.concatenate([f_a, f_b])
    constant = bool(np.all(pooled == pooled[0]))
    if constant:
        warnings.warn(f"sobol_indices: the output is {pooled[0]!r} at all {2 * n} points of A and B (variance 0): "
                      "the indices are undefined and given as NaN", RuntimeWarning, stacklevel=3)
        first = total = np.full(k, np.nan)
    else:
        first, total = _sobol_estimates(f_a, f_b, f_ab)
    samples_first = np.empty((bootstrap, k))
    samples_total = np.empty((bootstrap, k))
    if bootstrap and not constant:
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        chunk = max(1, 4_000_000 // (n * (k + 2)))  # bounded memory: chunk x n x k at a time
        for start in range(0, bootstrap, chunk):
            rows = rng.integers(0, n, size=(min(chunk, bootstrap - start), n))
            s1, st = _sobol_estimates(f_a[rows], f_b[rows], f_ab[rows])
            samples_first[start:start + len(rows)] = s1
            samples_total[start:start + len(rows)] = st
    elif bootstrap:
        samples_first[:] = samples_total[:] = np.nan
    first_low, first_high = _interval(samples_first, level)
    total_low, total_high = _interval(samples_total, level)
    table = pd.DataFrame({"first": first, "first_low": first_low, "first_high": first_high, "total": total,
                          "total_low": total_low, "total_high": total_high},
                         index=pd.Index(names, name="parameter"))
    table.attrs.update(method="sobol", n=n, evaluations=n * (k + 2), bootstrap=bootstrap, level=level, seed=seed,
                       variance=float(np.var(pooled)))
    return table


def sobol_indices(func: Callable[[np.ndarray], np.ndarray], bounds: Mapping[str, Tuple[float, float]],
                  n: int = 1024, seed: int = 0, bootstrap: int = 500, level: float = 0.95):
    """First-order and total Sobol' indices of ``func`` over a box, with bootstrap intervals.

    Parameters
    ----------
    func : callable
        Vectorised: an ``(m, k)`` array of points (columns in the order of ``bounds``) -> ``m``
        values. Called once, with all ``n (k + 2)`` points (Saltelli's design: the rows of A, then
        of B, then of AB_1 ... AB_k; see the module's notes).
    bounds : dict
        Input name -> ``(low, high)``, finite, low < high; inputs are uniform on these ranges.
    n : int
        Rows of A and B: a power of two >= 2.
    seed : int
        Seeds the scrambling of the Sobol' sequence and the bootstrap: the same seed gives the
        same table, bit for bit.
    bootstrap : int
        Bootstrap resamples of the n rows for the intervals (0: no intervals, NaN).
    level : float
        Level of the percentile intervals, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``parameter`` (the names of ``bounds``): ``first``, ``first_low``,
        ``first_high``, ``total``, ``total_low``, ``total_high``. ``attrs`` holds ``method``,
        ``n``, ``evaluations``, ``bootstrap``, ``level``, ``seed`` and ``variance`` (of f over
        A and B). NaN indices (and a RuntimeWarning) when the output never changes over A and B.

    Raises
    ------
    ValueError
        Bad bounds (naming the input), ``n`` not a power of two, ``func`` returning the wrong
        shape or values that are not finite.
    """
    names, low, high = _bounds(bounds, "bounds")
    n = _power_of_two(n)
    seed = checked_int(seed, "seed", 0, 2**64)
    bootstrap = checked_int(bootstrap, "bootstrap", 0)
    level = _level(level)
    unit = _saltelli_design(len(names), n, seed)
    values = _evaluate(func, low + unit * (high - low), names)
    return _sobol_table(values, names, n, bootstrap, level, seed)


# -- Morris screening -----------------------------------------------------------------------------


def _morris_design(k: int, trajectories: int, levels: int, seed: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit-grid points of ``trajectories`` Morris trajectories (k + 1 rows each, stacked), the
    input moved at each step (trajectories, k) and the signed step in units of the range."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
    delta = levels / (2 * (levels - 1))
    starts = np.arange(levels // 2) / (levels - 1)  # levels from which + Δ stays on the grid
    lower = np.tril(np.ones((k + 1, k)), -1)  # B: row j has ones in its first j columns
    points, moved, steps = [], [], []
    for _ in range(trajectories):
        start = rng.choice(starts, size=k)
        direction = rng.choice([-1.0, 1.0], size=k)
        order = rng.permutation(k)
        # Morris (1991): B* = (J x* + Δ/2 [(2B − J) D* + J]) P*; each row moves one input by ±Δ.
        trajectory = start + (delta / 2) * ((2 * lower - 1) * direction + 1)
        trajectory = trajectory[:, _inverse(order)]  # input order[j] moves at step j + 1
        change = np.diff(trajectory, axis=0)
        which = np.argmax(np.abs(change), axis=1)
        points.append(trajectory)
        moved.append(which)
        steps.append(change[np.arange(k), which])
    return np.vstack(points), np.array(moved), np.array(steps)


def _inverse(order: np.ndarray) -> np.ndarray:
    """Columns so that input order[j] moves at step j: column c of the result is column
    position-of-c of the unpermuted trajectory."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return inverse


def _morris_table(values: np.ndarray, names: List[str], moved: np.ndarray, steps: np.ndarray, levels: int,
                  bootstrap: int, level: float, seed: int):
    import pandas as pd

    trajectories, k = moved.shape
    f = values.reshape(trajectories, k + 1)
    effects = np.empty((trajectories, k))
    for t in range(trajectories):
        effects[t, moved[t]] = (f[t, 1:] - f[t, :-1]) / steps[t]
    absolute = np.abs(effects)
    mu_star = absolute.mean(axis=0)
    samples = np.empty((bootstrap, k))
    if bootstrap:
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
        for start in range(0, bootstrap, 1000):
            rows = rng.integers(0, trajectories, size=(min(1000, bootstrap - start), trajectories))
            samples[start:start + len(rows)] = absolute[rows].mean(axis=1)
    low, high = _interval(samples, level)
    sigma = effects.std(axis=0, ddof=1) if trajectories > 1 else np.full(k, np.nan)
    table = pd.DataFrame({"mu_star": mu_star, "mu_star_low": low, "mu_star_high": high, "mu": effects.mean(axis=0),
                          "sigma": sigma}, index=pd.Index(names, name="parameter"))
    table.attrs.update(method="morris", trajectories=trajectories, levels=levels, delta=levels / (2 * (levels - 1)),
                       evaluations=trajectories * (k + 1), bootstrap=bootstrap, level=level, seed=seed)
    return table


def _levels(levels) -> int:
    levels = checked_int(levels, "levels", 2)
    if levels % 2:
        raise ValueError(f"levels: must be even (with Δ = p / (2(p − 1)) an odd p puts steps off the grid), "
                         f"got {levels}")
    return levels


def morris_screening(func: Callable[[np.ndarray], np.ndarray], bounds: Mapping[str, Tuple[float, float]],
                     trajectories: int = 20, levels: int = 4, seed: int = 0, bootstrap: int = 500,
                     level: float = 0.95):
    """Morris elementary effects of ``func`` over a box: μ* with a bootstrap interval, μ, σ.

    Parameters
    ----------
    func : callable
        Vectorised: an ``(m, k)`` array of points -> ``m`` values; called once, with the
        ``trajectories (k + 1)`` points (trajectory after trajectory).
    bounds : dict
        Input name -> ``(low, high)``, finite, low < high.
    trajectories : int
        Random trajectories (r >= 2).
    levels : int
        Grid levels p per input, even; each step moves one input by Δ = p / (2(p − 1)) of its
        range.
    seed : int
        Seeds the trajectories and the bootstrap.
    bootstrap : int
        Resamples of the trajectories for the μ* interval (0: NaN interval).
    level : float
        Level of the percentile interval.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``parameter``: ``mu_star``, ``mu_star_low``, ``mu_star_high``, ``mu``,
        ``sigma``; effects are changes of the output per whole range of the input (module notes).
        ``attrs`` holds ``method``, ``trajectories``, ``levels``, ``delta``, ``evaluations``,
        ``bootstrap``, ``level`` and ``seed``.
    """
    names, low, high = _bounds(bounds, "bounds")
    trajectories = checked_int(trajectories, "trajectories", 2)
    levels = _levels(levels)
    seed = checked_int(seed, "seed", 0, 2**64)
    bootstrap = checked_int(bootstrap, "bootstrap", 0)
    level = _level(level)
    unit, moved, steps = _morris_design(len(names), trajectories, levels, seed)
    values = _evaluate(func, low + unit * (high - low), names)
    return _morris_table(values, names, moved, steps, levels, bootstrap, level, seed)


# -- campaigns ------------------------------------------------------------------------------------


class SensitivityResult:
    """Outcome of :func:`sensitivity`.

    Attributes
    ----------
    indices : pandas.DataFrame
        Per key path: Sobol' ``first``/``total`` with intervals, or Morris ``mu_star`` (with
        interval), ``mu`` and ``sigma`` (:func:`sobol_indices`, :func:`morris_screening`).
    method : str
        ``"sobol"`` or ``"morris"``.
    metric : str
    ranges : dict
        Key path -> (low, high).
    points : pandas.DataFrame
        The distinct campaign points run, in the order of the sweep's designs: one column per
        key path and ``value`` (the mean of the metric at the horizon over the replicates).
    evaluations : int
        Distinct campaign points run (the design's points less those that coincide).
    replicates, seed : int
    sweep : guanxi.Sweep
        The sweep that ran them (per-replicate values, summaries).
    """

    def __init__(self, indices, method: str, metric: str, ranges: dict, points, replicates: int, seed: int, sweep):
        self.indices, self.method, self.metric, self.ranges = indices, method, metric, dict(ranges)
        self.points, self.replicates, self.seed, self.sweep = points, int(replicates), int(seed), sweep
        self.evaluations = int(len(points))

    def __repr__(self) -> str:
        column = "total" if self.method == "sobol" else "mu_star"
        ranked = self.indices[column].dropna()
        top = f"; most influential {ranked.idxmax()} ({column} {ranked.max():.3g})" if len(ranked) else ""
        return (f"<guanxi.SensitivityResult {self.method} of {self.metric!r}: {len(self.indices)} parameters, "
                f"{self.evaluations} points x {self.replicates} replicates{top}>")

    def document(self) -> dict:
        """The analysis as a JSON-friendly document (run stores, reports)."""
        column = "total" if self.method == "sobol" else "mu_star"
        ranked = self.indices[column].dropna()
        message = (f"{self.method} sensitivity of {self.metric}: most influential {ranked.idxmax()} ({column} "
                   f"{ranked.max():.3g})" if len(ranked) else f"{self.method} sensitivity of {self.metric}: no variation")
        return plain_json({"kind": "sensitivity", "method": self.method, "metric": self.metric, "message": message,
                            "ranges": {k: list(v) for k, v in self.ranges.items()}, "replicates": self.replicates,
                            "seed": self.seed, "evaluations": self.evaluations,
                            "indices": {p: {c: float(v) for c, v in row.items()} for p, row in self.indices.iterrows()}})

    def plot(self, ax=None):
        """Horizontal bars per key path, most influential on top: for Sobol' the first-order and
        total indices side by side, for Morris μ*; whiskers are the bootstrap intervals. Returns
        the matplotlib Axes."""
        import matplotlib.pyplot as plt

        table = self.indices
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 1.2 + 0.55 * len(table)), layout="constrained")
        level = table.attrs.get("level", 0.95)

        def whiskers(estimate, low, high):
            est = table[estimate].to_numpy(float)
            below = np.nan_to_num(np.clip(est - table[low].to_numpy(float), 0, None))
            above = np.nan_to_num(np.clip(table[high].to_numpy(float) - est, 0, None))
            return np.nan_to_num(est), np.vstack([below, above])

        key = table["total" if self.method == "sobol" else "mu_star"].to_numpy(float)
        order = np.argsort(np.nan_to_num(key, nan=-np.inf), kind="stable")  # barh draws bottom-up: largest on top
        positions = np.arange(len(table))
        if self.method == "sobol":
            height = 0.38
            for offset, (name, label) in zip((height / 2, -height / 2), (("first", "first order"),
                                                                         ("total", "total"))):
                width, error = whiskers(name, f"{name}_low", f"{name}_high")
                ax.barh(positions + offset, width[order], height=height, xerr=error[:, order], capsize=3,
                        label=label)
            ax.set_xlabel("Sobol' index (share of the variance)")
            ax.axvline(0, color="black", linewidth=0.8)
            ax.legend(fontsize="small", frameon=False, loc="lower right")
            detail = f"n = {table.attrs.get('n')}"
        else:
            width, error = whiskers("mu_star", "mu_star_low", "mu_star_high")
            ax.barh(positions, width[order], height=0.6, xerr=error[:, order], capsize=3, label="μ*")
            ax.set_xlabel(f"μ*: mean |effect| over the range ({metric_label(self.metric)})")
            format_axis(ax.xaxis, metric_unit(self.metric))
            detail = f"{table.attrs.get('trajectories')} trajectories"
        ax.set_yticks(positions, list(table.index[order]))
        ax.set_ylabel("parameter")
        ax.set_title(f"{metric_title(self.metric)} at the horizon: {'Sobol' if self.method == 'sobol' else 'Morris'}"
                     f" sensitivity\n({detail}, {self.replicates} replicates per point, {level:.0%} bootstrap intervals)",
                     fontsize="medium")
        ax.grid(True, axis="x", alpha=0.3)
        return ax


def _checked_ranges(base, ranges) -> Tuple[List[str], np.ndarray, np.ndarray, List[bool]]:
    """Key paths, low and high ends, and which are counts: every key known, a number or count,
    its ends finite and ordered, and both ends accepted by the engine."""
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValueError(f"ranges: give a non-empty dict of key path -> (low, high), e.g. "
                         f"{{'behaviour.share_prob': (0.05, 0.3)}}, got {ranges!r}")
    for key in ranges:
        kind = parameter_row(key, f"ranges[{key!r}]")["type"]
        if key.startswith("run."):
            raise ValueError(f"ranges[{key!r}]: run.* cannot vary (the points of an analysis share the horizon; "
                             "replicates and seed are its own)")
        if kind not in ("number", "count"):
            raise ValueError(f"ranges[{key!r}]: a {kind} parameter has no range to vary over; give numbers or counts")
    names, low, high = _bounds(ranges, "ranges")
    counts = [parameter_rows()[key]["type"] == "count" for key in names]
    for key, lo, hi, count in zip(names, low, high, counts):
        if count and not (float(lo).is_integer() and float(hi).is_integer()):
            raise ValueError(f"ranges[{key!r}]: a count takes whole values; give whole ends, got ({lo:g}, {hi:g})")
        for end, value in (("low", lo), ("high", hi)):
            value = int(value) if count else float(value)
            try:
                apply_changes(base, {key: value}, "check", f"ranges[{key!r}] {end} {value!r}")
            except ValueError as error:
                message = str(error)
                raise ValueError(message if key in message else f"ranges[{key!r}]: {message}") from None
    return names, low, high, counts


def _campaign_values(points: np.ndarray, names: List[str], low: np.ndarray, high: np.ndarray, counts: List[bool]):
    """The design's points as key-path values (counts whole): (values per point, distinct
    points as dicts, index of each point's distinct point)."""
    columns = []
    for j, count in enumerate(counts):
        column = points[:, j]
        if count:
            width = high[j] - low[j]
            unit = (column - low[j]) / width
            whole = np.floor(unit * (width + 1) + 1e-9)  # high − low + 1 equal parts of the unit interval
            column = np.clip(low[j] + whole, low[j], high[j])
            columns.append([int(v) for v in column])
        else:
            columns.append([float(v) for v in column])
    rows = list(zip(*columns))
    distinct: Dict[tuple, int] = {}
    which = np.empty(len(rows), dtype=np.int64)
    for number, row in enumerate(rows):
        which[number] = distinct.setdefault(row, len(distinct))
    designs = [dict(zip(names, row)) for row in distinct]
    return designs, which


def sensitivity(base, ranges: Mapping[str, Tuple[float, float]], metric: str = "profit", method: str = "sobol",
                n: int = 64, trajectories: int = 10, levels: int = 4, replicates: int = 20, seed: int = 0,
                bootstrap: int = 500, level: float = 0.95, store=None, client=None, threads: Optional[int] = None,
                progress: bool = True) -> SensitivityResult:
    """Which levers matter: Sobol' indices or Morris screening of a campaign metric.

    Parameters
    ----------
    base : Campaign
        Every point is ``base`` with the key paths of ``ranges`` set.
    ranges : dict
        Key path (``"behaviour.share_prob"``) -> ``(low, high)``: parameters of type number or
        count (:func:`guanxi.campaign.parameter_table`), each uniform on its range; counts take
        whole values (module notes). Giving a key of ``group_buy``, ``bargain`` or ``membership``
        switches it on, as in :meth:`Campaign.replace`.
    metric : str
        The metric (:func:`guanxi.campaign.metrics`) whose mean at the horizon is analysed.
    method : str
        ``"sobol"``: first-order and total indices from ``n (k + 2)`` points; ``"morris"``:
        elementary effects from ``trajectories (k + 1)`` points (cheaper, a ranking).
    n : int
        Sobol': rows of A and B, a power of two.
    trajectories, levels : int
        Morris: trajectories (>= 2) and grid levels (even).
    replicates : int
        Replicates per point; every point runs with the same ``seed`` (common random numbers).
    seed : int
        The common seed of the campaigns, the Sobol' scrambling or Morris trajectories, and the
        bootstrap.
    bootstrap, level
        Resamples and level of the bootstrap intervals.
    store, client, threads, progress
        As in :func:`guanxi.sweep`, which runs all the points in one call.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    ValueError
        An unknown key path, a parameter that is not a number or count, a range whose ends are
        not finite, not ordered or refused by the engine (naming the key); an unknown metric or
        method; ``n`` not a power of two; a metric undefined (NaN) in every replicate of a point.
    """
    if not isinstance(base, Campaign):
        raise ValueError(f"base: must be a guanxi.Campaign, got {type(base).__name__}")
    names, low, high, counts = _checked_ranges(base, ranges)
    checked_metric(metric, _engine.metrics())
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method: unknown {method!r} (methods: {', '.join(METHODS)})")
    if method == "sobol":
        n = _power_of_two(n)
    else:
        trajectories = checked_int(trajectories, "trajectories", 2)
        levels = _levels(levels)
    replicates = checked_int(replicates, "replicates", 1)
    seed = checked_int(seed, "seed", 0, 2**64)
    bootstrap = checked_int(bootstrap, "bootstrap", 0)
    level = _level(level)

    ran = {}

    def evaluate(points: np.ndarray) -> np.ndarray:
        import pandas as pd

        designs, which = _campaign_values(points, names, low, high, counts)
        # The points are the sample asked for (n, trajectories), not a grid's product: no limit of designs.
        swept = run_sweep(base, designs, replicates=replicates, seed=seed, store=store, client=client,
                          threads=threads, progress=progress, max_designs=max(1, len(designs)))
        horizon = swept.horizon(metric)
        means = np.empty(len(designs))
        for number, values in enumerate(horizon):
            present = values[~np.isnan(values)]
            if present.size == 0:
                where = ", ".join(f"{k}={v:g}" for k, v in designs[number].items())
                raise ValueError(f"metric: {metric!r} is undefined (NaN) in every replicate at {where}; choose a "
                                 "metric defined at every point, or narrow the ranges")
            means[number] = present.mean()
        frame = pd.DataFrame(designs, columns=names).rename_axis("point")
        frame["value"] = means
        ran.update(points=frame, sweep=swept)
        return means[which]

    if method == "sobol":
        unit = _saltelli_design(len(names), n, seed)
        values = _evaluate(evaluate, low + unit * (high - low), names)
        indices = _sobol_table(values, names, n, bootstrap, level, seed)
    else:
        unit, moved, steps = _morris_design(len(names), trajectories, levels, seed)
        values = _evaluate(evaluate, low + unit * (high - low), names)
        indices = _morris_table(values, names, moved, steps, levels, bootstrap, level, seed)
    indices.attrs.update(metric=metric, replicates=replicates, distinct_points=len(ran["points"]))
    result = SensitivityResult(indices, method, metric, ranges={k: (lo, hi) for k, lo, hi in zip(names, low, high)},
                             points=ran["points"], replicates=replicates, seed=seed, sweep=ran["sweep"])
    if store is not None:
        save_study(store, f"sensitivity-{result.sweep.name}", result.document(), result.sweep.name)
    return result
