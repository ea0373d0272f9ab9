"""Campaigns: the guanxi campaign model (docs/model.md) on a social graph.

A campaign is product + behaviour + ties + ladder + policy + seeding + horizon, each a section of
keyword dictionaries with MODEL.md's defaults (unknown keys are errors that suggest the closest
valid key). ``campaign.run`` simulates it, many replicates, reporting per step the people, money,
trust, network value and cascades of MODEL.md §5; :func:`compare` runs several designs with
common random numbers and reports paired differences against the first.

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.holme_kim(2000, 3, 0.5, seed=1)
>>> base = gx.Campaign(g, run={"steps": 20})
>>> referral = gx.Campaign(g, policy={"referral_reward": 10}, run={"steps": 20})
>>> table = gx.compare({"none": base, "referral": referral}, replicates=20, seed=1, progress=False)
>>> table.loc[("referral", "incentive_spend"), "difference"] >= 0
True
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import warnings
from typing import Dict, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from . import _guanxi
from .graph import Graph
from .stats import _checked_level, mean_interval, paired_difference, ratio_of_mean_differences

__all__ = ["Campaign", "CampaignResult", "DesignWarning", "compare", "metrics", "metric_table", "parameter_table",
           "json_schema", "channels"]

# The top-level tables of a spec, from the engine's parameter table.
_SECTIONS = tuple(dict.fromkeys(row["path"].split(".")[0] for row in _guanxi.campaign_parameters()))


def metrics() -> list:
    """The metric names of MODEL.md §5 (and CAC), in the order of result columns."""
    return list(_guanxi.campaign_metrics())


def metric_table():
    """The metric registry as a :class:`pandas.DataFrame` indexed by metric name, in the order of
    a result's columns: ``unit`` (people, currency, share, ...), ``kind`` (``stock``: a level or
    everything so far; ``flow``: the step only; ``ratio``: a quotient of two tallies),
    ``per_step`` (describes the step only), ``section`` (of MODEL.md) and ``description``."""
    import pandas as pd

    frame = pd.DataFrame(_guanxi.campaign_metric_registry())
    return frame.set_index("name")


def parameter_table():
    """The campaign's parameters as a :class:`pandas.DataFrame` indexed by key path
    (``"behaviour.share_prob"``), in the order of a spec: ``type`` (number, count, flag, text,
    choice, numbers, budget, nodes), ``range`` (e.g. ``[0, 1]``, ``>= 0``), ``default``, ``unit``,
    ``section`` (of MODEL.md), ``doc`` (one line) and ``choices`` (for ``ties.init``). Every
    reader, check and writer of campaign specs follows this table (the engine's parameter table,
    ``sim/src/campaign/parameters.cpp``)."""
    import pandas as pd

    frame = pd.DataFrame(_guanxi.campaign_parameters()).set_index("path")
    defaults = json.loads(_guanxi.campaign_spec("{}"))
    frame.insert(2, "default", [_at_path(defaults, path) for path in frame.index])
    return frame


def parameter_markdown() -> str:
    """:func:`parameter_table` as a Markdown table (docs/model.md holds it; scripts/update-
    parameter-docs.py writes it there, and a test checks that it is current)."""
    lines = ["| key | type | range | default | unit | MODEL.md | meaning |", "|---|---|---|---|---|---|---|"]
    for path, row in parameter_table().iterrows():
        default = json.dumps(row["default"]) if isinstance(row["default"], (str, list)) else row["default"]
        if isinstance(default, bool):
            default = str(default).lower()
        meaning = row["doc"].replace("|", "\\|")
        lines.append(f"| `{path}` | {row['type']} | {row['range']} | {default} | {row['unit']} | {row['section']} | "
                     f"{meaning} |")
    return "\n".join(lines) + "\n"


def spec_sha256(spec: dict) -> str:
    """SHA-256 of a campaign spec as canonical JSON (sorted keys, no spaces), without the
    ``run`` section's replicates and seed, which are a run's own: a design's identity in
    manifests and run stores."""
    import hashlib

    return hashlib.sha256(canonical_spec(spec).encode()).hexdigest()


def canonical_spec(spec: dict) -> str:
    """The JSON text :func:`spec_sha256` hashes (run stores keep it beside the hash)."""
    trimmed = dict(spec, run={"steps": spec["run"]["steps"]})
    return json.dumps(trimmed, sort_keys=True, separators=(",", ":"), default=_plain)


@functools.lru_cache(maxsize=1)
def _parameter_rows() -> Dict[str, dict]:
    """The engine's parameter table by key path, read once (it does not change while running):
    callers must not modify the rows."""
    return {row["path"]: row for row in _guanxi.campaign_parameters()}


def parameter_row(path, where: str) -> dict:
    """The parameter table's row of a key path (``path``, ``type``, ``range``, ...), or a
    ValueError ``"{where}: unknown key path ...; did you mean ...?"``: the one check of key paths
    that sweeps, uncertain parameters, optimisation, sensitivity, calibration and study files
    share."""
    rows = _parameter_rows()
    if isinstance(path, str) and path in rows:
        return rows[path]
    import difflib

    close = difflib.get_close_matches(str(path), sorted(rows), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else " (gx.campaign.parameter_table() lists them)"
    raise ValueError(f"{where}: unknown key path {path!r}{hint}")


def _at_path(table: dict, path: str):
    for key in path.split("."):
        table = table[key]
    return table


def json_schema() -> dict:
    """A JSON Schema (draft 2020-12) of campaign specs, from :func:`parameter_table`: the tables
    and keys, their types, ranges, defaults and docs. Editors and other tools can check scenario
    files (as JSON) and dictionaries with it; guanxi's own checks are the engine's."""
    schema: dict = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "guanxi campaign",
                    "type": "object", "additionalProperties": False, "properties": {}}
    for path, row in parameter_table().iterrows():
        at = schema
        keys = path.split(".")
        for key in keys[:-1]:
            at = at["properties"].setdefault(key, {"type": "object", "additionalProperties": False, "properties": {}})
        at["properties"][keys[-1]] = _json_type(row)
    return schema


def _json_type(row) -> dict:
    """One parameter's JSON Schema."""
    kinds = {"number": {"type": "number"}, "count": {"type": "integer", "minimum": 0}, "flag": {"type": "boolean"},
             "text": {"type": "string"}, "choice": {"enum": list(row["choices"])},
             "numbers": {"type": "array", "items": {"type": "number"}},
             "budget": {"anyOf": [{"type": "number", "minimum": 0}, {"const": "unlimited"}]},
             "nodes": {"type": "array", "items": {"type": ["integer", "string"]}}}
    out = dict(kinds[row["type"]])
    bounds = {"[0, 1]": {"minimum": 0, "maximum": 1}, ">= 0": {"minimum": 0}, "> 0": {"exclusiveMinimum": 0},
              ">= 1": {"minimum": 1}}
    if row["range"] in bounds:
        target = out["items"] if row["type"] == "numbers" else out
        target.update(bounds[row["range"]])
    elif row["range"].startswith("[0, 255]"):
        out["maximum"] = 255
    elif row["range"].startswith("[1, "):
        out.update(minimum=1, maximum=int(row["range"][4:-1]))
    out["default"] = row["default"]
    out["description"] = f"{row['doc']} ({row['section']}{', ' + row['unit'] if row['unit'] else ''})"
    return out


