# The run store, the study files and the inputs under attack (issue 20): each numbered case of the
# issue reproduced as a hostile or unlucky user met it, with what it does now.
#   1. writers: two writers with other block sizes, random kills, partly overlapping blocks, two
#      sweeps on one Dask scheduler;
#   2. one line for every fault: full disk, read-only store, a lock held by another process, a
#      sweep deleted while resuming, damaged pages, every Dask worker lost;
#   3. integrity: every bit of a small store's pages flipped, one at a time, is harmless or an
#      error, never a different answer; damaged rows named; guanxi store check;
#   4. inputs confined: files named in scenario and study files, folders, devices and FIFOs, no
#      line of a foreign file quoted;
#   5. bounded memory: a crafted block, a huge grid, huge replicates (nothing registered);
#   6. writes before checks: optimise's space, a corrupt block, an unreachable scheduler, an
#      empty file, SQLite's own error;
#   7. smaller holes: $ in labels, a key set twice, control characters in names, a store in a
#      read-only folder.
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import zlib

import numpy as np
import pytest

import guanxi as gx
import guanxi.cli
from helpers import EXAMPLES, assert_one_line_error, blocks_stored, kill_after_blocks, run, same_bits, wait_for_blocks

ONE_SIDED = os.path.join(EXAMPLES, "02_one_sided_referral.toml")
REWARDS = {"policy.referral_reward": [0, 10, 20]}


@pytest.fixture(scope="module")
def graph():
    return gx.generators.holme_kim(600, 3, 0.5, seed=5)


@pytest.fixture(scope="module")
def base(graph):
    return gx.Campaign(graph, run={"steps": 8}, seeding={"k": 5})


@pytest.fixture(scope="module")
def graph_path(tmp_path_factory, graph):
    path = tmp_path_factory.mktemp("graph") / "g.gx"
    graph.save(path)
    return path


def _sweep_file(folder, body: str, name: str = "sweep.toml"):
    """A sweep file with its base scenario beside it."""
    shutil.copy(ONE_SIDED, folder)
    path = folder / name
    path.write_text('base = "02_one_sided_referral.toml"\n' + textwrap.dedent(body))
    return path


def _columns(db, table: str) -> list:
    """A table's columns that its checksum covers: all but the checksum (and a block's values)."""
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")
            if r[1] != "checksum" and not (table == "blocks" and r[1] == "values")]


def _rewrite(path, table: str, where: str, **changes) -> None:
    """Changes columns of the rows of a table and gives them valid checksums (docs/store.md), as
    a hostile or careless tool could: the counts are what still tells."""
    with sqlite3.connect(path) as db:
        columns = _columns(db, table)
        for row in db.execute(f'SELECT rowid, {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM {table} '
                              f"WHERE {where}").fetchall():
            values = [changes.get(c, v) for c, v in zip(columns, row[1:])]
            sets = ", ".join(f'"{c}" = ?' for c in columns)
            db.execute(f"UPDATE {table} SET {sets}, checksum = ? WHERE rowid = ?",
                       (*values, gx.store.row_checksum(table, values), row[0]))


def _replicates_once(path, replicates: int) -> None:
    """Every replicate of every run stored exactly once: blocks that neither overlap nor leave a gap."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        runs = [r[0] for r in db.execute("SELECT id FROM runs")]
        assert runs
        for run_id in runs:
            ranges = db.execute("SELECT first, count FROM blocks WHERE run = ? ORDER BY first", (run_id,)).fetchall()
            at = 0
            for first, count in ranges:
                assert first == at, (run_id, ranges)  # no overlap, no gap
                at += count
            assert at == replicates, (run_id, ranges)


# -- 1. writers ---------------------------------------------------------------------------------


def test_two_writers_with_other_block_sizes_store_every_replicate_once(cli, graph_path, tmp_path):
    # The issue's case: `--block 10 &` and `--block 7` started together left 7/200 or 49/200 done.
    path = _sweep_file(tmp_path, 'replicates = 60\n[sweep]\n"policy.referral_reward" = [0, 5, 10, 15]\n')
    store = tmp_path / "mix.db"
    children = [subprocess.Popen([cli, "sweep", path, "--graph", graph_path, "--store", store, "--block", block,
                                  "--quiet", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for block in ("10", "7")]
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err
        assert json.loads(out)["complete"]
    _replicates_once(store, 60)
    listing = run(cli, "store", "ls", store, "--json")
    assert json.loads(listing.stdout)["sweeps"][0]["complete"] == 4
    base = gx.Campaign.from_toml(path.parent / "02_one_sided_referral.toml", graph=gx.Graph.load(graph_path))
    alone = gx.sweep(base, {"policy.referral_reward": [0, 5, 10, 15]}, replicates=60, seed=base.spec["run"]["seed"],
                     progress=False)
    loaded = gx.Sweep.load(store, "sweep")
    assert all(same_bits(loaded.values(i), alone.values(i)) for i in range(4))


def test_random_kills_and_block_sizes_leave_every_replicate_once(base, tmp_path):
    store = tmp_path / "killed.db"
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        import sys
        import guanxi as gx
        g = gx.generators.holme_kim(600, 3, 0.5, seed=5)
        base = gx.Campaign(g, run={"steps": 8}, seeding={"k": 5})
        gx.sweep(base, {"policy.referral_reward": [0, 10, 20]}, replicates=300, seed=3, store=sys.argv[1],
                 block=int(sys.argv[2]), progress=False, name="killed")
        """))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(gx.__file__)))
    chosen = random.Random(20)
    for _ in range(6):  # each writer killed after a random number of new blocks, with another block size
        kill_after_blocks([sys.executable, script, store, chosen.choice([1, 2, 3, 5, 7, 11, 13])], store,
                          blocks_stored(store) + chosen.randint(1, 6), env)
    resumed = gx.sweep(base, REWARDS, replicates=300, seed=3, store=store, block=40, progress=False, name="killed")
    _replicates_once(store, 300)
    whole = gx.sweep(base, REWARDS, replicates=300, seed=3, progress=False)
    assert all(same_bits(resumed.values(i), whole.values(i)) for i in range(3))
    assert gx.Store(store).check()["problems"] == []


