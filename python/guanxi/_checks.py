"""The package's bottom floor, part one: the checks every public function shares (counts,
seeds, names, confidence levels, metric names), JSON-friendly values, the design warning, and
the one progress bar of every long call (docs/architecture.md, "The Python floors").

It imports nothing of guanxi, so every other module may import it. Each check raises a
ValueError that names the argument first (``"replicates: must be an integer >= 1, got 0"``): the
command line maps that name to its option.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import stat
import warnings
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

__all__ = ["DesignWarning", "warn_design", "checked_int", "check_name", "checked_title", "require_memory", "regular_file",
           "inside",
           "checked_level",
           "checked_metric", "finite_spec", "plain", "plain_json", "to_json", "Progress"]


class DesignWarning(UserWarning):
    """A design that is legal but almost surely a mistake (it still runs): every sale loses
    money, commission paying the whole price, nobody able to buy, designs compared on graphs of
    different sizes."""


def warn_design(messages: Iterable[str], stacklevel: int = 3) -> None:
    """Each message as a :class:`DesignWarning`; ``stacklevel`` counts from this function (3:
    the caller of the function that calls it)."""
    for message in messages:
        warnings.warn(message, DesignWarning, stacklevel=stacklevel)


def checked_int(value, name: str, low: int, high: Optional[int] = None, allow_none: bool = False):
    """``value`` as an int in [low, high) (or >= low), else ValueError ``"{name}: must be an
    integer ..."``; None passes when ``allow_none``. Booleans are not integers here. The one
    check of counts and seeds of runs, sweeps, selections, optimisations, sensitivity analyses and
    calibrations."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (
            high is not None and value >= high):
        bound = f">= {low}" if high is None else f"in [{low}, {'2**64' if high == 2**64 else high})"
        raise ValueError(f"{name}: must be an integer {bound}, got {value!r}")
    return int(value)


def check_name(name, what: str = "name") -> Optional[str]:
    """A design's or run's name: a string (or None)."""
    if name is not None and not isinstance(name, str):
        raise ValueError(f"{what}: must be a string, got {type(name).__name__} {name!r}")
    return name


