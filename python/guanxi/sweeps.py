"""Sweeps: many campaign designs run with common random numbers, cut into (design, block of
replicates) tasks that run on local threads or on a Dask cluster and, with a run store, survive
a killed process.

Every design runs with the same seed, so replicate i of each design faces the same randomness
(docs/model.md §0): the paired difference between any two designs is an exact pair. A replicate is a pure function of (seed, replicate), so the numbers do not depend on
the block size, the order of the tasks, the threads or the machines: the blocks only decide what
a killed sweep loses (the blocks in flight) and how work is shared out.

Tasks are interleaved — the first block of every design, then the second of every design — so a
sweep stopped part-way has every design with the same replicates, and :meth:`Sweep.load
<guanxi.Sweep.load>` gives a usable (if wider-interval) sweep.

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.holme_kim(500, 3, 0.5, seed=1)
>>> base = gx.Campaign(g, run={"steps": 10})
>>> s = gx.sweep(base, {"policy.referral_reward": [0, 10]}, replicates=8, progress=False)
>>> list(s.designs["policy.referral_reward"])
[0, 10]
>>> s.summary("customers")["replicates"].tolist()
[8, 8]
"""

from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import json
import os
import queue
import threading
import time
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _engine
from ._checks import Progress, checked_int, checked_level, checked_metric, checked_title, plain, require_memory
from ._designs import (canonical_spec, change_label, draw, flatten, grid_changes, grid_size, nested, parse_uncertain,
                       per_node_sha256, spec_sha256, switched_off)
from .campaign import Campaign
from .comparison import RATIOS, default_comparison_metrics, paired_rows
from .plotting import plot_sweep
from .results import CampaignResult, first_step_at_or_above_zero
from .stats import mean_interval
from .store import Store
from .uncertainty import robustness

__all__ = ["sweep", "Sweep", "DesignRuns", "DesignGrid", "design_grid", "apply_changes", "DEFAULT_BLOCK"]

DEFAULT_BLOCK = 50  # replicates per task: small enough that a killed sweep loses little


# -- designs --------------------------------------------------------------------------------------


def apply_changes(base: Campaign, changes: Mapping[str, object], label: str, where: str) -> Campaign:
    """``base`` with key paths changed (:meth:`Campaign.replace`), named ``label``; errors name
    ``where`` (a design of a grid, a point of a sensitivity analysis)."""
    sections = nested(changes, where, base.spec)
    try:
        return base.replace(name=label, **sections)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


class DesignGrid(tuple):
    """The swept key paths and the designs of a grid on a base, ``(keys, designs)``, built and
    checked once (:func:`design_grid`): :func:`sweep` and :func:`guanxi.select` take it as their
    ``grid`` and build nothing again (a study file checks its grid this way, and the sweep of it
    uses the same designs)."""

    def __new__(cls, keys, designs, base):
        self = super().__new__(cls, (keys, designs))
        self.base = base
        return self


def design_grid(base: Campaign, grid, max_designs: Optional[int] = None) -> DesignGrid:
    """The swept key paths and the designs, ``(label, {key path: value}, Campaign)``, of a
    sweep's ``grid`` on ``base`` (:func:`sweep`), every design checked before anything runs. A
    grid of more than ``max_designs`` designs (default 100,000) is refused before any is
    built; a :class:`DesignGrid` of this base is returned as it is."""
    if not isinstance(base, Campaign):
        raise ValueError(f"base: must be a guanxi.Campaign, got {type(base).__name__}")
    if isinstance(grid, DesignGrid) and grid.base is base:
        grid_size(len(grid[1]), max_designs, "this grid")
        return grid
    designs: List[Tuple[str, dict, Campaign]] = []
    if isinstance(grid, Mapping):
        keys, changed = grid_changes(grid, max_designs)
        for number, (label, changes) in enumerate(changed):
            designs.append((label, changes, apply_changes(base, changes, label, f"grid (design {number}: {label})")))
    elif isinstance(grid, (list, tuple)):
        if not grid:
            raise ValueError("grid: no designs")
        grid_size(len(grid), max_designs, "this list")
        keys = []
        base_flat = flatten(base.spec)
        for number, item in enumerate(grid):
            if isinstance(item, Campaign):
                if item.graph.fingerprint != base.graph.fingerprint:
                    raise ValueError(f"grid[{number}]: runs on another graph than base (fingerprint "
                                     f"{item.graph.fingerprint}, base {base.graph.fingerprint}); a sweep runs on one")
                flat = flatten(item.spec)
                changes = {k: v for k, v in flat.items() if k.split(".")[0] != "run" and base_flat.get(k) != v}
                if item.spec["run"]["steps"] != base.spec["run"]["steps"]:
                    raise ValueError(f"grid[{number}]: run.steps is {item.spec['run']['steps']}, base's "
                                     f"{base.spec['run']['steps']}: designs of a sweep share the horizon")
                label = item.name or f"design {number}"
                campaign = Campaign.from_normalised(base.graph, item.spec, label, item.per_node)
            elif isinstance(item, Mapping):
                changes = dict(item)
                label = change_label(changes) or "base"
                campaign = apply_changes(base, changes, label, f"grid[{number}]")
            else:
                raise ValueError(f"grid[{number}]: give a Campaign or a dict of key paths, got {type(item).__name__}")
            keys += [k for k in changes if k not in keys]
            designs.append((label, changes, campaign))
        for label, changes, campaign in designs:  # every design has a value for every swept key
            flat = flatten(campaign.spec)
            for key in keys:  # None (NaN in tables) where its section is off: not the section's default
                changes.setdefault(key, None if switched_off(campaign.spec, key) else flat.get(key))
    else:
        raise ValueError(f"grid: give a dict of key path -> values, or a list of designs, got {type(grid).__name__}")
    seen: Dict[str, int] = {}
    labels: Dict[str, int] = {}
    for number, (label, _, campaign) in enumerate(designs):
        digest = spec_sha256(campaign.spec)
        if digest in seen:
            raise ValueError(f"grid: designs {seen[digest]} and {number} ({label!r}) are the same design")
        seen[digest] = number
        if label in labels:  # two hand-made designs with one name: tell them apart by position
            designs[number] = (f"{label} #{number}", designs[number][1], campaign)
        labels[label] = number
    return DesignGrid(keys, designs, base)


