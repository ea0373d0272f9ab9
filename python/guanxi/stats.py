"""Statistics over replicates: means with Student t intervals, paired differences, and the delta
method for a ratio of mean differences (incremental ROI).

Every number guanxi reports about a set of replicates comes from here —
:meth:`CampaignResult.summary`, :meth:`CampaignResult.mean_curve`, :func:`guanxi.compare`,
:meth:`SimulationResult.ci` and :meth:`SimulationResult.mean_curve` — so a table, a plot and a
command line built on these functions print the same digits for the same replicates. The
functions take numpy arrays (one replicate per entry along ``axis``) and return named tuples of
numbers, or of arrays for several columns at once.

Formulas
--------
Replicates are independent draws. NaN values (a rate whose denominator was 0) are skipped, so
``n`` counts the values present. With values x_1 … x_n:

- mean m = Σ x_i / n and sd s = sqrt(Σ (x_i − m)² / (n − 1));
- the ``level`` interval of the mean is Student's m ± t(n − 1) · s / sqrt(n), where t(n − 1)
  is the (1 + level) / 2 quantile of the t distribution with n − 1 degrees of freedom
  (:data:`scipy.stats.t`). With fewer than two values the sd and the interval are NaN (not
  available), never a zero-width interval that would claim certainty.
- a paired difference (designs run with common random numbers, so replicate i of each faced the
  same randomness) is that interval applied to d_i = design_i − baseline_i, pairs where either
  is NaN dropped; ``share_higher`` is the share of those pairs with d_i > 0 (ties are not
  higher).
- a ratio of mean differences R = mean(a) / mean(b) (incremental ROI: a_i = Δprofit and b_i =
  Δincentive spend of replicate i) has the delta-method variance

      Var(R) = (var(a) − 2 R cov(a, b) + R² var(b)) / (n · mean(b)²)

  with sample variances and covariance (divisor n − 1), and the interval
  R ± t(n − 1) · sqrt(Var(R)).

Sums run along the replicate axis in one fixed order whatever the array's layout, so a column
summarised alone or among others gives bit-identical numbers: a summary at the horizon is the
last point of the per-step curve.

Examples
--------
>>> import numpy as np
>>> from guanxi import stats
>>> mean, low, high, sd, n = stats.mean_interval(np.array([1.0, 2.0, 3.0, np.nan]))
>>> float(mean), int(n), round(float(high - mean), 4)
(2.0, 3, 2.4841)
>>> paired = stats.paired_difference(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0]))
>>> float(paired.difference), float(paired.share_higher)
(1.0, 0.6666666666666666)
"""

from __future__ import annotations

from typing import NamedTuple, Union

import numpy as np

from ._checks import checked_level

__all__ = ["MeanInterval", "PairedDifference", "RatioInterval", "mean_interval", "paired_difference",
           "ratio_of_mean_differences"]

Number = Union[float, np.ndarray]


class MeanInterval(NamedTuple):
    """Mean of replicates with its Student t interval (see :func:`mean_interval`)."""

    mean: Number
    low: Number
    high: Number
    sd: Number
    n: Union[int, np.ndarray]


class PairedDifference(NamedTuple):
    """Paired comparison of a design with a baseline (see :func:`paired_difference`); the
    fields are in the order of the columns of :func:`guanxi.compare`."""

    baseline_mean: Number
    design_mean: Number
    difference: Number
    low: Number
    high: Number
    share_higher: Number
    n: Union[int, np.ndarray]


class RatioInterval(NamedTuple):
    """Ratio of mean differences with its delta-method interval (see
    :func:`ratio_of_mean_differences`)."""

    ratio: Number
    low: Number
    high: Number
    share_higher: Number
    n: Union[int, np.ndarray]


