"""How numbers read: the one place that turns a model's number into the text a person reads in a
verdict, a table, a plot or a report (issue "Answers a strategist can act on", item 5). Money and
counts with thousands separators, never in scientific notation (counts beyond 10^15 aside);
shares as percentages; other numbers to three significant digits. The text tables of the command
line and the HTML report write metrics through :func:`metric_text`.

Floor 0 (private to the package): every floor may use it."""
from __future__ import annotations

import math
from typing import Iterable

__all__ = ["readable", "day", "metric_text", "metric_interval", "row_scale"]


def day(step: float) -> float:
    """The day people read for a step of the model: days count from 1, so step 0 is day 1 and
    the horizon of a 60-step run is day 60 (in every table, sentence and plot)."""
    return step + 1


def readable(x: float, signed: bool = False, separators: bool = True) -> str:
    """``x`` as a person reads it: 18,115 (from 100 up, whole units with separators), 99.3 and
    4.88 (three significant digits below that, trailing zeros dropped: 20, 0.5), 0.0896 (small
    numbers likewise, never 8.96e-02), "n/a" for NaN. ``signed``: a plus sign on positive numbers
    (differences). ``separators=False``: 18115, for text where a comma separates items (labels)."""
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return ("+" if signed and x > 0 else "") + ("∞" if x > 0 else "−∞")
    sign = "+" if signed else ""
    grouping = "," if separators else ""
    if abs(x) >= 99.5 or x == 0:  # (99.5 rounds to 100: whole units from there)
        return f"{x:{sign}{grouping}.0f}"
    rounded = float(f"{x:.3g}")  # three significant digits, then as many decimals as they need
    decimals = max(0, 2 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:{sign}{grouping}.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text  # 20, not 20.0; 0.5, not 0.500


def _grouped(x: float, decimals: int, sign: bool) -> str:
    """Digits grouped by thousands (``-1,234,567.8``), with a sign on request (differences);
    no sign on a value that prints as zero."""
    text = f"{abs(x):.{decimals}f}"
    whole, point, fraction = text.partition(".")
    grouped = f"{int(whole):,}"
    zero = text.strip("0.") == ""
    prefix = "-" if x < 0 and not zero else "+" if sign and not zero else ""
    return prefix + grouped + point + fraction


def metric_text(x: float, unit: str, scale: float, difference: bool = False) -> str:
    """A metric's value (``unit`` from the engine's metric registry) as tables read it: money
    in whole currency units with thousands separators (cents only where the whole row is below
    100), counts with one decimal (means over replicates), shares as percentages (differences
    in percentage points), ratios with three decimals; counts beyond 10^15 (the network values
    of huge graphs) in scientific notation, where twenty grouped digits would say less.
    ``scale`` is the largest magnitude of the row, so one row has one format."""
    if x != x:
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if unit == "currency":
        return _grouped(x, 0 if scale >= 100 or x == 0 else 2, difference)
    if unit == "share":
        return _grouped(100 * x, 1, difference) + (" pp" if difference else "%")
    if unit in ("ratio", "strength", "levels"):
        return f"{x:+.3f}" if difference else f"{x:.3f}"
    if scale >= 1e15:
        return f"{x:+.3e}" if difference else f"{x:.3e}"
    return _grouped(x, 0 if scale >= 1e5 else 1, difference)


def row_scale(values: Iterable[float]) -> float:
    """The largest finite magnitude among a row's values."""
    return max((abs(v) for v in values if math.isfinite(v)), default=0.0)


def metric_interval(low: float, high: float, unit: str, scale: float, difference: bool = False) -> str:
    """``[low, high]`` in the format of :func:`metric_text`; "n/a" when either end is missing."""
    if low != low or high != high:
        return "n/a"
    return f"[{metric_text(low, unit, scale, difference)}, {metric_text(high, unit, scale, difference)}]"
