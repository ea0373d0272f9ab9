"""The package's bottom floor, part three: the one caller of the engine's campaign runner and of
the campaign bindings around it (specs, checks, scenario files, metric and channel tables). The
rest of the package calls these functions with named arguments; only this module knows the
bindings' signatures (python/src/register_campaign.cpp). See docs/architecture.md, "The Python
floors".

:func:`run_block` is also the task of sweeps: replicates ``first .. first + count`` of one design,
with uncertain parameters drawn per replicate when there are any. It is a module-level function
so that Dask ships it to workers by name.
"""

from __future__ import annotations

import functools
import json
import os
import time
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from . import _guanxi
from ._checks import inside, plain, regular_file
from ._designs import draw, with_values

__all__ = ["version", "metrics", "metric_registry", "comparison_metrics", "channels", "tiers", "seeding_strategies",
           "normalised_spec", "validate", "segment_names", "ic_equivalent", "open_scenario", "scenario_message", "run_campaign",
           "run_block", "result_from_values", "max_threads"]


def version() -> str:
    """The engine's version (the package's)."""
    return _guanxi.__version__


def max_threads() -> int:
    """The engine's limit on worker threads."""
    return int(_guanxi.max_threads())


@functools.lru_cache(maxsize=1)
def _metric_names() -> Tuple[str, ...]:
    return tuple(_guanxi.campaign_metrics())


def metrics() -> List[str]:
    """The metric names of MODEL.md §5 (and CAC), in the order of result columns."""
    return list(_metric_names())


def metric_registry() -> List[dict]:
    """The metric table: name, unit, kind, per_step, section, description per metric."""
    return list(_guanxi.campaign_metric_registry())


def comparison_metrics() -> List[str]:
    """The metrics a comparison reports by default, as the engine lists them."""
    return list(_guanxi.comparison_metrics())


def channels() -> List[str]:
    """The acquisition channels, in the engine's order (the ledger's channel codes index it)."""
    return list(_guanxi.campaign_channels())


def tiers() -> List[str]:
    """The ladder's tiers, in the engine's order (the ledger's tier codes index it): none,
    customer, fan, partner, shareholder (MODEL.md §3.10, §17)."""
    return list(_guanxi.campaign_tiers())


def seeding_strategies() -> List[str]:
    return list(_guanxi.seeding_strategies())


def normalised_spec(given: dict) -> dict:
    """The engine's reading of a (partial) spec: every key with its default, checked (ValueError
    naming the key path)."""
    return json.loads(_guanxi.campaign_spec(json.dumps(given, default=plain)))


def validate(graph, spec: dict, groups=None) -> List[str]:
    """Checks a normalised spec against a graph (ValueError); returns its design warnings.
    ``groups``: what the design reads per node (``Campaign.per_node``: None, the initial
    community groups, or a dict of them and the segment column)."""
    return list(_guanxi.validate_campaign(graph.core, json.dumps(spec), groups))


def segment_behaviour_keys() -> List[str]:
    """The behaviour keys a segment may override (MODEL.md §15.2; a tier table's entries as
    ``tier_repeat_mult.fan``)."""
    return list(_guanxi.segment_behaviour_keys())


def segment_names(spec: dict, per_node=None) -> List[str]:
    """A design's segments in the engine's order (MODEL.md §15): the list's, a column's names not
    in it, then ``other``."""
    return list(_guanxi.campaign_segments(json.dumps(spec), per_node))


def ic_equivalent(graph, spec: dict, per_node=None) -> np.ndarray:
    """The campaign read as Independent Cascade: one probability per arc."""
    return _guanxi.campaign_ic_equivalent(graph.core, json.dumps(spec), per_node)


def open_scenario(path: "str | os.PathLike", graph=None, graphs: Optional[dict] = None,
                  allow_outside: bool = False) -> dict:
    """A scenario file as the engine reads it: ``name``, ``description``, ``spec`` (JSON),
    ``graph`` (the engine's graph), ``graph_source``, ``groups``, ``segment_column`` and
    ``warnings``.

    Before anything is read, the scenario must be a regular file (this module reads it first: a
    FIFO would block), and the files it names (``[graph] file`` unless ``graph`` is given,
    ``community.groups_file``, ``segments.file``) must lie inside its folder unless ``allow_outside`` (a scenario
    from elsewhere cannot make guanxi read any file). The engine's readers refuse a named file
    that is a folder, device or FIFO, and quote no line of a groups file."""
    path = os.fspath(path)
    regular_file(path, "scenario file")
    folder = os.path.dirname(os.path.abspath(path))
    for key, written in _named_files(path, graph is not None):
        resolved = written if os.path.isabs(written) else os.path.join(os.path.dirname(path), written)
        if not allow_outside and not inside(resolved, folder):
            raise ValueError(scenario_message(path, key, f"'{written}' is outside the scenario's folder {folder}: keep "
                                                         "the files a scenario names beside it, or allow paths outside "
                                                         "it for a scenario you trust (--allow-outside-paths, "
                                                         "allow_outside=True)"))
    return _guanxi.open_scenario(path, None if graph is None else graph.core, graphs)