def channels() -> list:
    """Acquisition channels: seed, external, referral, team, bargain, solo."""
    return list(_guanxi.campaign_channels())


class DesignWarning(UserWarning):
    """A design that is legal but almost surely a mistake (it still runs): every sale loses
    money, commission paying the whole price, nobody able to buy, designs compared on graphs of
    different sizes."""


def _warn(messages, stacklevel: int = 3) -> None:
    for message in messages:
        warnings.warn(message, DesignWarning, stacklevel=stacklevel)


def _checked_int(value, name: str, low: int, high: Optional[int] = None, allow_none: bool = False):
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


def _check_name(name, what: str = "name") -> Optional[str]:
    if name is not None and not isinstance(name, str):
        raise ValueError(f"{what}: must be a string, got {type(name).__name__} {name!r}")
    return name


def _merge(spec: dict, changes: Mapping) -> None:
    """Deep merge of ``changes`` into ``spec``: nested tables keep the keys not given. A table
    with an ``enabled`` switch (group_buy, bargain, membership, community, flash_sale,
    red_packet) is switched on by giving it, as in a scenario file, unless ``enabled`` is given
    too."""
    for key, value in changes.items():
        here = spec.get(key)
        if isinstance(value, Mapping) and isinstance(here, dict):
            if "enabled" in here and "enabled" not in value:
                here["enabled"] = True
            _merge(here, value)
        else:
            spec[key] = copy.deepcopy(value)