def test_a_partly_overlapping_block_stores_its_missing_part(base, tmp_path):
    path = tmp_path / "overlap.db"
    whole = gx.sweep(base, {"policy.referral_reward": [0]}, replicates=20, seed=1, progress=False)
    runs = gx.sweeps.DesignRuns(base, {"policy.referral_reward": [0]}, seed=1, store=path, progress=False, name="o")
    try:
        runs.ensure([0], 0 + 5, target=20)  # replicates 0..4, then 10..14 by hand: another process's blocks
        store = runs.store
        assert store.write_block(runs.run_ids[0], 10, whole.values(0)[10:15], 0.1) == 5
        # A block of 3..12 overlaps both: only 5..9 is new, stored as one block.
        assert store.write_block(runs.run_ids[0], 3, whole.values(0)[3:13], 0.1) == 5
        assert store.stored_ranges(runs.run_ids[0]) == [(0, 5), (5, 5), (10, 5)]
        assert store.write_block(runs.run_ids[0], 2, whole.values(0)[2:8], 0.1) == 0  # all there
    finally:
        runs.close()
    loaded = gx.sweep(base, {"policy.referral_reward": [0]}, replicates=20, seed=1, store=path, progress=False,
                      name="o", block=7)
    assert loaded.computed_blocks == 1 and same_bits(loaded.values(0), whole.values(0))
    _replicates_once(path, 20)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # tornado, inside distributed
