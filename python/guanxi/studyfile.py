"""Study files: a base scenario plus what to vary, for ``guanxi sweep``, ``select``, ``optimize``
and ``calibrate`` (docs/choosing.md, docs/sweeps.md).

A study file is TOML. It names a base scenario (relative to itself) and, by kind, tables of key
paths (quoted, ``"policy.referral_reward"``, or dotted):

- ``[sweep]`` key path = list of values (sweep, select: every combination is a design);
- ``[uncertain]`` key path = ``["uniform", low, high]`` / ``["triangular", low, mode, high]`` /
  ``["normal", mean, sd]`` / ``["choice", [values]]`` (sweep, select);
- ``[space]`` key path = ``{low = 0, high = 30}`` or ``{choices = [2, 3, 4]}`` (optimize);
- ``[constraints]`` metric = ``["<=", 5000]`` (optimize);
- ``[params]`` key path = ``{low = 0.01, high = 0.3}`` (calibrate), with ``observed = "sales.csv"``;

and top-level options of the kind (``replicates``, ``seed``, ``delta``, ``trials``...). Every error
names the file, the line and the key, as scenario files do; a key path set twice (quoted and
dotted) is one of them.

The files a study names stay near it unless the caller allows more (``allow_outside``, the
command line's ``--allow-outside-paths``): ``observed`` inside the study file's folder, ``base``
inside it or the folder above (scenarios beside a ``studies/`` folder), and each must be a regular
file (a folder, device or FIFO is refused by type before anything reads it). A study from
elsewhere cannot make guanxi read any file, and no error quotes a line of a file that is not
what was expected (:func:`read_observed`).
"""

from __future__ import annotations

import difflib
import math
import os
import re
from typing import Dict, Optional, Sequence

from . import _engine
from ._checks import inside, metric_hint, regular_file
from ._designs import flatten, parameter_row, parse_uncertain
from .campaign import SECTIONS, Campaign
from .sweeps import apply_changes, design_grid

__all__ = ["read_study_file", "read_sweep_file", "read_observed"]

_TEXT = ("name", "description", "base", "metric", "objective", "direction", "sampler", "observed")
_INTEGERS = {"replicates": (1, 10**12), "seed": (0, 2**64 - 1), "block": (1, 10**12), "trials": (1, 10**7),
             "initial": (2, 10**9), "batch": (1, 10**9), "max_replicates": (2, 10**12), "reevaluate": (1, 10**6),
             "reevaluate_replicates": (2, 10**12), "particles": (2, 10**7), "generations": (1, 10**4),
             "max_simulations": (1, 10**12)}
_NUMBERS = {"delta": (0.0, math.inf, False), "confidence": (0.0, 1.0, False), "quantile": (0.0, 1.0, False),
            "min_acceptance": (0.0, 1.0, True)}
_FLAGS = ("lowest",)

KINDS: Dict[str, dict] = {
    "sweep": {"tables": ("sweep", "uncertain"), "required": ("sweep",),
              "options": ("name", "description", "base", "replicates", "seed", "block")},
    "select": {"tables": ("sweep", "uncertain"), "required": ("sweep",),
               "options": ("name", "description", "base", "metric", "delta", "confidence", "initial", "batch",
                           "max_replicates", "lowest", "seed", "block")},
    "optimize": {"tables": ("space", "constraints"), "required": ("space",),
                 "options": ("name", "description", "base", "objective", "direction", "trials", "replicates", "seed",
                             "sampler", "reevaluate", "reevaluate_replicates")},
    "calibrate": {"tables": ("params",), "required": ("params", "observed"),
                  "options": ("name", "description", "base", "observed", "particles", "generations", "quantile",
                              "min_acceptance", "seed", "max_simulations")},
}


def _table_line(lines: Sequence[str], name: str) -> Optional[int]:
    """The 1-based line of the first header of table ``name`` or of one inside it ([name],
    [name.x], [[name]])."""
    pattern = re.compile(r'^\s*\[\[?\s*(?:"{0}"|\'{0}\'|{0})\s*[\].]'.format(re.escape(name)))
    return next((number for number, line in enumerate(lines, 1) if pattern.match(line)), None)


