"""Campaigns: the guanxi campaign model (docs/model.md) on a social graph, and its tables.

A campaign is product + behaviour + ties + ladder + policy + acquisition + community + seeding +
horizon, each a section of keyword dictionaries with MODEL.md's defaults (unknown keys are errors
that suggest the closest valid key). :meth:`Campaign.run` simulates it, many replicates, and
returns a :class:`~guanxi.results.CampaignResult` (per step the people, money, trust, network
value and cascades of MODEL.md §5); :func:`guanxi.compare` runs several designs with common random
numbers. The parameter, metric and channel tables here are the engine's.

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.holme_kim(2000, 3, 0.5, seed=1)
>>> base = gx.Campaign(g, run={"steps": 20})
>>> result = base.replace(policy={"referral_reward": 10}).run(replicates=8, seed=1, progress=False)
>>> result.replicates, result.steps
(8, 20)
"""

from __future__ import annotations

import copy
import json
import os
from typing import Iterable, Mapping, Optional, Tuple

import numpy as np

from . import _engine
from ._checks import DesignWarning, Progress, check_name, checked_int, checked_metric, finite_spec, warn_design
from ._designs import (at_path, canonical_spec, change_label, flatten, parameter_row, parameter_rows, per_node_sha256,
                       spec_sha256)
from .graph import Graph
from .results import CampaignResult

__all__ = ["Campaign", "DesignWarning", "metrics", "check_metric", "metric_table", "parameter_table", "parameter_row", "json_schema",
           "channels", "tiers", "canonical_spec", "spec_sha256", "per_node_sha256"]

# The top-level tables of a spec, from the engine's parameter table.
# The sections of a scenario (besides graph, name and description): what a campaign is made of.
SECTIONS = tuple(dict.fromkeys(path.split(".")[0] for path in parameter_rows()))


def metrics() -> list:
    """The metric names of MODEL.md §5 (and CAC), in the order of result columns."""
    return _engine.metrics()


def check_metric(metric, name: str = "metric") -> str:
    """``metric`` if it is one of :func:`metrics`, else a ValueError naming ``name`` and the
    closest metric (``"metric: unknown 'proft'; did you mean 'profit'?"``): the check of every
    function that takes a metric name, which the command line also calls before a long run."""
    return checked_metric(metric, _engine.metrics(), name)


def metric_table():
    """The metric registry as a :class:`pandas.DataFrame` indexed by metric name, in the order of
    a result's columns: ``unit`` (people, currency, share, ...), ``kind`` (``stock``: a level or
    everything so far; ``flow``: the step only; ``ratio``: a quotient of two tallies),
    ``per_step`` (describes the step only), ``section`` (of MODEL.md) and ``description``."""
    import pandas as pd

    frame = pd.DataFrame(_engine.metric_registry())
    return frame.set_index("name")