def test_two_sweeps_of_one_store_on_one_scheduler_compute_each_block_once(tmp_path):
    distributed = pytest.importorskip("distributed")
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        import sys
        import guanxi as gx
        g = gx.generators.holme_kim(600, 3, 0.5, seed=5)
        base = gx.Campaign(g, run={"steps": 8}, seeding={"k": 5})
        gx.sweep(base, {"policy.referral_reward": list(range(0, 40, 4))}, replicates=12, block=3, seed=1,
                 store=sys.argv[1], client=sys.argv[2], progress=False, name="shared")
        """))
    store = tmp_path / "shared.db"
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(gx.__file__)))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream:
            children = [subprocess.Popen([sys.executable, script, store, cluster.scheduler_address], env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
            for child in children:
                _, err = child.communicate(timeout=600)
                assert child.returncode == 0, err
        ran = [t["key"] for t in stream.data if str(t["key"]).startswith("guanxi-block")]
    # Shared, not computed by each sweep (80 tasks, as the issue found): every block once, but
    # for a block one sweep finished just as the other asked for it (docs/scale-out.md).
    assert len(set(ran)) == 10 * 4 and len(ran) <= 10 * 4 + 4, len(ran)
    _replicates_once(store, 12)


# -- 2. one line for every fault ----------------------------------------------------------------


class _FullDisk:
    """An SQLite connection on a full disk: storing a block fails as SQLite fails then."""

    def __init__(self, db):
        self._db = db

    def __getattr__(self, name):
        return getattr(self._db, name)

    def execute(self, sql, *args):
        if sql.startswith("INSERT INTO blocks"):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorname = "SQLITE_FULL"
            raise error
        return self._db.execute(sql, *args)


def test_a_full_disk_is_one_line(graph_path, tmp_path, monkeypatch, capsys):
    path = _sweep_file(tmp_path, 'replicates = 4\n[sweep]\n"policy.referral_reward" = [0, 10]\n')
    store = tmp_path / "full.db"
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: _FullDisk(connect(*a, **k)))
    code = guanxi.cli.main(["sweep", str(path), "--graph", str(graph_path), "--store", str(store), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"guanxi: error: {store}: the disk is full") and "free space" in err


def test_a_lock_held_by_another_process_is_one_line_and_a_finished_sweep_needs_none(cli, graph_path, tmp_path):
    path = _sweep_file(tmp_path, 'replicates = 4\n[sweep]\n"policy.referral_reward" = [0, 10]\n')
    store = tmp_path / "locked.db"
    assert run(cli, "sweep", path, "--graph", graph_path, "--store", store).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys, time
        db = sqlite3.connect({str(store)!r}, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")  # the write lock, held until killed
        print("locked", flush=True)
        time.sleep(3600)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        env = dict(os.environ, GUANXI_STORE_TIMEOUT="0.2")  # the documented wait, made short
        again = subprocess.run([cli, "sweep", path, "--graph", graph_path, "--store", store, "--json"], env=env,
                               capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr  # finished: nothing to write, no lock needed
        assert json.loads(again.stdout)["computed_blocks"] == 0
        more = subprocess.run([cli, "sweep", path, "--graph", graph_path, "--store", store, "--replicates", "8"],
                              env=env, capture_output=True, text=True, timeout=600)
        assert_one_line_error(more, str(store), "locked by another process", "wait for the other writer")
        removed = subprocess.run([cli, "store", "rm", store, "sweep"], env=env, capture_output=True, text=True,
                                 timeout=600)
        assert_one_line_error(removed, "locked by another process")
        shown = subprocess.run([cli, "store", "show", store, "sweep"], env=env, capture_output=True, text=True,
                               timeout=600)
        assert shown.returncode == 0, shown.stderr  # reading needs no lock
    finally:
        holder.kill()
        holder.wait()


def test_a_sweep_deleted_while_another_process_resumes_it_is_one_line(cli, graph_path, tmp_path):
    path = _sweep_file(tmp_path, 'replicates = 3000\n[sweep]\n"policy.referral_reward" = [0, 10]\n')
    store = tmp_path / "deleted.db"
    child = subprocess.Popen([cli, "sweep", path, "--graph", graph_path, "--store", store, "--block", "1", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_blocks(store, 5, child)
        assert run(cli, "store", "rm", store, "sweep").returncode == 0
        out, err = child.communicate(timeout=600)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert_one_line_error(subprocess.CompletedProcess([], child.returncode, out, err), str(store),
                          "deleted while this process computed it", "run the same command again")


def test_damaged_pages_are_one_line(cli, base, tmp_path):
    store = tmp_path / "pages.db"
    gx.sweep(base, REWARDS, replicates=4, store=store, progress=False, name="pages")
    data = bytearray(store.read_bytes())
    page = 4096
    for offset in range(page, len(data), 1):  # zeros over every page but the first
        data[offset] = 0
    store.write_bytes(bytes(data))
    for args in (("store", "ls", store), ("store", "show", store, "pages"), ("store", "check", store),
                 ("report", store, "-o", tmp_path / "r.html")):
        assert_one_line_error(run(cli, *args), str(store), "damaged")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_losing_every_dask_worker_is_one_line(cli, graph_path, tmp_path):
    pytest.importorskip("distributed")
    path = _sweep_file(tmp_path, 'replicates = 3000\n[sweep]\n"policy.referral_reward" = [0, 10, 20]\n')
    (tmp_path / "cluster.py").write_text(textwrap.dedent("""
        import time
        from distributed import LocalCluster
        if __name__ == "__main__":
            cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
            print(cluster.scheduler_address, flush=True)
            time.sleep(3600)
        """))
    store = tmp_path / "lost.db"
    cluster = subprocess.Popen([sys.executable, tmp_path / "cluster.py"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        address = cluster.stdout.readline().strip()
        child = subprocess.Popen([cli, "sweep", path, "--graph", graph_path, "--store", store, "--scheduler", address,
                                  "--block", "5"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_blocks(store, 3, child)
        os.killpg(cluster.pid, signal.SIGKILL)  # the scheduler and every worker
        out, err = child.communicate(timeout=600)
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
    assert_one_line_error(subprocess.CompletedProcess([], child.returncode, out, err), "Dask cluster",
                          "the blocks finished so far are stored")
    assert gx.Store(store).check()["problems"] == []


def test_every_store_fault_reaching_the_cli_is_one_line(capsys, monkeypatch):
    # Whatever the package did not turn into a ValueError or OSError itself: SQLite's, zlib's and
    # Dask's exceptions (asyncio's CancelledError is no Exception) end in one line, exit 1.
    import asyncio
    import concurrent.futures

    for error in (sqlite3.DatabaseError("database disk image is malformed"), zlib.error("incorrect header check"),
                  concurrent.futures.CancelledError("guanxi-block-1"), asyncio.CancelledError()):
        def fail(argv, error=error):
            raise error
        monkeypatch.setattr(guanxi.cli, "_dispatch", fail)
        assert guanxi.cli.main(["store", "ls", "x.db"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("guanxi: error:"), err
    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(guanxi.cli, "_dispatch", interrupted)
    assert guanxi.cli.main(["store", "ls", "x.db"]) == 130


# -- 3. integrity -------------------------------------------------------------------------------


def _small_store(path) -> None:
    """A store of small pages (512 bytes: many pages, few bytes): one sweep of two designs in two
    blocks each, and a study."""
    with sqlite3.connect(path) as db:  # an empty SQLite file with small pages; the store fills it
        db.execute("PRAGMA page_size = 512")
        db.execute("VACUUM")
    g = gx.generators.holme_kim(60, 2, 0.3, seed=1)
    campaign = gx.Campaign(g, run={"steps": 2}, seeding={"k": 3})
    gx.sweep(campaign, {"policy.referral_reward": [0, 10]}, replicates=3, block=2, store=path, progress=False,
             name="a")
    gx.store.save_study(path, "note", {"kind": "select", "best": 1}, "a")


def _answer(path) -> bytes:
    """Everything the store answers: the listing, each sweep's record (designs, labels, swept
    values, specs, every stored number) and each study."""
    with gx.Store(path, create=False, read_only=True) as store:
        out = [store.sweep_rows(), store.study_rows()]
        for row in out[0]:
            record = store.sweep_record(row["name"])
            out.append([record[k] for k in sorted(record) if k != "values"])
            out.append([None if v is None else v.tobytes() for v in record["values"]])
        out += [store.study(row["name"]) for row in out[1]]
    return json.dumps(out, default=lambda v: v.hex() if isinstance(v, bytes) else repr(v)).encode()


def _flip_bits(data: bytes, bits: list, reference: bytes, target: str) -> dict:
    """Each bit of ``bits`` flipped alone in a copy of the store: harmless (the same answer), an
    error naming the store, or a silent difference (a failure)."""
    found = {"flips": 0, "harmless": 0, "errors": 0, "silent": [], "crashes": []}
    for bit in bits:
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with open(target, "wb") as handle:
            handle.write(flipped)
        found["flips"] += 1
        try:
            answer = _answer(target)
        except (ValueError, OSError) as error:
            if target in str(error):
                found["errors"] += 1
            else:
                found["crashes"].append((bit, repr(error)))
            continue
        except Exception as error:  # anything else is not a clear error
            found["crashes"].append((bit, repr(error)))
            continue
        if answer == reference:
            found["harmless"] += 1
        else:
            found["silent"].append(bit)
    return found


def _unallocated_bytes(db: sqlite3.Connection, data: bytes, page_size: int) -> list[int]:
    """Offsets of the bytes of each b-tree page's unallocated space, between its cell pointer
    array and its cell content area (the SQLite file format, section 1.6): no read of SQLite's
    looks at them."""
    found = []
    for page, kind in db.execute("SELECT pageno, pagetype FROM dbstat"):
        if kind not in ("internal", "leaf"):
            continue  # overflow pages are content to their end
        start = (page - 1) * page_size
        header = start + (100 if page == 1 else 0)  # page 1 opens with the file's header
        header_size = 8 if data[header] in (10, 13) else 12  # leaf pages have no right-most pointer
        cells = int.from_bytes(data[header + 3:header + 5], "big")
        content = int.from_bytes(data[header + 5:header + 7], "big") or 65536
        found.extend(range(header + header_size + 2 * cells, start + content))
    return found


def test_every_bit_flip_of_a_small_store_is_harmless_or_an_error(tmp_path):
    # The issue flipped 400 bits of a store's first 64 KiB: 22 gave another answer with exit 0.
    # Here every bit of every page of a small store is flipped, one at a time, except in the
    # pages' unallocated space, which SQLite never reads: there one bit of every fifth byte
    # (a sample that checks that claim; all of it would double the test's time for nothing).
    source = tmp_path / "small.db"
    _small_store(source)
    data = source.read_bytes()
    with sqlite3.connect(source) as db:
        pages = db.execute("SELECT count(*) FROM dbstat").fetchone()[0]
        unallocated = _unallocated_bytes(db, data, 512)
    assert len(data) == pages * 512 and pages >= 30  # every table and index has pages of its own
    assert 0 < len(unallocated) < len(data) // 2
    skipped = set(unallocated)
    bits = [b for b in range(len(data) * 8) if b // 8 not in skipped]
    bits += [8 * offset + offset % 8 for offset in unallocated[::5]]
    reference = _answer(source)
    folder = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else tmp_path)
    try:
        workers = max(1, min(os.cpu_count() or 1, 8))
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            parts = pool.starmap(_flip_bits, [(data, bits[w::workers], reference, os.path.join(folder, f"flip{w}.db"))
                                              for w in range(workers)])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    total = {key: sum(p[key] for p in parts) for key in ("flips", "harmless", "errors")}
    silent = sorted(b for p in parts for b in p["silent"])
    crashes = [c for p in parts for c in p["crashes"]]
    print(f"bit flips: {total['flips']} tried ({len(unallocated)} unallocated bytes sampled), {total['harmless']} "
          f"harmless, {total['errors']} errors, {len(silent)} silent differences")
    assert total["flips"] == len(bits)
    assert silent == [] and crashes == [], (silent[:20], crashes[:5])
    assert total["errors"] > 0 and total["harmless"] > 0


def test_a_damaged_store_names_what_is_damaged(cli, base, tmp_path):
    clean = tmp_path / "clean.db"
    gx.sweep(base, {"policy.referral_reward": [0, 10, 20, 30]}, replicates=4, block=2, store=clean, progress=False,
             name="d")
    checked = run(cli, "store", "check", clean)
    assert checked.returncode == 0 and "sound" in checked.stdout, checked.stderr
    # The issue's silent answers: a design vanished from `store show`, a design's swept values
    # changed, a design dropped to 0 replicates. Each is now an error naming what is damaged.
    cases = {
        "vanished": ("DELETE FROM sweep_designs WHERE position = 3", "table sweep_designs has 3 rows, its count says 4"),
        "values": (None, None),  # rewritten with a valid checksum: the row's own content is all there is
        "changed": ("""UPDATE sweep_designs SET "values" = '{"policy.referral_reward": 99}' WHERE position = 1""",
                    "fails its checksum"),
        "blocks": ("DELETE FROM blocks WHERE run = 2", "run 2 has 0 replicates in its blocks, its row counts 4"),
        "run": ("DELETE FROM runs WHERE id = 3", "table runs has 3 rows, its count says 4"),
    }
    for name, (damage, needle) in cases.items():
        path = tmp_path / f"{name}.db"
        shutil.copy(clean, path)
        if damage is None:
            _rewrite(path, "sweep_designs", "position = 1", values='{"policy.referral_reward": 99}')
            assert gx.Sweep.load(path, "d").designs["policy.referral_reward"].tolist() == [0, 99, 20, 30]
            continue
        with sqlite3.connect(path) as db:
            db.execute(damage)
        for args in (("store", "show", path, "d"), ("store", "ls", path)):
            assert_one_line_error(run(cli, *args), str(path), "damaged", needle)
        report = run(cli, "store", "check", path)
        assert report.returncode == 1 and needle in report.stdout, (report.stdout, report.stderr)
        assert_one_line_error(subprocess.CompletedProcess([], 1, "", report.stderr), "damaged", "restore a copy")


# -- 4. inputs confined -------------------------------------------------------------------------


def _scenario(folder, extra: str) -> str:
    path = folder / "s.toml"
    path.write_text('[graph]\nfile = "g.edges"\n[run]\nsteps = 3\n' + extra)
    (folder / "g.edges").write_text("1 2\n2 3\n3 1\n")
    return path


def test_files_named_in_a_scenario_stay_in_its_folder(cli, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:the first line of a secret\n")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for written in (str(secret), "../secret.csv"):
        path = _scenario(folder, f'[community]\ninitial = "column"\ngroups_file = "{written}"\n')
        result = run(cli, "run", path, "--replicates", 1)
        assert_one_line_error(result, "s.toml:7:", "community.groups_file", "is outside the scenario's folder",
                              "--allow-outside-paths")
        assert "root:x" not in result.stderr
        with pytest.raises(ValueError, match="outside the scenario's folder"):
            gx.Campaign.from_toml(path)
    # Allowed: read, and its line that is not label,group is named, not quoted.
    allowed = run(cli, "run", path, "--replicates", 1, "--allow-outside-paths")
    assert_one_line_error(allowed, "secret.csv:1: group: expected 'label,group'")
    assert "root:x" not in allowed.stderr
    graph_outside = folder / "t.toml"
    graph_outside.write_text('[graph]\nfile = "../g.edges"\n[run]\nsteps = 3\n')
    assert_one_line_error(run(cli, "run", graph_outside), "t.toml:2:", "graph.file", "outside")
    (folder / "link.csv").symlink_to(secret)  # a link inside that leads outside is outside
    path = _scenario(folder, '[community]\ninitial = "column"\ngroups_file = "link.csv"\n')
    assert_one_line_error(run(cli, "run", path), "community.groups_file", "outside")


def test_folders_devices_and_fifos_are_refused_by_type(cli, tmp_path, graph_path):
    (tmp_path / "folder").mkdir()
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    for written, kind in (("folder", "a folder"), ("fifo.csv", "a FIFO")):
        path = _scenario(tmp_path, f'[community]\ninitial = "column"\ngroups_file = "{written}"\n')
        assert_one_line_error(run(cli, "run", path), "s.toml:7:", "community.groups_file", kind)
        graph_file = tmp_path / "t.toml"
        graph_file.write_text(f'[graph]\nfile = "{written}"\n[run]\nsteps = 3\n')
        assert_one_line_error(run(cli, "run", graph_file), "t.toml:2:", "graph.file", kind)
        assert_one_line_error(run(cli, "info", tmp_path / written), kind, "not a graph file")
    path = _scenario(tmp_path, '[community]\ninitial = "column"\ngroups_file = "/dev/zero"\n')
    assert_one_line_error(run(cli, "run", path, "--allow-outside-paths"), "/dev/zero: is a device")
    assert_one_line_error(run(cli, "run", fifo), "is a FIFO, not a scenario file")
    sweep = _sweep_file(tmp_path, 'replicates = 2\n[sweep]\n"policy.referral_reward" = [0]\n')
    assert_one_line_error(run(cli, "sweep", sweep, "--graph", graph_path, "--store", tmp_path / "folder"), "is a folder")


def test_a_studys_files_stay_near_it_and_foreign_files_are_not_quoted(cli, tmp_path, graph_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:the first line of a secret\n1,2\n")
    studies = tmp_path / "project" / "studies"
    studies.mkdir(parents=True)
    shutil.copy(ONE_SIDED, studies.parent)
    study = studies / "calibrate.toml"
    body = '[params]\n"behaviour.share_prob" = {low = 0.01, high = 0.2}\n'
    study.write_text(f'base = "../02_one_sided_referral.toml"\nobserved = "../../secret.csv"\n{body}')
    result = run(cli, "calibrate", study, "--graph", graph_path)
    assert_one_line_error(result, "calibrate.toml:2:", "observed", "outside the study's folder")
    assert "root:x" not in result.stderr
    shutil.copy(secret, studies / "inside.csv")  # inside, but not an observed series: named, not quoted
    study.write_text(f'base = "../02_one_sided_referral.toml"\nobserved = "inside.csv"\n{body}')
    result = run(cli, "calibrate", study, "--graph", graph_path)
    assert_one_line_error(result, "inside.csv:1: expected a header of metric names")
    assert "root:x" not in result.stderr
    with pytest.raises(ValueError, match=r"inside\.csv:1: expected a header"):
        gx.studyfile.read_observed(studies / "inside.csv")
    (studies / "obs.csv").write_text("step,customers\n0,1\n1,x\n")
    with pytest.raises(ValueError, match=r"obs\.csv:3: customers: expected a number"):
        gx.studyfile.read_observed(studies / "obs.csv")
    far = tmp_path / "far.toml"
    shutil.copy(ONE_SIDED, far)
    study.write_text('base = "../../far.toml"\n[sweep]\n"policy.referral_reward" = [0]\n')
    assert_one_line_error(run(cli, "sweep", study, "--graph", graph_path), "calibrate.toml:1:", "base",
                          "the folder above it")
    allowed = run(cli, "sweep", study, "--graph", graph_path, "--allow-outside-paths", "--replicates", 2)
    assert allowed.returncode == 0, allowed.stderr


# -- 5. bounded memory --------------------------------------------------------------------------


def test_a_crafted_block_is_refused_before_it_inflates(base, tmp_path):
    path = tmp_path / "bomb.db"
    gx.sweep(base, {"policy.referral_reward": [0]}, replicates=2, store=path, progress=False, name="bomb")
    deflate = zlib.compressobj(9)
    chunk = bytes(2**20)
    bomb = b"".join(deflate.compress(chunk) for _ in range(2048)) + deflate.flush()  # 2 GiB of zeros, ~2 MB
    assert len(bomb) < 3 * 2**20
    _rewrite(path, "blocks", "1", digest=hashlib.sha256(bomb).hexdigest())  # a valid row: only the size tells
    with sqlite3.connect(path) as db:
        db.execute('UPDATE blocks SET "values" = ?', (bomb,))
    # In a process of its own, to measure its peak memory: it stays far below the 2 GiB inflated.
    probe = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import resource, guanxi as gx
        try:
            gx.Sweep.load({str(path)!r}, "bomb")
        except ValueError as error:
            print(str(error))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """)], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(
        gx.__file__))), timeout=600)
    message, peak_kib = probe.stdout.strip().rsplit("\n", 1)
    assert "corrupt block (more than" in message and "expected 2 x 8 x" in message, probe.stderr
    assert int(peak_kib) < 600 * 1024, peak_kib


