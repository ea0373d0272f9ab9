"""The package's bottom floor, part two: designs as data. Key paths into a campaign spec
(``"policy.group_buy.size"``) checked against the engine's parameter table, the grids of a sweep
(every combination, labelled), the canonical JSON and hash that identify a design in a run store,
and uncertain parameters (distributions, and each replicate's draw of them) — docs/model.md §7,
docs/sweeps.md, docs/choosing.md.

Everything here works on plain dicts and lists; the Campaign objects built from them live a floor
up (docs/architecture.md, "The Python floors").
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import json
import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _guanxi
from ._checks import plain
from ._format import readable

__all__ = ["parameter_rows", "parameter_row", "parameter_bounds", "at_path", "switched_off", "nested", "flatten", "shown_value",
           "short_names",
           "value_text", "grid_changes", "grid_size", "MAX_DESIGNS", "canonical_spec", "spec_sha256", "parse_uncertain", "draw", "with_values"]

MAX_DESIGNS = 100_000  # designs of one grid unless raised (max_designs=, --max-designs): docs/sweeps.md
UNCERTAIN_STREAM = 0x756E6365  # "unce": the stream of the uncertain parameters' draws, apart from the engine's


# -- key paths ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def parameter_rows() -> Dict[str, dict]:
    """The engine's parameter table by key path, read once (it does not change while running):
    callers must not modify the rows."""
    return {row["path"]: row for row in _guanxi.campaign_parameters()}


# §16 a target's levers that key paths such as "policy.target[0].referral_reward" may vary, as
# rows of the parameter table; a segment's share and overrides ("segments.list[1].share",
# "segments.list[0].behaviour.share_prob") read the behaviour key's own row.
_TARGET_LEVERS = {
    "referral_reward": ("number", ">= 0", "currency", "the reward this target pays to the referrers it matches"),
    "referee_discount": ("number", "[0, 1]", "share of the price", "the referee discount of the people it matches"),
    "team_discount": ("number", "[0, 1]", "share of the price", "the team discount of the people it matches"),
    "bargain_discount": ("number", "[0, 1]", "share of the price", "the bargain discount of the people it matches"),
    "budget": ("budget", ">= 0 or \"unlimited\"", "currency", "what this target pays at most"),
}
_INDEXED = re.compile(r"^(policy\.target|segments\.list)\[(\d+)\]\.(.+)$")


def path_parts(path: str) -> list:
    """A key path's steps: table keys, and list indices for lists of tables
    (``"policy.target[1].referral_reward"`` -> ``["policy", "target", 1, "referral_reward"]``)."""
    parts: list = []
    for part in path.split("."):
        match = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        parts += [match.group(1), int(match.group(2))] if match else [part]
    return parts


def _indexed_row(path: str) -> Optional[dict]:
    """The row of a key path into a list of tables (a target's lever, a segment's share or
    override), or None."""
    match = _INDEXED.match(path)
    if not match:
        return None
    table, rest = match.group(1), match.group(3)
    if table == "policy.target" and rest in _TARGET_LEVERS:
        kind, bounds, unit, doc = _TARGET_LEVERS[rest]
        return {"path": path, "type": kind, "range": bounds, "unit": unit, "section": "§16.2", "doc": doc}
    if table == "segments.list" and rest == "share":
        return {"path": path, "type": "number", "range": "[0, 1]", "unit": "share of the nodes", "section": "§15.1",
                "doc": "the segment's share of the nodes (assign = shares)"}
    if table == "segments.list" and rest.startswith("behaviour."):
        row = parameter_rows().get(rest)
        if row is not None and rest[len("behaviour."):] in _guanxi.segment_behaviour_keys():
            return dict(row, path=path, section="§15.2")
    return None


def parameter_row(path, where: str) -> dict:
    """The parameter table's row of a key path (``path``, ``type``, ``range``, ...), or a
    ValueError ``"{where}: unknown key path ...; did you mean ...?"``: the one check of key paths
    that sweeps, uncertain parameters, optimisation, sensitivity, calibration and study files
    share. Key paths into lists of tables name a target's lever (``policy.target[0].referral_reward``)
    or a segment's share or override (``segments.list[1].behaviour.share_prob``)."""
    rows = parameter_rows()
    if isinstance(path, str) and path in rows:
        return rows[path]
    if isinstance(path, str) and _indexed_row(path) is not None:
        return _indexed_row(path)
    import difflib

    close = difflib.get_close_matches(str(path), sorted(rows), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else " (gx.campaign.parameter_table() lists them)"
    raise ValueError(f"{where}: unknown key path {path!r}{hint}")


def parameter_bounds(row: dict) -> Tuple[float, float]:
    """The allowed range of a parameter, from its table row (``[0, 1]``, ``>= 0``, ...)."""
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


def at_path(table: dict, path: str):
    """The value at a key path of a nested table (list indices as ``target[0]``)."""
    for key in path_parts(path):
        table = table[key]
    return table


def switched_off(spec: dict, path: str) -> bool:
    """Whether ``path`` lies in an optional section that is off in ``spec`` (``policy.group_buy.size``
    while ``policy.group_buy.enabled`` is false): its value then means nothing, and designs show
    it as off (None, NaN in tables), not as the section's default. The switch itself is a value."""
    parts = path.split(".")
    table = spec
    for key in parts[:-1]:
        table = table.get(key) if isinstance(table, dict) else None
        if isinstance(table, dict) and table.get("enabled") is False:
            return True
    return False


def nested(changes: Mapping[str, Any], where: str, base: Optional[dict] = None) -> dict:
    """{"policy.group_buy.size": 3} -> {"policy": {"group_buy": {"size": 3}}}. ``run.*`` paths are
    refused: designs compared together share the horizon, and replicates and seed are a run's own.
    A key path into a list of tables (``policy.target[0].referral_reward``) changes one entry of
    ``base``'s list (a normalised spec), and the whole list, so changed, is the value."""
    sections: dict = {}
    for path, value in changes.items():
        if not isinstance(path, str) or not path:
            raise ValueError(f"{where}: keys are key paths such as 'policy.referral_reward', got {path!r}")
        if "[" in path:
            if base is not None:
                _nested_entry(sections, path, value, where, base)
            elif _indexed_row(path) is None:  # without a base design the key path is only checked
                _nested_entry({}, path, value, where, None)
            continue
        parts = path.split(".")
        if len(parts) < 2 or not all(parts):
            raise ValueError(f"{where}: {path!r} is not a key path (section.key, e.g. 'policy.referral_reward')")
        if parts[0] == "run":
            raise ValueError(f"{where}: {path!r} cannot vary: designs of a sweep share the horizon (run.steps), and "
                             "replicates and seed are the sweep's own")
        at = sections
        for part in parts[:-1]:
            at = at.setdefault(part, {})
            if not isinstance(at, dict):
                raise ValueError(f"{where}: {path!r} conflicts with another key path")
        if parts[-1] in at and isinstance(at[parts[-1]], dict):
            raise ValueError(f"{where}: {path!r} conflicts with another key path")
        at[parts[-1]] = value
    return sections


def _nested_entry(sections: dict, path: str, value, where: str, base: Optional[dict]) -> None:
    """:func:`nested` for a key path into a list of tables: the list is copied from ``base`` once
    and the entry changed in the copy."""
    if _indexed_row(path) is None:
        raise ValueError(f"{where}: {path!r} is not a key path a design may vary (a target's lever such as "
                         "'policy.target[0].referral_reward', a segment's 'segments.list[0].share' or one of its "
                         "behaviour overrides)")
    parts = path_parts(path)
    at, source = sections, base
    for i, part in enumerate(parts[:-1]):
        if isinstance(part, int) and source is not None and part >= len(source):
            raise ValueError(f"{where}: {path!r}: the base design's list has {len(source)} entries")
        source = None if source is None else (source[part] if isinstance(part, int) or part in source else None)
        if isinstance(part, int):
            if part >= len(at):
                raise ValueError(f"{where}: {path!r}: the list has {len(at)} entries")
            at = at[part]
        elif isinstance(parts[i + 1], int):
            if part not in at:
                if source is None:
                    raise ValueError(f"{where}: {path!r}: the base design has no such list")
                at[part] = copy.deepcopy(source)
            at = at[part]
        else:
            at = at.setdefault(part, {})
    at[parts[-1]] = value


def flatten(table: Mapping, prefix: str = "", stop: Sequence[str] = (), once: bool = False) -> Dict[str, Any]:
    """Nested tables as key paths (``{"policy": {"referral_reward": 5}}`` -> ``{"policy.referral_reward":
    5}``); a table whose keys all are in ``stop`` is a value (a study file's ``{low = 0, high = 30}``).
    ``once``: a key path given twice (quoted ``"policy.referral_reward"`` and dotted
    ``policy.referral_reward``) is a ValueError ``"{path}: set twice ..."`` instead of one value
    silently dropped."""
    out: Dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not (value and set(value) <= set(stop)):
            found = flatten(value, path + ".", stop, once)
        else:
            found = {path: value}
        if once:
            for twice in found.keys() & out.keys():
                raise ValueError(f"{twice}: set twice (quoted and dotted, or in two tables); keep one")
        out.update(found)
    return out


# -- grids and labels -----------------------------------------------------------------------------


def short_names(keys: Sequence[str]) -> Dict[str, str]:
    """The last part of each key path, or the whole path where two would share it."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def value_text(value) -> str:
    """A swept value in a label, as a person reads it: 10.0 as 10, 8.828791336730964 as 8.83
    (three significant digits, never in e-notation, no separators), text as is, "off" for a key
    whose section is off (None, or NaN in a table), anything else as JSON. Two designs whose
    labels round alike are told apart by the sweep (``#n``); their values are kept exactly."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return "off"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return readable(value, separators=False)  # labels separate their items with commas
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return "[" + "; ".join(_entry_text(v) for v in value) + "]"
    return value if isinstance(value, str) else json.dumps(value, default=plain)


def _entry_text(entry: Mapping) -> str:
    """A list of tables' entry in a label: a target (MODEL.md §16) as its people and levers
    ("fan/partner: referral_reward=15"), a segment (§15) as its name and share."""
    if "who" in entry:
        who = entry.get("who") or {}
        people = [("/".join(who[k]) if isinstance(who[k], list) else str(who[k]))
                  for k in ("segment", "tier", "channel") if who.get(k)]
        if "member" in who:
            people.append("members" if who["member"] else "non-members")
        if who.get("min_degree"):
            people.append(f"degree>={who['min_degree']}")
        levers = ", ".join(f"{k}={value_text(v)}" for k, v in entry.items() if k != "who")
        return f"{' '.join(people) or 'everyone'}: {levers or 'no lever'}"
    if "name" in entry:
        share = entry.get("share")
        return str(entry["name"]) + (f" {value_text(100.0 * share)}%" if isinstance(share, (int, float)) and share else "")
    return json.dumps(entry, default=plain)


def shown_value(path: str, value) -> str:
    """A key's value in a label: a share of the price as a percentage ("discount=12%"), any
    other value by :func:`value_text`."""
    row = parameter_rows().get(path)
    if (row is not None and str(row.get("unit", "")).startswith("share of the price")
            and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)):
        return value_text(100.0 * value) + "%"
    return value_text(value)


def change_label(changes: Mapping[str, Any], names: Optional[Mapping[str, str]] = None) -> str:
    """``"referral_reward=10, size=3, discount=20%"``: a design's changes by short name
    (``names``, default the last part of each key path), values as people read them."""
    return ", ".join(f"{(names or {}).get(k, k.rsplit('.', 1)[-1])}={shown_value(k, v)}" for k, v in changes.items())


def grid_size(count: int, max_designs: Optional[int], what: str) -> None:
    """Refuses a grid of more than ``max_designs`` designs (default :data:`MAX_DESIGNS`) before
    any design is built: each is a checked campaign, and a product of a few long lists is
    millions of them."""
    limit = MAX_DESIGNS if max_designs is None else max_designs
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"max_designs: must be an integer >= 1, got {max_designs!r}")
    if count > limit:
        raise ValueError(f"grid: {what} is {count:,} designs, more than the limit of {limit:,}: sweep fewer values, or "
                         "raise the limit (max_designs=, --max-designs)")