def parameter_table():
    """The campaign's parameters as a :class:`pandas.DataFrame` indexed by key path
    (``"behaviour.share_prob"``), in the order of a spec: ``type`` (number, count, flag, text,
    choice, numbers, budget, nodes), ``range`` (e.g. ``[0, 1]``, ``>= 0``), ``default``, ``unit``,
    ``section`` (of MODEL.md), ``doc`` (one line) and ``choices`` (for ``ties.init``). Every
    reader, check and writer of campaign specs follows this table (the engine's parameter table,
    ``sim/src/campaign/parameters.cpp``)."""
    import pandas as pd

    frame = pd.DataFrame(list(parameter_rows().values())).set_index("path")
    defaults = _engine.normalised_spec({})
    frame.insert(2, "default", [at_path(defaults, path) for path in frame.index])
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
    # §15 the segments' list beside its table's parameters: name, share and §15.2's overrides.
    behaviour = schema["properties"]["behaviour"]["properties"]
    overrides = {}
    for key in _engine.segment_behaviour_keys():
        table, _, tier = key.partition(".")
        if tier:
            overrides.setdefault(table, {"type": "object", "additionalProperties": False, "properties": {}})
            overrides[table]["properties"][tier] = behaviour[table]["properties"][tier]
        else:
            overrides[key] = behaviour[key]
    schema["properties"]["segments"]["properties"]["list"] = {
        "type": "array", "description": "the segments (MODEL.md §15.1-15.2), in order", "default": [],
        "items": {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
            "name": {"type": "string", "description": "the segment's name (not 'other')"},
            "share": {"type": "number", "minimum": 0, "maximum": 1, "default": 0,
                      "description": "assign = shares: the part of the nodes drawn into it"},
            "behaviour": {"type": "object", "additionalProperties": False, "properties": overrides,
                          "description": "overrides of these behaviour keys for its members (§15.2)"}}}}
    # §16 the targets: who (conditions that must all hold) and the levers each sets.
    names = {"type": "array", "items": {"type": "string"}}
    share = {"type": "number", "minimum": 0, "maximum": 1}
    schema["properties"]["policy"]["properties"]["target"] = {
        "type": "array", "default": [],
        "description": "targeted policies (MODEL.md §16), in order: a person's target is the first that matches",
        "items": {"type": "object", "additionalProperties": False, "properties": {
            "who": {"type": "object", "additionalProperties": False, "properties": {
                "segment": dict(names, description="any of these segments"),
                "tier": dict(names, description="any of customer, fan, partner, shareholder"),
                "channel": dict(names, description="any of these acquisition channels"),
                "member": {"type": "boolean", "description": "in a community group, or not"},
                "min_degree": {"type": "integer", "minimum": 0, "description": "at least this many ties"}}},
            "referral_reward": {"type": "number", "minimum": 0, "description": "paid to the referrer it matches"},
            "commission": {"type": "array", "items": share, "description": "rates by level, to the ancestors it matches"},
            "referee_discount": dict(share, description="for the referees it matches"),
            "team_discount": dict(share, description="for the team members it matches (d_g)"),
            "bargain_discount": dict(share, description="for the bargain initiators it matches (d_b)"),
            "budget": {"anyOf": [{"type": "number", "minimum": 0}, {"const": "unlimited"}],
                       "description": "what it pays at most (§16.3)"}}}}
    return schema


def _json_type(row) -> dict:
    """One parameter's JSON Schema."""
    kinds = {"number": {"type": "number"}, "count": {"type": "integer", "minimum": 0}, "flag": {"type": "boolean"},
             "text": {"type": "string"}, "choice": {"enum": list(row["choices"])},
             "numbers": {"type": "array", "items": {"type": "number"}},
             "budget": {"anyOf": [{"type": "number", "minimum": 0}, {"const": "unlimited"}]},
             "nodes": {"type": "array", "items": {"type": ["integer", "string"]}},
             "names": {"type": "array", "items": {"type": "string"}}}
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
    """Acquisition channels, in the engine's order: seed, external, referral, team, bargain, solo,
    ad, community."""
    return _engine.channels()


def tiers() -> list:
    """The ladder's tiers, in the engine's order: none, customer, fan, partner, shareholder (the
    ledger's ``tier`` column names a customer's rung at the horizon)."""
    return _engine.tiers()


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


def _checked_segment_column(column, graph: Graph) -> Tuple[np.ndarray, tuple]:
    """``segments={"column": ...}``: one segment name per node ("" or None: ``other``; MODEL.md
    §15.1), as one-byte codes into its names ("" first)."""
    try:
        values = np.asarray(column, dtype=object)
    except (TypeError, ValueError):
        raise ValueError("segments.column: expected one segment name per node") from None
    if values.ndim != 1 or values.shape[0] != graph.num_nodes:
        raise ValueError(f"segments.column: expected one segment name per node ({graph.num_nodes:,}), "
                         f"got shape {values.shape}")
    text = np.array(["" if v is None else v for v in values], dtype=object)
    if not all(isinstance(v, str) for v in text):
        raise ValueError("segments.column: expected segment names (strings; None or \"\" for other)")
    for name in set(text):  # names travel in label,segment files (Campaign.to_toml)
        if any(c in name for c in ",#\r\n") or name != name.strip():
            raise ValueError(f"segments.column: segment name {name!r}: no commas, '#', line breaks or surrounding "
                             "spaces (segment files hold label,segment lines)")
    names, codes = np.unique(text, return_inverse=True)  # sorted: "" first when present
    names = names.tolist()
    if not names or names[0] != "":
        names, codes = [""] + names, codes + 1
    if len(names) > 255:
        raise ValueError(f"segments.column: {len(names) - 1} segment names; at most 254 (a one-byte index)")
    codes = codes.astype(np.uint8)
    codes.setflags(write=False)
    return codes, tuple(names)