def _line_of(lines: Sequence[str], key: str, table: Optional[str] = None) -> Optional[int]:
    """The 1-based line where ``key`` is set (quoted or bare, inside ``[table]`` when given)."""
    inside = table is None
    pattern = re.compile(r'^\s*(?:"{0}"|\'{0}\'|{0})\s*='.format(re.escape(key)))
    for number, line in enumerate(lines, 1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            if table is not None:
                inside = header.group(1).strip('"\'') == table
            else:
                inside = False  # top-level keys come before the first table
            continue
        if inside and pattern.match(line):
            return number
    return None


def read_study_file(path, kind: str, graph=None, graphs: Optional[dict] = None, allow_outside: bool = False,
                    max_designs: Optional[int] = None) -> dict:
    """A study file of ``kind`` (sweep, select, optimize, calibrate): its options, ``base`` (the
    Campaign) and its tables, checked (see the module's text). Raises ValueError (OSError for a
    file that cannot be read) naming the file, the line and the key. A ``[sweep]`` grid's designs
    are built and checked once, here (``designs``, a :class:`guanxi.sweeps.DesignGrid` that
    :func:`guanxi.sweep` takes as it is), refused above ``max_designs`` (default 100,000);
    ``[space]`` and ``[params]`` ranges are checked against the base before anything runs."""
    spec = KINDS[kind]
    import tomllib  # start-up cost: only where a study file is read

    path = os.fspath(path)
    regular_file(path, f"{kind} file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise OSError(f"{path}: cannot read the {kind} file ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
        table = tomllib.loads(text)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    lines = text.splitlines()

    def fail(key: str, what: str, section: Optional[str] = None) -> ValueError:
        line = _line_of(lines, key, section)
        if line is None and section is not None:  # a dotted key: its last part
            line = _line_of(lines, key.rsplit(".", 1)[-1], section)
        if line is None and section is None:  # a table: its header
            line = _table_line(lines, key)
        place = f"{path}:{line}" if line else path
        return ValueError(f"{place}: {section + '.' + key if section else key}: {what}")

    allowed = list(spec["options"]) + list(spec["tables"])
    for key in table:
        if key in SECTIONS or key == "graph":  # a scenario given where a study file was expected
            raise fail(key, f"a scenario's section, not a {kind} file's: a {kind} file names its scenario with "
                            f"base = \"scenario.toml\" beside its own keys ({', '.join(allowed)}; "
                            f"docs/{'sweeps' if kind == 'sweep' else 'choosing'}.md)")
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            raise fail(key, "unknown key" + (f"; did you mean {close[0]!r}?" if close else f" (keys: {', '.join(allowed)})"))
    options = {}
    for key in spec["options"]:
        if key not in table:
            continue
        value = table[key]
        if key in _TEXT:
            if not isinstance(value, str) or not value.strip():
                raise fail(key, f"must be text, got {value!r}")
        elif key in _INTEGERS:
            low, high = _INTEGERS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise fail(key, f"must be an integer in [{low}, {high}], got {value!r}")
        elif key in _NUMBERS:
            low, high, closed = _NUMBERS[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not (
                    low < value < high or (closed and value == low)):
                raise fail(key, f"must be a number in ({low:g}, {high:g}), got {value!r}")
            value = float(value)
        elif key in _FLAGS:
            if not isinstance(value, bool):
                raise fail(key, f"must be true or false, got {value!r}")
        options[key] = value
    if "base" not in table:
        raise ValueError(f"{path}: base: missing (the base scenario file, e.g. base = \"02_one_sided_referral.toml\")")
    for name in spec["required"]:
        if name not in table or (isinstance(table[name], dict) and not table[name]):
            raise ValueError(f"{path}: {'[' + name + ']' if name in spec['tables'] else name}: missing or empty "
                             f"(docs/choosing.md)")
    for name in spec["tables"]:
        if name in table and not isinstance(table[name], dict):
            raise fail(name, "must be a table")
    def flat(section: str, stop: Sequence[str] = ()) -> dict:
        try:
            return flatten(table.get(section, {}), stop=stop, once=True)
        except ValueError as error:
            key, _, what = str(error).partition(": ")
            raise fail(key, what, section) from None

    def key_path(key: str, section: str) -> None:
        try:
            parameter_row(key, key)
        except ValueError as error:
            raise fail(key, str(error).split(": ", 1)[1].replace(f" {key!r}", "", 1), section) from None

    out: dict = {"kind": kind, **options}
    if "sweep" in spec["tables"]:
        grid = flat("sweep")
        for key, values in grid.items():
            key_path(key, "sweep")
            if not isinstance(values, list) or not values:
                raise fail(key, f"give a non-empty list of values, got {values!r}", "sweep")
        out["grid"] = grid
    if "uncertain" in spec["tables"]:
        dists = flat("uncertain")
        parsed = {}
        for key, value in dists.items():
            key_path(key, "uncertain")
            if not isinstance(value, list) or not value:
                raise fail(key, f"give [kind, numbers...], e.g. [\"uniform\", 0.04, 0.16], got {value!r}", "uncertain")
            try:
                parse_uncertain({key: tuple(value)}, "uncertain")
            except ValueError as error:
                raise fail(key, str(error).split(": ", 1)[-1], "uncertain") from None
            parsed[key] = tuple(value)
        out["uncertain"] = parsed or None
    if "space" in spec["tables"]:
        space = {}
        for key, value in flat("space", ("low", "high", "choices")).items():
            key_path(key, "space")
            if isinstance(value, dict) and set(value) == {"low", "high"}:
                space[key] = (value["low"], value["high"])
            elif isinstance(value, dict) and set(value) == {"choices"} and isinstance(value["choices"], list):
                space[key] = list(value["choices"])
            else:
                raise fail(key, f"give {{low = ..., high = ...}} or {{choices = [...]}}, got {value!r}", "space")
        out["space"] = space
    if "constraints" in spec["tables"]:
        rules = {}
        for key, value in table.get("constraints", {}).items():
            if key not in _engine.metrics():
                raise fail(key, f"unknown metric{metric_hint(key, _engine.metrics())}", "constraints")
            if not isinstance(value, list) or len(value) != 2 or value[0] not in ("<=", ">=") or isinstance(
                    value[1], bool) or not isinstance(value[1], (int, float)):
                raise fail(key, f"give [\"<=\", bound] or [\">=\", bound], got {value!r}", "constraints")
            rules[key] = (value[0], float(value[1]))
        out["constraints"] = rules or None
    if "params" in spec["tables"]:
        ranges = {}
        for key, value in flat("params", ("low", "high")).items():
            key_path(key, "params")
            if isinstance(value, dict) and set(value) == {"low", "high"}:
                value = [value["low"], value["high"]]
            if (not isinstance(value, list) or len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                                      for v in value) or not value[0] < value[1]):
                raise fail(key, f"give {{low = ..., high = ...}} with low < high, got {value!r}", "params")
            ranges[key] = (float(value[0]), float(value[1]))
        out["params"] = ranges
    for key in ("metric", "objective"):
        if key in options and options[key] not in _engine.metrics():
            raise fail(key, f"unknown metric {options[key]!r}{metric_hint(options[key], _engine.metrics())}")
    if "direction" in options and options["direction"] not in ("maximize", "minimize"):
        raise fail("direction", f"must be \"maximize\" or \"minimize\", got {options['direction']!r}")
    if "sampler" in options and options["sampler"] not in ("tpe", "cmaes"):
        raise fail("sampler", f"must be \"tpe\" or \"cmaes\", got {options['sampler']!r}")
    folder = os.path.dirname(os.path.abspath(path))

    def named_file(key: str, roots: Sequence[str], what: str, where: str) -> str:
        """A file the study names: relative to its folder, inside ``roots`` unless allowed, a
        regular file."""
        written = table[key]
        resolved = os.path.join(folder, written)
        if not os.path.exists(resolved):
            raise fail(key, f"no such {what} {written!r} (looked for {resolved})")
        if not allow_outside and not any(inside(resolved, root) for root in roots):
            raise fail(key, f"{written!r} is outside {where}: keep it there, or allow paths outside it for a study "
                            "you trust (--allow-outside-paths, allow_outside=True)")
        try:
            return regular_file(resolved, what)
        except OSError as error:
            raise fail(key, str(error)) from None

    base_path = named_file("base", (folder, os.path.dirname(folder)), "scenario file",
                           f"the study's folder {folder} and the folder above it")
    if "observed" in options:
        out["observed"] = named_file("observed", (folder,), "file", f"the study's folder {folder}")
    base = Campaign.from_toml(base_path, graph=graph, graphs=graphs, allow_outside=allow_outside)
    out["base"] = base
    out["name"] = options.get("name") or os.path.splitext(os.path.basename(path))[0]
    if out.get("grid"):
        try:
            out["designs"] = design_grid(base, out["grid"], max_designs)
        except ValueError as error:
            message = str(error)
            for key in out["grid"]:  # the engine's message names the key path: place it in this file
                if f"{key}:" in message:
                    raise fail(key, message.split(f"{key}:", 1)[-1].strip(), "sweep") from None
            raise ValueError(f"{path}: [sweep]: {message}") from None
    for section in ("space", "params"):  # every end of a range and every choice, on the base, before anything runs
        for key, domain in out.get(section, {}).items():
            values = domain if isinstance(domain, list) else list(domain)
            if section == "space" and isinstance(domain, tuple) and parameter_row(key, key)["type"] == "count":
                values = [int(v) for v in domain if float(v).is_integer()]
            try:
                for value in values:
                    apply_changes(base, {key: value}, key, key)
            except ValueError as error:
                raise fail(key, str(error).rsplit(f"{key}: ", 1)[-1], section) from None
    out.setdefault("replicates", base.spec["run"]["replicates"]) if kind == "sweep" else None
    out.setdefault("seed", base.spec["run"]["seed"])
    return out


def read_sweep_file(path, graph=None, graphs: Optional[dict] = None, allow_outside: bool = False,
                    max_designs: Optional[int] = None) -> dict:
    """A sweep file: ``{"name", "description", "base" (Campaign), "grid", "designs" (the grid
    built and checked, for :func:`guanxi.sweep`), "uncertain", "replicates", "seed", "block"}``.
    The file names a base scenario (relative to itself), a ``[sweep]`` table of key paths to value
    lists (quoted ``"policy.referral_reward" = [0, 5]`` or dotted) and optionally an
    ``[uncertain]`` table; ``name``, ``replicates``, ``seed`` and ``block`` are optional
    (defaults: the file's name, the base's ``[run]``, 50). Errors name the file, the line and the
    key (docs/sweeps.md)."""
    study = read_study_file(path, "sweep", graph=graph, graphs=graphs, allow_outside=allow_outside,
                            max_designs=max_designs)
    return {key: study.get(key) for key in ("name", "description", "base", "grid", "designs", "uncertain",
                                            "replicates", "seed", "block")}


def read_observed(path):
    """An observed series for calibration from a CSV file (one column per metric, an optional
    ``step`` column, one row per day) as a :class:`pandas.DataFrame`. Errors name the file, the
    line and what was expected; a file whose header names no metric is refused without quoting
    it (it is not an observed series, and may be any file)."""
    import csv

    import pandas as pd

    path = regular_file(path, "CSV file of an observed series")
    metrics = _engine.metrics()
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise OSError(f"{path}: cannot read the observed series ({error.strerror or error})") from None
    except (UnicodeDecodeError, csv.Error):
        raise ValueError(f"{path}: not a CSV text file (expected a header of metric names, e.g. 'step,customers', "
                         "then one row of numbers per day)") from None
    header = [cell.strip() for cell in rows[0]] if rows else []
    known = [name for name in header if name in metrics]
    if not known:
        raise ValueError(f"{path}:1: expected a header of metric names (and optionally 'step'), e.g. "
                         "'step,customers'; this line names no metric")
    for name in header:
        if name not in metrics and name != "step":
            close = difflib.get_close_matches(name, metrics + ["step"], n=1)
            raise ValueError(f"{path}:1: unknown column {name!r}" + (f"; did you mean {close[0]!r}?" if close else
                                                                      f" (metrics: {', '.join(metrics)})"))
    if len(set(header)) != len(header):
        raise ValueError(f"{path}:1: a column name appears twice")
    values = []
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}:{line}: expected {len(header)} values (one per column of line 1), got {len(row)}")
        numbers = []
        for name, cell in zip(header, row):
            try:
                numbers.append(float(cell))
            except ValueError:
                raise ValueError(f"{path}:{line}: {name}: expected a number") from None
        values.append(numbers)
    frame = pd.DataFrame(values, columns=header)
    if "step" in frame.columns:
        if not all(float(v).is_integer() for v in frame["step"]):
            raise ValueError(f"{path}: step: expected whole numbers 0, 1, 2, ...")
        frame = frame.astype({"step": "int64"}).set_index("step")
    return frame