def grid_changes(grid: Mapping, max_designs: Optional[int] = None) -> Tuple[List[str], List[Tuple[str, dict]]]:
    """A grid of key paths to value lists as its swept keys and designs ``(label, {key path:
    value})``: every combination, the first key varying slowest. Values and key paths are checked
    (not yet against a base: the designs are built a floor up), and the number of combinations
    (:func:`grid_size`) before any is made."""
    if not grid:
        raise ValueError("grid: empty (give key paths and value lists, e.g. {'policy.referral_reward': [0, 5]})")
    keys = list(grid)
    choices = []
    for key in keys:
        values = grid[key]
        if isinstance(values, np.ndarray):
            values = values.tolist()
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
            raise ValueError(f"grid[{key!r}]: give a list of values, got {type(values).__name__} {values!r}")
        values = [plain(v) if isinstance(v, (np.generic, np.ndarray)) else v for v in values]
        if not values:
            raise ValueError(f"grid[{key!r}]: no values")
        choices.append(values)
    grid_size(math.prod(len(c) for c in choices), max_designs, " x ".join(f"{len(c):,}" for c in choices))
    nested({k: 0 for k in keys}, "grid")  # key paths checked once, before the product
    names = short_names(keys)
    designs = []
    for combination in itertools.product(*choices):
        changes = dict(zip(keys, combination))
        designs.append((change_label(changes, names), changes))
    return keys, designs