def _unknown_section(name: str) -> ValueError:
    import difflib

    close = difflib.get_close_matches(name, SECTIONS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (sections: {', '.join(SECTIONS)})"
    return ValueError(f"campaign: unknown section {name!r}{hint}")


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
    segments : dict, optional
        Model version 3 (MODEL.md §15): ``{"list": [{"name": ..., "share": ..., "behaviour":
        {...}}, ...]}`` draws every person's segment from the shares in each replicate; with
        ``"assign": "column"`` and ``"column"`` (one name per node) the segments are given.
        ``policy={"target": [...]}`` targets levers at segments, tiers, channels (§16).
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
        unknown = [key for key in sections if key not in SECTIONS]
        if unknown:
            raise _unknown_section(unknown[0])
        column = None
        if isinstance(sections.get("segments"), Mapping) and "column" in sections["segments"]:
            # §15.1 a segment per node is data beside the spec, as groups= are.
            column = _checked_segment_column(sections["segments"]["column"], graph)
            sections = dict(sections, segments={k: v for k, v in sections["segments"].items() if k != "column"})
        given = {key: finite_spec(value, key) for key, value in sections.items() if value is not None}
        self.graph = graph
        self.name = check_name(name)
        self.description: Optional[str] = None
        self.spec: dict = _engine.normalised_spec(given)
        self.graph_source: Optional[dict] = None
        self.source: Optional[str] = None
        self._groups = _checked_groups(groups, graph)
        self._segment_column = column
        warn_design(_engine.validate(graph, self.spec, self.per_node))

    @property
    def groups(self) -> Optional[np.ndarray]:
        """The initial community group of every node (-1: none) under ``community.initial =
        "column"``, or None: a read-only array."""
        return self._groups

    @property
    def segment_column(self) -> Optional[np.ndarray]:
        """The segment of every node under ``segments.assign = "column"`` (MODEL.md §15.1; ""
        for ``other``), or None."""
        if self._segment_column is None:
            return None
        codes, names = self._segment_column
        return np.array(names, dtype=object)[codes]

    @property
    def segments(self) -> list:
        """The design's segments in the engine's order (MODEL.md §15): the list's, then a column's
        names not in the list, then ``other``; ``["other"]`` without segments."""
        return _engine.segment_names(self.spec, self.per_node)

    @property
    def per_node(self) -> Optional[dict]:
        """What the engine reads per node beside the spec: None, or ``{"groups": ...,
        "segments": (codes, names)}`` (either may be None): the initial community groups and
        the segment column. Designs of one sweep must share it."""
        if self._groups is None and self._segment_column is None:
            return None
        return {"groups": self._groups, "segments": self._segment_column}

    def same_per_node(self, other: "Campaign") -> bool:
        """Whether ``other`` reads the same data per node (:attr:`per_node`)."""
        mine, theirs = self.per_node, other.per_node
        if mine is None or theirs is None:
            return mine is None and theirs is None
        for key in ("groups", "segments"):
            a, b = mine[key], theirs[key]
            if (a is None) != (b is None):
                return False
            if key == "groups" and a is not None and not np.array_equal(a, b):
                return False
            if key == "segments" and a is not None and (a[1] != b[1] or not np.array_equal(a[0], b[0])):
                return False
        return True

    # graph_source: the [graph] table of the scenario the campaign came from (a generator's
    # parameters, or a graph file's absolute path), recorded in run stores; None when the graph
    # was given. source: the scenario file it was read from (errors about its keys name their
    # line there), None for a campaign made in Python or changed since.

    @classmethod
    def from_normalised(cls, graph: Graph, spec: dict, name: Optional[str] = None,
                        per_node=None) -> "Campaign":
        """A campaign from a spec the engine has already normalised and checked on this graph
        (a design of a sweep, a stored design): nothing is checked again. ``per_node``: another
        campaign's :attr:`per_node`, or initial community groups alone (an array)."""
        campaign = cls.__new__(cls)
        campaign.graph, campaign.spec, campaign.name = graph, spec, name
        campaign.description = None
        campaign.graph_source = None
        campaign.source = None
        if isinstance(per_node, Mapping):
            campaign._groups, campaign._segment_column = per_node.get("groups"), per_node.get("segments")
        else:
            campaign._groups, campaign._segment_column = per_node, None
        return campaign

    @classmethod
    def from_toml(cls, path: "str | os.PathLike", graph: Optional[Graph] = None,
                  graphs: Optional[dict] = None, allow_outside: bool = False) -> "Campaign":
        """A campaign from a scenario file; its ``[graph]`` is read or generated unless ``graph``
        is given. ``[seeding] nodes`` name the graph's labels. Errors (ValueError, OSError for a
        file that cannot be read) and warnings name the file, the line and the key. Pass the
        same dict as ``graphs`` to several calls and scenarios naming the same ``[graph]`` share
        one copy of it, read or generated once.

        The files a scenario names (``[graph] file``, ``community.groups_file``) must lie inside
        its folder, and be regular files, unless ``allow_outside`` (for a scenario you trust):
        a scenario from elsewhere cannot make guanxi read any file."""
        path = os.fspath(path)
        if graph is not None and not isinstance(graph, Graph):
            raise TypeError("graph: must be a guanxi.Graph")
        loaded = _engine.open_scenario(path, graph, graphs, allow_outside)
        name = loaded["name"] or os.path.splitext(os.path.basename(path))[0]
        groups = None
        if loaded["groups"] is not None:
            groups = np.asarray(loaded["groups"], dtype=np.int64)
            groups.setflags(write=False)
        read_graph = graph is None  # the scenario's own [graph]
        graph = graph if graph is not None else Graph(loaded["graph"])
        segments = None
        if loaded["segment_column"] is not None:  # re-encoded as Python encodes a column (names sorted)
            codes, names = loaded["segment_column"]
            segments = _checked_segment_column(np.array(names, dtype=object)[np.asarray(codes, dtype=np.int64)], graph)
        campaign = cls.from_normalised(graph,
                                       json.loads(loaded["spec"]), name, {"groups": groups, "segments": segments})
        campaign.description = loaded["description"] or None
        campaign.source = path
        if read_graph and loaded["graph_source"]:
            source = dict(loaded["graph_source"])
            if "file" in source:  # kept absolute: to_toml writes it relative to the new file
                source["file"] = os.path.join(os.path.dirname(os.path.abspath(path)), source["file"])
            campaign.graph_source = source
        warn_design(loaded["warnings"])
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
        ``community.groups_file`` names; a segment column as ``<name>.segments.csv``
        (``label,segment`` lines), which ``segments.file`` names."""
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        graph_table = None
        if graph_file is not None:
            graph_file = os.fspath(graph_file)
            if not os.path.exists(graph_file):
                self.graph.save(graph_file)
            graph_table = {"file": os.path.relpath(os.path.abspath(graph_file), folder)}
        elif self.graph_source is not None:
            graph_table = {key: _graph_value(value) for key, value in self.graph_source.items()}
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
        if self._segment_column is not None:
            segments_path = os.path.splitext(path)[0] + ".segments.csv"
            labels, names = self.graph.labels, self.segment_column
            with open(segments_path, "w", encoding="utf-8") as out:
                out.write("label,segment\n")
                for v in np.flatnonzero(names != ""):
                    out.write(f"{labels[v]},{names[v]}\n")
            spec["segments"]["file"] = os.path.basename(segments_path)
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
        ``red_packet`` switches it on unless ``enabled`` is given. The copy is another design, so
        unless ``name`` is given it is named after this one and its changes (``"one-sided referral
        (referral_reward=20)"``); with no change of value it keeps this one's name."""
        spec = copy.deepcopy(self.spec)
        for section, values in sections.items():
            if section not in SECTIONS:
                raise _unknown_section(section)
            if not isinstance(values, Mapping):
                raise ValueError(f"{section}: expected a dict")
            _merge(spec, {section: values})  # a section with a switch (community) is switched on by giving it
        if name is None and self.name is not None:
            before = flatten(self.spec)
            changed = {key: value for key, value in flatten(spec).items() if before.get(key) != value}
            name = f"{self.name} ({change_label(changed)})" if changed else self.name
        groups = self._groups if spec["community"]["initial"] == "column" else None
        if self._segment_column is not None and spec["segments"]["assign"] == "column":
            spec["segments"]["column"] = self.segment_column
        return Campaign(self.graph, name=name, groups=groups, **spec)

    def __getstate__(self) -> dict:
        return {"graph": self.graph, "spec": self.spec, "name": self.name, "description": self.description,
                "graph_source": self.graph_source, "groups": self._groups, "source": self.source,
                "segment_column": self._segment_column}

    def __setstate__(self, state: dict) -> None:
        self.graph, self.spec, self.name = state["graph"], state["spec"], state["name"]
        self.description, self.graph_source = state["description"], state["graph_source"]
        self._groups = state.get("groups")
        self._segment_column = state.get("segment_column")
        self.source = state.get("source")
        # A spec of another version fails here.
        _engine.validate(self.graph, self.spec, self.per_node)

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
        replicates = checked_int(replicates, "replicates", 1)
        seed = checked_int(seed, "seed", 0, 2**64)
        threads = checked_int(threads, "threads", 1, allow_none=True)
        label = check_name(label, "label") if label is not None else self.name
        with Progress(replicates, progress, label) as bar:
            raw = _engine.run_campaign(self.graph, self.spec, replicates=replicates, seed=seed, threads=threads,
                                       groups=self.per_node, forests=forests, customers=customers,
                                       progress=bar.callback)
        return CampaignResult(raw, self, seed, label)

    def ic_equivalent(self) -> np.ndarray:
        """The campaign read as Independent Cascade: for each arc u -> v of the graph (the order
        of ``graph.targets``), the probability that u, a customer sharing through the whole
        horizon, converts v (docs/model.md, "The campaign's IC equivalent"). In MODEL.md §6's IC
        case it is that model's ``p``. Strategy ``imm`` and :func:`guanxi.seeding.for_campaign`
        choose seeds on it: ``gx.seeding.imm(c.graph, k, model="ic", p=c.ic_equivalent())``."""
        return _engine.ic_equivalent(self.graph, self.spec, self.per_node)

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
    if isinstance(value, dict):  # an inline table (a segment's behaviour overrides)
        return "{ " + ", ".join(f"{key} = {_toml_value(v)}" for key, v in value.items()) + " }"
    raise ValueError(f"cannot write {type(value).__name__} {value!r} to TOML")


def _table_list(value) -> bool:
    """Whether ``value`` is a non-empty list of tables ([[segments.list]])."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_tables(table: dict, path: list) -> list:
    """[section] blocks: a table's plain keys under its header, then its lists of tables
    ([[section.key]] blocks), then its sub-tables."""
    lines = []
    values = {k: v for k, v in table.items() if not isinstance(v, dict) and not _table_list(v)}
    if path and (values or not any(isinstance(v, dict) for v in table.values())):
        lines += ["", f"[{'.'.join(path)}]"] + [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    for key, value in table.items():
        if _table_list(value):
            for entry in value:
                lines += ["", f"[[{'.'.join(path + [key])}]]"] + [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += _toml_tables(value, path + [key])
    return lines

