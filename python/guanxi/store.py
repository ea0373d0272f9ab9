"""The run store: sweeps, their designs and every block of replicates, in one SQLite file.

A sweep (:func:`guanxi.sweep`) cuts its work into (design, block of replicates) tasks; each
finished block is written here in one transaction, so a killed process loses at most the blocks
in flight, and running the same sweep again computes only the replicates that are missing.
Blocks belong to *runs*, identified by what determines their numbers (the design's spec hash,
the graph's fingerprint, the seed and the engine version — the manifest of
:attr:`guanxi.CampaignResult.manifest`), so two sweeps sharing a design share its replicates.

The format is documented in docs/store.md so that other tools can read a store: plain tables,
JSON text and zlib-compressed little-endian float64 arrays. It is versioned (``PRAGMA
user_version``) and marked as a guanxi store (``PRAGMA application_id``); a store from a newer
guanxi, a file that is not one, a corrupt block and a sweep continued on another graph are each
a clear error, and nothing is overwritten.

Several processes may write to one store (WAL journal, writes in ``BEGIN IMMEDIATE``
transactions, a block refused when stored replicates overlap it), so two team members, or two
sweeps, can fill one file; SQLite's locks need a local disk or a network file system with
working locks.

The store returns plain rows and arrays (:meth:`Store.sweep_record`); it imports neither sweeps
nor reports, which sit on floors above it (docs/architecture.md): :meth:`guanxi.Sweep.load`
builds a sweep from a record, :meth:`guanxi.Sweep.export` writes its CSV files.
"""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import time
import zlib
from typing import List, Optional, Sequence, Tuple

import numpy as np

from . import _engine
from ._checks import plain, to_json

__all__ = ["Store", "FORMAT", "save_study"]

FORMAT = 1  # PRAGMA user_version of the stores this guanxi writes
APPLICATION_ID = 0x67786931  # "gxi1": PRAGMA application_id of a guanxi run store

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE graphs (
  fingerprint TEXT PRIMARY KEY, nodes INTEGER NOT NULL, ties INTEGER NOT NULL, directed INTEGER NOT NULL,
  source TEXT NOT NULL, first_seen TEXT NOT NULL);
CREATE TABLE designs (hash TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, graph TEXT NOT NULL REFERENCES graphs(fingerprint),
  strength TEXT NOT NULL, seed TEXT NOT NULL, replicates INTEGER NOT NULL, keys TEXT NOT NULL,
  version TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE sweep_designs (
  sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, position INTEGER NOT NULL,
  design TEXT NOT NULL REFERENCES designs(hash), label TEXT NOT NULL, "values" TEXT NOT NULL,
  PRIMARY KEY (sweep, position));
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, design TEXT NOT NULL REFERENCES designs(hash),
  graph TEXT NOT NULL REFERENCES graphs(fingerprint), strength TEXT NOT NULL, seed TEXT NOT NULL,
  version TEXT NOT NULL, steps INTEGER NOT NULL, metrics TEXT NOT NULL, warnings TEXT NOT NULL,
  created TEXT NOT NULL, UNIQUE (design, graph, strength, seed, version));
CREATE TABLE blocks (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, first INTEGER NOT NULL, count INTEGER NOT NULL,
  "values" BLOB NOT NULL, seconds REAL NOT NULL, created TEXT NOT NULL, PRIMARY KEY (run, first));
