"""How numbers read: the one place that turns a model's number into the text a person reads in a
verdict, a table, a plot or a report (issue "Answers a strategist can act on", item 5). Money and
counts with thousands separators and never in scientific notation; other numbers to three
significant digits.

Floor 0 (private to the package): every floor may use it."""
from __future__ import annotations

import math

__all__ = ["readable", "day"]


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