# -- identity -------------------------------------------------------------------------------------


def per_node_sha256(per_node) -> Optional[dict]:
    """Digests of what a campaign reads per node beside its spec (:attr:`Campaign.per_node`),
    for a design's identity in a run store: ``groups_sha256`` and ``segments_sha256``."""
    if per_node is None:
        return None
    out = {}
    groups, segments = per_node.get("groups"), per_node.get("segments")
    if groups is not None:
        out["groups_sha256"] = hashlib.sha256(np.ascontiguousarray(groups, dtype="<i8").tobytes()).hexdigest()
    if segments is not None:
        digest = hashlib.sha256(np.ascontiguousarray(segments[0], dtype=np.uint8).tobytes())
        digest.update(json.dumps(list(segments[1])).encode())
        out["segments_sha256"] = digest.hexdigest()
    return out


def canonical_spec(spec: dict) -> str:
    """A design's spec as canonical JSON (sorted keys, no spaces), without the ``run`` section's
    replicates and seed, which are a run's own: the text run stores keep beside its hash."""
    trimmed = dict(spec, run={"steps": spec["run"]["steps"]})
    return json.dumps(trimmed, sort_keys=True, separators=(",", ":"), default=plain)


def spec_sha256(spec: dict) -> str:
    """SHA-256 of :func:`canonical_spec`: a design's identity in manifests and run stores."""
    return hashlib.sha256(canonical_spec(spec).encode()).hexdigest()