def checked_title(name, what: str = "name") -> str:
    """A name kept in a run store and printed later (a sweep's, a study's): non-empty text
    without control characters, which would reach a terminal raw (NUL, escape codes, line breaks)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what}: must be a non-empty string, got {name!r}")
    if not name.isprintable():
        raise ValueError(f"{what}: must not contain control characters (line breaks, NUL, terminal escape codes), "
                         f"got {name!r}")
    return name


def regular_file(path, what: str) -> str:
    """``path`` if it is a regular file (or missing: the reader names a missing file), checked
    by type before anything reads it: a folder, a device (``/dev/zero`` reads forever) or a FIFO
    (which blocks) is an OSError ``"{path}: is a folder, not a {what}"``."""
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        raise OSError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    if stat.S_ISREG(mode):
        return path
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a device")
    raise OSError(f"{path}: is {kind}, not a {what}")


def inside(path, folder) -> bool:
    """Whether ``path`` lies inside ``folder`` (or below it), symbolic links followed: where a
    path written in a file may lead unless the user allows more (docs/choosing.md, "Study
    files")."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def require_memory(nbytes: float, name: str, what: str) -> None:
    """Refuses to allocate more than this machine's memory, as the engine refuses a run's
    results: ValueError ``"{name}: {what} need 26.1 GiB of memory; this machine has 16 GiB"``."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not known here: nothing to compare with
        return
    if memory > 0 and nbytes > memory:
        raise ValueError(f"{name}: {what} need {_bytes(nbytes)} of memory; this machine has {_bytes(memory)}")


def _bytes(count: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count:.0f} bytes"


def checked_level(level, name: str = "level") -> float:
    """A confidence level in (0, 1) as a float."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)) or not 0 < level < 1:
        raise ValueError(f"{name}: must be in (0, 1), got {level!r}")
    return float(level)


def metric_hint(metric, known: Sequence[str]) -> str:
    """What follows "unknown 'proft'" in every error about a metric name: the closest known name
    ("; did you mean 'profit'?"), or the list of them when none is close."""
    close = difflib.get_close_matches(str(metric), list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (metrics: {', '.join(known)})"


def checked_metric(metric, known: Sequence[str], name: str = "metric") -> str:
    """``metric`` if it is one of ``known``, else ValueError naming the closest known name."""
    if isinstance(metric, str) and metric in known:
        return metric
    if isinstance(metric, str) and "@" in metric:
        raise ValueError(f"{name}: {metric!r}: a segment's metric (MODEL.md §15) is reported by gx.compare and "
                         "CampaignResult.segment_values; sweeps, selections and stores keep the whole campaign's "
                         "metrics only")
    raise ValueError(f"{name}: unknown {metric!r}{metric_hint(metric, known)}")


def finite_spec(value, path: str):
    """A campaign section with every number finite (JSON has no NaN or infinity): an infinite
    budget means ``"unlimited"``; other non-finite numbers are errors naming their key path."""
    if isinstance(value, dict):
        return {key: finite_spec(v, f"{path}.{key}") for key, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):  # a list of tables' entries by index: policy.target[0]
        return [finite_spec(v, f"{path}[{i}]" if isinstance(v, dict) else path) for i, v in enumerate(value)]
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        if (path == "policy.budget" or (path.startswith("policy.target[") and path.endswith("].budget"))) and value > 0:
            return "unlimited"
        raise ValueError(f"{path}: must be finite, got {value}")
    return value


def plain(value):
    """numpy scalars and arrays as JSON-friendly Python values (``json.dumps(..., default=plain)``)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as JSON")


def plain_json(value):
    """NaN and infinities (not JSON) as None, numpy scalars as Python numbers, recursively: a
    document any JSON reader takes."""
    if isinstance(value, dict):
        return {key: plain_json(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(document) -> str:
    """A document as JSON text: two-space indents, UTF-8 kept as is, numbers that are not
    available (NaN, infinities) as ``null``."""
    return json.dumps(plain_json(document), indent=2, ensure_ascii=False)


class Progress:
    """The progress bar of every long call (runs, sweeps, selections, optimisations,
    calibrations, seed searches): tqdm, drawn as a widget in notebooks when ipywidgets is there,
    or nothing when ``enabled`` is false or tqdm is missing (progress is optional).

    Use it as a context manager; :attr:`callback` is the engine's progress callback
    (``callback(done, total)``) or None; :meth:`advance` moves a bar advanced by hand.
    ``total`` None: the total is not known in advance.
    """

    def __init__(self, total: Optional[int], enabled: bool, label: Optional[str], unit: str = "rep"):
        self.bar = _tqdm(total, label, unit) if enabled and (total is None or total > 0) else None

    @property
    def callback(self) -> Optional[Callable[[int, int], None]]:
        if self.bar is None:
            return None
        bar = self.bar

        def advance_to(done, _total):
            bar.update(done - bar.n)

        return advance_to

    def advance(self, steps: int = 1, note: Optional[str] = None) -> None:
        """Moves the bar ``steps`` forward, with ``note`` after it (``designs 3/10``)."""
        if self.bar is not None:
            self.bar.update(steps)
            if note is not None:
                self.bar.set_postfix_str(note, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _tqdm(total: Optional[int], label: Optional[str], unit: str):
    try:
        import ipywidgets  # (tqdm.auto draws widgets in notebooks only with it)

        if int(str(ipywidgets.__version__).split(".")[0]) < 7:
            # Debian 12's ipywidgets 6 opens comms that nbclient (jupyter nbconvert --execute, the
            # notebook tests) cannot read (KeyError 'state'): text bars, which notebooks show too.
            raise ImportError("ipywidgets older than 7")
        from tqdm.auto import tqdm
    except (ImportError, ValueError):
        try:
            from tqdm import tqdm
        except ImportError:
            return None
    return tqdm(total=total, unit=unit, leave=False, desc=label)