CREATE TABLE studies (
  name TEXT PRIMARY KEY, kind TEXT NOT NULL, sweep TEXT, document TEXT NOT NULL, created TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def encode_values(values: np.ndarray) -> bytes:
    """A block's values (replicates, steps, metrics) as zlib-compressed little-endian float64."""
    return zlib.compress(np.ascontiguousarray(values, dtype="<f8").tobytes(), 1)


def decode_values(blob: bytes, count: int, steps: int, metrics: int, where: str) -> np.ndarray:
    try:
        raw = zlib.decompress(blob)
    except (zlib.error, TypeError) as error:
        raise ValueError(f"{where}: corrupt block ({error}); delete the sweep or the store") from None
    if len(raw) != count * steps * metrics * 8:
        raise ValueError(f"{where}: corrupt block ({len(raw)} bytes, expected {count} x {steps} x {metrics} "
                         "float64); delete the sweep or the store")
    return np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(count, steps, metrics)


class Store:
    """A run store in one SQLite file (created when missing).

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``"runs.db"``.
    create : bool
        Create the file when it does not exist (default); otherwise a missing file is an
        OSError.

    Raises
    ------
    ValueError
        The file is not a guanxi run store, is corrupt, or was written by a newer guanxi.
    OSError
        The file cannot be opened or created.

    Examples
    --------
    >>> store = gx.Store("runs.db")                        # doctest: +SKIP
    >>> store.sweeps()                                     # doctest: +SKIP
    >>> sweep = gx.Sweep.load(store, "reward")             # doctest: +SKIP
    """

    def __init__(self, path: "str | os.PathLike", create: bool = True):
        self.path = os.fspath(path)
        exists = os.path.exists(self.path)
        if not exists and not create:
            raise OSError(f"{self.path}: no such run store")
        if exists and os.path.isdir(self.path):
            raise OSError(f"{self.path}: is a folder, not a run store file")
        try:
            self._db = sqlite3.connect(self.path, timeout=120, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise OSError(f"{self.path}: cannot open the run store ({error})") from None
        try:
            self._open_waiting(exists)
        except sqlite3.OperationalError as error:  # a folder without write permission, a lock held too long
            self._db.close()
            raise OSError(f"{self.path}: cannot open the run store ({error})") from None
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise ValueError(f"{self.path}: not a guanxi run store or corrupt (SQLite: {error})") from None
        except BaseException:
            self._db.close()
            raise

    def _open_waiting(self, exists: bool, patience: float = 120.0) -> None:
        """``_open``, again while another process holds the lock: switching a new store to WAL
        needs the file to itself, and SQLite answers "locked" at once there instead of waiting
        (two processes creating one store at the same moment)."""
        deadline = time.monotonic() + patience
        pause = 0.01
        while True:
            try:
                return self._open(exists)
            except sqlite3.OperationalError as error:
                text = str(error)
                if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                    raise
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                time.sleep(pause)
                pause = min(0.2, pause * 2)

    def _open(self, exists: bool) -> None:
        db = self._db
        db.execute("BEGIN")  # one snapshot: another process may be creating the store meanwhile
        try:
            application = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            db.execute("COMMIT")
        if application == 0 and version == 0 and tables == 0:
            db.execute("BEGIN IMMEDIATE")
            try:  # two processes creating one store: the second finds the first's tables
                if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:  # nobody made it meanwhile
                    for statement in _SCHEMA.strip().split(";\n"):
                        db.execute(statement)
                    db.execute("INSERT INTO meta VALUES ('format', ?), ('created', ?), ('created_by', ?)",
                               (str(FORMAT), _now(), f"guanxi {_version()}"))
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version = {FORMAT}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            application, version = APPLICATION_ID, FORMAT
        if application != APPLICATION_ID:
            raise ValueError(f"{self.path}: not a guanxi run store (an SQLite file of another application)")
        if version > FORMAT:
            raise ValueError(f"{self.path}: run store format {version} was written by a newer guanxi; this guanxi "
                             f"({_version()}) reads format {FORMAT} and older: upgrade guanxi to read it")
        if version < 1:
            raise ValueError(f"{self.path}: run store format {version} is not known")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        # A killed process keeps every committed block; a power cut may lose the last few (recomputed on resume).
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")

    # -- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<guanxi.Store {self.path!r}: {len(self._sweep_rows())} sweeps>"

    def __getstate__(self):
        raise TypeError("a Store holds an open file: pass its path instead")

    def _transaction(self):
        return _Transaction(self._db)

    # -- writing (the sweeps' runs: guanxi.sweeps.DesignRuns) --------------------------------

    def begin_sweep(self, name: str, graph, source: Optional[dict], strength: str, seed: int, replicates: int,
                     keys: Sequence[str], designs: Sequence[Tuple[str, str, str, dict]], version: str) -> int:
        """The sweep's id: registered now, or found with the same designs, graph and seed (then
        its target replicates may grow). ``designs``: (hash, canonical spec JSON, label, values)."""
        fingerprint = graph.fingerprint
        with self._transaction() as db:  # checked, then written, in one transaction: a refusal writes nothing
            row = db.execute("SELECT id, graph, strength, seed, replicates, version FROM sweeps WHERE name = ?",
                             (name,)).fetchone()
            if row is not None:
                sweep_id, stored_graph, stored_strength, stored_seed, stored_replicates, stored_version = row
                where = f"{self.path}: sweep {name!r}"
                if stored_graph != fingerprint:
                    nodes, ties = db.execute("SELECT nodes, ties FROM graphs WHERE fingerprint = ?",
                                             (stored_graph,)).fetchone()
                    raise ValueError(f"{where} was run on graph {stored_graph} ({nodes:,} nodes, {ties:,} ties), not "
                                     f"this graph {fingerprint} ({graph.num_nodes:,} nodes, {graph.num_ties:,} ties): "
                                     "give the sweep another name or use another store")
                if stored_strength != strength:
                    raise ValueError(f"{where} was run from other tie strengths (fingerprint {stored_strength}, now "
                                     f"{strength}): give the sweep another name")
                if int(stored_seed) != seed:
                    raise ValueError(f"{where} was run with seed {stored_seed}, not {seed}: give the sweep another "
                                     "name, or the same seed to continue it")
                if stored_version != version:
                    raise ValueError(f"{where} was run by guanxi {stored_version}, this is {version}: its replicates "
                                     "would mix engine versions; give the sweep another name")
                stored = [r[0] for r in db.execute(
                    "SELECT design FROM sweep_designs WHERE sweep = ? ORDER BY position", (sweep_id,))]
                if stored != [d[0] for d in designs]:
                    raise ValueError(f"{where} has other designs ({len(stored)} stored, {len(designs)} given, or the "
                                     "same number differing): give the sweep another name (designs already run "
                                     "are reused) or delete it")
                if replicates > stored_replicates:
                    db.execute("UPDATE sweeps SET replicates = ? WHERE id = ?", (replicates, sweep_id))
                return sweep_id
            db.execute("INSERT OR IGNORE INTO graphs VALUES (?, ?, ?, ?, ?, ?)",
                       (fingerprint, graph.num_nodes, graph.num_ties, int(graph.directed),
                        json.dumps(source or {}, sort_keys=True, default=str), _now()))
            cursor = db.execute("INSERT INTO sweeps (name, graph, strength, seed, replicates, keys, version, created) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (name, fingerprint, strength, str(seed), replicates, json.dumps(list(keys)), version,
                                 _now()))
            sweep_id = cursor.lastrowid
            for position, (design_hash, spec_json, label, values) in enumerate(designs):
                db.execute("INSERT OR IGNORE INTO designs VALUES (?, ?)", (design_hash, spec_json))
                db.execute("INSERT INTO sweep_designs VALUES (?, ?, ?, ?, ?)",
                           (sweep_id, position, design_hash, label, json.dumps(values, default=plain)))
            return sweep_id

    def register_designs(self, graph, source: Optional[dict], designs: Sequence[Tuple[str, str]]) -> None:
        """The graph and designs (hash, canonical spec) of runs that belong to no sweep yet (an
        optimisation's trials, registered as one sweep at its end)."""
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO graphs VALUES (?, ?, ?, ?, ?, ?)",
                       (graph.fingerprint, graph.num_nodes, graph.num_ties, int(graph.directed),
                        json.dumps(source or {}, sort_keys=True, default=str), _now()))
            for design_hash, spec_json in designs:
                db.execute("INSERT OR IGNORE INTO designs VALUES (?, ?)", (design_hash, spec_json))

    def run_id(self, design_hash: str, graph: str, strength: str, seed: int, version: str, steps: int,
             metrics: Sequence[str]) -> int:
        """The id of the run of a design on a graph with a seed (created when new)."""
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO runs (design, graph, strength, seed, version, steps, metrics, warnings, "
                       "created) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?)",
                       (design_hash, graph, strength, str(seed), version, steps, json.dumps(list(metrics)), _now()))
            run_id, stored_steps, stored_metrics = db.execute(
                "SELECT id, steps, metrics FROM runs WHERE design = ? AND graph = ? AND strength = ? AND seed = ? "
                "AND version = ?", (design_hash, graph, strength, str(seed), version)).fetchone()
        if stored_steps != steps or json.loads(stored_metrics) != list(metrics):
            raise ValueError(f"{self.path}: run {run_id} has {stored_steps} steps and other metrics than this engine's: "
                             "the store is inconsistent")
        return run_id

    def stored_ranges(self, run_id: int) -> List[Tuple[int, int]]:
        """(first, count) of a run's stored blocks, in order."""
        return [tuple(r) for r in self._db.execute("SELECT first, count FROM blocks WHERE run = ? ORDER BY first",
                                                    (run_id,))]

    def write_block(self, run_id: int, first: int, values: np.ndarray, seconds: float,
                     warnings: Sequence[str] = ()) -> bool:
        """Stores replicates ``first .. first + len(values)`` of a run in one transaction. False,
        and nothing written, when stored replicates overlap them (another process got there
        first: its numbers are the same)."""
        count = int(values.shape[0])
        blob = encode_values(values)  # compressed outside the lock
        with self._transaction() as db:
            overlap = db.execute("SELECT 1 FROM blocks WHERE run = ? AND first < ? AND first + count > ? LIMIT 1",
                                 (run_id, first + count, first)).fetchone()
            if overlap is not None:
                return False
            db.execute("INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)", (run_id, first, count, blob, float(seconds),
                                                                          _now()))
            if warnings:
                db.execute("UPDATE runs SET warnings = ? WHERE id = ? AND warnings = '[]'",
                           (json.dumps(list(warnings)), run_id))
        return True

    # -- reading ------------------------------------------------------------------------------

    def _sweep_rows(self) -> list:
        return self._db.execute("SELECT id, name, graph, strength, seed, replicates, keys, version, created FROM sweeps "
                                "ORDER BY id").fetchall()

    def _sweep_row(self, sweep) -> tuple:
        if isinstance(sweep, str):
            row = self._db.execute("SELECT id, name, graph, strength, seed, replicates, keys, version, created FROM "
                                   "sweeps WHERE name = ?", (sweep,)).fetchone()
        elif isinstance(sweep, (int, np.integer)) and not isinstance(sweep, bool):
            row = self._db.execute("SELECT id, name, graph, strength, seed, replicates, keys, version, created FROM "
                                   "sweeps WHERE id = ?", (int(sweep),)).fetchone()
        else:
            raise ValueError(f"sweep: give its name or id, got {type(sweep).__name__}")
        if row is None:
            names = [r[1] for r in self._sweep_rows()]
            raise ValueError(f"{self.path}: no sweep {sweep!r} (sweeps: {', '.join(map(repr, names)) or 'none'})")
        return row

    def _runs_of(self, sweep_id: int) -> List[tuple]:
        """(position, design hash, label, values JSON, spec JSON, run id or None) of a sweep's designs."""
        _, _, graph, strength, seed, _, _, version, _ = self._sweep_row(sweep_id)
        return self._db.execute(
            'SELECT d.position, d.design, d.label, d."values", s.spec, r.id FROM sweep_designs d '
            "JOIN designs s ON s.hash = d.design LEFT JOIN runs r ON r.design = d.design AND r.graph = ? AND "
            "r.seed = ? AND r.version = ? AND (r.strength = '' OR r.strength = ?) WHERE d.sweep = ? "
            "ORDER BY d.position", (graph, seed, version, strength, sweep_id)).fetchall()

    def _replicates_done(self, run_id: Optional[int]) -> int:
        """How many replicates from 0 on are stored without a gap."""
        done = 0
        if run_id is None:
            return 0
        for first, count in self.stored_ranges(run_id):
            if first > done:
                break
            done = max(done, first + count)
        return done

    def read_block(self, run_id: int, first: int, count: int, steps: int, width: int, where: str) -> np.ndarray:
        row = self._db.execute('SELECT "values" FROM blocks WHERE run = ? AND first = ?', (run_id, first)).fetchone()
        if row is None:
            raise ValueError(f"{where}: block at replicate {first} went missing while reading (deleted meanwhile?)")
        return decode_values(row[0], count, steps, width, f"{where}, replicates {first}..{first + count - 1}")

    def run_warnings(self, run_id: int) -> List[str]:
        return json.loads(self._db.execute("SELECT warnings FROM runs WHERE id = ?", (run_id,)).fetchone()[0])

    def _read_run(self, run_id: int, replicates: int, where: str) -> np.ndarray:
        """Replicates ``0 .. replicates`` of a run (all stored: checked by the caller)."""
        steps, metrics = self._db.execute("SELECT steps, metrics FROM runs WHERE id = ?", (run_id,)).fetchone()
        width = len(json.loads(metrics))
        out = np.empty((replicates, steps, width))
        for first, count, blob in self._db.execute('SELECT first, count, "values" FROM blocks WHERE run = ? AND '
                                                   "first < ? ORDER BY first", (run_id, replicates)):
            block = decode_values(blob, count, steps, width, f"{where}, replicates {first}..{first + count - 1}")
            end = min(first + count, replicates)
            out[first:end] = block[: end - first]
        return out

    def sweeps(self):
        """The stored sweeps as a :class:`pandas.DataFrame` indexed by name: ``designs``,
        ``replicates`` (the target), ``complete`` (designs with every target replicate stored),
        ``replicates_done`` (the fewest stored for a design), ``graph`` (fingerprint), ``nodes``,
        ``ties``, ``seed``, ``keys`` (swept key paths), ``version`` and ``created``."""
        import pandas as pd

        rows = []
        for sweep_id, name, graph, _strength, seed, replicates, keys, version, created in self._sweep_rows():
            done = [self._replicates_done(r[5]) for r in self._runs_of(sweep_id)]
            nodes, ties = self._db.execute("SELECT nodes, ties FROM graphs WHERE fingerprint = ?", (graph,)).fetchone()
            rows.append({"name": name, "designs": len(done), "replicates": replicates,
                         "complete": sum(d >= replicates for d in done), "replicates_done": min(done, default=0),
                         "graph": graph, "nodes": nodes, "ties": ties, "seed": int(seed),
                         "keys": ", ".join(json.loads(keys)), "version": version, "created": created})
        columns = ["name", "designs", "replicates", "complete", "replicates_done", "graph", "nodes", "ties", "seed",
                   "keys", "version", "created"]
        return pd.DataFrame(rows, columns=columns).set_index("name")

    def designs(self, sweep=None):
        """Designs as a :class:`pandas.DataFrame`: of one sweep (name or id) with ``design``
        (position), ``label``, one column per swept key, ``hash`` and ``replicates_done``; or,
        without ``sweep``, every stored design with its ``hash``, the sweeps using it and its spec
        (JSON text)."""
        import pandas as pd

        if sweep is None:
            rows = self._db.execute(
                "SELECT s.hash, group_concat(w.name, ', '), s.spec FROM designs s LEFT JOIN sweep_designs d ON "
                "d.design = s.hash LEFT JOIN sweeps w ON w.id = d.sweep GROUP BY s.hash ORDER BY s.hash").fetchall()
            return pd.DataFrame(rows, columns=["hash", "sweeps", "spec"]).set_index("hash")
        row = self._sweep_row(sweep)
        keys = json.loads(row[6])
        records = []
        for position, design_hash, label, values, _spec, run_id in self._runs_of(row[0]):
            values = json.loads(values)
            records.append({"design": position, "label": label, **{k: values.get(k) for k in keys},
                            "hash": design_hash, "replicates_done": self._replicates_done(run_id)})
        return pd.DataFrame(records, columns=["design", "label", *keys, "hash", "replicates_done"]).set_index("design")

    def sweep_record(self, sweep) -> dict:
        """A stored sweep (name or id) as plain rows and arrays, nothing run:
        ``name``, ``fingerprint`` (of its graph), ``seed``, ``replicates`` (the target), ``keys``
        (swept key paths), ``version``, ``designs`` (per design: label, swept values, spec dict,
        hash), ``values`` (per design, the replicates stored from 0 on without a gap, or None
        when the design has no run yet), ``warnings`` (per design), ``metrics`` (None when
        nothing has run yet) and ``uncertain`` (the uncertain parameters). :meth:`guanxi.Sweep.load`
        builds a Sweep from it."""
        sweep_id, name, fingerprint, _strength, seed, replicates, keys, version, _ = self._sweep_row(sweep)
        designs, values, warnings = [], [], []
        metrics, uncertain = None, []
        for position, design_hash, label, swept, spec, run_id in self._runs_of(sweep_id):
            done = self._replicates_done(run_id)
            where = f"{self.path}: sweep {name!r}, design {position} ({label})"
            if run_id is not None:
                run_metrics, run_warnings = self._db.execute("SELECT metrics, warnings FROM runs WHERE id = ?",
                                                             (run_id,)).fetchone()
                metrics = json.loads(run_metrics)
                warnings.append(json.loads(run_warnings))
                values.append(self._read_run(run_id, done, where))
            else:
                values.append(None)
                warnings.append([])
            spec = json.loads(spec)
            uncertain = [(path, tuple(d)) for path, d in spec.pop("uncertain", [])]  # sweep(..., uncertain=...)
            designs.append((label, json.loads(swept), spec, design_hash))
        return {"name": name, "fingerprint": fingerprint, "seed": int(seed), "replicates": replicates,
                "keys": json.loads(keys), "version": version, "designs": designs, "values": values,
                "warnings": warnings, "metrics": metrics, "uncertain": uncertain}

    def save_study(self, name: str, document: dict, sweep: Optional[str] = None) -> None:
        """Keeps the outcome of a selection, optimisation, sensitivity analysis or calibration
        (its ``document()``, with its ``kind``) under ``name``, replacing one of that name; the
        report (:func:`guanxi.report`) shows it. ``sweep`` names the sweep holding its runs."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name: must be a non-empty string, got {name!r}")
        kind = document.get("kind")
        if kind not in ("select", "optimize", "sensitivity", "calibrate"):
            raise ValueError(f"document: kind must be select, optimize, sensitivity or calibrate, got {kind!r}")
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO studies VALUES (?, ?, ?, ?, ?)",
                       (name, kind, sweep, to_json(document), _now()))

    def studies(self):
        """The stored studies as a :class:`pandas.DataFrame` indexed by name: ``kind``,
        ``sweep`` and ``created``."""
        import pandas as pd

        rows = self._db.execute("SELECT name, kind, sweep, created FROM studies ORDER BY created, name").fetchall()
        return pd.DataFrame(rows, columns=["name", "kind", "sweep", "created"]).set_index("name")

    def study(self, name: str) -> dict:
        """A stored study's document."""
        row = self._db.execute("SELECT document FROM studies WHERE name = ?", (name,)).fetchone()
        if row is None:
            names = list(self.studies().index)
            raise ValueError(f"{self.path}: no study {name!r} (studies: {', '.join(map(repr, names)) or 'none'})")
        try:
            return json.loads(row[0])
        except ValueError as error:
            raise ValueError(f"{self.path}: study {name!r}: corrupt document ({error})") from None

    def delete(self, sweep) -> None:
        """Deletes a sweep; the replicates of its designs go too unless another sweep uses them."""
        sweep_id = self._sweep_row(sweep)[0]
        with self._transaction() as db:
            db.execute("DELETE FROM sweep_designs WHERE sweep = ?", (sweep_id,))
            db.execute("DELETE FROM sweeps WHERE id = ?", (sweep_id,))
            # Runs no sweep reaches any more: no sweep on their graph, seed and version lists their design.
            db.execute("DELETE FROM blocks WHERE run IN (SELECT r.id FROM runs r WHERE NOT EXISTS (SELECT 1 FROM "
                       "sweeps w JOIN sweep_designs d ON d.sweep = w.id WHERE d.design = r.design AND w.graph = "
                       "r.graph AND w.seed = r.seed AND w.version = r.version))")
            db.execute("DELETE FROM runs WHERE id NOT IN (SELECT DISTINCT run FROM blocks) AND NOT EXISTS (SELECT 1 "
                       "FROM sweeps w JOIN sweep_designs d ON d.sweep = w.id WHERE d.design = runs.design AND "
                       "w.graph = runs.graph AND w.seed = runs.seed AND w.version = runs.version)")
            db.execute("DELETE FROM designs WHERE hash NOT IN (SELECT design FROM sweep_designs) AND hash NOT IN "
                       "(SELECT design FROM runs)")


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error): one writer at a time, and a
    block either wholly stored or not at all."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")


def save_study(store, name: str, document: dict, sweep: Optional[str] = None) -> None:
    """:meth:`Store.save_study` on a Store, or on the store at a path (opened and closed)."""
    if isinstance(store, Store):
        store.save_study(name, document, sweep)
    else:
        with Store(store) as opened:
            opened.save_study(name, document, sweep)


def _version() -> str:
    return _engine.version()