def mean_interval(values, level: float = 0.95, axis: int = 0) -> MeanInterval:
    """Mean of replicates and its Student t confidence interval, NaN values skipped.

    Parameters
    ----------
    values : array_like
        Replicates along ``axis``; other axes are columns summarised separately (steps,
        metrics).
    level : float
        Confidence level, in (0, 1).
    axis : int
        The replicate axis.

    Returns
    -------
    MeanInterval
        ``(mean, low, high, sd, n)``: numbers for one-dimensional ``values``, else arrays of
        the other axes' shape. ``n`` counts the values that are not NaN; with ``n < 2`` the sd
        and the interval are NaN (with ``n == 0`` the mean too).

    Raises
    ------
    ValueError
        ``level`` outside (0, 1), ``values`` not numbers or without a replicate axis, ``axis``
        out of range.
    """
    level = checked_level(level)
    rows = _replicates_last(values, "values", axis)
    mean, sd, n = _moments(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_error = sd / np.sqrt(n)
    half = _student_half_width(standard_error, n - 1, level)
    return MeanInterval(_plain(mean), _plain(mean - half), _plain(mean + half), _plain(sd), _plain(n))


def paired_difference(baseline, design, level: float = 0.95, axis: int = 0) -> PairedDifference:
    """Paired comparison of a design with a baseline run with common random numbers.

    Replicate ``i`` of ``design`` is compared with replicate ``i`` of ``baseline``: the
    difference ``design - baseline`` per replicate, its mean and Student t interval, and the
    share of replicates where the design is higher. Pairs where either value is NaN are dropped.

    Parameters
    ----------
    baseline, design : array_like
        The same shape, replicates along ``axis``.
    level : float
        Confidence level, in (0, 1).
    axis : int
        The replicate axis.

    Returns
    -------
    PairedDifference
        ``(baseline_mean, design_mean, difference, low, high, share_higher, n)``. The two means
        are each over their own values that are not NaN (the means of :func:`mean_interval`, as
        in a summary); ``difference``, its interval and ``share_higher`` (the share with
        ``design > baseline``; equal values count as not higher) are over the ``n`` complete
        pairs. With ``n < 2`` the interval is NaN; with ``n == 0`` the difference and the share
        too.

    Raises
    ------
    ValueError
        ``level`` outside (0, 1), arrays of different shapes, values that are not numbers.
    """
    level = checked_level(level)
    baseline_rows, design_rows = _paired_arrays(baseline, design, ("baseline", "design"), axis)
    differences = design_rows - baseline_rows  # NaN where either is NaN: the pair is dropped
    difference = mean_interval(differences, level, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_higher = np.count_nonzero(differences > 0, axis=-1) / difference.n
    return PairedDifference(_plain(_moments(baseline_rows)[0]), _plain(_moments(design_rows)[0]), difference.mean,
                            difference.low, difference.high, _plain(share_higher), difference.n)


def ratio_of_mean_differences(numerator, denominator, level: float = 0.95, axis: int = 0) -> RatioInterval:
    """Ratio of two mean paired differences with a delta-method Student t interval.

    The incremental ROI of a design against its baseline is ``mean Δprofit / mean Δincentive
    spend`` over paired replicates: pass the per-replicate differences (design minus baseline)
    of profit as ``numerator`` and of incentive spend as ``denominator``. With ``a`` and ``b``
    those differences and ``R = mean(a) / mean(b)``, the variance of the ratio of means by the
    delta method (first-order Taylor expansion of ``a / b`` around the means), with the
    covariance of the two, is::

        Var(R) = (var(a) - 2 R cov(a, b) + R**2 var(b)) / (n * mean(b)**2)

    (sample variances and covariance with divisor ``n - 1``), and the interval is
    ``R ± t(n - 1) * sqrt(Var(R))``. The numerator of ``Var(R)`` is computed as the sample
    variance of the residuals ``(a_i - mean(a)) - R (b_i - mean(b))``, which equals it and
    cannot round below zero.

    Parameters
    ----------
    numerator, denominator : array_like
        Per-replicate differences, the same shape, replicates along ``axis``. Replicates where
        either is NaN are dropped.
    level : float
        Confidence level, in (0, 1).
    axis : int
        The replicate axis.

    Returns
    -------
    RatioInterval
        ``(ratio, low, high, share_higher, n)``: ``share_higher`` is the share of the ``n``
        complete replicates whose numerator difference is positive (for the incremental ROI:
        the design earned more profit). Everything but ``n`` is NaN when the mean denominator
        difference is 0 (no ratio) or fewer than two replicates remain.

    Raises
    ------
    ValueError
        ``level`` outside (0, 1), arrays of different shapes, values that are not numbers.
    """
    level = checked_level(level)
    a, b = _paired_arrays(numerator, denominator, ("numerator", "denominator"), axis)
    incomplete = np.isnan(a) | np.isnan(b)
    a = np.where(incomplete, np.nan, a)
    b = np.where(incomplete, np.nan, b)
    mean_a, _, n = _moments(a)
    mean_b, _, _ = _moments(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = mean_a / mean_b
        residuals = (a - mean_a[..., np.newaxis]) - ratio[..., np.newaxis] * (b - mean_b[..., np.newaxis])
        residual_variance = np.square(np.where(incomplete, 0.0, residuals)).sum(axis=-1) / (n - 1)
        standard_error = np.sqrt(residual_variance / n) / np.abs(mean_b)
        share_higher = np.count_nonzero(a > 0, axis=-1) / n
    half = _student_half_width(standard_error, n - 1, level)
    # No ratio without a denominator, and none below two replicates: one replicate gives no
    # variance, so a ratio without an interval would read as exact.
    defined = (mean_b != 0) & (n >= 2)

    def where_defined(x):
        return _plain(np.where(defined, x, np.nan))

    return RatioInterval(where_defined(ratio), where_defined(ratio - half), where_defined(ratio + half),
                         where_defined(share_higher), _plain(n))


def _replicates_last(values, name: str, axis) -> np.ndarray:
    """``values`` as float64 with the replicate axis last and contiguous: numpy then sums each
    column along memory in one fixed (pairwise) order, the same for a column alone or among
    others."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected an array of numbers ({error})") from None
    if array.ndim == 0:
        raise ValueError(f"{name}: expected an array of replicates, got a single number")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -array.ndim <= axis < array.ndim:
        raise ValueError(f"axis: must be an integer in [{-array.ndim}, {array.ndim}) for {name} of {array.ndim} "
                         f"dimensions, got {axis!r}")
    return np.ascontiguousarray(np.moveaxis(array, axis, -1))


def _paired_arrays(first, second, names, axis):
    """Two arrays of paired replicates as :func:`_replicates_last` rows, refused unless their
    shapes agree."""
    first_rows = _replicates_last(first, names[0], axis)
    second_rows = _replicates_last(second, names[1], axis)
    if first_rows.shape != second_rows.shape:
        raise ValueError(f"{names[0]}, {names[1]}: must have the same shape, got {np.shape(first)} and "
                         f"{np.shape(second)}")
    return first_rows, second_rows


def _moments(rows: np.ndarray):
    """Mean, sd (divisor n - 1; NaN below two values) and count of the non-NaN values of each
    row (last axis)."""
    present = ~np.isnan(rows)
    n = np.count_nonzero(present, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, rows, 0.0).sum(axis=-1) / n
        deviations = np.where(present, rows - mean[..., np.newaxis], 0.0)
        sd = np.sqrt(np.square(deviations).sum(axis=-1) / (n - 1))
    return mean, np.where(n >= 2, sd, np.nan), n


def _student_half_width(standard_error, dof, level: float) -> np.ndarray:
    """Half-width ``t(dof) * standard_error`` of a two-sided ``level`` interval; NaN where there
    are no degrees of freedom (fewer than two values)."""
    from scipy.stats import t as student_t

    dof = np.asarray(dof)
    enough = dof >= 1
    quantile = student_t.ppf(0.5 + level / 2, np.where(enough, dof, 1))
    return np.where(enough, quantile * standard_error, np.nan)


def _plain(array):
    """A number for a zero-dimensional result (one column), else the array."""
    array = np.asarray(array)
    return array[()] if array.ndim == 0 else array
