"""Calibration: behaviour parameters from the curves a business actually has.

Strategists have daily sales, not cascades. :func:`calibrate` takes a campaign design and the
observed per-day series of a few metrics (cumulative customers, purchases per day, ...), and
returns the parameter values the model finds compatible with them — a posterior distribution,
not a single fit — with the trade-offs between parameters, and posterior predictive bands to
check the fit and forecast the rest of the horizon.

The model has no tractable likelihood, so the method is approximate Bayesian computation (ABC):
parameter values are kept when a simulation of them lands close to the data. It follows the
ABC population Monte Carlo sampler (ABC-PMC, ABC-SMC) of

- T. Toni, D. Welch, N. Strelkowa, A. Ipsen and M. P. H. Stumpf (2009), "Approximate Bayesian
  computation scheme for parameter inference and model selection in dynamical systems",
  J. R. Soc. Interface 6, 187–202;
- M. A. Beaumont, J.-M. Cornuet, J.-M. Marin and C. P. Robert (2009), "Adaptive approximate
  Bayesian computation", Biometrika 96, 983–990.

Algorithm
---------
The prior is uniform on the box of ``params`` (key path -> (low, high)). With N = ``particles``:

1. Generation 0 draws N parameter vectors from the prior, simulates each once and keeps them all
   (tolerance ε_0 = ∞), with equal weights.
2. Generation t ≥ 1 has the tolerance ε_t = the ``quantile`` of generation t − 1's distances
   (unweighted, as in Toni et al.). A proposal picks particle j of generation t − 1 with
   probability w_j and perturbs it with a Gaussian kernel K of covariance Σ_t = 2 · (weighted
   covariance of generation t − 1) (Beaumont et al.; ``numpy.cov`` with ``aweights``).
   Proposals outside the prior box are dropped without simulating; the others are simulated
   once and accepted when their distance is ≤ ε_t, until N are accepted.
3. The weight of an accepted θ_i is prior(θ_i) / Σ_j w_j K(θ_i | θ_j), normalised (the prior
   density is constant on the box, so it cancels).

It stops after ``generations`` generations (``stopped == "generations"``); or when a generation's
acceptance rate falls below ``min_acceptance`` — a generation that has simulated
ceil(N / min_acceptance) proposals without N acceptances is abandoned (``"min_acceptance"``);
or when ``max_simulations`` simulations have run (``"max_simulations"``). An abandoned
generation is listed in :attr:`Calibration.generations` (``complete`` False) but the posterior is
the last complete one.

Distance
--------
For each observed column c with values y_c(s), s = 0 … T − 1, and a simulation x_c(s) of the
same metric: rmse_c = sqrt(mean_s (x_c(s) − y_c(s))²) / scale_c, where scale_c is the observed
column's standard deviation over the steps (divisor T), or its mean absolute value when that is
0, or 1 when the column is all zeros. The distance is sqrt(mean_c rmse_c²): every column counts
alike, whatever its unit. A simulation with a NaN among the compared values (a rate whose
denominator was 0) has distance ∞ and is never accepted. ``distance`` may also be a function
``f(simulated, observed) -> float`` of two arrays of shape (T, columns), columns in the order of
``observed``.

Randomness and reproducibility
------------------------------
Simulation k of a calibration (k counts every simulation, 0, 1, 2, …, across generations) is
replicate k of ``seed`` — one replicate, a pure function of (seed, k) — and the proposals come
from a generator seeded with ``seed`` in the calling thread; batches of proposals are simulated
in parallel and accepted in proposal order, with batch sizes that do not depend on the threads.
The same seed therefore gives a bit-identical posterior whatever ``threads``. For synthetic data,
use another seed (or other replicates) than the calibration's: replicate k of the data's seed
would otherwise share its random numbers with simulation k.

Open choices
------------
- Only parameters of type ``number`` are calibrated (counts, flags and choices are not); the
  prior is uniform on a box inside each parameter's range.
- :attr:`Calibration.samples` is the final population resampled (systematic resampling) to N
  equally weighted rows, for plain ``DataFrame`` use; :attr:`Calibration.particles` and
  :attr:`Calibration.weights` are the weighted population that :meth:`~Calibration.mean`,
  :meth:`~Calibration.interval` and :attr:`~Calibration.correlation` use (no resampling noise).
- Weighted quantiles interpolate the weighted empirical distribution function at the midpoints
  of each particle's weight.
- The final tolerance is not 0, so the posterior is the ABC posterior: a little wider than the
  exact one (intervals cover a little more than their level).
- Each simulation runs the whole horizon (``run.steps``); the first T steps are compared, and
  :meth:`Calibration.predictive` forecasts the rest.

Examples
--------
>>> import guanxi as gx
>>> from guanxi.calibration import calibrate
>>> g = gx.generators.holme_kim(300, 3, 0.5, seed=1)
>>> base = gx.Campaign(g, run={"steps": 15})
>>> truth = base.replace(behaviour={"external_rate": 0.01}).run(replicates=1, seed=99, progress=False)
>>> observed = {"customers": truth.metric("customers")[0]}
>>> fit = calibrate(base, observed, {"behaviour.external_rate": (0, 0.05)}, particles=100,
...                 generations=4, seed=1, progress=False)
>>> low, high = fit.interval("behaviour.external_rate")
>>> high - low < 0.9 * 0.05
True
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import warnings
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _engine
from ._checks import Progress, checked_int, checked_level, plain_json
from ._designs import parameter_row
from ._format import day, readable
from .campaign import Campaign
from .plotting import label_day_axes, panels

__all__ = ["calibrate", "Calibration", "CalibrationWarning", "plot_predictive"]

_STREAM_PROPOSALS, _STREAM_RESAMPLE, _STREAM_PREDICTIVE = 0, 1, 2
_CORRELATION_WARNING = 0.7


# A last generation that narrows a 90 % interval by more than this share means the calibration
# stopped by its generation limit, not because the posterior settled.
_STILL_SHRINKING = 0.1


def plot_predictive(axes, series: Mapping, level: float) -> None:
    """The posterior predictive check drawn into ``axes``, one panel per observed column:
    ``series`` maps each column's name to its ``observed`` (NaN or None after the data end),
    ``median``, ``low`` and ``high`` per step — :meth:`Calibration.predictive`'s columns, or the
    lists a stored calibration document keeps, which the report draws without simulating. The
    observed series as points, the median as a line, the ``level`` band shaded, a dotted line
    where the data end; days count from 1."""
    for axis, (name, columns) in zip(axes, series.items()):
        median, low, high, observed = (np.asarray(columns[k], dtype=float) for k in ("median", "low", "high",
                                                                                      "observed"))
        steps = day(np.arange(len(median)))
        observed_steps = int(np.isfinite(observed).sum())  # observed series have no gap (_checked_observed)
        line = axis.plot(steps, median, linewidth=1.8, label="posterior predictive median")[0]
        axis.fill_between(steps, low, high, alpha=0.25, color=line.get_color(), linewidth=0,
                          label=f"{level:.0%} posterior predictive band")
        axis.plot(steps[:observed_steps], observed[:observed_steps], marker="o", markersize=3.5, linestyle="-",
                  linewidth=0.8, color="black", label="observed")
        if observed_steps < len(steps):
            axis.axvline(day(observed_steps - 0.5), color="grey", linestyle=":", linewidth=1, label="end of data")
        label_day_axes(axis, name)


class CalibrationWarning(UserWarning):
    """A calibration whose posterior needs care: parameters that trade off (the data pin down a
    combination of them, not each)."""


# -- checks ---------------------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _range_bounds(text: str) -> Tuple[float, bool, float, bool]:
    """A parameter table range as (low, low_open, high, high_open): "[0, 1]", ">= 0", "> 0"."""
    text = text.strip()
    interval = re.match(r"^\[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]", text)
    if interval:
        return float(interval.group(1)), False, float(interval.group(2)), False
    bound = re.match(r"^(>=|>)\s*([-+0-9.eE]+)", text)
    if bound:
        return float(bound.group(2)), bound.group(1) == ">", math.inf, True
    return -math.inf, True, math.inf, True


def _checked_params(params, base: Campaign) -> Dict[str, Tuple[float, float]]:
    if not isinstance(params, Mapping) or not params:
        raise ValueError("params: give a dict of key path -> (low, high), e.g. {'behaviour.share_prob': (0, 0.3)}")
    priors: Dict[str, Tuple[float, float]] = {}
    for key, bounds in params.items():
        row = parameter_row(key, "params")
        if row["type"] != "number" or key.startswith("run."):
            raise ValueError(f"params[{key!r}]: is a {row['type']}; only parameters of type number can be calibrated")
        if isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__") or len(bounds) != 2:
            raise ValueError(f"params[{key!r}]: give the prior as (low, high), got {bounds!r}")
        low, high = bounds
        if not (_is_real(low) and _is_real(high)):
            raise ValueError(f"params[{key!r}]: low and high must be numbers, got {bounds!r}")
        low, high = float(low), float(high)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"params[{key!r}]: low and high must be finite, got ({low}, {high})")
        if not low < high:
            raise ValueError(f"params[{key!r}]: low must be < high, got ({low}, {high})")
        lo, lo_open, hi, hi_open = _range_bounds(row["range"])
        if low < lo or (lo_open and low == lo) or high > hi or (hi_open and high == hi):
            raise ValueError(f"params[{key!r}]: the prior ({low}, {high}) leaves the parameter's range {row['range']}")
        priors[key] = (low, high)
    # Constraints between keys (ties.low <= ties.high, ...) are the engine's: check both corners.
    for corner in (0, 1):
        changes: dict = {}
        for key, bounds in priors.items():
            at = changes
            parts = key.split(".")
            for part in parts[:-1]:
                at = at.setdefault(part, {})
            at[parts[-1]] = bounds[corner]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                base.replace(**changes)
            except ValueError as error:
                raise ValueError(f"params: the prior's {'lower' if corner == 0 else 'upper'} corner is not a valid "
                                 f"design: {error}") from None
    return priors


def _checked_observed(observed, steps: int):
    """``observed`` as (column names, array of shape (T, columns))."""
    known = _engine.metrics()
    if hasattr(observed, "columns") and hasattr(observed, "index"):  # a pandas DataFrame
        names = list(observed.columns)
        if len(set(names)) != len(names):
            raise ValueError("observed: a column name appears twice")
        index = observed.index
        if len(index) and index.dtype.kind in "iu" and list(index) != list(range(len(index))):
            raise ValueError("observed: rows are steps 0 .. T-1 in order; the index is integer but not 0 .. T-1 "
                             "(reset it, or keep it for the steps it says)")
        columns = {name: observed[name].to_numpy() for name in names}
    elif isinstance(observed, Mapping):
        columns = dict(observed)
        names = list(columns)
    else:
        raise ValueError("observed: give a pandas DataFrame or a dict of metric -> values, got "
                         f"{type(observed).__name__}")
    if not names:
        raise ValueError("observed: has no columns (give metric names such as 'customers')")
    arrays = []
    length = None
    for name in names:
        if not isinstance(name, str) or name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (see guanxi.campaign.metrics())"
            raise ValueError(f"observed: unknown column {name!r}{hint}")
        try:
            values = np.asarray(columns[name], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"observed[{name!r}]: values must be numbers") from None
        if values.ndim != 1:
            raise ValueError(f"observed[{name!r}]: must be one value per step, got shape {values.shape}")
        if values.size == 0:
            raise ValueError(f"observed[{name!r}]: is empty")
        if values.size > steps:
            raise ValueError(f"observed[{name!r}]: has {values.size} steps, more than the horizon run.steps = {steps}")
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"observed[{name!r}]: step {int(bad[0])} is {values[bad[0]]} (give a number for every "
                             "step; drop the column or shorten the series instead)")
        if length is not None and values.size != length:
            raise ValueError(f"observed[{name!r}]: has {values.size} steps, the others {length}")
        length = values.size
        arrays.append(values)
    return names, np.column_stack(arrays)


def _scales(observed: np.ndarray) -> np.ndarray:
    """Per column: the sd over steps, else the mean absolute value, else 1 (never 0)."""
    scale = observed.std(axis=0)
    fallback = np.abs(observed).mean(axis=0)
    scale = np.where(scale > 0, scale, fallback)
    return np.where(scale > 0, scale, 1.0)


# -- weighted statistics --------------------------------------------------------------------------


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    x, w = values[order], weights[order]
    cdf = np.cumsum(w) - 0.5 * w
    cdf /= w.sum()
    return np.interp(q, cdf, x)


def _weighted_cov(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if theta.shape[0] < 2:
        return np.zeros((theta.shape[1], theta.shape[1]))
    return np.atleast_2d(np.cov(theta, rowvar=False, aweights=weights))


def _cholesky(cov: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Cholesky factor of ``cov``, with a jitter on the diagonal (a fraction of the prior
    widths) where a collapsed population makes it singular."""
    jitter = 1e-12
    while True:
        try:
            return np.linalg.cholesky(cov + np.diag((jitter * widths) ** 2))
        except np.linalg.LinAlgError:
            jitter *= 100
            if jitter > 1:
                return np.diag(1e-3 * widths)