def _checked_groups(groups, graph: Graph) -> Optional[np.ndarray]:
    """``groups=`` as an int64 array of one group id per node (-1: none), or None."""
    if groups is None:
        return None
    try:
        array = np.asarray(groups)
    except (TypeError, ValueError):
        raise ValueError("groups: expected one integer group id per node") from None
    if array.ndim != 1 or array.shape[0] != graph.num_nodes:
        raise ValueError(f"groups: expected one group id per node ({graph.num_nodes:,}), got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if not np.issubdtype(array.dtype, np.floating) or not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError("groups: expected integer group ids (-1: no group)")
    array = array.astype(np.int64)
    if array.size and array.min() < -1:
        node = int(np.argmin(array))
        raise ValueError(f"groups: node {node} has group {int(array[node])}; group ids are >= 0, -1 for none")
    array.setflags(write=False)
    return array


def _unknown_section(name: str) -> ValueError:
    import difflib

    close = difflib.get_close_matches(name, _SECTIONS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (sections: {', '.join(_SECTIONS)})"
    return ValueError(f"campaign: unknown section {name!r}{hint}")


def _finite(value, path: str):
    """JSON has no NaN or infinity: an infinite budget means "unlimited"; others are errors."""
    if isinstance(value, Mapping):
        return {key: _finite(v, f"{path}.{key}") for key, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_finite(v, path) for v in value]
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        if path == "policy.budget" and value > 0:
            return "unlimited"
        raise ValueError(f"{path}: must be finite, got {value}")
    return value


def _plain(value):
    """numpy scalars and arrays as JSON-friendly Python values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    raise TypeError(f"cannot use {type(value).__name__} in a campaign section")


class Campaign:
    """A campaign design on a graph.

    Parameters
    ----------
    graph : Graph
    product, behaviour, ties, ladder, policy, acquisition, community, seeding, run : dict, optional
        Sections of docs/model.md §7 and §14 (defaults for every missing key). ``acquisition``
        buys ads (§8: ``ad_spend``, ``cpm``, ``ad_conversion``, ``platform_fee``, ...);
        ``community`` (present = on) runs community groups (§9), with the sub-tables
        ``flash_sale`` and ``red_packet``. ``policy`` takes
        ``referral_reward``, ``referee_discount``, ``commission`` (rates by level), ``budget``,
        and the sub-tables ``group_buy``, ``bargain``, ``membership`` (present = on).
        ``seeding`` takes ``strategy`` (top_degree, pagerank, kcore, imm, random, nodes), ``k`` and
        ``nodes`` (node ids). ``run`` takes ``steps``, ``replicates``, ``seed``.
    name : str, optional
    groups : array of int, optional
        With ``community={"initial": "column"}``: the group of every node (-1: none), e.g.
        interest or neighbourhood communities found beforehand.

    Raises
    ------
    ValueError
        Unknown keys (with the closest valid key), values of the wrong type or out of range,
        each naming its key path (``policy.group_buy.size``).

    Warns
    -----
    DesignWarning
        A legal design that is almost surely a mistake (it still runs).

    Campaigns pickle (with their graph), so Jupyter, multiprocessing and Dask can carry them;
    :meth:`to_toml` writes one as a scenario file.
    """

    def __init__(self, graph: Graph, *, name: Optional[str] = None, groups=None, **sections):
        if not isinstance(graph, Graph):
            raise TypeError("graph: must be a guanxi.Graph")
        unknown = [key for key in sections if key not in _SECTIONS]
        if unknown:
            raise _unknown_section(unknown[0])
        given = {key: _finite(value, key) for key, value in sections.items() if value is not None}
        self.graph = graph
        self.name = _check_name(name)
        self.description: Optional[str] = None
        self.spec: dict = json.loads(_guanxi.campaign_spec(json.dumps(given, default=_plain)))
        self._graph_source: Optional[dict] = None  # the [graph] table of the scenario it came from
        self._groups = _checked_groups(groups, graph)
        _warn(_guanxi.validate_campaign(graph._g, json.dumps(self.spec), self._groups))

    @property
    def groups(self) -> Optional[np.ndarray]:
        """The initial community group of every node (-1: none) under ``community.initial =
        "column"``, or None."""
        return None if self._groups is None else self._groups.copy()

    @classmethod
    def _checked(cls, graph: Graph, spec: dict, name: Optional[str]) -> "Campaign":
        """A campaign from a spec the engine has already normalised and checked."""
        campaign = cls.__new__(cls)
        campaign.graph, campaign.spec, campaign.name = graph, spec, name
        campaign.description = None
        campaign._graph_source = None
        campaign._groups = None
        return campaign

    @classmethod
    def from_toml(cls, path: "str | os.PathLike", graph: Optional[Graph] = None,
                  graphs: Optional[dict] = None) -> "Campaign":
        """A campaign from a scenario file; its ``[graph]`` is read or generated unless ``graph``
        is given. ``[seeding] nodes`` name the graph's labels. Errors (ValueError, OSError for a
        file that cannot be read) and warnings name the file, the line and the key. Pass the
        same dict as ``graphs`` to several calls and scenarios naming the same ``[graph]`` share
        one copy of it, read or generated once."""
        path = os.fspath(path)
        if graph is not None and not isinstance(graph, Graph):
            raise TypeError("graph: must be a guanxi.Graph")
        loaded = _guanxi.open_scenario(path, None if graph is None else graph._g, graphs)
        name = loaded["name"] or os.path.splitext(os.path.basename(path))[0]
        campaign = cls._checked(graph if graph is not None else Graph(loaded["graph"]), json.loads(loaded["spec"]), name)
        campaign.description = loaded["description"] or None
        if loaded["groups"] is not None:
            campaign._groups = np.asarray(loaded["groups"], dtype=np.int64)
        if graph is None and loaded["graph_source"]:
            source = dict(loaded["graph_source"])
            if "file" in source:  # kept absolute: to_toml writes it relative to the new file
                source["file"] = os.path.join(os.path.dirname(os.path.abspath(path)), source["file"])
            campaign._graph_source = source
        _warn(loaded["warnings"])
        return campaign

    def to_toml(self, path: "str | os.PathLike", graph_file: "str | os.PathLike | None" = None) -> None:
        """Write the campaign as a scenario file that :meth:`from_toml` reads back to the same
        design (the same seed then gives identical runs). Every key is written, so the file
        does not depend on future defaults; ``[seeding] nodes`` are written as the graph's
        labels. The ``[graph]`` table is the scenario's own when the campaign came from a file
        with one; ``graph_file`` names a graph file to use instead (saved there as a snapshot
        when it does not exist yet); otherwise the file has no ``[graph]`` and reloads with
        ``Campaign.from_toml(path, graph=...)``. Community groups given per node (``groups``)
        are written beside it as ``<name>.groups.csv`` (``label,group`` lines), which
        ``community.groups_file`` names."""
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        graph_table = None
        if graph_file is not None:
            graph_file = os.fspath(graph_file)
            if not os.path.exists(graph_file):
                self.graph.save(graph_file)
            graph_table = {"file": os.path.relpath(os.path.abspath(graph_file), folder)}
        elif self._graph_source is not None:
            graph_table = {key: _graph_value(value) for key, value in self._graph_source.items()}
            if "file" in graph_table:
                graph_table["file"] = os.path.relpath(graph_table["file"], folder)
        spec = copy.deepcopy(self.spec)
        if self._groups is not None:
            # The groups travel as a label,group file beside the scenario.
            groups_path = os.path.splitext(path)[0] + ".groups.csv"
            labels = self.graph.labels
            with open(groups_path, "w", encoding="utf-8") as out:
                out.write("label,group\n")
                for v in np.flatnonzero(self._groups >= 0):
                    out.write(f"{labels[v]},{int(self._groups[v])}\n")
            spec["community"]["groups_file"] = os.path.basename(groups_path)
        if spec["seeding"]["strategy"] == "nodes":
            labels = self.graph.labels
            spec["seeding"]["nodes"] = [_plain_label(labels[int(v)]) for v in spec["seeding"]["nodes"]]
        else:
            spec["seeding"].pop("nodes", None)
        lines = ["# A guanxi campaign scenario, written by Campaign.to_toml (every key of docs/model.md §7)."]
        if self.name is not None:
            lines.append(f"name = {_toml_value(self.name)}")
        if self.description:
            lines.append(f"description = {_toml_value(self.description)}")
        if graph_table is not None:
            lines += ["", "[graph]"] + [f"{key} = {_toml_value(value)}" for key, value in graph_table.items()]
        else:
            lines += ["", "# No [graph] table: load with Campaign.from_toml(path, graph=...) or add one."]
        lines += _toml_tables(spec, [])
        text = "\n".join(lines) + "\n"
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)

    def replace(self, name: Optional[str] = None, **sections) -> "Campaign":
        """A copy with some keys changed (other keys kept, nested tables merged key by key:
        ``replace(policy={"group_buy": {"size": 4}})`` keeps the team's deadline and discount).
        Giving ``group_buy``, ``bargain``, ``membership``, ``community``, ``flash_sale`` or
        ``red_packet`` switches it on unless ``enabled`` is given. The copy is a new design: it is unnamed unless ``name`` is given."""
        spec = copy.deepcopy(self.spec)
        for section, values in sections.items():
            if section not in _SECTIONS:
                raise _unknown_section(section)
            if not isinstance(values, Mapping):
                raise ValueError(f"{section}: expected a dict")
            _merge(spec, {section: values})  # a section with a switch (community) is switched on by giving it
        groups = self._groups if spec["community"]["initial"] == "column" else None
        return Campaign(self.graph, name=name, groups=groups, **spec)

    def __getstate__(self) -> dict:
        return {"graph": self.graph, "spec": self.spec, "name": self.name, "description": self.description,
                "graph_source": self._graph_source, "groups": self._groups}

    def __setstate__(self, state: dict) -> None:
        self.graph, self.spec, self.name = state["graph"], state["spec"], state["name"]
        self.description, self._graph_source = state["description"], state["graph_source"]
        self._groups = state.get("groups")
        # A spec of another version fails here.
        _guanxi.validate_campaign(self.graph._g, json.dumps(self.spec), self._groups)

    def run(
        self,
        replicates: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        progress: bool = True,
        forests: Iterable[int] = (),
        label: Optional[str] = None,
        customers: Iterable[int] = (),
    ) -> "CampaignResult":
        """Simulate ``replicates`` replicates (default: the ``run`` section). Replicates are pure
        functions of (seed, replicate): campaigns run with the same seed share their random
        numbers, and the thread count never changes results. Ctrl-C stops within a step.
        ``label`` names the run (progress bar, plots); default the campaign's name. ``forests``
        and ``customers`` list replicates whose referral forest and customer ledger are kept
        (others are run again alone when asked for)."""
        replicates = self.spec["run"]["replicates"] if replicates is None else replicates
        seed = self.spec["run"]["seed"] if seed is None else seed
        replicates = _checked_int(replicates, "replicates", 1)
        seed = _checked_int(seed, "seed", 0, 2**64)
        threads = _checked_int(threads, "threads", 1, allow_none=True)
        label = _check_name(label, "label") if label is not None else self.name
        callback, bar = _progress_bar(int(replicates), progress, label)
        try:
            raw = _guanxi.run_campaign(
                self.graph._g,
                json.dumps(self.spec),
                int(replicates),
                int(seed),
                0 if threads is None else int(threads),
                [int(r) for r in forests],
                callback,
                0,
                self._groups,
                [int(r) for r in customers],
            )
        finally:
            if bar is not None:
                bar.close()
        return CampaignResult(raw, self, int(seed), label)

    def ic_equivalent(self) -> np.ndarray:
        """The campaign read as Independent Cascade: for each arc u -> v of the graph (the order
        of ``graph.targets``), the probability that u, a customer sharing through the whole
        horizon, converts v (docs/model.md, "The campaign's IC equivalent"). In MODEL.md §6's IC
        case it is that model's ``p``. Strategy ``imm`` and :func:`guanxi.seeding.for_campaign`
        choose seeds on it: ``gx.seeding.imm(c.graph, k, model="ic", p=c.ic_equivalent())``."""
        return _guanxi.campaign_ic_equivalent(self.graph._g, json.dumps(self.spec))

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<guanxi.Campaign{label} on {self.graph!r}>"


def _graph_value(value):
    """A [graph] value as the scenario had it: generator parameters come back as text, numbers
    and booleans as their JSON text."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, (bool, int, float)) else value
    return value


def _plain_label(label):
    return int(label) if isinstance(label, (int, np.integer)) else str(label)


def _toml_value(value) -> str:
    """A TOML value: strings quoted (JSON escapes are TOML escapes), floats in their shortest
    round-trip form, lists of values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        text = repr(float(value))
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"cannot write {type(value).__name__} {value!r} to TOML")


def _toml_tables(table: dict, path: list) -> list:
    """[section] blocks: a table's plain keys under its header, then its sub-tables."""
    lines = []
    plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if path and (plain or not any(isinstance(v, dict) for v in table.values())):
        lines += ["", f"[{'.'.join(path)}]"] + [f"{key} = {_toml_value(value)}" for key, value in plain.items()]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += _toml_tables(value, path + [key])
    return lines


def _progress_bar(total: int, progress: bool, label: Optional[str]):
    if not progress:
        return None, None
    try:
        import ipywidgets  # noqa: F401  (tqdm.auto draws widgets in notebooks only with it)

        from tqdm.auto import tqdm
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:  # progress is optional
            return None, None
    bar = tqdm(total=total, unit="rep", leave=False, desc=label)

    def callback(done, _total):
        bar.update(done - bar.n)

    return callback, bar


class CampaignResult:
    """Outcome of :meth:`Campaign.run`.

    Attributes
    ----------
    values : numpy.ndarray
        Shape ``(replicates, steps, len(metrics))``: each metric at the end of each step.
    metrics : list of str
    warnings : list of str
    seconds : float
    """

    def __init__(self, raw: dict, campaign: Campaign, seed: int, label: Optional[str] = None,
                 first_replicate: int = 0):
        self.campaign = campaign
        self.label = label
        self.seed = seed
        self.first_replicate = first_replicate
        self.metrics: list = list(raw["metrics"])
        self.values: np.ndarray = raw["values"]
        self.warnings: list = list(raw["warnings"])
        self.seconds: float = raw["seconds"]
        self._forests: dict = raw["forests"]
        self._ledgers: dict = dict(raw.get("ledgers", {}))
        # §11 per replicate: cohort rows (acquired, channel, churned, customers) and channel sums
        # (customers, margin, incentives, incentive-driven customers, revenue); None when the run
        # was rebuilt from stored values only.
        cohorts = raw.get("cohorts")
        self._cohorts = list(cohorts) if cohorts else None
        sums = raw.get("channel_sums")
        self._channel_sums = np.stack([np.asarray(s) for s in sums]) if sums else None
        self.replicates, self.steps, _ = self.values.shape
        self._raw = raw["handle"]
        # Strengths can change after the run: a run that started from them records them now.
        self._strength_fingerprint = (f"{campaign.graph._g.strength_fingerprint():016x}"
                                      if campaign.spec["ties"]["init"] == "graph" else None)

    def __getstate__(self) -> dict:
        # The values travel as a plain array; the engine's view of them is rebuilt on load.
        return {"campaign": self.campaign, "label": self.label, "seed": self.seed,
                "first_replicate": self.first_replicate, "metrics": self.metrics,
                "values": np.array(self.values), "warnings": self.warnings, "seconds": self.seconds,
                "forests": self._forests, "strength_fingerprint": self._strength_fingerprint,
                "cohorts": self._cohorts, "channel_sums": self._channel_sums, "ledgers": self._ledgers}

    def __setstate__(self, state: dict) -> None:
        if list(state["metrics"]) != metrics():
            raise ValueError("CampaignResult: pickled by a guanxi with other metrics; run the campaign again")
        raw = _guanxi.campaign_run(np.ascontiguousarray(state["values"], dtype=np.float64), state["first_replicate"])
        raw.update(warnings=state["warnings"], seconds=state["seconds"], forests=state["forests"],
                   ledgers=state.get("ledgers", {}), cohorts=state.get("cohorts"))
        if state.get("channel_sums") is not None:
            raw["channel_sums"] = list(state["channel_sums"])
        self.__init__(raw, state["campaign"], state["seed"], state["label"], state["first_replicate"])
        self._strength_fingerprint = state.get("strength_fingerprint")

    @property
    def manifest(self) -> dict:
        """The identity of this run: everything that determines its numbers, for a run store or
        a cluster to tell whether two results come from the same computation (or can be joined:
        the same manifest but for the replicate range). Keys: ``engine`` and ``version``,
        ``spec_sha256`` (SHA-256 of the normalised spec as canonical JSON: every parameter, the
        defaults included, but the ``run`` section's replicates and seed, which may be
        overridden when running and are given here as run), ``graph`` (``fingerprint``, ``nodes``, ``ties``, ``directed``, and
        ``strength_fingerprint`` when ``ties.init`` is ``"graph"``: the run started from the
        graph's strengths), ``seed``, ``first_replicate``, ``replicates``, ``steps`` and
        ``metrics`` (the column names). Thread counts are not in it: they never change
        results."""
        from . import __version__

        graph = self.campaign.graph
        identity = {"fingerprint": graph.fingerprint, "nodes": graph.num_nodes, "ties": graph.num_ties,
                    "directed": graph.directed}
        if self._strength_fingerprint is not None:
            identity["strength_fingerprint"] = self._strength_fingerprint
        return {"engine": "guanxi", "version": __version__,
                "spec_sha256": spec_sha256(self.campaign.spec), "graph": identity,
                "seed": int(self.seed), "first_replicate": int(self.first_replicate),
                "replicates": int(self.replicates), "steps": int(self.steps), "metrics": list(self.metrics)}

    def metric(self, name: str) -> np.ndarray:
        """One metric, shape ``(replicates, steps)``."""
        if name not in self.metrics:
            raise ValueError(f"metric: unknown {name!r} (metrics: {', '.join(self.metrics)})")
        return self.values[:, :, self.metrics.index(name)]

    @property
    def timeseries(self):
        """Tidy :class:`pandas.DataFrame`: replicate, step, metric, value."""
        import pandas as pd

        r, s, m = self.values.shape
        return pd.DataFrame(
            {
                "replicate": np.repeat(np.arange(r), s * m),
                "step": np.tile(np.repeat(np.arange(s), m), r),
                "metric": pd.Categorical(np.tile(self.metrics, r * s), categories=self.metrics),
                "value": self.values.reshape(-1),
            }
        )

    def summary(self, level: float = 0.95):
        """Per metric at the horizon: mean, Student t confidence interval, sd and the number of
        replicates with a value (rates are undefined, NaN, when their denominator is 0; with
        fewer than two values the sd and the interval are NaN). The numbers of
        :func:`guanxi.stats.mean_interval`, identical to the last step of :meth:`mean_curve`.
        The last row, ``payback_step`` (MODEL.md §11), is the first step at which cumulative
        profit is >= 0, over the replicates that pay back within the horizon (its
        ``replicates`` counts them)."""
        import pandas as pd

        horizon = mean_interval(self.values[:, -1, :], level, axis=0)
        payback = mean_interval(self.payback_steps(), level)
        return pd.DataFrame(
            {"mean": np.append(horizon.mean, payback.mean), "ci_low": np.append(horizon.low, payback.low),
             "ci_high": np.append(horizon.high, payback.high), "sd": np.append(horizon.sd, payback.sd),
             "replicates": np.append(horizon.n, payback.n)},
            index=pd.Index(self.metrics + ["payback_step"], name="metric"),
        )

    def _checked_replicate(self, replicate) -> int:
        if not isinstance(replicate, (int, np.integer)) or not 0 <= replicate < self.replicates:
            raise ValueError(f"replicate: must be in [0, {self.replicates}), got {replicate!r}")
        return int(replicate)

    def _run_alone(self, replicate: int, kept: str):
        """Replicate ``replicate`` of this result run again alone, keeping its ``"forests"`` or
        ``"ledgers"`` entry (a replicate is a pure function of the seed and its index)."""
        index = self.first_replicate + replicate
        raw = _guanxi.run_campaign(self.campaign.graph._g, json.dumps(self.campaign.spec), 1, self.seed, 1,
                                   [index] if kept == "forests" else [], None, index, self.campaign._groups,
                                   [index] if kept == "ledgers" else [])
        return raw[kept][index]

    def payback_steps(self) -> np.ndarray:
        """Per replicate, the first step at which cumulative profit is >= 0 (MODEL.md §11); NaN
        where it never is within the horizon."""
        return _first_step_at_or_above_zero(self.metric("profit"))

    def _lifecycle(self, what: str):
        if self._cohorts is None:
            raise ValueError(f"{what}: this result has no customer lifecycle (it was rebuilt from stored "
                             "per-step values, e.g. by a sweep); run the design with Campaign.run")

    def customers(self, replicate: int = 0):
        """The customer ledger of one replicate (MODEL.md §11), one row per customer in the
        order of first purchases: ``node``, ``label``, ``channel``, ``acquired`` (step of the
        first purchase), ``referrer`` and ``referrer_label`` (-1 / None: none), ``group``
        (community group at the horizon, -1: none), ``purchases``, ``revenue``, ``margin``
        (revenue - cost of goods - platform fees), ``incentives`` (attributed to it: discounts
        on its purchases, the reward paid for its conversion, commissions paid on its purchases;
        red packets are not attributed), ``earned`` (rewards and commissions it received) and
        ``churned`` (the step it churned in, -1: active at the horizon). Replicates listed in
        ``customers=`` of the run are kept; any other is run again alone (the same replicate)."""
        import pandas as pd

        replicate = self._checked_replicate(replicate)
        if replicate not in self._ledgers:
            self._ledgers[replicate] = self._run_alone(replicate, "ledgers")
        columns = self._ledgers[replicate]
        labels = self.campaign.graph.labels
        names = np.array(channels(), dtype=object)
        referrer = np.asarray(columns["referrer"])
        return pd.DataFrame({
            "node": np.asarray(columns["node"]),
            "label": labels[np.asarray(columns["node"])] if len(referrer) else np.array([], dtype=object),
            "channel": names[np.asarray(columns["channel"], dtype=np.int64)],
            "acquired": np.asarray(columns["acquired"], dtype=np.int64),
            "referrer": referrer,
            "referrer_label": pd.Series([labels[r] if r >= 0 else None for r in referrer], dtype=object),
            "group": np.asarray(columns["group"]),
            "purchases": np.asarray(columns["purchases"], dtype=np.int64),
            "revenue": np.asarray(columns["revenue"]),
            "margin": np.asarray(columns["margin"]),
            "incentives": np.asarray(columns["incentives"]),
            "earned": np.asarray(columns["earned"]),
            "churned": np.asarray(columns["churned"]),
        })

    def cohorts(self, by: "str | int" = "step", level: float = 0.95):
        """Cohort retention (MODEL.md §11): for the customers acquired together, the share still
        active at each age (steps since the first purchase), with a Student t interval over the
        replicates. ``by`` groups customers by acquisition ``"step"``, by ``"channel"``, or by
        windows of that many steps (``by=7``: weekly cohorts, labelled by their first step). Only
        ages observed within the horizon count (a customer acquired at step c is seen at ages
        0 .. steps - 1 - c). Columns: ``cohort``, ``age``, ``customers`` (mean observed per
        replicate), ``share_active`` (mean over the replicates with customers in the cohort),
        ``ci_low``, ``ci_high``, ``replicates``."""
        import pandas as pd

        self._lifecycle("cohorts")
        _checked_level(level)
        steps = self.steps
        if by == "step" or by == "channel":
            width = None
        elif isinstance(by, (int, np.integer)) and not isinstance(by, bool) and by >= 1:
            width = int(by)
        else:
            raise ValueError(f"by: must be 'step', 'channel' or a window of steps >= 1, got {by!r}")
        n_keys = len(channels()) if by == "channel" else steps if width is None else -(-steps // width)
        observed = np.zeros((self.replicates, n_keys, steps + 1))
        active = np.zeros_like(observed)
        for r, rows in enumerate(self._cohorts):
            rows = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
            if rows.size == 0:
                continue
            acquired, channel, churned, count = rows.T
            key = channel if by == "channel" else acquired if width is None else acquired // width
            np.add.at(observed[r], (key, 0), count)
            np.add.at(observed[r], (key, steps - acquired), -count)
            np.add.at(active[r], (key, 0), count)
            np.add.at(active[r], (key, churned - acquired), -count)
        observed = np.cumsum(observed, axis=2)[:, :, :steps]
        active = np.cumsum(active, axis=2)[:, :, :steps]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(observed > 0, active / np.where(observed > 0, observed, 1), np.nan)
        interval = mean_interval(share, level, axis=0)
        size = observed.mean(axis=0)
        keys, ages = np.nonzero(size > 0)
        labels = (np.array(channels(), dtype=object)[keys] if by == "channel"
                  else keys if width is None else keys * width)
        return pd.DataFrame({"cohort": labels, "age": ages, "customers": size[keys, ages],
                             "share_active": interval.mean[keys, ages], "ci_low": interval.low[keys, ages],
                             "ci_high": interval.high[keys, ages], "replicates": interval.n[keys, ages]})

    def lifetime_value(self, level: float = 0.95):
        """Realized lifetime value and acquisition cost by channel (MODEL.md §11), over the
        replicates: ``customers`` (mean per replicate), ``ltv`` (margin per customer to the
        horizon: revenue - cost of goods - platform fees) with ``ltv_low``/``ltv_high``, ``cac``
        (ad channel: ad spend per ad customer; other channels: incentives attributed to the
        channel's customers per incentive-driven customer; NaN where there is none) with
        ``cac_low``/``cac_high``, and ``ltv_to_cac`` (mean ltv / mean cac). Community cost
        (posts) and red packets are not attributed to customers. One row per channel that won
        customers."""
        import pandas as pd

        self._lifecycle("lifetime_value")
        _checked_level(level)
        sums = self._channel_sums  # (replicates, channels, 5)
        names = channels()
        customers, margin, incentives, driven = sums[:, :, 0], sums[:, :, 1], sums[:, :, 2], sums[:, :, 3]
        ad = names.index("ad")
        with np.errstate(invalid="ignore", divide="ignore"):
            ltv = np.where(customers > 0, margin / np.where(customers > 0, customers, 1), np.nan)
            cac = np.where(driven > 0, incentives / np.where(driven > 0, driven, 1), np.nan)
            ad_customers = customers[:, ad]
            cac[:, ad] = np.where(ad_customers > 0, self.metric("ad_spend")[:, -1] / np.where(ad_customers > 0,
                                                                                               ad_customers, 1), np.nan)
        value, cost = mean_interval(ltv, level, axis=0), mean_interval(cac, level, axis=0)
        rows = [c for c in range(len(names)) if customers[:, c].sum() > 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = value.mean / cost.mean
        return pd.DataFrame({"customers": customers.mean(axis=0)[rows], "ltv": value.mean[rows],
                             "ltv_low": value.low[rows], "ltv_high": value.high[rows], "cac": cost.mean[rows],
                             "cac_low": cost.low[rows], "cac_high": cost.high[rows], "ltv_to_cac": ratio[rows]},
                            index=pd.Index([names[c] for c in rows], name="channel"))

    def plot_cohorts(self, by: "str | int" = "step", cohorts: Optional[int] = 6, level: float = 0.95, ax=None):
        """Cohort retention curves: the share of each cohort still active by age, with its
        confidence band (:meth:`cohorts`); ``cohorts`` caps how many cohorts are drawn (the
        largest first). Returns the Axes."""
        from .plotting import plot_cohorts

        return plot_cohorts(self, by, cohorts, level, ax)

    def plot_lifetime_value(self, level: float = 0.95, ax=None):
        """Lifetime value against acquisition cost by channel, with intervals
        (:meth:`lifetime_value`). Returns the Axes."""
        from .plotting import plot_lifetime_value

        return plot_lifetime_value(self, level, ax)

    def referral_forest(self, replicate: int):
        """The referral forest of ``replicate``: one row per customer with its referrer in the
        forest (-1 for roots), channel, step of the first purchase and depth, plus labels.
        Replicates listed in ``forests=`` of the run are kept; any other is run again alone (a
        replicate is a pure function of the seed and its index, so it is the same one)."""
        import pandas as pd

        replicate = self._checked_replicate(replicate)
        if replicate not in self._forests:
            self._forests[replicate] = self._run_alone(replicate, "forests")
        node, referrer, channel, step, depth = self._forests[replicate]
        referrer = referrer.astype(np.int64)
        referrer[referrer == np.iinfo(np.uint32).max] = -1
        labels = self.campaign.graph.labels
        names = np.array(channels(), dtype=object)
        return pd.DataFrame(
            {
                "node": node.astype(np.int64),
                "referrer": referrer,
                "channel": names[channel],
                "step": step.astype(np.int64),
                "depth": depth.astype(np.int64),
                "label": labels[node],
                "referrer_label": pd.Series([labels[r] if r >= 0 else None for r in referrer], dtype=object),
            }
        )

    def mean_curve(self, metric: str, level: float = 0.95):
        """Mean and Student t interval of a metric per step: arrays ``(mean, low, high)``
        (NaN-aware, :func:`guanxi.stats.mean_interval`; the last step is :meth:`summary`'s row).
        Where fewer than two replicates have a value the interval is not available: NaN, never a
        zero-width band."""
        curve = mean_interval(self.metric(metric), level, axis=0)
        return curve.mean, curve.low, curve.high

    def plot(self, metrics: Union[str, Sequence[str]] = ("customers", "profit"), axes=None, label: Optional[str] = None,
             level: float = 0.95, ax=None):
        """Mean of each metric per day with its confidence band, one panel per metric.

        Each panel is titled with the metric, its y axis labelled with the unit (people,
        currency units, shares in percent), the x axis with the day; the band is the
        ``level`` confidence interval of the mean (absent for one replicate). The figure is
        titled with the campaign's name and the number of replicates. To overlay designs, pass
        the axes of the first plot (``axes=`` or ``ax=`` for one metric): each result gets a
        legend entry and the figure title names them all.

        Parameters
        ----------
        metrics : str or list of str
            ``"profit"`` plots one metric.
        axes, ax : matplotlib Axes (or a sequence of them), optional
        label : str, optional
            Legend name (default: the run's label or the campaign's name).
        level : float

        Returns
        -------
        numpy.ndarray of Axes
        """
        from .plotting import plot_result

        if ax is not None and axes is not None:
            raise ValueError("give axes= or ax=, not both")
        return plot_result(self, metrics, axes if axes is not None else ax, label, level)

    def __repr__(self) -> str:
        customers = self.metric("customers")[:, -1].mean()
        profit = self.metric("profit")[:, -1].mean()
        return (
            f"<guanxi.CampaignResult {self.replicates} replicates x {self.steps} steps: customers {customers:.1f}, "
            f"profit {profit:.1f} (means at the horizon), {self.seconds:.2f} s>"
        )


def _first_step_at_or_above_zero(curves: np.ndarray) -> np.ndarray:
    """Per row of ``curves`` (replicates, steps), the first step with a value >= 0; NaN where
    none is."""
    curves = np.asarray(curves)
    reached = curves >= 0
    first = reached.argmax(axis=1).astype(float)
    first[~reached.any(axis=1)] = np.nan
    return first


def _stays_at_or_above_zero(curve: np.ndarray) -> float:
    """The first step from which ``curve`` stays >= 0 to the horizon; NaN if it ends below 0."""
    below = np.flatnonzero(~(np.asarray(curve) >= 0))
    if below.size == 0:
        return 0.0
    return float(below[-1] + 1) if below[-1] + 1 < len(curve) else math.nan


def _named(campaigns) -> Dict[str, Campaign]:
    """Designs by name: a dict of name -> Campaign, or a list of named Campaigns."""
    if isinstance(campaigns, Mapping):
        for name, campaign in campaigns.items():
            _check_name(name, "campaigns: a design's name")
            if not isinstance(campaign, Campaign):
                raise ValueError(f"campaigns[{name!r}]: must be a guanxi.Campaign, got {type(campaign).__name__}")
        return dict(campaigns)
    if isinstance(campaigns, (str, bytes)) or not isinstance(campaigns, Iterable):
        raise ValueError("campaigns: give a dict of name -> Campaign or a list of named Campaigns")
    named: Dict[str, Campaign] = {}
    for i, campaign in enumerate(campaigns):
        if not isinstance(campaign, Campaign):
            raise ValueError(f"campaigns[{i}]: must be a guanxi.Campaign, got {type(campaign).__name__}")
        if campaign.name is None:
            raise ValueError(f"campaigns[{i}]: has no name (give one: Campaign(..., name=...) or .replace(name=...), "
                             "or pass a dict of name -> Campaign)")
        if campaign.name in named:
            raise ValueError(f"campaigns[{i}]: the name {campaign.name!r} is used twice")
        named[campaign.name] = campaign
    return named


def default_comparison_metrics() -> list:
    """The rows :func:`compare` reports by default: the engine's comparison metrics and the
    paired payback step (MODEL.md §11)."""
    return list(_guanxi.comparison_metrics()) + ["payback_step"]


def compare(
    campaigns: Union[Mapping[str, Campaign], Sequence[Campaign]],
    replicates: int = 200,
    seed: int = 0,
    threads: Optional[int] = None,
    progress: bool = True,
    metrics: Optional[Sequence[str]] = None,
    level: float = 0.95,
    results: Optional[Dict[str, CampaignResult]] = None,
    uncertain: Optional[Mapping] = None,
):
    """Run campaigns with common random numbers and compare each with the first.

    ``campaigns`` is a dict of name -> :class:`Campaign`, or a list of named campaigns (the
    first is the baseline). Returns a :class:`pandas.DataFrame` indexed by (design, metric) with
    the baseline's and the design's means at the horizon, the mean paired difference, its
    confidence interval and the share of replicates where the design is higher (Student t
    intervals of :func:`guanxi.stats.paired_difference`; NaN, not available, with one
    replicate; replicates where either value is NaN are left out). The ``incremental_roi``
    row is the true incremental ROI, mean Δprofit / mean Δincentive spend over paired
    replicates, with a delta-method interval (:func:`guanxi.stats.ratio_of_mean_differences`); its
    ``share_higher`` is the share of replicates where Δprofit > 0 and its baseline and design
    columns are NaN. The ``payback_step`` row (MODEL.md §11) holds each design's mean payback
    step (first step with cumulative profit >= 0) as baseline and design mean, and as difference
    the first step from which the mean paired difference in cumulative profit stays >= 0 (NaN:
    not by the horizon); its interval gives the steps from which the interval's upper and lower
    bounds stay >= 0, and share_higher the share of replicates with more profit at the horizon.
    For one row per design,
    ``table["difference"].unstack("metric")``; for a forest plot,
    :func:`guanxi.plot_comparison`. ``table.attrs`` records the baseline, replicates, seed and
    level. Pass a dict as ``results`` to receive each design's :class:`CampaignResult`.
    ``uncertain`` (parameters as distributions, :mod:`guanxi.uncertainty`) makes each replicate
    draw them, the same draw for every design (the designs must share a graph); the differences
    are then averaged over the uncertainty too.

    Warns
    -----
    DesignWarning
        When designs run on graphs of different sizes: their paired differences then compare
        different populations.
    """
    import pandas as pd

    campaigns = _named(campaigns)
    if len(campaigns) < 2:
        raise ValueError("campaigns: give at least two (the first is the baseline)")
    # Arguments are checked before the runs, which may take long.
    wanted = list(metrics) if metrics is not None else default_comparison_metrics()
    known = list(_guanxi.campaign_metrics()) + ["payback_step"]
    for name in wanted:
        if name not in known:
            raise ValueError(f"metrics: unknown {name!r} (metrics: {', '.join(known)})")
    _checked_level(level)
    names = list(campaigns)
    steps = {campaigns[n].spec["run"]["steps"] for n in names}
    if len(steps) != 1:
        raise ValueError(f"campaigns: run.steps must agree, got {sorted(steps)}")
    base_nodes = campaigns[names[0]].graph.num_nodes
    _warn([f"campaigns[{n!r}]: its graph has {campaigns[n].graph.num_nodes:,} nodes and the baseline's "
           f"({names[0]!r}) {base_nodes:,}: paired differences then compare different populations"
           for n in names[1:] if campaigns[n].graph.num_nodes != base_nodes], stacklevel=3)
    runs = {}
    if uncertain:
        from .sweeps import sweep as run_sweep

        swept = run_sweep(campaigns[names[0]], [campaigns[n].replace(name=n) for n in names], replicates=replicates,
                          seed=seed, threads=threads, progress=progress, uncertain=uncertain)
        for number, name in enumerate(names):
            runs[name] = swept.result(number)
    else:
        for name in names:
            runs[name] = campaigns[name].run(replicates=replicates, seed=seed, threads=threads, progress=progress,
                                             label=name)
    if results is not None:
        results.update(runs)
    rows = []
    base = runs[names[0]]
    for name in names[1:]:
        rows += [(name,) + row for row in _paired_rows(base, runs[name], wanted, level)]
    frame = pd.DataFrame(
        rows, columns=["design", "metric", "baseline", "design_mean", "difference", "ci_low", "ci_high", "share_higher"]
    ).set_index(["design", "metric"])
    frame.attrs.update(baseline=names[0], replicates=int(replicates), seed=int(seed), level=float(level))
    return frame


def _paired_rows(baseline: CampaignResult, design: CampaignResult, metrics: Sequence[str], level: float) -> list:
    """The rows of :func:`compare` for one design: ``(metric, baseline, design_mean, difference,
    ci_low, ci_high, share_higher)`` per metric at the horizon, replicate by replicate
    (:func:`guanxi.stats.paired_difference`). ``"incentive_roi"`` gives the row
    ``"incremental_roi"``: mean Δprofit / mean Δincentive spend with its delta-method interval
    (:func:`guanxi.stats.ratio_of_mean_differences`), its share_higher the share of replicates
    with more profit, and no baseline or design mean (NaN)."""
    if baseline.values.shape != design.values.shape:
        raise ValueError(f"compare: campaigns must have the same replicates and steps, got "
                         f"{baseline.replicates} x {baseline.steps} and {design.replicates} x {design.steps}")

    def change(metric: str) -> np.ndarray:
        return design.metric(metric)[:, -1] - baseline.metric(metric)[:, -1]

    rows = []
    for metric in metrics:
        if metric == "payback_step":
            # The design's own payback steps, and the paired one: the first step from which the
            # mean difference in cumulative profit stays >= 0 (ci_low / ci_high: from which the
            # upper / lower bound of its interval does); share_higher: the share of replicates
            # whose difference is >= 0 at the horizon.
            gain = design.metric("profit") - baseline.metric("profit")
            curve = mean_interval(gain, level, axis=0)
            # Each design's own: summary()'s payback_step mean (NaN when no replicate pays back).
            own = [float(mean_interval(r.payback_steps(), level).mean) for r in (baseline, design)]
            rows.append(("payback_step", own[0], own[1], _stays_at_or_above_zero(curve.mean),
                         _stays_at_or_above_zero(curve.high), _stays_at_or_above_zero(curve.low),
                         float(np.mean(gain[:, -1] >= 0))))
        elif metric == "incentive_roi":
            roi = ratio_of_mean_differences(change("profit"), change("incentive_spend"), level)
            rows.append(("incremental_roi", math.nan, math.nan, float(roi.ratio), float(roi.low), float(roi.high),
                         float(roi.share_higher)))
        else:
            paired = paired_difference(baseline.metric(metric)[:, -1], design.metric(metric)[:, -1], level)
            rows.append((metric, float(paired.baseline_mean), float(paired.design_mean), float(paired.difference),
                         float(paired.low), float(paired.high), float(paired.share_higher)))
    return rows