def test_a_huge_grid_is_refused_before_it_is_built(cli, base, graph_path, tmp_path):
    grid = {"policy.referral_reward": list(range(1000)), "behaviour.reach": list(np.linspace(0, 1, 1000))}
    with pytest.raises(ValueError, match=r"grid: 1,000 x 1,000 is 1,000,000 designs, more than the limit of 100,000"):
        gx.sweep(base, grid, replicates=2, progress=False)
    path = _sweep_file(tmp_path, f'[sweep]\n"policy.referral_reward" = {list(range(400))}\n"seeding.k" = '
                                 f'{list(range(1, 401))}\n')
    store = tmp_path / "huge.db"
    assert_one_line_error(run(cli, "sweep", path, "--graph", graph_path, "--store", store), "160,000 designs",
                          "--max-designs")
    assert not store.exists()
    small = {"policy.referral_reward": [0, 1, 2]}
    with pytest.raises(ValueError, match="3 designs, more than the limit of 2"):
        gx.sweep(base, small, replicates=2, progress=False, max_designs=2)
    assert len(gx.sweep(base, small, replicates=2, progress=False, max_designs=3)) == 3


def test_replicates_beyond_memory_are_refused_with_nothing_registered(cli, graph_path, tmp_path):
    path = _sweep_file(tmp_path, '[sweep]\n"policy.referral_reward" = [0, 10]\n')
    store = tmp_path / "big.db"
    assert run(cli, "sweep", path, "--graph", graph_path, "--store", store, "--replicates", 2).returncode == 0
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    too_many = memory // (2 * 30 * 8) + 1  # more than memory even at one metric of 30 steps
    result = run(cli, "sweep", path, "--graph", graph_path, "--store", store, "--replicates", too_many)
    assert_one_line_error(result, "--replicates:", "of memory; this machine has")
    listing = json.loads(run(cli, "store", "ls", store, "--json").stdout)
    assert listing["sweeps"][0]["replicates"] == 2  # the target was not raised