# -- running --------------------------------------------------------------------------------------


def _gaps(ranges: Iterable[Tuple[int, int]], replicates: int) -> List[Tuple[int, int]]:
    """The [start, end) ranges of 0 .. replicates that no (first, count) range covers."""
    gaps, at = [], 0
    for first, count in sorted(ranges):
        if first > at:
            gaps.append((at, min(first, replicates)))
        at = max(at, first + count)
        if at >= replicates:
            break
    if at < replicates:
        gaps.append((at, replicates))
    return [(a, b) for a, b in gaps if a < b]


def _blocks(gaps: Sequence[Tuple[int, int]], block: int) -> List[Tuple[int, int]]:
    """The gaps cut at multiples of ``block``: (first, count) tasks."""
    out = []
    for start, end in gaps:
        at = start
        while at < end:
            stop = min(end, (at // block + 1) * block)
            out.append((at, stop - at))
            at = stop
    return out


def sweep(
    base: Campaign,
    grid,
    replicates: int = 200,
    seed: int = 0,
    store=None,
    client=None,
    block: Optional[int] = None,
    threads: Optional[int] = None,
    progress: bool = True,
    name: Optional[str] = None,
    uncertain: Optional[Mapping] = None,
    max_designs: Optional[int] = None,
) -> "Sweep":
    """Run many designs with common random numbers.

    Parameters
    ----------
    base : Campaign
        The design every other is a change of; its graph is the sweep's.
    grid : dict or list
        A dict of key paths to value lists, ``{"policy.referral_reward": [0, 5, 10],
        "policy.group_buy.size": [2, 3]}``: every combination (the first key varies slowest). Or a
        list of designs: Campaigns on the same graph, or dicts of key paths changed from ``base``.
        Giving a key of ``group_buy``, ``bargain`` or ``membership`` switches it on, as in
        :meth:`Campaign.replace`. ``run.*`` keys cannot vary.
    replicates : int
        Replicates per design (the target: a store may already hold some or more).
    seed : int
        The common seed of every design.
    store : str, os.PathLike or Store, optional
        A run store (:class:`guanxi.Store`, one SQLite file). Each finished block is written in
        one transaction; running the same sweep again (same ``name``) computes only the missing
        replicates, and a finished one reloads without computing anything.
    client : dask.distributed.Client or str, optional
        Run the tasks on a Dask cluster (a client, or a scheduler address). The graph goes to
        each worker once; each task runs on ``threads`` threads (default 1), the worker's
        threads (``dask worker --nthreads``) running that many tasks at once. Results equal a
        local run bit for bit; this process writes the store.
    block : int, optional
        Replicates per task (default 50, or fewer when ``replicates`` is smaller). Results do not
        depend on it.
    threads : int, optional
        Locally: threads per task (default all cores). With a client: threads per task
        (default 1).
    progress : bool
        A progress bar of blocks (and designs) done.
    name : str, optional
        The sweep's name in the store (default: from its designs, seed and graph, so the same
        sweep finds itself again).
    uncertain : dict, optional
        Parameters we do not know, as distributions: ``{"behaviour.conv_strong": ("uniform",
        0.04, 0.16)}`` (:mod:`guanxi.uncertainty`). Each replicate draws them — the same draw for
        every design — and :meth:`Sweep.robustness` says how likely each design is to be best,
        its expected regret and where the winner changes.
    max_designs : int, optional
        The most designs a grid may have (default 100,000): a larger grid is refused, with its
        size, before any design is built.

    Returns
    -------
    Sweep

    Raises
    ------
    ValueError
        A bad grid (unknown key paths name the design), too many designs, results that would not
        fit this machine's memory, arguments out of range, a store that is damaged, of another
        format, or holds a sweep of this name on another graph, seed or set of designs. Nothing
        is written to the store before every check has passed.
    OSError
        A store that cannot be written (read-only, a full disk, a lock held too long) or a
        scheduler that cannot be reached.
    RuntimeError
        The Dask cluster lost the sweep's tasks (every worker gone); the blocks finished so far
        are stored and the same call resumes.
    KeyboardInterrupt
        Ctrl-C stops within a step; the blocks already stored stay, and the next run resumes.
    """
    replicates = checked_int(replicates, "replicates", 1)
    runs = DesignRuns(base, grid, seed=seed, store=store, client=client, block=block, threads=threads,
                      progress=progress, name=name, uncertain=uncertain, max_designs=max_designs)
    try:
        runs.ensure(range(len(runs.designs)), replicates, target=replicates)
    finally:
        runs.close()
    return runs.sweep(replicates)


class DesignRuns:
    """The replicates of a list of designs on one graph with one seed, computed on demand and
    kept: ``ensure(designs, replicates)`` computes what is missing (from the store first), as
    interleaved (design, block) tasks on local threads or a Dask cluster. :func:`sweep` asks
    once; :func:`guanxi.select` asks again and again for the designs still in the race."""

    def __init__(self, base, grid, *, seed=0, store=None, client=None, block=None, threads=None, progress=True,
                 name=None, uncertain=None, label=None, register=True, max_designs=None):
        self.seed = checked_int(seed, "seed", 0, 2**64)
        self.block = checked_int(block, "block", 1, allow_none=True) or DEFAULT_BLOCK
        self.threads = checked_int(threads, "threads", 1, allow_none=True)
        if name is not None:
            checked_title(name, "name")
        self.uncertain = parse_uncertain(uncertain)
        self.keys, self.designs = design_grid(base, grid, max_designs)
        clash = [path for path, _ in self.uncertain if path in self.keys]
        if clash:
            raise ValueError(f"uncertain[{clash[0]!r}]: is also swept; a key is either chosen or uncertain")
        self.base, self.graph, self.client, self.progress = base, base.graph, client, progress
        self.label, self.register = label, register
        graph = self.graph
        self.specs = [json.dumps(c.spec, default=plain) for _, _, c in self.designs]
        # Initial community groups and a segment column given per node (groups=, segments'
        # column) are data outside the spec: every design must have the base's, and digests of
        # them join each design's identity in a store.
        per_node = base.per_node
        for _, _, c in self.designs:
            if not c.same_per_node(base):
                raise ValueError("designs: all designs of a sweep must have the base's community groups (groups=) "
                                 "and segment column")
        self.population = graph if per_node is None else (graph, per_node)
        # With uncertain parameters the distributions belong to each design's identity in a store.
        extras = {}
        if self.uncertain:
            extras["uncertain"] = [[p, list(d)] for p, d in self.uncertain]
        extras.update(per_node_sha256(per_node) or {})
        suffix = "" if not extras else json.dumps(extras, separators=(",", ":"))
        self.canonical = [canonical_spec(c.spec)[:-1] + ("," + suffix[1:] if suffix else "}")
                          for _, _, c in self.designs]
        self.hashes = [spec_sha256(c.spec) if not suffix else hashlib.sha256(text.encode()).hexdigest()
                       for (_, _, c), text in zip(self.designs, self.canonical)]
        self.version = _engine.version()
        self.strength = f"{graph.core.strength_fingerprint():016x}"
        self.uses_strength = [c.spec["ties"]["init"] == "graph" for _, _, c in self.designs]
        if name is None:
            identity = json.dumps([self.hashes, str(self.seed), graph.fingerprint,
                                   self.strength if any(self.uses_strength) else ""])
            name = "sweep-" + hashlib.sha256(identity.encode()).hexdigest()[:12]
        self.name = name
        self.metrics = _engine.metrics()
        self.steps = base.spec["run"]["steps"]
        self.values = [np.empty((0, self.steps, len(self.metrics))) for _ in self.designs]
        self.done = [0] * len(self.designs)  # replicates present from 0 on, per design
        self.warnings: List[List[str]] = [[] for _ in self.designs]
        self.run_ids: List[Optional[int]] = [None] * len(self.designs)
        self.computed_blocks = self.reused_blocks = 0
        self.seconds = 0.0
        self.store = self._opened = None
        self._connected = None  # the Dask client this object connected to (a scheduler's address)
        self._registered = 0  # the target replicates the store knows
        if store is not None:
            self.store = store if isinstance(store, Store) else Store(store)
            self._opened = None if isinstance(store, Store) else self.store

    def close(self) -> None:
        if self._connected is not None:
            try:
                self._connected.close()
            except Exception:  # a cluster already gone: nothing left to close
                pass
            self._connected = None
        if self._opened is not None:
            self._opened.close()
            self._opened = None

    def _run_strength(self, number: int) -> str:
        return self.strength if self.uses_strength[number] else ""

    def _register(self, target: int) -> None:
        """The sweep and its runs in the store (again when the target grows)."""
        if self.store is None or target <= self._registered:
            return
        sweep = None
        if self.register:  # else runs only: the caller registers a sweep later, or never
            sweep = {"name": self.name, "strength": self.strength, "replicates": target, "keys": self.keys,
                     "rows": [(label, changes) for label, changes, _ in self.designs]}
        ids = self.store.register(graph=self.graph, source=self.base.graph_source, seed=self.seed, version=self.version,
                                  steps=self.steps, metrics=self.metrics,
                                  designs=[(h, text, self._run_strength(n)) for n, (h, text) in
                                           enumerate(zip(self.hashes, self.canonical))], sweep=sweep)
        for number, run_id in enumerate(ids):
            if self.run_ids[number] != run_id:
                self.run_ids[number] = run_id
                self.warnings[number] = self.store.run_warnings(run_id) or self.warnings[number]
        self._registered = target

    def _capacity(self, number: int, replicates: int) -> int:
        have = self.values[number].shape[0]
        return have if have >= replicates else max(replicates, 2 * have)

    def _grow(self, number: int, replicates: int) -> None:
        capacity = self._capacity(number, replicates)
        have = self.values[number]
        if capacity > have.shape[0]:
            grown = np.empty((capacity, self.steps, len(self.metrics)))
            grown[: self.done[number]] = have[: self.done[number]]
            self.values[number] = grown

    def _client(self):
        """The Dask client, connected now when given as a scheduler's address: an unreachable
        scheduler is an error before anything is written to the store."""
        if self.client is None or not isinstance(self.client, str):
            return self.client
        if self._connected is None:
            self._connected = _connect(self.client)
        return self._connected

    def _read_stored(self, number: int, first: int, end: int, every: bool = True) -> List[Tuple[int, int]]:
        """Copies what the store holds of replicates ``first .. end`` of a design into its
        values (verified), and returns the [start, stop) ranges still missing. ``every``: check
        the run's every block against its count (before a sweep starts); else look only at
        the blocks of this range (before each task: what another process stored meanwhile)."""
        if self.store is None or self.run_ids[number] is None:
            return [(first, end)]
        run_id = self.run_ids[number]
        stored = self.store.stored_ranges(run_id) if every else self.store.stored_within(run_id, first, end)
        where = f"{self.store.path}: sweep {self.name!r}, design {number} ({self.designs[number][0]})"
        for start, count in stored:
            low, high = max(start, first), min(start + count, end)
            if low >= high:
                continue
            values = self.store.read_block(self.run_ids[number], start, count, self.steps, len(self.metrics), where)
            self.values[number][low:high] = values[low - start: high - start]
            self.reused_blocks += 1
        return _gaps(list(stored) + [(0, first)], end)

    def ensure(self, numbers: Iterable[int], replicates: int, target: Optional[int] = None) -> int:
        """Replicates 0 .. replicates of the given designs, computed where missing. Returns the
        blocks computed. Everything is checked first — the memory the results need, the
        scheduler, every stored block read back — and only then is the sweep registered (or its
        target raised) in the store."""
        numbers = list(numbers)
        target = target if target is not None else replicates
        need = sum(self._capacity(n, replicates) for n in numbers if self.values[n].shape[0] < replicates)
        require_memory(float(need) * self.steps * len(self.metrics) * 8, "replicates",
                       f"{len(numbers):,} designs x {replicates:,} replicates x {self.steps} steps of "
                       f"{len(self.metrics)} metrics")
        if self.store is not None and any(self.run_ids[n] is None for n in numbers):
            found = self.store.find_runs(self.graph.fingerprint, self.seed, self.version,
                                         [(self.hashes[n], self._run_strength(n)) for n in range(len(self.designs))])
            self.run_ids = [known if known is not None else run for known, run in zip(self.run_ids, found)]
        block = min(self.block, replicates)
        per_design = []
        for number in numbers:
            self._grow(number, replicates)
            done = self.done[number]
            per_design.append(_blocks(self._read_stored(number, done, replicates) if done < replicates else [], block))
        client = self._client() if any(per_design) else None
        self._register(target)  # every check passed, every stored block read: now the store may change
        tasks: List[Tuple[int, int, int]] = []
        for round_ in itertools.zip_longest(*per_design):  # interleaved: every design's first block, then ...
            tasks += [(numbers[i], *task) for i, task in enumerate(round_) if task is not None]
        start = time.perf_counter()
        held = None
        bar = Progress(len(tasks), self.progress, f"{self.label or self.name} ({len(numbers)} designs)", unit="block")
        remaining = {number: len(p) for number, p in zip(numbers, per_design)}
        writer = _BlockWriter(self.store) if self.store is not None and tasks else None
        computed = 0
        try:
            def finished(number: int, first: int, result) -> int:
                nonlocal computed
                block_values, seconds, block_warnings, worker_version = result
                if worker_version != self.version:
                    raise RuntimeError(f"client: a worker runs guanxi {worker_version}, this process {self.version}: "
                                       "results would mix engine versions")
                self.values[number][first:first + block_values.shape[0]] = block_values
                if block_warnings and not self.warnings[number]:
                    self.warnings[number] = block_warnings
                computed += 1
                if writer is None:
                    return 0
                return writer.put(self.run_ids[number], first, block_values, seconds, block_warnings,
                                  self.hashes[number])

            def task_done(number: int) -> None:
                remaining[number] -= 1
                bar.advance(note=f"designs {sum(r == 0 for r in remaining.values())}/{len(numbers)}")

            def missing(number: int, first: int, count: int) -> List[Tuple[int, int]]:
                """What another process has not stored meanwhile (it may share the work)."""
                return self._read_stored(number, first, first + count, every=False)

            if client is None:
                for number, first, count in tasks:
                    for a, b in missing(number, first, count):
                        finished(number, a, _engine.run_block(self.population, self.specs[number], self.seed, a,
                                                              b - a, self.threads or 0, self.uncertain))
                    task_done(number)
            else:
                keys = [self._task_key(n) for n in range(len(self.designs))]
                held = _run_on_cluster(client, self.population, self.specs, self.seed, tasks, self.threads or 1,
                                       finished, self.uncertain, missing=missing, task_done=task_done, keys=keys,
                                       written=None if writer is None else writer.written)
        finally:
            try:
                if writer is not None:  # every computed block stored, also when stopped by Ctrl-C
                    writer.close()
            finally:
                bar.close()
        del held  # the last blocks' results, kept on the cluster until stored (another sweep may ask for them)
        for number in numbers:
            self.done[number] = max(self.done[number], replicates)
        if self.store is not None and tasks:  # never a silent gap: what was computed is in the store
            for number in numbers:
                stored = self.store.replicates_done(self.run_ids[number])
                if stored < replicates:
                    raise RuntimeError(f"{self.store.path}: sweep {self.name!r}, design {number}: {stored} of "
                                       f"{replicates} replicates stored after the sweep; run the same command again")
        self.computed_blocks += computed
        self.seconds += time.perf_counter() - start
        return computed

    def _task_key(self, number: int) -> str:
        """What a block of a design depends on (its run's identity), for Dask task keys that two
        sweeps asking for the same block share."""
        return hashlib.sha256(json.dumps([self.hashes[number], self.graph.fingerprint, self._run_strength(number),
                                          str(self.seed), self.version]).encode()).hexdigest()[:24]

    def sweep(self, replicates: Optional[int] = None, numbers: Optional[Sequence[int]] = None) -> "Sweep":
        """The designs (all, or ``numbers``) as a Sweep of their first ``replicates``."""
        numbers = list(range(len(self.designs))) if numbers is None else list(numbers)
        replicates = min(self.done[n] for n in numbers) if replicates is None else replicates
        parts = [(self.designs[n][0], self.designs[n][1], self.designs[n][2].spec, self.hashes[n]) for n in numbers]
        result = Sweep._from_parts(name=self.name, designs=parts, keys=self.keys,
                                   values=[self.values[n][:replicates] for n in numbers],
                                   warnings=[self.warnings[n] for n in numbers], seed=self.seed,
                                   replicates=replicates, metrics=self.metrics, graph=self.graph,
                                   fingerprint=self.graph.fingerprint, version=self.version,
                                   store=None if self.store is None else self.store.path, uncertain=self.uncertain)
        result.computed_blocks, result.reused_blocks, result.seconds = (self.computed_blocks, self.reused_blocks,
                                                                        self.seconds)
        return result


class _BlockWriter:
    """Compresses and commits finished blocks on a thread of its own, so that the next block
    computes meanwhile (zlib and SQLite release the GIL; the commit waits on the disk). At most
    two blocks wait; the first error is raised in the sweep's thread. :meth:`put` numbers the
    blocks and :meth:`written` says how many are stored (or refused)."""

    def __init__(self, store):
        self.store = store
        self.queue: "queue.Queue" = queue.Queue(maxsize=2)
        self.error: Optional[BaseException] = None
        self.count = self.done = 0
        self.thread = threading.Thread(target=self._work, name="guanxi-store-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None:
                run_id, first, values, seconds, warnings, design = item
                try:
                    self.store.write_block(run_id, first, values, seconds, warnings, design=design)
                except BaseException as error:  # kept for the sweep's thread
                    self.error = error
            self.done += 1

    def put(self, *item) -> int:
        if self.error is not None:
            raise self.error
        self.queue.put(item)
        self.count += 1
        return self.count

    def written(self) -> int:
        return self.done

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


# Seconds a finished block's result stays on the cluster after it is stored: another sweep that
# looked at the store just before may still be submitting the same block (docs/scale-out.md).
_HOLD_SECONDS = 5.0


def _connect(address: str):
    """A Dask client of the scheduler at ``address``."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("client: Dask's distributed package is not installed (Debian: python3-distributed)") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as error:
        raise OSError(f"client: cannot reach the Dask scheduler at {address} ({error or type(error).__name__})") from None


def _cluster_faults():
    """The exceptions by which Dask says that the cluster, not a task, failed."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker
    from distributed.comm import CommClosedError

    return CancelledError, KilledWorker, CommClosedError, TimeoutError


def _run_on_cluster(client, graph, specs, seed, tasks, threads, finished, uncertain=(), *, missing=None,
                    task_done=None, keys=None, written=None) -> list:
    """The tasks on a Dask cluster: the graph scattered to every worker once, tasks submitted in
    the interleaved order a few at a time (twice the cluster's threads), each cut first to what
    the store does not hold yet (``missing``), results taken (and stored) as they complete.

    Task keys are what a block depends on (``keys``: per design), so that two sweeps on one
    scheduler asking for the same block at once get one computation; a finished block's future
    is held until it is stored (``written``) and a few seconds more, so that a sweep asking for
    it meanwhile is given the result instead of computing it again: the futures still held are
    returned, for the caller to keep until its writer has stored everything."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ValueError("client: Dask's distributed package is not installed (Debian: python3-distributed)") from None
    if isinstance(client, str):
        with _connect(client) as connected:
            return _run_on_cluster(connected, graph, specs, seed, tasks, threads, finished, uncertain, missing=missing,
                                   task_done=task_done, keys=keys, written=written)
    if not isinstance(client, Client):
        raise ValueError(f"client: give a dask.distributed.Client or a scheduler address, got {type(client).__name__}")
    if not tasks:
        return []
    faults = _cluster_faults()
    missing = missing or (lambda number, first, count: [(first, first + count)])
    call = os.urandom(8).hex()  # without keys: unique to this call (Dask treats equal keys as the same task)
    try:
        shared = client.scatter(graph, broadcast=True)
        window = max(4, 2 * sum(client.nthreads().values()))
    except faults as error:
        raise RuntimeError(f"client: the Dask cluster failed before the sweep started ({type(error).__name__}: "
                           f"{error}); nothing was computed: run the same command again") from None
    pending = collections.deque(enumerate(tasks))
    pieces: Dict[int, int] = {}  # task -> pieces still running
    futures: Dict[object, Tuple[int, int, int]] = {}
    held: "collections.deque" = collections.deque()  # (writer's number, when, future) until stored, and a while
    flow = as_completed()

    def submit_more() -> None:
        while pending and len(futures) < window:
            index, (number, first, count) = pending.popleft()
            parts = missing(number, first, count)
            if not parts:
                if task_done is not None:
                    task_done(number)
                continue
            pieces[index] = len(parts)
            for a, b in parts:
                key = (f"guanxi-block-{keys[number]}-{a}-{b - a}" if keys is not None else
                       f"guanxi-block-{call}-{number}-{a}")
                future = client.submit(_engine.run_block, shared, specs[number], seed, a, b - a, threads, uncertain,
                                       key=key, pure=False)
                futures[future] = (index, number, a)
                flow.add(future)

    try:
        submit_more()
        while futures:
            try:
                future = next(flow)
                result = future.result()
            except faults as error:
                raise RuntimeError(f"client: the Dask cluster lost the sweep's tasks ({type(error).__name__}: "
                                   f"{error or 'no workers left?'}); the blocks finished so far are stored: run the "
                                   "same command again to resume") from None
            index, number, first = futures.pop(future)
            number_written = finished(number, first, result)
            if written is not None:
                now = time.monotonic()
                held.append((number_written, now, future))
                while held and held[0][0] <= written() and now - held[0][1] > _HOLD_SECONDS:
                    held.popleft()
            pieces[index] -= 1
            if pieces[index] == 0 and task_done is not None:
                task_done(number)
            submit_more()
        return list(held)
    except BaseException:
        try:
            client.cancel(list(futures))
        except Exception:  # a cluster already gone: nothing left to cancel
            pass
        raise


# -- results --------------------------------------------------------------------------------------


class Sweep:
    """Outcome of :func:`sweep` (or :meth:`Sweep.load`, from a run store).

    Attributes
    ----------
    name : str
        Its name in a store.
    designs : pandas.DataFrame
        One row per design, indexed by ``design`` (0, 1, ...): ``label`` and one column per
        swept key path.
    keys : list of str
        The swept key paths.
    metrics : list of str
    steps, seed : int
    replicates : int
        The target replicates per design.
    replicates_done : numpy.ndarray
        Replicates present per design (all of them, unless loaded from a stopped sweep).
    complete : bool
    uncertain : list
        The uncertain parameters, ``[(key path, distribution)]`` (empty without).
    draws : pandas.DataFrame or None
        Each replicate's draw of the uncertain parameters (the same for every design).
    campaigns : list of Campaign or None
        The designs (None for a sweep loaded without its graph).
    store : str or None
    computed_blocks, reused_blocks : int
        Blocks computed by the call that made it, and read from the store instead.
    """

    @classmethod
    def _from_parts(cls, *, name, designs, keys, values, warnings, seed, replicates, metrics, graph, fingerprint,
                    version, store, uncertain=()) -> "Sweep":
        import pandas as pd

        self = cls.__new__(cls)
        self.uncertain = list(uncertain)
        self.name, self.keys, self.seed, self.replicates = name, list(keys), int(seed), int(replicates)
        self.metrics = list(metrics) if metrics is not None else _engine.metrics()
        self.fingerprint, self.version, self.store = fingerprint, version, store
        self.specs = [spec for _, _, spec, _ in designs]
        self.hashes = [h for _, _, _, h in designs]
        self.steps = int(self.specs[0]["run"]["steps"]) if self.specs else 0
        self.designs = pd.DataFrame([{"label": label, **{k: changes.get(k) for k in self.keys}}
                                     for label, changes, _, _ in designs],
                                    columns=["label", *self.keys]).rename_axis("design")
        empty = np.empty((0, self.steps, len(self.metrics)))
        self._values = [v if v is not None else empty for v in values]
        self.warnings = warnings
        self.replicates_done = np.array([v.shape[0] for v in self._values], dtype=np.int64)
        self.complete = bool(np.all(self.replicates_done >= self.replicates))
        self.graph = graph
        self.campaigns = ([Campaign.from_normalised(graph, spec, label) for (label, _, spec, _) in designs]
                          if graph is not None else None)
        self.computed_blocks = self.reused_blocks = 0
        self.seconds = 0.0
        return self

    @classmethod
    def load(cls, store: "Store | str | os.PathLike", sweep, graph=None) -> "Sweep":
        """A stored sweep (name or id) from a run store (a :class:`Store` or its path), without
        running anything. Each design has the replicates stored from 0 on without a gap (a sweep
        stopped part-way gives what it finished; :attr:`complete` says whether every design
        reached the target). Its designs are Campaigns on ``graph`` when given (it must have the
        stored fingerprint), else on no graph: results, summaries, comparisons and plots need
        none."""
        if isinstance(store, Store):
            record = store.sweep_record(sweep)
            path = store.path
        else:
            with Store(store, create=False, read_only=True) as opened:
                record = opened.sweep_record(sweep)
                path = opened.path
        if graph is not None and graph.fingerprint != record["fingerprint"]:
            raise ValueError(f"graph: its fingerprint {graph.fingerprint} is not the sweep's {record['fingerprint']}")
        # metrics is None when nothing has run yet: the Sweep then takes the engine's.
        return cls._from_parts(name=record["name"], designs=record["designs"], keys=record["keys"],
                               values=record["values"], warnings=record["warnings"], seed=record["seed"],
                               replicates=record["replicates"], metrics=record["metrics"], graph=graph,
                               fingerprint=record["fingerprint"], version=record["version"], store=path,
                               uncertain=record["uncertain"])

    def export(self, folder: "str | os.PathLike", timeseries: bool = False) -> List[str]:
        """Writes the sweep's CSV files into ``folder`` (created): ``designs.csv`` (one row per
        design, swept keys as columns), ``results.csv`` (design, replicate, metric, value at the
        horizon, tidy) and ``summary.csv`` (mean and 95 % interval of every metric per design);
        with ``timeseries``, ``timeseries.csv`` (every step). Returns the paths written."""
        import pandas as pd

        folder = os.fspath(folder)
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise OSError(f"{folder}: exists and is not a folder")
        os.makedirs(folder, exist_ok=True)
        written = []

        def write(name, frame, index=False):
            path = os.path.join(folder, name)
            frame.to_csv(path, index=index)
            written.append(path)

        write("designs.csv", self.designs, index=True)
        write("results.csv", self.results())
        write("summary.csv", self.summary(metrics=self.metrics))
        if timeseries:
            frames = [self.timeseries(d).assign(design=d) for d in self.designs.index]
            frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            write("timeseries.csv", frame[["design", "replicate", "step", "metric", "value"]] if frames else frame)
        return written

    @functools.cached_property
    def draws(self):
        """Each replicate's draw of the uncertain parameters (the same for every design), None
        without: drawn again from (seed, replicate) when first asked for, as the runs drew them."""
        if not self.uncertain:
            return None
        import pandas as pd

        most = int(self.replicates_done.max()) if len(self._values) else 0
        return pd.DataFrame(draw(self.uncertain, self.seed, 0, most),
                            columns=[p for p, _ in self.uncertain]).rename_axis("replicate")

    def __repr__(self) -> str:
        done = "" if self.complete else f", {int(self.replicates_done.min())} done (stopped part-way)"
        return (f"<guanxi.Sweep {self.name!r}: {len(self.designs)} designs x {self.replicates} replicates{done}; "
                f"keys {', '.join(self.keys)}>")

    def __len__(self) -> int:
        return len(self.designs)

    # -- access ---------------------------------------------------------------------------------

    def design(self, design) -> int:
        """A design's number from its number or label."""
        if isinstance(design, (int, np.integer)) and not isinstance(design, bool):
            if not 0 <= design < len(self.designs):
                raise ValueError(f"design: must be in [0, {len(self.designs)}), got {design}")
            return int(design)
        if isinstance(design, str):
            matches = np.flatnonzero(self.designs["label"].to_numpy() == design)
            if len(matches) == 1:
                return int(matches[0])
            raise ValueError(f"design: no design labelled {design!r}")
        raise ValueError(f"design: give its number or label, got {type(design).__name__}")

    def _metric(self, metric: str) -> int:
        return self.metrics.index(checked_metric(metric, self.metrics))

    def values(self, design) -> np.ndarray:
        """A design's values, shape ``(replicates, steps, metrics)``."""
        return self._values[self.design(design)]

    def horizon(self, metric: str) -> List[np.ndarray]:
        """Per design, the metric at the horizon of each replicate."""
        column = self._metric(metric)
        return [v[:, -1, column] for v in self._values]

    def result(self, design) -> CampaignResult:
        """A design's replicates as a :class:`CampaignResult` (its summaries, curves and plots)."""
        number = self.design(design)
        if self.campaigns is None:
            raise ValueError("result: this sweep was loaded without its graph (Sweep.load(store, name, graph=g))")
        raw = _engine.result_from_values(self._values[number], 0)
        raw.update(warnings=self.warnings[number])
        return CampaignResult(raw, self.campaigns[number], self.seed, self.designs["label"][number])

    def results(self, metrics: Optional[Sequence[str]] = None):
        """Tidy :class:`pandas.DataFrame` at the horizon: one row per design x replicate x metric
        with ``design``, ``label``, the swept keys, ``replicate``, ``metric`` and ``value``."""
        import pandas as pd

        wanted = self.metrics if metrics is None else [self.metrics[self._metric(m)] for m in metrics]
        columns = [self._metric(m) for m in wanted]
        frames = []
        for number, array in enumerate(self._values):
            r = array.shape[0]
            frame = pd.DataFrame({"design": number, "replicate": np.repeat(np.arange(r), len(wanted)),
                                  "metric": np.tile(np.array(wanted, dtype=object), r),
                                  "value": array[:, -1, columns].reshape(-1)})
            frames.append(frame)
        frame = pd.concat(frames, ignore_index=True)
        frame = frame.join(self.designs, on="design")
        frame["metric"] = pd.Categorical(frame["metric"], categories=wanted)
        return frame[["design", "label", *self.keys, "replicate", "metric", "value"]]

    def timeseries(self, design):
        """Tidy :class:`pandas.DataFrame` of one design: replicate, step, metric, value."""
        import pandas as pd

        array = self.values(design)
        r, s, m = array.shape
        return pd.DataFrame({"replicate": np.repeat(np.arange(r), s * m), "step": np.tile(np.repeat(np.arange(s), m), r),
                             "metric": pd.Categorical(np.tile(self.metrics, r * s), categories=self.metrics),
                             "value": array.reshape(-1)})

    def summary(self, metric: Union[str, Sequence[str]] = "profit", level: float = 0.95, metrics=None):
        """Mean, Student t interval, sd and replicates of a metric at the horizon per design
        (:func:`guanxi.stats.mean_interval`), beside the design's label and swept keys. A list of
        metrics (or ``metrics=``) gives one row per (design, metric)."""
        import pandas as pd

        checked_level(level)
        wanted = metrics if metrics is not None else metric
        if isinstance(wanted, str):
            column = self._metric(wanted)
            rows = [mean_interval(v[:, -1, column], level) for v in self._values]
            frame = self.designs.copy()
            for field in ("mean", "low", "high", "sd", "n"):
                frame[{"low": "ci_low", "high": "ci_high", "n": "replicates"}.get(field, field)] = [
                    getattr(r, field) for r in rows]
            frame["replicates"] = frame["replicates"].astype(np.int64)
            frame.attrs.update(metric=wanted, level=float(level))
            return frame
        frames = []
        for name in wanted:
            frame = self.summary(name, level).assign(metric=name).set_index("metric", append=True)
            frames.append(frame)
        return pd.concat(frames).sort_index(level="design", sort_remaining=False)

    def best(self, metric: str = "profit", lowest: bool = False) -> int:
        """The design with the highest (or ``lowest``) mean of a metric at the horizon. A point
        estimate: :meth:`compare` says by how much, with intervals."""
        means = self.summary(metric)["mean"].to_numpy()
        if np.all(np.isnan(means)):
            raise ValueError(f"best: no design has a value of {metric!r}")
        return int(np.nanargmin(means) if lowest else np.nanargmax(means))

    def lead(self, metric: str = "profit", level: float = 0.95) -> Optional[dict]:
        """The design with the highest mean of ``metric`` and how far it leads the runner-up (the
        other design with the highest mean), paired over their common replicates: ``best``,
        ``runner_up``, ``margin`` (best − runner-up), ``low`` and ``high`` (its ``level``
        interval) and ``share_ahead`` (the share of replicates where the runner-up is not
        higher). None with fewer than two designs or no values. Reports and the command line
        state the winner with it."""
        if len(self) < 2 or not self.summary(metric, level)["mean"].notna().any():
            return None
        best = self.best(metric)
        table = self.compare(reference=best, metrics=[metric], level=level).xs(metric, level="metric")
        runner = int(table["design_mean"].astype(float).idxmax())
        row = table.loc[runner]
        return {"best": best, "runner_up": runner, "margin": -float(row["difference"]), "low": -float(row["ci_high"]),
                "high": -float(row["ci_low"]), "share_ahead": 1.0 - float(row["share_higher"])}

    def compare(self, reference: Union[int, str] = 0, metrics: Optional[Sequence[str]] = None, level: float = 0.95,
                by: str = "profit"):
        """Paired differences of every design against a reference, at the horizon.

        ``reference`` is a design (number or label), or ``"best"``: the design with the highest
        mean of ``by``. Returns a :class:`pandas.DataFrame` indexed by (design, metric) with the
        design's ``label``, ``reference`` and ``design_mean``, the mean paired ``difference``
        (design − reference), its interval and ``share_higher`` — the numbers of
        :func:`guanxi.compare`, over the replicates both designs have (all of them unless the
        sweep stopped part-way). ``table.attrs`` records the reference, replicates and level."""
        import pandas as pd

        checked_level(level)
        ref = self.best(by) if isinstance(reference, str) and reference == "best" else self.design(reference)
        wanted = list(metrics) if metrics is not None else default_comparison_metrics()
        for name in wanted:
            if name not in RATIOS and name != "payback_step":  # rows of paired_rows, not metrics
                checked_metric(name, self.metrics, "metrics")
        rows = []
        for number in range(len(self.designs)):
            if number == ref:
                continue
            n = int(min(self.replicates_done[ref], self.replicates_done[number]))
            left, right = _Paired(self, ref, n), _Paired(self, number, n)
            label = self.designs["label"][number]
            rows += [(number, label) + row for row in paired_rows(left, right, wanted, level)]
        frame = pd.DataFrame(rows, columns=["design", "label", "metric", "reference", "design_mean", "difference",
                                            "ci_low", "ci_high", "share_higher"]).set_index(["design", "metric"])
        frame.attrs.update(reference=ref, reference_label=self.designs["label"][ref],
                           replicates=int(self.replicates_done.min()), seed=self.seed, level=float(level))
        return frame

    def robustness(self, metric: str = "profit", lowest: bool = False):
        """With uncertain parameters (``sweep(..., uncertain=...)``): each design's chance of
        being best over the uncertainty, its expected regret, and where in the uncertain range
        the winner changes (:class:`guanxi.uncertainty.Robustness`, with a plot). ``lowest``:
        lower is better (a cost)."""
        self._metric(metric)
        return robustness(self, metric, lowest)

    def plot(self, metric: str = "profit", x: Optional[str] = None, ax=None, level: float = 0.95):
        """The metric at the horizon against a swept key, the mean with its ``level`` interval,
        one line per combination of the other keys; with two swept keys and no ``x``, a heat map
        of the mean. Returns the matplotlib Axes."""
        return plot_sweep(self, metric, x, ax, level)


class _Paired:
    """A design's first ``n`` replicates, shaped as :func:`_paired_rows` reads a result."""

    def __init__(self, sweep: Sweep, design: int, n: int):
        self.values = sweep._values[design][:n]
        self.replicates, self.steps = n, sweep.steps
        self._metrics = sweep.metrics

    def metric(self, name: str) -> np.ndarray:
        return self.values[:, :, self._metrics.index(name)]

    def payback_steps(self) -> np.ndarray:
        return first_step_at_or_above_zero(self.metric("profit"))
