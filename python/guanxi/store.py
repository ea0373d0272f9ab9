"""The run store: sweeps, their designs and every block of replicates, in one SQLite file.

A sweep (:func:`guanxi.sweep`) cuts its work into (design, block of replicates) tasks; each
finished block is written here in one transaction, so a killed process loses at most the blocks
in flight, and running the same sweep again computes only the replicates that are missing.
Blocks belong to *runs*, identified by what determines their numbers (the design's spec hash,
the graph's fingerprint, the seed and the engine version — the manifest of
:attr:`guanxi.CampaignResult.manifest`), so two sweeps sharing a design share its replicates.

The format is documented in docs/store.md so that other tools can read a store: plain tables,
JSON text and zlib-compressed little-endian float64 arrays. It is versioned (``PRAGMA
user_version``) and marked as a guanxi store (``PRAGMA application_id``).

SQLite pages carry no checksum, so the store checks itself: every row carries the checksum of
its columns (a block's values have a SHA-256 of their own), the ``meta`` table counts the rows
of every table and each run counts its replicates, and every row read is verified, so that a
damaged file is an error naming what is damaged (:class:`DamagedStore`) and never a silently
different answer: a changed value fails its checksum, a row lost from a page or an index fails
a count. :meth:`Store.check` runs SQLite's integrity check plus all of these.

Several processes may write to one store (WAL journal, writes in ``BEGIN IMMEDIATE``
transactions): a block whose replicates partly overlap stored ones is cut to the missing part,
so whatever the writers, block sizes and kills, every replicate is stored exactly once. SQLite's
locks need a local disk or a network file system with working locks. Every SQLite fault (a full
disk, a lock held too long, a read-only file, a damaged page) becomes one ValueError or OSError
naming the store and what to do. A store that cannot be written (file or folder permissions)
opens read-only: everything that only reads works, a write is an error saying so.

The store returns plain rows and arrays (:meth:`Store.sweep_record`); it imports neither sweeps
nor reports, which sit on floors above it (docs/architecture.md): :meth:`guanxi.Sweep.load`
builds a sweep from a record, :meth:`guanxi.Sweep.export` writes its CSV files.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import json
import os
import sqlite3
import stat
import threading
import time
import urllib.parse
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _engine
from ._checks import checked_title, plain, to_json

__all__ = ["Store", "DamagedStore", "FORMAT", "save_study", "row_checksum", "DEFAULT_TIMEOUT", "TIMEOUT_VARIABLE"]

FORMAT = 2  # PRAGMA user_version of the stores this guanxi writes (1: before row checksums)
APPLICATION_ID = 0x67786931  # "gxi1": PRAGMA application_id of a guanxi run store
DEFAULT_TIMEOUT = 120.0  # seconds a write waits for another process's lock
TIMEOUT_VARIABLE = "GUANXI_STORE_TIMEOUT"  # the environment's default for Store(timeout=...)

# Every table's columns in order, without its checksum (docs/store.md). A block's values come
# last, after its checksum, so that reading a block's range leaves the values' pages unread.
_COLUMNS: Dict[str, Tuple[str, ...]] = {
    "meta": ("key", "value"),
    "graphs": ("fingerprint", "nodes", "ties", "directed", "source", "first_seen"),
    "designs": ("hash", "spec"),
    "sweeps": ("id", "name", "graph", "strength", "seed", "replicates", "keys", "version", "created", "designs"),
    "sweep_designs": ("sweep", "position", "design", "label", "values"),
    "runs": ("id", "design", "graph", "strength", "seed", "version", "steps", "metrics", "warnings", "created",
             "stored"),
    "blocks": ("run", "first", "count", "seconds", "created", "digest"),
    "studies": ("name", "kind", "sweep", "document", "created"),
}
_COUNTED = ("graphs", "designs", "sweeps", "sweep_designs", "runs", "blocks", "studies")  # meta's "rows"
_META_KEYS = ("format", "created", "created_by", "rows")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL, checksum TEXT NOT NULL);
CREATE TABLE graphs (
  fingerprint TEXT PRIMARY KEY, nodes INTEGER NOT NULL, ties INTEGER NOT NULL, directed INTEGER NOT NULL,
  source TEXT NOT NULL, first_seen TEXT NOT NULL, checksum TEXT NOT NULL);
CREATE TABLE designs (hash TEXT PRIMARY KEY, spec TEXT NOT NULL, checksum TEXT NOT NULL);
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, graph TEXT NOT NULL REFERENCES graphs(fingerprint),
  strength TEXT NOT NULL, seed TEXT NOT NULL, replicates INTEGER NOT NULL, keys TEXT NOT NULL,
  version TEXT NOT NULL, created TEXT NOT NULL, designs INTEGER NOT NULL, checksum TEXT NOT NULL);
CREATE TABLE sweep_designs (
  sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, position INTEGER NOT NULL,
  design TEXT NOT NULL REFERENCES designs(hash), label TEXT NOT NULL, "values" TEXT NOT NULL,
  checksum TEXT NOT NULL, PRIMARY KEY (sweep, position));
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, design TEXT NOT NULL REFERENCES designs(hash),
  graph TEXT NOT NULL REFERENCES graphs(fingerprint), strength TEXT NOT NULL, seed TEXT NOT NULL,
  version TEXT NOT NULL, steps INTEGER NOT NULL, metrics TEXT NOT NULL, warnings TEXT NOT NULL,
  created TEXT NOT NULL, stored INTEGER NOT NULL, checksum TEXT NOT NULL,
  UNIQUE (design, graph, strength, seed, version));
CREATE TABLE blocks (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, first INTEGER NOT NULL, count INTEGER NOT NULL,
  seconds REAL NOT NULL, created TEXT NOT NULL, digest TEXT NOT NULL, checksum TEXT NOT NULL,
  "values" BLOB NOT NULL, PRIMARY KEY (run, first));
CREATE TABLE studies (
  name TEXT PRIMARY KEY, kind TEXT NOT NULL, sweep TEXT, document TEXT NOT NULL, created TEXT NOT NULL,
  checksum TEXT NOT NULL);
"""