# -- 6. writes before checks --------------------------------------------------------------------


def test_optimise_checks_its_space_before_any_trial(cli, graph_path, tmp_path):
    pytest.importorskip("optuna")
    shutil.copy(ONE_SIDED, tmp_path)
    study = tmp_path / "opt.toml"
    study.write_text('base = "02_one_sided_referral.toml"\ntrials = 4\nreplicates = 2\n[space]\n'
                     '"policy.referral_reward" = {low = 0, high = 30}\n"behaviour.reach" = {low = 0.2, high = 1.5}\n')
    store = tmp_path / "opt.db"
    assert_one_line_error(run(cli, "optimize", study, "--graph", graph_path, "--store", store), "opt.toml:6:",
                          "space.behaviour.reach")
    assert not store.exists()
    base = gx.Campaign(gx.Graph.load(graph_path), run={"steps": 5})
    with pytest.raises(ValueError, match=r"space\['behaviour.reach'\]"):
        gx.optimize(base, {"behaviour.reach": (0.2, 1.5)}, trials=2, replicates=2, progress=False,
                    store=tmp_path / "api.db")
    assert not (tmp_path / "api.db").exists() or gx.Store(tmp_path / "api.db").sweep_rows() == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # tornado, inside distributed
def test_a_corrupt_block_raises_no_target_and_an_unreachable_scheduler_registers_nothing(base, tmp_path):
    pytest.importorskip("distributed")
    path = tmp_path / "target.db"
    gx.sweep(base, REWARDS, replicates=4, store=path, progress=False, name="t")
    with sqlite3.connect(path) as db:
        db.execute("""UPDATE blocks SET "values" = x'00112233' WHERE run = 2""")
    with pytest.raises(ValueError, match="corrupt block"):
        gx.sweep(base, REWARDS, replicates=8, store=path, progress=False, name="t")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT replicates FROM sweeps").fetchall() == [(4,)]
    fresh = tmp_path / "fresh.db"
    with pytest.raises(OSError, match="cannot reach the Dask scheduler"):
        gx.sweep(base, REWARDS, replicates=4, store=fresh, client=_nobody_listening(), progress=False, name="u")
    assert gx.Store(fresh).sweep_rows() == []