# -- uncertain parameters (docs/choosing.md) ------------------------------------------------------


def parse_uncertain(uncertain: Optional[Mapping], where: str = "uncertain") -> List[Tuple[str, tuple]]:
    """``[(key path, (kind, *numbers))]`` in the given order, every distribution checked against
    the parameter's type and range. None or {} gives []. Distributions: ``("uniform", low,
    high)``, ``("triangular", low, mode, high)``, ``("normal", mean, sd)`` (clipped to the
    parameter's range), ``("choice", [v1, v2, ...])``."""
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
        low, high = parameter_bounds(row)
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

    rows = parameter_rows()
    out = np.empty((count, len(uncertain)))
    for i, r in enumerate(range(first, first + count)):
        uniforms = np.random.Generator(np.random.Philox(np.random.SeedSequence(
            [int(seed), int(r), UNCERTAIN_STREAM]))).random(len(uncertain))
        for j, (path, (kind, *args)) in enumerate(uncertain):
            u = uniforms[j]
            if kind == "uniform":
                value = args[0] + u * (args[1] - args[0])
            elif kind == "triangular":
                low, mode, high = args
                value = stats.triang.ppf(u, (mode - low) / (high - low), loc=low, scale=high - low)
            elif kind == "normal":
                low, high = parameter_bounds(rows.get(path) or parameter_row(path, path))
                value = min(max(stats.norm.ppf(u, loc=args[0], scale=args[1]), low), high)
            else:
                choices = args[0]
                value = choices[min(int(u * len(choices)), len(choices) - 1)]
            out[i, j] = round(value) if (rows.get(path) or parameter_row(path, path))["type"] == "count" else value
    return out


def with_values(spec: dict, paths: Sequence[str], values: Sequence[float]) -> dict:
    """A copy of a spec with key paths set (counts as integers)."""
    rows = parameter_rows()
    changed = copy.deepcopy(spec)
    for path, value in zip(paths, values):
        at = changed
        parts = path_parts(path)
        for part in parts[:-1]:
            at = at[part]
        kind = (rows[path] if path in rows else parameter_row(path, path))["type"]
        at[parts[-1]] = int(value) if kind == "count" else float(value)
    return changed