class DamagedStore(ValueError):
    """A run store whose content fails its checks: a row's checksum, a count of rows, a block's
    values, or SQLite's own structure. The message names the store and what is damaged."""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def row_checksum(table: str, values: Sequence) -> str:
    """The checksum of a row (docs/store.md): the first 16 hex digits of the SHA-256 of the JSON
    array ``[table, column, ...]`` (the columns in the table's order, without the checksum and a
    block's values; compact separators, UTF-8 kept as is)."""
    text = json.dumps([table, *values], separators=(",", ":"), ensure_ascii=False, default=_blob_text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _blob_text(value) -> str:
    """A value of a type no column holds (a blob where text was written: a damaged row), so
    that its checksum differs instead of failing."""
    return f"<{type(value).__name__} {bytes(value).hex() if isinstance(value, (bytes, memoryview)) else value!r}>"


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def encode_values(values: np.ndarray) -> bytes:
    """A block's values (replicates, steps, metrics) as zlib-compressed little-endian float64."""
    return zlib.compress(np.ascontiguousarray(values, dtype="<f8").tobytes(), 1)


def decode_values(blob: bytes, count: int, steps: int, metrics: int, where: str) -> np.ndarray:
    """A block's values, decompressed no further than its declared size: a crafted block cannot
    inflate beyond (count, steps, metrics) float64 before it is refused."""
    expected = count * steps * metrics * 8
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(blob, expected + 1)
        whole = inflate.eof and not inflate.unconsumed_tail and not inflate.unused_data
    except (zlib.error, TypeError) as error:
        raise DamagedStore(f"{where}: corrupt block ({error}); delete the sweep or restore a copy of the store") from None
    if len(raw) != expected or not whole:
        raise DamagedStore(f"{where}: corrupt block ({f'more than {expected}' if len(raw) > expected else len(raw)} bytes, "
                           f"expected {count} x {steps} x {metrics} float64); delete the sweep or restore a copy of the "
                           "store")
    return np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(count, steps, metrics)


def _timeout(timeout: Optional[float]) -> float:
    if timeout is None:
        text = os.environ.get(TIMEOUT_VARIABLE)
        if not text:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(text)
        except ValueError:
            raise ValueError(f"{TIMEOUT_VARIABLE}: must be a number of seconds >= 0, got {text!r}") from None
        name = TIMEOUT_VARIABLE
    else:
        name = "timeout"
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout < float("inf"):
        raise ValueError(f"{name}: must be a number of seconds >= 0, got {timeout!r}")
    return float(timeout)


def _faults(method):
    """Every SQLite fault of a Store method as one ValueError or OSError naming the store and
    what to do (:meth:`Store._fault`)."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, UnicodeDecodeError) as error:
            raise self._fault(error) from None

    return guarded


class Store:
    """A run store in one SQLite file (created when missing).

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``"runs.db"``.
    create : bool
        Create the file when it does not exist (default); otherwise a missing file is an
        OSError, and an existing file that holds nothing is not a run store.
    read_only : bool
        Open for reading only (nothing is created or written). A store that cannot be written
        (its file's or folder's permissions) opens read-only anyway; :attr:`read_only` says so,
        and a write is an OSError.
    timeout : float, optional
        Seconds a write waits for another process's lock before it is an error (default: the
        environment variable ``GUANXI_STORE_TIMEOUT``, else 120).

    Raises
    ------
    ValueError
        The file is not a guanxi run store, is damaged (:class:`DamagedStore`), or was written
        by another format of guanxi.
    OSError
        The file cannot be opened or created, or is a folder, a device or a FIFO.

    Examples
    --------
    >>> store = gx.Store("runs.db")                        # doctest: +SKIP
    >>> store.sweeps()                                     # doctest: +SKIP
    >>> sweep = gx.Sweep.load(store, "reward")             # doctest: +SKIP
    """

    def __init__(self, path: "str | os.PathLike", create: bool = True, read_only: bool = False,
                 timeout: Optional[float] = None):
        self.path = os.fspath(path)
        self.timeout = _timeout(timeout)
        # One connection, used by a sweep's thread and its writer's: one transaction at a time.
        self._lock = threading.RLock()
        self.read_only = bool(read_only)
        self._why_read_only = "opened read-only" if read_only else None
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as error:
            raise OSError(f"{self.path}: cannot open the run store ({error.strerror or error})") from None
        if mode is None and (not create or read_only):
            raise OSError(f"{self.path}: no such run store")
        if mode is not None and not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise OSError(f"{self.path}: is {kind}, not a run store file")
        if mode is not None and not self.read_only and not _writable(self.path):
            self.read_only, self._why_read_only = True, "no write permission on the file or its folder"
        self._depth = 0  # nested reading transactions
        self._db: Optional[sqlite3.Connection] = None
        try:
            self._connect(mode is not None, create)
        except (sqlite3.Error, UnicodeDecodeError) as error:
            self._close_quietly()
            raise self._fault(error) from None
        except BaseException:
            self._close_quietly()
            raise

    def _connect(self, exists: bool, create: bool) -> None:
        # Read-only by choice, in a place that can be written: an ordinary connection that this
        # object never writes with (a read-only one would leave the WAL's files behind, since it
        # cannot remove them when it closes).
        if not self.read_only or (exists and _writable(self.path)):
            try:
                self._db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                           check_same_thread=False)
                self._open_waiting(exists, create and not self.read_only)
                return
            except sqlite3.OperationalError as error:  # a folder or file that cannot be written after all
                name = getattr(error, "sqlite_errorname", "")
                if not exists or not (name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))):
                    raise
                self._close_quietly()
                self.read_only, self._why_read_only = True, f"cannot be written ({error})"
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path))
        try:
            self._db = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=self.timeout, isolation_level=None,
                                       check_same_thread=False)
            self._open_waiting(exists, False)
        except sqlite3.OperationalError as error:
            # In a folder this process cannot write SQLite cannot make the WAL's shared-memory file:
            # read the file as it is on disk, without locks (docs/store.md: where nobody writes it).
            if not getattr(error, "sqlite_errorname", "").startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")):
                raise
            self._close_quietly()
            self._db = sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, isolation_level=None,
                                       check_same_thread=False)
            self._open_waiting(exists, False)

    def _close_quietly(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def _open_waiting(self, exists: bool, create: bool) -> None:
        """``_open``, again while another process holds the lock: switching a new store to WAL
        needs the file to itself, and SQLite answers "locked" at once there instead of waiting
        (two processes creating one store at the same moment)."""
        deadline = time.monotonic() + self.timeout
        pause = 0.01
        while True:
            try:
                return self._open(exists, create)
            except sqlite3.OperationalError as error:
                if not getattr(error, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or \
                        time.monotonic() > deadline:
                    raise
                self._rollback()
                time.sleep(pause)
                pause = min(0.2, pause * 2)

    def _rollback(self) -> None:
        """Ends a failed transaction, keeping the error that failed it (SQLite may have ended
        the transaction already)."""
        if self._db is not None and self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _open(self, exists: bool, create: bool) -> None:
        db = self._db
        db.execute("BEGIN")  # one snapshot: another process may be creating the store meanwhile
        try:
            application = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except BaseException:
            self._rollback()
            raise
        db.execute("COMMIT")
        if application == 0 and version == 0 and tables == 0:
            if not create or self.read_only:
                raise ValueError(f"{self.path}: not a guanxi run store ({'an empty file' if exists else 'no such file'})")
            self._create()
            application, version = APPLICATION_ID, FORMAT
        if application != APPLICATION_ID:
            raise ValueError(f"{self.path}: not a guanxi run store (an SQLite file of another application)")
        if version > FORMAT:
            raise ValueError(f"{self.path}: run store format {version} was written by a newer guanxi; this guanxi "
                             f"({_version()}) reads format {FORMAT}: upgrade guanxi to read it")
        if version == 1:
            raise ValueError(f"{self.path}: run store format 1 (before row checksums) is not read by this guanxi "
                             f"({_version()}, format {FORMAT}): run its sweeps again into a new store, or read it with "
                             "the guanxi that wrote it")
        if version != FORMAT:
            raise DamagedStore(f"{self.path}: damaged: run store format {version} is not known (the file's header); "
                               "restore a copy of the store")
        if not self.read_only:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            # A killed process keeps every committed block; a power cut may lose the last few (recomputed on resume).
            db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        with self._reading():
            self._counts()  # the meta table verified: a damaged header of the store fails here

    def _create(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:  # two processes creating one store: the second finds the first's tables
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:  # nobody made it meanwhile
                for statement in _SCHEMA.strip().split(";\n"):
                    db.execute(statement)
                rows = {table: 0 for table in _COUNTED}
                for key, value in (("format", str(FORMAT)), ("created", _now()), ("created_by", f"guanxi {_version()}"),
                                   ("rows", json.dumps(rows, sort_keys=True))):
                    self._insert("meta", (key, value))
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {FORMAT}")
            db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    # -- faults -------------------------------------------------------------------------------

    def _fault(self, error: Exception) -> Exception:
        """An SQLite error as the one-line error of what happened and what to do."""
        if isinstance(error, UnicodeDecodeError):  # SQLite's own message, about damaged text, is not UTF-8
            text = error.object.decode("utf-8", "backslashreplace") if isinstance(error.object, bytes) else str(error)
            return DamagedStore(f"{self.path}: damaged (SQLite: {text}): run 'guanxi store check {self.path}' and "
                                "restore a copy of the store")
        name = getattr(error, "sqlite_errorname", "") or ""
        text = str(error)
        where = self.path
        if name.startswith("SQLITE_FULL") or "disk is full" in text:
            return OSError(f"{where}: the disk is full (SQLite: {text}): free space, then run the same command again "
                           "(what is stored stays)")
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
            return OSError(f"{where}: locked by another process for {self.timeout:g} s (SQLite: {text}): wait for the "
                           f"other writer to finish (or wait longer: {TIMEOUT_VARIABLE}=seconds), then run the same "
                           "command again")
        if name.startswith("SQLITE_READONLY") or "readonly" in text:
            return self._cannot_write(f"SQLite: {text}")
        if name.startswith("SQLITE_NOTADB") or "not a database" in text:
            return DamagedStore(f"{where}: not a guanxi run store or damaged (SQLite: {text}): give a run store, or "
                                "restore a copy of this one")
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_FORMAT", "SQLITE_RANGE")) or \
                "malformed" in text or "not a database" in text:
            return DamagedStore(f"{where}: damaged (SQLite: {text}): run 'guanxi store check {where}' and restore a "
                                "copy of the store")
        if name.startswith("SQLITE_IOERR"):
            return OSError(f"{where}: input/output error (SQLite: {text}): check the disk and its free space, then run "
                           "the same command again")
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
            return OSError(f"{where}: cannot open the run store (SQLite: {text}): check the path and its permissions")
        if name.startswith("SQLITE_NOMEM"):
            return MemoryError(f"{where}: out of memory (SQLite: {text})")
        if isinstance(error, sqlite3.IntegrityError):
            return ValueError(f"{where}: changed by another process during this write (SQLite: {text}): a sweep "
                              "deleted meanwhile? run the same command again")
        if isinstance(error, sqlite3.ProgrammingError):
            return ValueError(f"{where}: {text}")
        return DamagedStore(f"{where}: damaged (SQLite: {text}): run 'guanxi store check {where}' and restore a copy "
                            "of the store")

    def _damaged(self, what: str) -> DamagedStore:
        return DamagedStore(f"{self.path}: damaged: {what}; run 'guanxi store check {self.path}' and restore a copy of "
                            "the store")

    def _cannot_write(self, why: str) -> OSError:
        return OSError(f"{self.path}: the run store is read-only ({why}): this needs to write to it; use a writable "
                       "copy, or ask for write permission")

    # -- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._close_quietly()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._db is None:
            return f"<guanxi.Store {self.path!r}: closed>"
        try:
            return f"<guanxi.Store {self.path!r}: {len(self.sweep_rows())} sweeps{', read-only' if self.read_only else ''}>"
        except (ValueError, OSError) as error:
            return f"<guanxi.Store {self.path!r}: {error}>"

    def __getstate__(self):
        raise TypeError("a Store holds an open file: pass its path instead")

    @contextlib.contextmanager
    def _reading(self):
        """One snapshot for everything a read checks against each other (rows and their counts);
        nested reads share it. One transaction at a time on this connection (a sweep reads
        while its writer thread writes)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            with self._transaction("BEGIN") as db:
                yield db

    @contextlib.contextmanager
    def _writing(self):
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error): one writer at a time, and
        what is written (a block, a sweep) either wholly stored or not at all."""
        with self._lock:
            if self.read_only:
                raise self._cannot_write(self._why_read_only)
            with self._transaction("BEGIN IMMEDIATE") as db:
                yield db

    @contextlib.contextmanager
    def _transaction(self, begin: str):
        if self._db is None:
            raise ValueError(f"{self.path}: the run store is closed")
        self._db.execute(begin)
        self._depth = 1
        try:
            yield self._db
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._db.execute("COMMIT")

    # -- verified rows ------------------------------------------------------------------------

    def _select(self, table: str, where: str = "", params: Sequence = (), scan: bool = False) -> List[tuple]:
        """Rows of a table (its columns without the checksum), each verified against its
        checksum. ``scan``: read the table itself, not an index (a damaged index cannot hide a
        row from a count)."""
        columns = _COLUMNS[table]
        sql = (f"SELECT {_quoted(columns)}, checksum FROM {table}{' NOT INDEXED' if scan else ''}"
               f"{' WHERE ' + where if where else ''}")
        rows = self._db.execute(sql, tuple(params)).fetchall()
        out = []
        for row in rows:
            values = row[:-1]
            if row[-1] != row_checksum(table, values):
                raise self._damaged(f"a row of table {table} ({', '.join(f'{c}={v!r}' for c, v in zip(columns, values))}"
                                    [:300] + ") fails its checksum")
            out.append(values)
        return out

    def _insert(self, table: str, values: Sequence, blob: Optional[bytes] = None) -> None:
        columns = _COLUMNS[table] + ("checksum",) + (("values",) if blob is not None else ())
        row = (*values, row_checksum(table, values)) + ((blob,) if blob is not None else ())
        self._db.execute(f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({', '.join('?' * len(row))})", row)

    def _update(self, table: str, key: str, values: Sequence) -> None:
        """Rewrites the row whose ``key`` column has ``values``' value there, checksum included."""
        columns = _COLUMNS[table]
        position = columns.index(key)
        assignments = ", ".join(f'"{c}" = ?' for c in columns if c != key)
        self._db.execute(f'UPDATE {table} SET {assignments}, checksum = ? WHERE "{key}" = ?',
                         (*[v for c, v in zip(columns, values) if c != key], row_checksum(table, values),
                          values[position]))

    def _counts(self) -> Dict[str, int]:
        """The rows of every table as the meta table counts them (verified: every meta row, and
        nothing missing or extra)."""
        rows = {key: value for key, value in self._select("meta", scan=True)}
        if sorted(rows) != sorted(_META_KEYS):
            raise self._damaged(f"table meta holds {sorted(rows)}, not {sorted(_META_KEYS)}")
        if rows["format"] != str(FORMAT):
            raise self._damaged(f"table meta says format {rows['format']!r}, the header {FORMAT}")
        counts = json.loads(rows["rows"])
        if sorted(counts) != sorted(_COUNTED):
            raise self._damaged("table meta counts other tables than the store's")
        return counts

    def _count(self, table: str, delta: int) -> None:
        """Adds ``delta`` rows to a table's count (inside a write)."""
        if delta:
            counts = self._counts()
            counts[table] += delta
            self._update("meta", "key", ("rows", json.dumps(counts, sort_keys=True)))

    def _counted(self, table: str, rows: list, counts: Dict[str, int]) -> list:
        """A whole table's rows, checked against its count."""
        if len(rows) != counts[table]:
            raise self._damaged(f"table {table} has {len(rows)} rows, its count says {counts[table]}")
        return rows

    def _catalog(self) -> dict:
        """Every sweep, its designs and every run, verified and counted (inside a read):
        ``sweeps`` (rows by id), ``designs`` (per sweep id, its rows by position), ``runs`` (rows
        by id) and ``run_of`` ((design, graph, seed, version, strength) -> run row)."""
        counts = self._counts()
        sweeps = {row[0]: row for row in self._counted("sweeps", self._select("sweeps", scan=True), counts)}
        designs: Dict[int, list] = {sweep_id: [] for sweep_id in sweeps}
        for row in self._counted("sweep_designs", self._select("sweep_designs", scan=True), counts):
            if row[0] not in designs:
                raise self._damaged(f"table sweep_designs has a design of sweep {row[0]}, which does not exist")
            designs[row[0]].append(row)
        for sweep_id, rows in designs.items():
            rows.sort(key=lambda r: r[1])
            if [r[1] for r in rows] != list(range(sweeps[sweep_id][9])):
                raise self._damaged(f"sweep {sweeps[sweep_id][1]!r} has {len(rows)} designs, its row says "
                                    f"{sweeps[sweep_id][9]}")
        runs = {row[0]: row for row in self._counted("runs", self._select("runs", scan=True), counts)}
        run_of = {(r[1], r[2], r[4], r[5], r[3]): r for r in runs.values()}
        return {"counts": counts, "sweeps": sweeps, "designs": designs, "runs": runs, "run_of": run_of}

    def _sweep_run(self, catalog: dict, sweep_row: tuple, design: str) -> Optional[tuple]:
        """The run of one design of a sweep: its graph, seed and version, and no tie strengths or
        the sweep's (docs/store.md)."""
        _, _, graph, strength, seed, _, _, version, *_ = sweep_row
        run_of = catalog["run_of"]
        return run_of.get((design, graph, seed, version, "")) or run_of.get((design, graph, seed, version, strength))

    def _run_row(self, run_id: int) -> Optional[tuple]:
        rows = self._select("runs", "id = ?", (int(run_id),))
        if rows and rows[0][0] != run_id:
            raise self._damaged(f"run {run_id} was found as run {rows[0][0]}")
        return rows[0] if rows else None

    def _ranges(self, run: tuple) -> List[Tuple[int, int]]:
        """(first, count) of a run's blocks in order, verified: every row's checksum, no
        overlap, and the replicates the run's row counts (a block lost from a page or an index
        fails here)."""
        run_id, stored = run[0], run[10]
        rows = self._select("blocks", "run = ?", (run_id,))
        ranges = sorted((first, count) for run_of, first, count, *_ in rows if run_of == run_id)
        if len(ranges) != len(rows):
            raise self._damaged(f"run {run_id}'s blocks were found with another run")
        end = 0
        for first, count in ranges:
            if first < end or count < 1:
                raise self._damaged(f"run {run_id} has overlapping blocks at replicate {first}")
            end = first + count
        if sum(c for _, c in ranges) != stored:
            raise self._damaged(f"run {run_id} has {sum(c for _, c in ranges)} replicates in its blocks, its row counts "
                                f"{stored}")
        return ranges

    def _graph_row(self, fingerprint: str) -> tuple:
        rows = self._select("graphs", "fingerprint = ?", (fingerprint,))
        if len(rows) != 1 or rows[0][0] != fingerprint:
            raise self._damaged(f"graph {fingerprint}, which a sweep or run names, is missing")
        return rows[0]

    def _design_spec(self, design: str) -> str:
        rows = self._select("designs", "hash = ?", (design,))
        if len(rows) != 1 or rows[0][0] != design:
            raise self._damaged(f"design {design[:16]}…, which a sweep or run names, is missing")
        return rows[0][1]

    def _block(self, run: tuple, first: int, count: int, where: str) -> np.ndarray:
        row = self._db.execute(f'SELECT {_quoted(_COLUMNS["blocks"])}, checksum, "values" FROM blocks WHERE run = ? AND '
                               "first = ?", (run[0], first)).fetchone()
        where = f"{where}, replicates {first}..{first + count - 1}"
        if row is None:
            raise ValueError(f"{where}: block went missing while reading (deleted meanwhile?)")
        values, checksum, blob = row[:6], row[6], row[7]
        if checksum != row_checksum("blocks", values) or tuple(values[:3]) != (run[0], first, count):
            raise DamagedStore(f"{where}: corrupt block (its row fails its checksum); delete the sweep or restore a copy "
                               "of the store")
        if not isinstance(blob, bytes) or hashlib.sha256(blob).hexdigest() != values[5]:
            raise DamagedStore(f"{where}: corrupt block (its values fail their SHA-256); delete the sweep or restore a "
                               "copy of the store")
        steps, metrics = run[6], json.loads(run[7])
        return decode_values(blob, count, steps, len(metrics), where)

    # -- writing (the sweeps' runs: guanxi.sweeps.DesignRuns) --------------------------------

    @_faults
    def find_runs(self, graph: str, seed: int, version: str, designs: Sequence[Tuple[str, str]]) -> List[Optional[int]]:
        """The ids of the runs of designs ``(hash, strength or '')`` on a graph with a seed and
        engine version, None where a design has none yet; nothing is written."""
        with self._reading():
            run_of = self._catalog()["run_of"]
            rows = [run_of.get((h, graph, str(seed), version, s)) for h, s in designs]
        return [None if r is None else r[0] for r in rows]

    @_faults
    def register(self, *, graph, source: Optional[dict], seed: int, version: str, steps: int, metrics: Sequence[str],
                 designs: Sequence[Tuple[str, str, str]], sweep: Optional[dict] = None) -> List[int]:
        """The run ids of designs ``(hash, canonical spec JSON, strength or '')`` on ``graph``
        with a seed and engine version, each run created when new, and the sweep registered (or
        found with the same designs, graph and seed; its target replicates may grow). ``sweep``:
        ``name``, ``strength`` (the graph's tie-strength fingerprint), ``replicates`` (the
        target), ``keys`` and ``rows`` (per design: label, swept values); None registers runs
        only (an optimisation's trials, registered as one sweep at its end). Everything is
        checked first, then written in one transaction; a refusal writes nothing, and a store
        that already holds it all is not written (nor locked) at all."""
        if sweep is not None:
            checked_title(sweep["name"], "name")
        with self._reading():
            work = self._registration(graph, source, seed, version, steps, metrics, designs, sweep)
        if not work["writes"]:
            return work["runs"]
        with self._writing():
            work = self._registration(graph, source, seed, version, steps, metrics, designs, sweep)
            return self._register(work, graph, source, seed, version, steps, metrics, designs, sweep)

    def _registration(self, graph, source, seed, version, steps, metrics, designs, sweep) -> dict:
        """What registering needs to write (checked against what is stored, which may refuse)."""
        catalog = self._catalog()
        fingerprint = graph.fingerprint
        writes = False
        sweep_id, grow = None, False
        if sweep is not None:
            name = sweep["name"]
            row = next((r for r in catalog["sweeps"].values() if r[1] == name), None)
            if row is not None:
                sweep_id, _, stored_graph, stored_strength, stored_seed, stored_replicates, _, stored_version, *_ = row
                where = f"{self.path}: sweep {name!r}"
                if stored_graph != fingerprint:
                    nodes, ties = self._graph_row(stored_graph)[1:3]
                    raise ValueError(f"{where} was run on graph {stored_graph} ({nodes:,} nodes, {ties:,} ties), not "
                                     f"this graph {fingerprint} ({graph.num_nodes:,} nodes, {graph.num_ties:,} ties): "
                                     "give the sweep another name or use another store")
                if stored_strength != sweep["strength"]:
                    raise ValueError(f"{where} was run from other tie strengths (fingerprint {stored_strength}, now "
                                     f"{sweep['strength']}): give the sweep another name")
                if stored_seed != str(seed):
                    raise ValueError(f"{where} was run with seed {stored_seed}, not {seed}: give the sweep another "
                                     "name, or the same seed to continue it")
                if stored_version != version:
                    raise ValueError(f"{where} was run by guanxi {stored_version}, this is {version}: its replicates "
                                     "would mix engine versions; give the sweep another name")
                stored = [r[2] for r in catalog["designs"][sweep_id]]
                if stored != [d[0] for d in designs]:
                    raise ValueError(f"{where} has other designs ({len(stored)} stored, {len(designs)} given, or the "
                                     "same number differing): give the sweep another name (designs already run "
                                     "are reused) or delete it")
                grow = sweep["replicates"] > stored_replicates
            writes = writes or row is None or grow
        known_graph = any(r[0] == fingerprint for r in self._select("graphs", "fingerprint = ?", (fingerprint,)))
        runs, missing_runs = [], []
        for number, (design, _, strength) in enumerate(designs):
            row = catalog["run_of"].get((design, fingerprint, str(seed), version, strength))
            if row is not None and (row[6] != steps or json.loads(row[7]) != list(metrics)):
                raise ValueError(f"{self.path}: run {row[0]} has {row[6]} steps and other metrics than this engine's: "
                                 "the store is inconsistent")
            runs.append(None if row is None else row[0])
            if row is None:
                missing_runs.append(number)
        missing_designs = [d for d in dict.fromkeys(d[0] for d in designs)
                           if not self._select("designs", "hash = ?", (d,))]
        writes = writes or not known_graph or bool(missing_runs) or bool(missing_designs)
        return {"writes": writes, "runs": runs, "missing_runs": missing_runs, "missing_designs": missing_designs,
                "known_graph": known_graph, "sweep_id": sweep_id, "grow": grow, "catalog": catalog}

    def _register(self, work, graph, source, seed, version, steps, metrics, designs, sweep) -> List[int]:
        db = self._db
        fingerprint = graph.fingerprint
        if not work["known_graph"]:
            self._insert("graphs", (fingerprint, int(graph.num_nodes), int(graph.num_ties), int(graph.directed),
                                    json.dumps(source or {}, sort_keys=True, default=str), _now()))
            self._count("graphs", 1)
        specs = {d[0]: d[1] for d in designs}
        for design in work["missing_designs"]:
            self._insert("designs", (design, specs[design]))
        self._count("designs", len(work["missing_designs"]))
        runs = list(work["runs"])
        next_id = (db.execute("SELECT max(id) FROM runs").fetchone()[0] or 0) + 1
        for number in work["missing_runs"]:
            design, _, strength = designs[number]
            self._insert("runs", (next_id, design, fingerprint, strength, str(seed), version, int(steps),
                                  json.dumps(list(metrics)), "[]", _now(), 0))
            runs[number] = next_id
            next_id += 1
        self._count("runs", len(work["missing_runs"]))
        if sweep is not None:
            catalog = work["catalog"]
            if work["sweep_id"] is None:
                sweep_id = (db.execute("SELECT max(id) FROM sweeps").fetchone()[0] or 0) + 1
                self._insert("sweeps", (sweep_id, sweep["name"], fingerprint, sweep["strength"], str(seed),
                                        int(sweep["replicates"]), json.dumps(list(sweep["keys"])), version, _now(),
                                        len(designs)))
                for position, ((design, _, _), (label, values)) in enumerate(zip(designs, sweep["rows"])):
                    self._insert("sweep_designs", (sweep_id, position, design, label, json.dumps(values, default=plain)))
                self._count("sweeps", 1)
                self._count("sweep_designs", len(designs))
            elif work["grow"]:
                row = list(catalog["sweeps"][work["sweep_id"]])
                row[5] = int(sweep["replicates"])
                self._update("sweeps", "id", row)
        return runs

    @_faults
    def stored_ranges(self, run_id: int) -> List[Tuple[int, int]]:
        """(first, count) of a run's stored blocks, in order (verified)."""
        with self._reading():
            run = self._run_row(run_id)
            return [] if run is None else self._ranges(run)

    def _within(self, run_id: int, first: int, end: int) -> List[Tuple[int, int]]:
        """(first, count) of a run's blocks that overlap replicates ``first .. end``, each row
        verified; found through the index in a time that does not grow with the run's other
        blocks (blocks of a run never overlap: only the last one starting at or before ``first``
        can reach into the range from the left)."""
        rows = self._select("blocks", "run = ? AND first >= coalesce((SELECT max(first) FROM blocks WHERE run = ? AND "
                                      "first <= ?), 0) AND first < ?", (run_id, run_id, first, end))
        ranges = sorted((start, count) for run_of, start, count, *_ in rows if run_of == run_id)
        if len(ranges) != len(rows):
            raise self._damaged(f"run {run_id}'s blocks were found with another run")
        return [(start, count) for start, count in ranges if start + count > first]

    @_faults
    def stored_within(self, run_id: int, first: int, end: int) -> List[Tuple[int, int]]:
        """(first, count) of the stored blocks of a run that overlap replicates ``first .. end``
        (a sweep's look at what another process stored meanwhile), each row verified."""
        with self._reading():
            return self._within(run_id, first, end)

    @_faults
    def write_block(self, run_id: int, first: int, values: np.ndarray, seconds: float,
                    warnings: Sequence[str] = (), design: Optional[str] = None) -> int:
        """Stores replicates ``first .. first + len(values)`` of a run in one transaction, and
        returns how many were stored: replicates another process stored first are left out
        (their numbers are the same), the rest stored as one block per gap, so that every
        replicate is stored exactly once whatever the writers and their block sizes. ``design``
        (the run's design hash) guards against a run deleted and its id reused meanwhile."""
        count = int(values.shape[0])
        blob = encode_values(values)  # compressed outside the lock
        with self._writing():
            run = self._run_row(run_id)
            if run is None or (design is not None and run[1] != design):
                raise ValueError(f"{self.path}: run {run_id} was deleted while this process computed it (its sweep "
                                 "deleted by another process?): run the same command again")
            ranges = self._within(run_id, first, first + count)
            gaps, at = [], first
            for start, size in ranges:
                if start + size <= at or start >= first + count:
                    continue
                if start > at:
                    gaps.append((at, start))
                at = max(at, start + size)
            if at < first + count:
                gaps.append((at, first + count))
            for start, end in gaps:
                part = blob if (start, end) == (first, first + count) else encode_values(values[start - first:end - first])
                self._insert("blocks", (run_id, start, end - start, float(seconds) * (end - start) / count, _now(),
                                        hashlib.sha256(part).hexdigest()), part)
            added = sum(end - start for start, end in gaps)
            row = list(run)
            if warnings and row[8] == "[]":
                row[8] = json.dumps(list(warnings))
            row[10] += added
            if tuple(row) != tuple(run):
                self._update("runs", "id", row)
            self._count("blocks", len(gaps))
        return added

    # -- reading ------------------------------------------------------------------------------

    def _sweep_row(self, catalog: dict, sweep) -> tuple:
        if isinstance(sweep, str):
            row = next((r for r in catalog["sweeps"].values() if r[1] == sweep), None)
        elif isinstance(sweep, (int, np.integer)) and not isinstance(sweep, bool):
            row = catalog["sweeps"].get(int(sweep))
        else:
            raise ValueError(f"sweep: give its name or id, got {type(sweep).__name__}")
        if row is None:
            names = [r[1] for r in sorted(catalog["sweeps"].values())]
            raise ValueError(f"{self.path}: no sweep {sweep!r} (sweeps: {', '.join(map(repr, names)) or 'none'})")
        return row

    @staticmethod
    def _done(ranges: Sequence[Tuple[int, int]]) -> int:
        """How many replicates from 0 on are stored without a gap."""
        done = 0
        for first, count in ranges:
            if first > done:
                break
            done = max(done, first + count)
        return done

    @_faults
    def replicates_done(self, run_id: int) -> int:
        """How many replicates of a run are stored from 0 on without a gap (verified)."""
        return self._done(self.stored_ranges(run_id))

    @_faults
    def read_block(self, run_id: int, first: int, count: int, steps: int, width: int, where: str) -> np.ndarray:
        """A stored block's values (verified)."""
        with self._reading():
            run = self._run_row(run_id)
            if run is None:
                raise ValueError(f"{where}: run went missing while reading (deleted meanwhile?)")
            if run[6] != steps or len(json.loads(run[7])) != width:
                raise ValueError(f"{where}: the stored run has {run[6]} steps and {len(json.loads(run[7]))} metrics, "
                                 f"this design {steps} and {width}")
            return self._block(run, first, count, where)

    @_faults
    def run_warnings(self, run_id: int) -> List[str]:
        with self._reading():
            run = self._run_row(run_id)
            return [] if run is None else json.loads(run[8])

    def _read_run(self, run: tuple, replicates: int, where: str) -> np.ndarray:
        """Replicates ``0 .. replicates`` of a run (all stored: checked by the caller)."""
        out = np.empty((replicates, run[6], len(json.loads(run[7]))))
        for first, count in self._ranges(run):
            if first >= replicates:
                break
            block = self._block(run, first, count, where)
            end = min(first + count, replicates)
            out[first:end] = block[: end - first]
        return out

    @_faults
    def sweep_rows(self) -> List[dict]:
        """The stored sweeps as plain rows (what :meth:`sweeps` tabulates), verified."""
        rows = []
        with self._reading():
            catalog = self._catalog()
            done_of: Dict[int, int] = {}
            for sweep_id, row in sorted(catalog["sweeps"].items()):
                _, name, graph, _strength, seed, replicates, keys, version, created, _ = row
                done = []
                for design in catalog["designs"][sweep_id]:
                    run = self._sweep_run(catalog, row, design[2])
                    if run is not None and run[0] not in done_of:
                        done_of[run[0]] = self._done(self._ranges(run))
                    done.append(0 if run is None else done_of[run[0]])
                nodes, ties = self._graph_row(graph)[1:3]
                rows.append({"name": name, "designs": len(done), "replicates": replicates,
                             "complete": sum(d >= replicates for d in done), "replicates_done": min(done, default=0),
                             "replicates_most": max(done, default=0), "replicates_stored": sum(done),
                             "graph": graph, "nodes": nodes, "ties": ties, "seed": int(seed),
                             "keys": ", ".join(json.loads(keys)), "version": version, "created": created})
        return rows

    def sweeps(self):
        """The stored sweeps as a :class:`pandas.DataFrame` indexed by name: ``designs``,
        ``replicates`` (the target), ``complete`` (designs with every target replicate stored),
        ``replicates_done`` and ``replicates_most`` (the fewest and the most stored for a design:
        a selection stops designs early), ``replicates_stored`` (all designs together), ``graph``
        (fingerprint), ``nodes``, ``ties``, ``seed``, ``keys`` (swept key paths), ``version`` and
        ``created``."""
        import pandas as pd

        columns = ["name", "designs", "replicates", "complete", "replicates_done", "replicates_most",
                   "replicates_stored", "graph", "nodes", "ties", "seed", "keys", "version", "created"]
        return pd.DataFrame(self.sweep_rows(), columns=columns).set_index("name")

    @_faults
    def design_rows(self, sweep=None) -> List[dict]:
        """Designs as plain rows (what :meth:`designs` tabulates), verified: of one sweep, or
        every stored design."""
        with self._reading():
            catalog = self._catalog()
            if sweep is None:
                rows = self._counted("designs", self._select("designs", scan=True), catalog["counts"])
                users: Dict[str, List[str]] = {}
                for sweep_id, row in sorted(catalog["sweeps"].items()):
                    for design in catalog["designs"][sweep_id]:
                        users.setdefault(design[2], []).append(row[1])
                return [{"hash": h, "sweeps": ", ".join(dict.fromkeys(users[h])) if h in users else None, "spec": spec}
                        for h, spec in sorted(rows)]
            row = self._sweep_row(catalog, sweep)
            keys = json.loads(row[6])
            records = []
            for _, position, design, label, values in catalog["designs"][row[0]]:
                values = json.loads(values)
                run = self._sweep_run(catalog, row, design)
                records.append({"design": position, "label": label, **{k: values.get(k) for k in keys},
                                "hash": design, "replicates_done": 0 if run is None else self._done(self._ranges(run))})
        return records

    def designs(self, sweep=None):
        """Designs as a :class:`pandas.DataFrame`: of one sweep (name or id) with ``design``
        (position), ``label``, one column per swept key, ``hash`` and ``replicates_done``; or,
        without ``sweep``, every stored design with its ``hash``, the sweeps using it and its spec
        (JSON text)."""
        import pandas as pd

        rows = self.design_rows(sweep)
        if sweep is None:
            return pd.DataFrame(rows, columns=["hash", "sweeps", "spec"]).set_index("hash")
        with self._reading():
            keys = json.loads(self._sweep_row(self._catalog(), sweep)[6])
        return pd.DataFrame(rows, columns=["design", "label", *keys, "hash", "replicates_done"]).set_index("design")

    @_faults
    def sweep_record(self, sweep) -> dict:
        """A stored sweep (name or id) as plain rows and arrays, nothing run:
        ``name``, ``fingerprint`` (of its graph), ``seed``, ``replicates`` (the target), ``keys``
        (swept key paths), ``version``, ``designs`` (per design: label, swept values, spec dict,
        hash), ``values`` (per design, the replicates stored from 0 on without a gap, or None
        when the design has no run yet), ``warnings`` (per design), ``metrics`` (None when
        nothing has run yet) and ``uncertain`` (the uncertain parameters). :meth:`guanxi.Sweep.load`
        builds a Sweep from it. Every row read is verified (:class:`DamagedStore`)."""
        with self._reading():
            catalog = self._catalog()
            row = self._sweep_row(catalog, sweep)
            sweep_id, name, fingerprint, _strength, seed, replicates, keys, version, *_ = row
            self._graph_row(fingerprint)
            designs, values, warnings = [], [], []
            metrics, uncertain = None, []
            for _, position, design, label, swept in catalog["designs"][sweep_id]:
                run = self._sweep_run(catalog, row, design)
                where = f"{self.path}: sweep {name!r}, design {position} ({label})"
                if run is not None:
                    metrics = json.loads(run[7])
                    warnings.append(json.loads(run[8]))
                    values.append(self._read_run(run, self._done(self._ranges(run)), where))
                else:
                    values.append(None)
                    warnings.append([])
                text = self._design_spec(design)
                spec = json.loads(text)
                uncertain = [(path, tuple(d)) for path, d in spec.pop("uncertain", [])]  # sweep(..., uncertain=...)
                designs.append((label, json.loads(swept), spec, design))
        return {"name": name, "fingerprint": fingerprint, "seed": int(seed), "replicates": replicates,
                "keys": json.loads(keys), "version": version, "designs": designs, "values": values,
                "warnings": warnings, "metrics": metrics, "uncertain": uncertain}

    @_faults
    def save_study(self, name: str, document: dict, sweep: Optional[str] = None) -> None:
        """Keeps the outcome of a selection, optimisation, sensitivity analysis or calibration
        (its ``document()``, with its ``kind``) under ``name``, replacing one of that name; the
        report (:func:`guanxi.report`) shows it. ``sweep`` names the sweep holding its runs."""
        checked_title(name, "name")
        kind = document.get("kind")
        if kind not in ("select", "optimize", "sensitivity", "calibrate"):
            raise ValueError(f"document: kind must be select, optimize, sensitivity or calibrate, got {kind!r}")
        text = to_json(document)
        with self._writing() as db:
            replaced = db.execute("DELETE FROM studies WHERE name = ?", (name,)).rowcount
            self._insert("studies", (name, kind, sweep, text, _now()))
            self._count("studies", 1 - replaced)

    @_faults
    def study_rows(self) -> List[dict]:
        """The stored studies as plain rows (``name``, ``kind``, ``sweep``, ``created``), verified,
        in the order they were made."""
        with self._reading():
            rows = self._counted("studies", self._select("studies", scan=True), self._counts())
        return [{"name": name, "kind": kind, "sweep": sweep, "created": created}
                for name, kind, sweep, _, created in sorted(rows, key=lambda r: (r[4], r[0]))]

    def studies(self):
        """The stored studies as a :class:`pandas.DataFrame` indexed by name: ``kind``,
        ``sweep`` and ``created``."""
        import pandas as pd

        return pd.DataFrame(self.study_rows(), columns=["name", "kind", "sweep", "created"]).set_index("name")

    @_faults
    def study(self, name: str) -> dict:
        """A stored study's document."""
        with self._reading():
            rows = [r for r in self._select("studies", "name = ?", (name,)) if r[0] == name]
        if not rows:
            names = [r["name"] for r in self.study_rows()]
            raise ValueError(f"{self.path}: no study {name!r} (studies: {', '.join(map(repr, names)) or 'none'})")
        return json.loads(rows[0][3])

    @_faults
    def delete(self, sweep) -> None:
        """Deletes a sweep; the replicates of its designs go too unless another sweep uses them."""
        with self._writing() as db:
            sweep_id = self._sweep_row(self._catalog(), sweep)[0]
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
            counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in _COUNTED}
            self._update("meta", "key", ("rows", json.dumps(counts, sort_keys=True)))

    # -- checking -----------------------------------------------------------------------------

    @_faults
    def check(self) -> dict:
        """Checks the whole store: SQLite's integrity check, then every row of every table
        against its checksum, every count, every reference (a sweep's graph and designs, a
        run's design and graph, a block's run) and every block's values (their SHA-256, then
        decompressed to their declared size). Returns ``{"problems": [...], "sweeps", "designs",
        "runs", "blocks", "replicates", "studies"}``; no problems means the store is sound."""
        problems: List[str] = []
        report = {"problems": problems, "sweeps": 0, "designs": 0, "runs": 0, "blocks": 0, "replicates": 0,
                  "studies": 0}
        with self._reading() as db:
            try:
                verdict = [r[0] for r in db.execute("PRAGMA integrity_check(20)")]
            except sqlite3.DatabaseError as error:
                verdict = [str(error)]
            if verdict != ["ok"]:
                problems += [f"SQLite: {line}" for line in verdict]
            try:
                catalog = self._catalog()
            except DamagedStore as error:
                problems.append(_what(error, self.path))
                return report
            counts = catalog["counts"]
            report.update(sweeps=len(catalog["sweeps"]), runs=len(catalog["runs"]))
            for table, key in (("graphs", "fingerprint"), ("designs", "hash"), ("studies", "name")):
                try:
                    rows = self._counted(table, self._select(table, scan=True), counts)
                except DamagedStore as error:
                    problems.append(_what(error, self.path))
                    rows = []
                if table == "graphs":
                    graphs = {r[0] for r in rows}
                elif table == "designs":
                    designs = {r[0] for r in rows}
                    report["designs"] = len(rows)
                    problems += [f"design {h[:16]}…: its hash is not the SHA-256 of its spec" for h, spec in rows
                                 if hashlib.sha256(spec.encode()).hexdigest() != h]
                else:
                    report["studies"] = len(rows)
            for row in catalog["sweeps"].values():
                if row[2] not in graphs:
                    problems.append(f"sweep {row[1]!r}: its graph {row[2]} is missing")
                problems += [f"sweep {row[1]!r}, design {d[1]}: its design {d[2][:16]}… is missing"
                             for d in catalog["designs"][row[0]] if d[2] not in designs]
            blocks = 0
            for run in catalog["runs"].values():
                if run[1] not in designs or run[2] not in graphs:
                    problems.append(f"run {run[0]}: its design or graph is missing")
                try:
                    ranges = self._ranges(run)
                    for first, count in ranges:
                        self._block(run, first, count, f"run {run[0]}")
                    blocks += len(ranges)
                    report["replicates"] += run[10]
                except (DamagedStore, ValueError) as error:
                    problems.append(_what(error, self.path))
            report["blocks"] = blocks
            every = db.execute("SELECT count(*) FROM blocks NOT INDEXED").fetchone()[0]
            if every != counts["blocks"] or (blocks != every and not problems):
                problems.append(f"table blocks has {every} rows, its count says {counts['blocks']} and the runs reach "
                                f"{blocks}")
        return report


def _what(error: Exception, path: str) -> str:
    """A store error's message without the store's name and the advice (check's list)."""
    text = str(error)
    if text.startswith(f"{path}: "):
        text = text[len(path) + 2:]
    if text.startswith("damaged: "):
        text = text[len("damaged: "):]
    return text.split("; run 'guanxi store check")[0]


def _writable(path: str) -> bool:
    """Whether this process may write the file and create the WAL's files beside it."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def save_study(store, name: str, document: dict, sweep: Optional[str] = None) -> None:
    """:meth:`Store.save_study` on a Store, or on the store at a path (opened and closed)."""
    if isinstance(store, Store):
        store.save_study(name, document, sweep)
    else:
        with Store(store) as opened:
            opened.save_study(name, document, sweep)


def _version() -> str:
    return _engine.version()