def _nobody_listening() -> str:
    """A scheduler address where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


def test_an_empty_file_stays_empty_and_sqlite_says_what_is_wrong(cli, tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert_one_line_error(run(cli, "store", "ls", empty), "not a guanxi run store (an empty file)")
    assert empty.read_bytes() == b""
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    result = run(cli, "store", "ls", junk)
    assert_one_line_error(result, str(junk))
    assert "no transaction is active" not in result.stderr
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:  # a format 1 store (before row checksums)
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(f"PRAGMA application_id = {0x67786931}")
        db.execute("PRAGMA user_version = 1")
    assert_one_line_error(run(cli, "store", "ls", old), "run store format 1", "run its sweeps again")


# -- 7. smaller holes ---------------------------------------------------------------------------


def test_a_dollar_label_is_drawn_as_text_in_the_report(base, tmp_path):
    designs = [base.replace(name="$x^$ reward 0"), base.replace(name="$5 off", policy={"referral_reward": 5})]
    path = tmp_path / "labels.db"
    gx.sweep(base, designs, replicates=3, store=path, progress=False, name="labels")
    page = gx.report(path, tmp_path / "labels.html")  # its comparison chart names the designs
    assert "$x^$ reward 0" in page and "$5 off" in page
    import matplotlib.pyplot as plt

    axes = designs[0].run(replicates=2, seed=1, progress=False).plot(["profit"])
    axes[0].figure.canvas.draw()  # the legend and title: mathematics would fail here
    assert "$x^$ reward 0" in [t.get_text().replace("\\$", "$") for t in axes[0].get_legend().get_texts()]
    plt.close(axes[0].figure)


def test_a_key_set_twice_in_a_study_file_is_an_error(tmp_path, graph_path):
    path = _sweep_file(tmp_path, '[sweep]\n"policy.referral_reward" = [0, 5]\npolicy.referral_reward = [10]\n')
    with pytest.raises(ValueError, match=r"sweep\.toml:3: sweep\.policy\.referral_reward: set twice"):
        gx.read_sweep_file(path, graph=gx.Graph.load(graph_path))


def test_names_with_control_characters_are_refused_and_printed_escaped(cli, base, tmp_path):
    path = tmp_path / "names.db"
    for name in ("bad\x00name", "red\x1b[31m", "two\nlines"):
        with pytest.raises(ValueError, match="control characters"):
            gx.sweep(base, REWARDS, replicates=2, store=path, progress=False, name=name)
    with pytest.raises(ValueError, match="control characters"):
        gx.store.save_study(path, "a\x1b[2J", {"kind": "select"})
    gx.sweep(base, REWARDS, replicates=2, store=path, progress=False, name="plain")
    _rewrite(path, "sweeps", "1", name="evil\x1b[2J\x00")  # written by another tool, checksum and all
    listing = run(cli, "store", "ls", path)
    assert listing.returncode == 0, listing.stderr
    assert "\x1b" not in listing.stdout and "\x00" not in listing.stdout and "evil\\u001b[2J\\u0000" in listing.stdout
    shown = run(cli, "store", "show", path, "evil\x1b[2J")
    assert_one_line_error(shown, "no sweep 'evil\\x1b[2J'")
    assert "\x1b" not in shown.stderr
    as_json = run(cli, "store", "ls", path, "--json")
    assert json.loads(as_json.stdout)["sweeps"][0]["name"] == "evil\x1b[2J\x00"  # JSON escapes them itself


def _reader_command(cli: str, scratch: str) -> tuple[list[str], dict]:
    """The command line and subprocess arguments that run guanxi without write permission. As
    root (root writes anywhere) that means as nobody, who may not reach the build tree (a clone
    under /root, say): the package is then copied into scratch, a folder the user nobody can read, and run
    from there as the launcher runs it."""
    if os.geteuid() != 0:
        return [cli], {}
    package = os.path.join(scratch, "python")
    shutil.copytree(os.path.dirname(gx.__file__), os.path.join(package, "guanxi"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for root, dirs, files in os.walk(scratch):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    os.chmod(scratch, 0o755)
    launch = "import sys; del sys.path[0]; from guanxi.cli import main; sys.exit(main())"
    return [sys.executable, "-c", launch], {"user": "nobody", "env": {**os.environ, "PYTHONPATH": package}}


def test_a_read_only_store_and_folder_still_read(cli, graph_path, tmp_path):
    folder = tempfile.mkdtemp(dir=tempfile.gettempdir())  # reachable by nobody, unlike pytest's folders
    out = None
    scratch = tempfile.mkdtemp(dir=tempfile.gettempdir())
    try:
        command, as_reader = _reader_command(cli, scratch)
        os.chmod(folder, 0o755)
        _sweep_file(tmp_path, 'replicates = 3\n[sweep]\n"policy.referral_reward" = [0, 10]\n')
        shutil.copy(graph_path, folder)
        for name in os.listdir(tmp_path):
            if name.endswith(".toml"):
                shutil.copy(tmp_path / name, folder)
        store = os.path.join(folder, "runs.db")
        assert run(cli, "sweep", os.path.join(folder, "sweep.toml"), "--graph", os.path.join(folder, "g.gx"),
                   "--store", store).returncode == 0
        out = tempfile.mkdtemp(dir=tempfile.gettempdir())
        os.chmod(out, 0o777)
        for name in os.listdir(folder):
            os.chmod(os.path.join(folder, name), 0o444)
        os.chmod(folder, 0o555)  # neither the store nor its folder can be written

        def reader(*args):
            return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=600, **as_reader)

        listing = reader("store", "ls", store)
        assert listing.returncode == 0 and "3/3" in listing.stdout, listing.stderr
        assert reader("store", "show", store, "sweep").returncode == 0
        assert reader("store", "check", store).returncode == 0
        assert reader("store", "export", store, "sweep", "-o", os.path.join(out, "csv")).returncode == 0
        assert reader("report", store, "-o", os.path.join(out, "r.html")).returncode == 0
        again = reader("sweep", os.path.join(folder, "sweep.toml"), "--graph", os.path.join(folder, "g.gx"), "--store",
                       store, "--json")
        assert again.returncode == 0 and json.loads(again.stdout)["computed_blocks"] == 0, again.stderr
        more = reader("sweep", os.path.join(folder, "sweep.toml"), "--graph", os.path.join(folder, "g.gx"), "--store",
                      store, "--replicates", 6)
        assert_one_line_error(more, store, "read-only", "writable copy")
        assert_one_line_error(reader("store", "rm", store, "sweep"), store, "read-only")
        assert sorted(os.listdir(folder)) == sorted(["runs.db", "g.gx", "sweep.toml", "02_one_sided_referral.toml"])
    finally:
        for root in (folder, out):
            if root:
                os.chmod(root, 0o755)
                shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