def _named_files(path: str, graph_given: bool) -> List[Tuple[str, str]]:
    """(key, path as written) of the files a scenario names that the engine will read; none
    when the file is no TOML (the engine then names its error)."""
    import tomllib  # start-up cost: only where a scenario is read

    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except (OSError, ValueError):
        return []
    found = []
    for key, section, field in (("graph.file", "graph", "file"), ("community.groups_file", "community", "groups_file"),
                                ("segments.file", "segments", "file")):
        value = table.get(section, {}).get(field) if isinstance(table.get(section), dict) else None
        if isinstance(value, str) and value and not (key == "graph.file" and graph_given):
            found.append((key, value))
    return found


def scenario_message(path: "str | os.PathLike", key: str, what: str) -> str:
    """``"file:line: key: what"``, placed in a scenario file as the engine places its own errors."""
    return _guanxi.scenario_message(os.fspath(path), key, what)


def run_campaign(graph, spec: "dict | str", *, replicates: int, seed: int, threads: Optional[int] = None,
                 first: int = 0, groups=None, forests: Sequence[int] = (),
                 customers: Sequence[int] = (), progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Replicates ``first .. first + replicates`` of a design on ``graph`` (a :class:`Graph`):
    the engine's raw result (``values`` of shape (replicates, steps, metrics), ``metrics``,
    ``warnings``, ``seconds``, the kept ``forests`` and ``ledgers``, ``cohorts``,
    ``channel_sums``, ``handle``). ``spec`` is a normalised spec or its JSON; ``threads`` None
    or 0: the engine's limit; ``groups``: what the design reads per node (``Campaign.per_node``:
    None, initial community groups, or a dict of them and the segment column); ``forests`` and
    ``customers``: the replicates whose referral forest and ledger are kept; ``progress``:
    called with (replicates done, replicates)."""
    return _guanxi.run_campaign(
        graph.core,
        spec if isinstance(spec, str) else json.dumps(spec),
        int(replicates),
        int(seed),
        0 if threads is None else int(threads),
        [int(r) for r in forests],
        progress,
        int(first),
        groups,
        [int(r) for r in customers],
    )


def result_from_values(values: np.ndarray, first: int) -> dict:
    """A raw result (as :func:`run_campaign` returns) rebuilt from stored values alone: no
    forests, ledgers or cohorts."""
    raw = _guanxi.campaign_run(np.ascontiguousarray(values, dtype=np.float64), int(first))
    raw.update(warnings=[], seconds=float("nan"), forests={})
    return raw


def run_block(population, spec_json: str, seed: int, first: int, count: int, threads: int,
              uncertain: Sequence[Tuple[str, tuple]] = ()):
    """Replicates ``first .. first + count`` of a design: (values, seconds, warnings, version).
    The task of a sweep, locally or on a Dask worker; ``population`` is the graph, or a (graph,
    per-node data) pair with the designs' ``Campaign.per_node``, and arrives once per worker when
    scattered. With ``uncertain`` parameters each replicate runs alone with its own draw
    (:func:`guanxi._designs.draw`), on ``threads`` threads of replicates (0: the engine's limit)."""
    graph, groups = population if isinstance(population, tuple) else (population, None)
    if not uncertain:
        raw = run_campaign(graph, spec_json, replicates=count, seed=seed, threads=threads, first=first, groups=groups)
        return np.array(raw["values"]), float(raw["seconds"]), list(raw["warnings"]), version()
    from concurrent.futures import ThreadPoolExecutor  # start-up cost (logging): only where used

    spec = json.loads(spec_json)
    paths = [path for path, _ in uncertain]
    draws = draw(uncertain, seed, first, count)
    start = time.perf_counter()

    def one(i: int):
        changed = json.dumps(with_values(spec, paths, draws[i]))
        return run_campaign(graph, changed, replicates=1, seed=seed, threads=1, first=first + i, groups=groups)

    workers = threads or max_threads()
    with ThreadPoolExecutor(max_workers=max(1, min(workers, count))) as pool:  # the engine releases the GIL
        raws = list(pool.map(one, range(count)))
    values = np.concatenate([np.array(raw["values"]) for raw in raws])
    warnings = list(dict.fromkeys(w for raw in raws for w in raw["warnings"]))
    return values, time.perf_counter() - start, warnings, version()