def _kernel_weights(theta: np.ndarray, previous: np.ndarray, weights: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """w_i ∝ 1 / Σ_j w_j N(θ_i; θ_j, Σ) (a uniform prior cancels), normalised; in logs."""
    log_w = np.log(weights)
    out = np.empty(theta.shape[0])
    for start in range(0, theta.shape[0], 512):
        diff = theta[start:start + 512, None, :] - previous[None, :, :]  # (b, N, d)
        z = np.linalg.solve(chol, diff.reshape(-1, diff.shape[-1]).T).T.reshape(diff.shape)
        log_k = -0.5 * np.einsum("bnd,bnd->bn", z, z) + log_w[None, :]
        top = log_k.max(axis=1)
        out[start:start + 512] = -(top + np.log(np.exp(log_k - top[:, None]).sum(axis=1)))
    out = np.exp(out - out.max())
    return out / out.sum()


def _systematic(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    positions = (rng.random() + np.arange(count)) / count
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, positions, side="right").clip(0, len(weights) - 1)


# -- simulation -----------------------------------------------------------------------------------


class _Simulator:
    """One replicate per parameter vector, in parallel: the spec template with the calibrated
    keys set, replicate ``first`` of ``seed``, the observed columns' first ``steps`` rows."""

    def __init__(self, base: Campaign, keys: Sequence[str], columns: Sequence[int], steps: Optional[int],
                 seed: int, threads: int):
        self.graph = base.graph
        self.per_node = base.per_node
        self.template = copy.deepcopy(base.spec)
        self.slots = []
        for key in keys:
            at = self.template
            parts = key.split(".")
            for part in parts[:-1]:
                at = at[part]
            self.slots.append((at, parts[-1]))
        self.columns = list(columns)
        self.steps = steps
        self.seed = seed
        self.threads = threads

    def spec_json(self, theta: np.ndarray) -> str:
        for (table, key), value in zip(self.slots, theta):
            table[key] = float(value)
        return json.dumps(self.template)

    def _one(self, spec: str, first: int) -> np.ndarray:
        raw = _engine.run_campaign(self.graph, spec, replicates=1, seed=self.seed, threads=1, first=first,
                                   groups=self.per_node)
        values = raw["values"][0]
        if self.steps is not None:
            values = values[: self.steps]
        return np.array(values[:, self.columns], dtype=np.float64)

    def run(self, thetas: np.ndarray, first: int, pool) -> np.ndarray:
        """Shape (len(thetas), steps, columns); simulation i is replicate first + i."""
        specs = [self.spec_json(theta) for theta in thetas]
        firsts = range(first, first + len(specs))
        if pool is None:
            results = list(map(self._one, specs, firsts))
        else:
            results = list(pool.map(self._one, specs, firsts))
        return np.stack(results) if results else np.empty((0, 0, len(self.columns)))


def _rmse_distances(simulated: np.ndarray, observed: np.ndarray, scales: np.ndarray) -> np.ndarray:
    per_column = np.sqrt(np.mean((simulated - observed[None]) ** 2, axis=1)) / scales[None]
    distance = np.sqrt(np.mean(per_column ** 2, axis=1))
    return np.where(np.isnan(distance), np.inf, distance)


# -- the result -----------------------------------------------------------------------------------


class Calibration:
    """The outcome of :func:`calibrate`.

    Attributes
    ----------
    samples : pandas.DataFrame
        The final population resampled (systematic resampling) to ``particles`` equally weighted
        rows, one column per parameter: use it as draws from the posterior.
    particles : pandas.DataFrame
        The final weighted population: one column per parameter, then ``weight`` and
        ``distance``.
    weights : numpy.ndarray
        The weights of :attr:`particles` (sum 1).
    generations : pandas.DataFrame
        One row per generation: ``generation``, ``tolerance`` (ε_t; ∞ for generation 0),
        ``acceptance_rate`` (accepted / simulated, up to the simulation that completed the
        population), ``simulations`` (run in that generation), ``outside_prior`` (proposals
        dropped unsimulated), ``ess`` (effective sample size 1 / Σ w²) and ``complete`` (False
        for an abandoned last generation, which the posterior does not use).
    simulations : int
        Simulations run in all.
    stopped : str
        ``"generations"`` (all ran), ``"min_acceptance"`` or ``"max_simulations"``.
    tolerance : float
        The tolerance of the final population.
    correlation : pandas.DataFrame
        Weighted correlation matrix of the parameters.
    warnings : list of str
        The :class:`CalibrationWarning` messages.
    observed : pandas.DataFrame
        The observed series, one column per metric, rows steps 0 .. T − 1.
    priors : dict
        Key path -> (low, high).
    """

    def __init__(self, *, base: Campaign, keys: List[str], priors: Dict[str, Tuple[float, float]], names: List[str],
                 observed: np.ndarray, theta: np.ndarray, weights: np.ndarray, distances: np.ndarray,
                 history: list, simulations: int, stopped: str, tolerance: float, seed: int, threads: int,
                 samples: np.ndarray, populations: list):
        import pandas as pd

        self.base = base
        self.keys = list(keys)
        self.priors = dict(priors)
        self.seed = seed
        self.simulations = int(simulations)
        self.stopped = stopped
        self.tolerance = float(tolerance)
        self.observed = pd.DataFrame(observed, columns=names)
        self.observed.index.name = "step"
        self._names = list(names)
        self._theta = theta
        self.weights = weights
        self.distances = distances
        self._threads = threads
        self._populations = populations
        self.particles = pd.DataFrame(theta, columns=self.keys)
        self.particles["weight"] = weights
        self.particles["distance"] = distances
        self.samples = pd.DataFrame(samples, columns=self.keys)
        self.generations = pd.DataFrame(history, columns=["generation", "tolerance", "acceptance_rate", "simulations",
                                                          "outside_prior", "ess", "complete"])
        cov = _weighted_cov(theta, weights)
        sd = np.sqrt(np.diag(cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / np.outer(sd, sd)
        self.correlation = pd.DataFrame(corr, index=self.keys, columns=self.keys)
        self.warnings: List[str] = []
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                r = corr[i, j]
                if np.isfinite(r) and abs(r) > _CORRELATION_WARNING:
                    self.warnings.append(f"parameters trade off: {keys[i]} and {keys[j]} (correlation {r:.2f}): the "
                                         "data pin down a combination of them, not each")
        if stopped == "generations" and len(populations) >= 2:
            # Stopped by the generation limit: if the last generation still narrowed a parameter's
            # 90 % interval by more than a tenth, more generations would narrow it further.
            (before, before_w, _), (after, after_w, _) = populations[-2], populations[-1]
            for i, key in enumerate(keys):
                widths = [float(np.diff(_weighted_quantile(t[:, i], w, [0.05, 0.95]))[0])
                          for t, w in ((before, before_w), (after, after_w))]
                if widths[0] > 0 and widths[1] < (1 - _STILL_SHRINKING) * widths[0]:
                    self.warnings.append(
                        f"stopped at the generation limit while the posterior was still shrinking: the last "
                        f"generation narrowed {key}'s 90% interval by {1 - widths[1] / widths[0]:.0%}; run more "
                        "generations (generations=) before reading its interval")
                    break
        self._predictive: Dict[int, np.ndarray] = {}

    def _column(self, key: str) -> int:
        if key not in self.keys:
            raise ValueError(f"key: {key!r} was not calibrated (calibrated: {', '.join(self.keys)})")
        return self.keys.index(key)

    def mean(self, key: str) -> float:
        """The posterior mean of a parameter (weighted over :attr:`particles`)."""
        return float(np.dot(self.weights, self._theta[:, self._column(key)]))

    def interval(self, key: str, level: float = 0.9) -> Tuple[float, float]:
        """The central ``level`` posterior interval of a parameter: its weighted (1 − level) / 2
        and (1 + level) / 2 quantiles over :attr:`particles`."""
        level = checked_level(level)
        low, high = _weighted_quantile(self._theta[:, self._column(key)], self.weights,
                                       [(1 - level) / 2, (1 + level) / 2])
        return float(low), float(high)

    def summary(self, level: float = 0.9):
        """How much the data said, per parameter: a :class:`pandas.DataFrame` indexed by key path
        with the prior (``prior_low``, ``prior_high``), the posterior ``mean``, the central
        ``level`` interval (``low``, ``high``) and ``share_of_prior``: the interval's width over
        the prior's. A share near the level itself (0.9 for a 90 % interval) means the data said
        next to nothing about the parameter; the informative example of docs/choosing.md
        narrows its two parameters to under a third of their priors at 95 %."""
        import pandas as pd

        level = checked_level(level)
        rows = []
        for key in self.keys:
            low, high = self.interval(key, level)
            prior_low, prior_high = self.priors[key]
            rows.append({"key": key, "prior_low": prior_low, "prior_high": prior_high, "mean": self.mean(key),
                         "low": low, "high": high, "share_of_prior": (high - low) / (prior_high - prior_low)})
        frame = pd.DataFrame(rows).set_index("key")
        frame.attrs["level"] = level
        return frame

    def population(self, generation: int):
        """The weighted population of a complete generation (columns as :attr:`particles`)."""
        import pandas as pd

        if not _is_int(generation) or not 0 <= generation < len(self._populations):
            raise ValueError(f"generation: must be in [0, {len(self._populations)}), got {generation!r}")
        theta, weights, distances = self._populations[generation]
        frame = pd.DataFrame(theta, columns=self.keys)
        frame["weight"] = weights
        frame["distance"] = distances
        return frame

    def _draws(self, draws: int) -> np.ndarray:
        """``draws`` posterior draws simulated once each over the whole horizon: replicates
        after the calibration's own, so fresh random numbers; shape (draws, steps, columns)."""
        if draws not in self._predictive:
            rng = np.random.default_rng([self.seed, _STREAM_PREDICTIVE])
            chosen = self._theta[_systematic(self.weights, draws, rng)]
            metrics = _engine.metrics()
            simulator = _Simulator(self.base, self.keys, [metrics.index(n) for n in self._names], None, self.seed, 1)
            threads = self._threads
            if threads > 1:
                from concurrent.futures import ThreadPoolExecutor  # start-up cost (logging): only where used

                with ThreadPoolExecutor(threads) as pool:
                    self._predictive[draws] = simulator.run(chosen, self.simulations, pool)
            else:
                self._predictive[draws] = simulator.run(chosen, self.simulations, None)
        return self._predictive[draws]

    def predictive(self, draws: int = 100, level: float = 0.9):
        """The posterior predictive per observed column and step over the whole horizon:
        ``draws`` parameter vectors drawn from the posterior, each simulated once (process noise
        included). A :class:`pandas.DataFrame` indexed by (metric, step) with ``observed`` (NaN
        after the data end), ``median``, ``low`` and ``high`` (the central ``level`` band of the
        draws)."""
        import pandas as pd

        draws = checked_int(draws, "draws", 2)
        level = checked_level(level)
        values = self._draws(draws)
        steps = values.shape[1]
        quantiles = np.quantile(values, [0.5, (1 - level) / 2, (1 + level) / 2], axis=0)  # (3, steps, columns)
        observed = np.full((steps, len(self._names)), np.nan)
        observed[: len(self.observed)] = self.observed.to_numpy()
        index = pd.MultiIndex.from_product([self._names, range(steps)], names=["metric", "step"])
        frame = pd.DataFrame({"observed": observed.T.reshape(-1), "median": quantiles[0].T.reshape(-1),
                              "low": quantiles[1].T.reshape(-1), "high": quantiles[2].T.reshape(-1)}, index=index)
        frame.attrs.update(draws=draws, level=level)
        return frame

    def plot(self, ax=None, draws: int = 100, level: float = 0.9):
        """The posterior predictive against the data, one panel per observed column: the
        observed series (points), the predictive median (line) and its ``level`` band (shaded)
        over the whole horizon, a dotted line where the data end. Returns a numpy array of Axes
        (pass ``ax=`` one Axes or a sequence of them to draw there)."""
        table = self.predictive(draws, level)
        axes, new_figure = panels(len(self._names), ax)
        plot_predictive(axes, {name: table.xs(name, level="metric") for name in self._names}, level)
        if new_figure:
            axes[0].figure.suptitle(f"Calibration: posterior predictive of {draws} draws, one replicate each")
        return np.array(axes, dtype=object)

    def plot_posterior(self, truth: Optional[Mapping[str, float]] = None, bins: int = 30):
        """The posterior of each parameter (weighted histogram over its prior range, the 90 %
        interval dashed) on the diagonal, weighted pair scatters below it and the correlations
        above. ``truth`` (key path -> value) marks known values, for synthetic checks. Returns
        the square numpy array of Axes."""
        import matplotlib.pyplot as plt

        count = len(self.keys)
        figure, grid = plt.subplots(count, count, figsize=(2.8 * count + 1, 2.6 * count + 0.5), squeeze=False,
                                    layout="constrained")
        truth = dict(truth or {})
        short = [key.rsplit(".", 1)[-1] for key in self.keys]
        sizes = 4 + 60 * self.weights / self.weights.max()
        for i, key in enumerate(self.keys):
            for j in range(count):
                axis = grid[i, j]
                if i == j:
                    axis.hist(self._theta[:, i], bins=bins, range=self.priors[key], weights=self.weights, density=True,
                              alpha=0.6, label="posterior")
                    for bound in self.interval(key):
                        axis.axvline(bound, color="black", linestyle="--", linewidth=0.8)
                    if key in truth:
                        axis.axvline(truth[key], color="red", linewidth=1.5, label="truth")
                    axis.set_xlim(self.priors[key])
                    axis.set_yticks([])
                    axis.set_title(short[i], fontsize="medium")
                elif i > j:
                    axis.scatter(self._theta[:, j], self._theta[:, i], s=sizes, alpha=0.4, linewidths=0)
                    if self.keys[j] in truth and key in truth:
                        axis.plot(truth[self.keys[j]], truth[key], marker="x", color="red", markersize=9)
                    axis.set_xlim(self.priors[self.keys[j]])
                    axis.set_ylim(self.priors[key])
                else:
                    axis.axis("off")
                    axis.text(0.5, 0.5, f"r = {self.correlation.iloc[i, j]:.2f}", ha="center", va="center",
                              transform=axis.transAxes)
                if i == count - 1:
                    axis.set_xlabel(short[j])
                if j == 0 and i > 0:
                    axis.set_ylabel(short[i])
        figure.suptitle(f"Posterior of {len(self._theta)} particles (tolerance {self.tolerance:.3g}, "
                        f"{len(self._populations)} generations)")
        return grid

    def document(self, predictive_draws: int = 50) -> dict:
        """The calibration as a JSON-friendly document (run stores, reports, ``guanxi calibrate
        --json``): per parameter the prior, posterior mean and 90 % interval, the generations, the
        warnings, a one-line message (each parameter's 90 % interval and its width as a share of
        the prior's, :meth:`summary`), and the posterior predictive check: per observed column the
        observed series and the median and 90 % band of ``predictive_draws`` posterior draws
        (:meth:`predictive`), which the report draws against the data."""
        table = self.predictive(predictive_draws, 0.9)
        predictive = {"draws": int(predictive_draws), "level": 0.9,
                      "series": {name: {column: table.xs(name, level="metric")[column].tolist()
                                        for column in ("observed", "median", "low", "high")}
                                 for name in self._names}}
        intervals = {key: {"mean": row["mean"], "low": row["low"], "high": row["high"],
                           "prior": [row["prior_low"], row["prior_high"]], "share_of_prior": row["share_of_prior"]}
                     for key, row in self.summary(0.9).iterrows()}
        message = (f"posterior from {self.simulations:,} simulations (stopped: {self.stopped}): "
                   + "; ".join(f"{k} {readable(v['mean'])} [{readable(v['low'])}, {readable(v['high'])}], "
                               f"{v['share_of_prior']:.0%} of its prior's width" for k, v in intervals.items()))
        return plain_json({"kind": "calibrate", "message": message, "seed": self.seed, "observed": list(self._names),
                            "intervals": intervals, "stopped": self.stopped, "simulations": self.simulations,
                            "tolerance": self.tolerance, "warnings": self.warnings,
                            "correlation": self.correlation.to_dict(), "predictive": predictive,
                            "generations": self.generations.to_dict(orient="records")})

    def __repr__(self) -> str:
        means = ", ".join(f"{key.rsplit('.', 1)[-1]} {self.mean(key):.3g}" for key in self.keys)
        return (f"<guanxi.Calibration {len(self._theta)} particles, {len(self._populations)} generations "
                f"(stopped: {self.stopped}), tolerance {self.tolerance:.3g}, {self.simulations:,} simulations: "
                f"means {means}>")


# -- the sampler ----------------------------------------------------------------------------------


def calibrate(
    base: Campaign,
    observed,
    params: Mapping[str, Tuple[float, float]],
    *,
    distance: Union[str, Callable[[np.ndarray, np.ndarray], float]] = "rmse",
    particles: int = 200,
    generations: int = 8,
    quantile: float = 0.5,
    min_acceptance: float = 0.02,
    seed: int = 0,
    threads: Optional[int] = None,
    progress: bool = True,
    max_simulations: Optional[int] = None,
) -> Calibration:
    """Calibrate campaign parameters to observed daily series by ABC-PMC (see the module).

    Parameters
    ----------
    base : Campaign
        The design; every key not in ``params`` keeps its value.
    observed : pandas.DataFrame or dict of arrays
        Columns are metric names (:func:`guanxi.campaign.metrics`, e.g. ``"customers"``,
        ``"purchases"``), rows steps 0 .. T − 1 with T ≤ ``run.steps``; the first T simulated
        steps are compared.
    params : dict
        Key path -> (low, high): the uniform prior of each calibrated parameter (type number,
        inside its range in :func:`guanxi.campaign.parameter_table`).
    distance : "rmse" or callable
        ``"rmse"``: scaled root-mean-square differences combined over columns (module
        docstring); or ``f(simulated, observed) -> float`` on arrays of shape (T, columns).
    particles : int
        Population size N.
    generations : int
        Generations at most, generation 0 (the prior) included.
    quantile : float
        ε_t is this quantile of the previous generation's distances.
    min_acceptance : float
        Stop when a generation's acceptance rate would fall below it (0: never).
    seed : int
        Everything is a pure function of it (not of ``threads``).
    threads : int, optional
        Parallel simulations (default :func:`guanxi.max_threads`).
    progress : bool
        A progress bar over generations (tqdm, when installed).
    max_simulations : int, optional
        Stop when this many simulations have run (at least ``particles``).

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        An unknown column or key path, NaN or too many steps in ``observed``, a prior with
        low >= high or outside its parameter's range, bad sampler settings; each names the
        field.

    Warns
    -----
    CalibrationWarning
        When two parameters' posterior correlation exceeds 0.7 in absolute value; when it
        stopped at ``generations`` while the last generation still narrowed a parameter's 90 %
        interval by more than a tenth.
    """
    if not isinstance(base, Campaign):
        raise ValueError(f"base: must be a guanxi.Campaign, got {type(base).__name__}")
    horizon = int(base.spec["run"]["steps"])
    names, data = _checked_observed(observed, horizon)
    priors = _checked_params(params, base)
    if callable(distance):
        distance_fn = distance
    elif distance == "rmse":
        distance_fn = None
    else:
        raise ValueError(f"distance: give 'rmse' or a function f(simulated, observed) -> float, got {distance!r}")
    particles = checked_int(particles, "particles", 10)
    generations = checked_int(generations, "generations", 1)
    if not _is_real(quantile) or not 0 < quantile < 1:
        raise ValueError(f"quantile: must be in (0, 1), got {quantile!r}")
    if not _is_real(min_acceptance) or not 0 <= min_acceptance < 1:
        raise ValueError(f"min_acceptance: must be in [0, 1), got {min_acceptance!r}")
    seed = checked_int(seed, "seed", 0, 2**64)
    if threads is None:
        threads = max(1, _engine.max_threads())
    threads = checked_int(threads, "threads", 1)
    if max_simulations is not None:
        max_simulations = checked_int(max_simulations, "max_simulations", particles)
    budget = math.inf if max_simulations is None else max_simulations

    keys = list(priors)
    low = np.array([priors[k][0] for k in keys])
    high = np.array([priors[k][1] for k in keys])
    widths = high - low
    dims = len(keys)
    metrics = _engine.metrics()
    simulator = _Simulator(base, keys, [metrics.index(n) for n in names], len(data), seed, threads)
    scales = _scales(data)

    def distances_of(simulated: np.ndarray) -> np.ndarray:
        if distance_fn is None:
            return _rmse_distances(simulated, data, scales)
        out = np.array([float(distance_fn(s, data)) for s in simulated])
        return np.where(np.isnan(out), np.inf, out)

    rng = np.random.default_rng([seed, _STREAM_PROPOSALS])
    bar = Progress(generations, progress, "calibrate", unit="generation")
    from concurrent.futures import ThreadPoolExecutor  # start-up cost (logging): only where used

    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    history: list = []
    populations: list = []
    total = 0
    stopped = "generations"
    try:
        # Generation 0: the prior, everything accepted.
        theta = low + widths * rng.random((particles, dims))
        dist = distances_of(simulator.run(theta, total, pool))
        total += particles
        weights = np.full(particles, 1.0 / particles)
        tolerance = math.inf
        history.append((0, math.inf, 1.0, particles, 0, float(particles), True))
        populations.append((theta, weights, dist))
        bar.advance()
        generation_cap = math.inf if min_acceptance == 0 else math.ceil(particles / min_acceptance)
        last_rate = float(quantile)
        for generation in range(1, generations):
            if total >= budget:
                stopped = "max_simulations"
                break
            epsilon = float(np.quantile(dist, quantile))
            chol = _cholesky(2.0 * _weighted_cov(theta, weights), widths)
            accepted_theta: list = []
            accepted_dist: list = []
            simulated = outside = 0
            used = 0  # simulations up to the one that completed the population
            while len(accepted_theta) < particles:
                room = min(generation_cap - simulated, budget - total)
                if room <= 0:
                    break
                need = particles - len(accepted_theta)
                rate = len(accepted_theta) / simulated if accepted_theta else last_rate
                batch = int(min(room, max(16, math.ceil(1.1 * need / max(rate, 1e-3))), 20 * particles))
                proposals = np.empty((0, dims))
                while len(proposals) < batch:
                    want = batch - len(proposals)
                    parents = rng.choice(particles, size=2 * want, p=weights)
                    candidates = theta[parents] + rng.standard_normal((2 * want, dims)) @ chol.T
                    inside = np.all((candidates >= low) & (candidates <= high), axis=1)
                    # Proposals are taken in order: the ones outside the prior before the last
                    # one kept count as dropped, the rest of the draw is discarded.
                    kept = np.flatnonzero(inside)[:want]
                    last = kept[-1] + 1 if len(kept) == want else 2 * want
                    outside += int(last - inside[:last].sum())
                    proposals = np.vstack([proposals, candidates[kept]])
                d = distances_of(simulator.run(proposals, total, pool))
                total += batch
                for k in np.flatnonzero(d <= epsilon):
                    if len(accepted_theta) == particles:
                        break
                    accepted_theta.append(proposals[k])
                    accepted_dist.append(d[k])
                    used = simulated + k + 1
                simulated += batch
            if len(accepted_theta) < particles:
                rate = len(accepted_theta) / simulated if simulated else 0.0
                history.append((generation, epsilon, rate, simulated, outside, math.nan, False))
                stopped = "min_acceptance" if simulated >= generation_cap else "max_simulations"
                break
            new_theta = np.array(accepted_theta)
            weights = _kernel_weights(new_theta, theta, weights, chol)
            theta, dist, tolerance = new_theta, np.array(accepted_dist), epsilon
            last_rate = particles / used
            ess = float(1.0 / np.sum(weights ** 2))
            history.append((generation, epsilon, last_rate, simulated, outside, ess, True))
            populations.append((theta, weights, dist))
            bar.advance(note=f"tolerance {epsilon:.3g}, acceptance {last_rate:.0%}")
    finally:
        if pool is not None:
            pool.shutdown()
        bar.close()

    resample_rng = np.random.default_rng([seed, _STREAM_RESAMPLE])
    samples = theta[_systematic(weights, particles, resample_rng)]
    result = Calibration(base=base, keys=keys, priors=priors, names=names, observed=data, theta=theta, weights=weights,
                         distances=dist, history=history, simulations=total, stopped=stopped, tolerance=tolerance,
                         seed=seed, threads=threads, samples=samples, populations=populations)
    for message in result.warnings:
        warnings.warn(message, CalibrationWarning, stacklevel=2)
    return result
