# guanxi.store: the run store behind sweeps: a stored sweep resumes and reloads without computing
# (Sweep.load), designs shared between sweeps, listing and CSV export, a sweep stopped part-way,
# continuing on another graph, seed or grid refused, format and corruption errors, a killed process
# resuming to the same numbers, and two writers filling one store.
import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import guanxi as gx
from guanxi import stats
from helpers import GRID, blocks_stored, kill_after_blocks, same_bits


def test_a_stored_sweep_resumes_and_reloads_without_computing(sweep_base, swept, tmp_path):
    path = tmp_path / "runs.db"
    first = gx.sweep(sweep_base, GRID, replicates=8, seed=5, store=path, block=3, progress=False, name="grid")
    assert first.computed_blocks == 6 * 3 and first.reused_blocks == 0
    again = gx.sweep(sweep_base, GRID, replicates=8, seed=5, store=path, block=3, progress=False, name="grid")
    assert again.computed_blocks == 0 and again.reused_blocks == 18
    # More replicates: only the missing ones are computed, with another block size.
    more = gx.sweep(sweep_base, GRID, replicates=12, seed=5, store=str(path), block=5, progress=False, name="grid")
    assert more.computed_blocks == 12  # replicates 8..9 and 10..11 per design: blocks cut at multiples of 5
    assert all(same_bits(more.values(i), swept.values(i)) for i in range(6))
    loaded = gx.Sweep.load(path, "grid")
    assert loaded.complete and loaded.replicates == 12 and loaded.campaigns is None
    assert all(same_bits(loaded.values(i), swept.values(i)) for i in range(6))
    assert loaded.summary("profit")["mean"].equals(swept.summary("profit")["mean"])
    with sqlite3.connect(path) as db:
        ranges = db.execute("SELECT run, first, count FROM blocks ORDER BY run, first").fetchall()
    for run in {r for r, _, _ in ranges}:
        covered = [(f, c) for r, f, c in ranges if r == run]
        assert [f for f, _ in covered] == list(np.cumsum([0] + [c for _, c in covered[:-1]]))  # no gap, no overlap
        assert sum(c for _, c in covered) == 12


def test_sweeps_share_the_replicates_of_a_design(sweep_base, tmp_path):
    path = tmp_path / "runs.db"
    gx.sweep(sweep_base, {"policy.referral_reward": [0, 10]}, replicates=4, store=path, progress=False, name="a")
    b = gx.sweep(sweep_base, {"policy.referral_reward": [10, 20]}, replicates=4, store=path, progress=False, name="b")
    assert b.computed_blocks == 1 and b.reused_blocks == 1
    store = gx.Store(path)
    assert list(store.sweeps().index) == ["a", "b"]
    store.delete("a")  # reward 10 stays: sweep b uses it
    assert list(store.sweeps().index) == ["b"]
    reloaded = gx.Sweep.load(store, "b")
    assert reloaded.complete and same_bits(reloaded.values(0), b.values(0))
    store.delete("b")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM blocks").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    with pytest.raises(ValueError, match="no sweep 'b'"):
        gx.Sweep.load(store, "b")


def test_store_listing_designs_and_export(sweep_base, tmp_path):
    path = tmp_path / "runs.db"
    s = gx.sweep(sweep_base, GRID, replicates=3, store=path, progress=False, name="grid")
    store = gx.Store(path)
    listing = store.sweeps()
    assert listing.loc["grid", "designs"] == 6 and listing.loc["grid", "complete"] == 6
    assert listing.loc["grid", "nodes"] == sweep_base.graph.num_nodes and listing.loc["grid", "graph"] == sweep_base.graph.fingerprint
    designs = store.designs("grid")
    assert list(designs["policy.group_buy.size"]) == [2, 3, 2, 3, 2, 3]
    assert list(designs["replicates_done"]) == [3] * 6
    assert len(store.designs()) == 6
    spec = json.loads(store.designs().loc[s.hashes[2], "spec"])
    assert spec["policy"]["referral_reward"] == 10
    written = gx.Sweep.load(store, "grid").export(tmp_path / "out", timeseries=True)
    assert [os.path.basename(p) for p in written] == ["designs.csv", "results.csv", "summary.csv", "timeseries.csv"]
    import pandas as pd

    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(results) == 6 * 3 * len(s.metrics)
    profit = results[(results.design == 5) & (results.metric == "profit")]["value"].to_numpy()
    assert np.array_equal(profit, s.values(5)[:, -1, s.metrics.index("profit")])
    with_graph = gx.Sweep.load(store, "grid", graph=sweep_base.graph)
    result = with_graph.result(1)
    assert same_bits(result.values, s.values(1)) and result.summary().loc["profit", "mean"] == s.summary().loc[1, "mean"]
    with pytest.raises(ValueError, match="fingerprint"):
        gx.Sweep.load(store, "grid", graph=gx.generators.holme_kim(50, 2, 0.1, seed=1))


def test_a_sweep_stopped_part_way_is_usable(sweep_base, swept, tmp_path):
    path = tmp_path / "runs.db"
    # As if stopped after the second round of blocks and part of the third: designs 0-2 with 8
    # replicates, 3-5 with 4, of a target of 12 (the store checks its rows: no editing by hand).
    runs = gx.sweeps.DesignRuns(sweep_base, GRID, seed=5, store=path, block=4, progress=False, name="grid")
    try:
        runs.ensure([0, 1, 2], 8, target=12)
        runs.ensure([3, 4, 5], 4, target=12)
    finally:
        runs.close()
    loaded = gx.Sweep.load(path, "grid")
    assert not loaded.complete and list(loaded.replicates_done) == [8, 8, 8, 4, 4, 4]
    assert "stopped part-way" in repr(loaded)
    assert same_bits(loaded.values(1), swept.values(1)[:8])
    table = loaded.compare(reference=0, metrics=["profit"])
    paired = stats.paired_difference(swept.values(0)[:4, -1, swept.metrics.index("profit")],
                                     swept.values(5)[:4, -1, swept.metrics.index("profit")])
    assert table.loc[(5, "profit"), "difference"] == paired.difference
    resumed = gx.sweep(sweep_base, GRID, replicates=12, seed=5, store=path, block=4, progress=False, name="grid")
    assert resumed.computed_blocks == 9 and all(same_bits(resumed.values(i), swept.values(i)) for i in range(6))


def test_a_sweep_continued_on_another_graph_seed_or_grid_is_refused(sweep_base, tmp_path):
    path = tmp_path / "runs.db"
    gx.sweep(sweep_base, GRID, replicates=2, store=path, progress=False, name="grid")
    before = _dump(path)
    other = gx.Campaign(gx.generators.holme_kim(1200, 3, 0.5, seed=8), run={"steps": 15})
    with pytest.raises(ValueError, match=r"sweep 'grid' was run on graph .* not this graph"):
        gx.sweep(other, GRID, replicates=2, store=path, progress=False, name="grid")
    with pytest.raises(ValueError, match="seed 0, not 3"):
        gx.sweep(sweep_base, GRID, replicates=2, seed=3, store=path, progress=False, name="grid")
    with pytest.raises(ValueError, match="other designs"):
        gx.sweep(sweep_base, {"policy.referral_reward": [1, 2]}, replicates=2, store=path, progress=False, name="grid")
    store = gx.Store(path)
    assert list(store.sweeps().index) == ["grid"] and store.sweeps().loc["grid", "replicates"] == 2
    store.close()
    assert _dump(path) == before  # nothing written: no other graph, sweep or design row


def _dump(path) -> list:
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def test_bad_stores_are_clear_errors(sweep_base, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database\n" * 100)
    with pytest.raises(ValueError, match=r"junk\.db: not a guanxi run store or damaged"):
        gx.Store(junk)
    assert junk.read_bytes() == b"this is not a database\n" * 100
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError, match="not a guanxi run store"):
        gx.Store(foreign)
    newer = tmp_path / "newer.db"
    gx.Store(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ValueError, match="format 99 was written by a newer guanxi"):
        gx.sweep(sweep_base, GRID, replicates=2, store=newer, progress=False)
    with pytest.raises(OSError, match="no such run store"):
        gx.Store(tmp_path / "missing.db", create=False)
    with pytest.raises(OSError, match="is a folder"):
        gx.Store(tmp_path)
    corrupt = tmp_path / "corrupt.db"
    gx.sweep(sweep_base, {"policy.referral_reward": [0, 10]}, replicates=2, store=corrupt, progress=False, name="x")
    with sqlite3.connect(corrupt) as db:
        db.execute("UPDATE blocks SET \"values\" = x'00112233' WHERE run = 2")
    with pytest.raises(ValueError, match=r"sweep 'x', design 1 \(referral_reward=10\), replicates 0\.\.1: corrupt block"):
        gx.Sweep.load(corrupt, "x")
    with pytest.raises(ValueError, match="corrupt block"):
        gx.sweep(sweep_base, {"policy.referral_reward": [0, 10]}, replicates=2, store=corrupt, progress=False, name="x")


def _script(tmp_path, body: str):
    import guanxi

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(guanxi.__file__)))
    script = tmp_path / "sweep_job.py"
    script.write_text(textwrap.dedent("""
        import sys
        import guanxi as gx
        g = gx.generators.holme_kim(1200, 3, 0.5, seed=7)
        base = gx.Campaign(g, run={"steps": 15}, seeding={"k": 10})
        grid = {"policy.referral_reward": list(range(0, 40, 2)), "policy.group_buy.size": [2, 3]}
        """) + textwrap.dedent(body))
    return [sys.executable, str(script)], dict(os.environ, PYTHONPATH=package_root)


def test_resume_after_sigkill_equals_an_uninterrupted_sweep(tmp_path):
    path = tmp_path / "runs.db"
    command, env = _script(tmp_path, f"""
        gx.sweep(base, grid, replicates=30, seed=2, store={str(path)!r}, block=1, progress=False, name="long")
        """)
    total = 40 * 30
    kill_after_blocks(command, path, 25, env)
    stored = blocks_stored(path)
    assert 25 <= stored < total  # killed part-way
    g = gx.generators.holme_kim(1200, 3, 0.5, seed=7)
    base = gx.Campaign(g, run={"steps": 15}, seeding={"k": 10})
    grid = {"policy.referral_reward": list(range(0, 40, 2)), "policy.group_buy.size": [2, 3]}
    resumed = gx.sweep(base, grid, replicates=30, seed=2, store=path, block=1, progress=False, name="long")
    assert resumed.computed_blocks == total - stored and resumed.reused_blocks == stored
    whole = gx.sweep(base, grid, replicates=30, seed=2, block=7, progress=False)
    assert all(same_bits(resumed.values(i), whole.values(i)) for i in range(40))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*), count(DISTINCT run || '/' || first) FROM blocks").fetchone() == (total, total)


def test_two_processes_fill_one_store(tmp_path):
    path = tmp_path / "runs.db"
    command, env = _script(tmp_path, f"""
        s = gx.sweep(base, grid, replicates=6, seed=4, store={str(path)!r}, block=1, progress=False, name="shared")
        print(s.computed_blocks)
        """)
    children = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [child.communicate(timeout=600) for child in children]
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err[-2000:]
    with sqlite3.connect(path) as db:  # every replicate once: a block another process stored first is not written
        assert db.execute("SELECT count(*) FROM blocks").fetchone()[0] == 40 * 6
        assert db.execute("SELECT count(*) FROM sweeps").fetchone()[0] == 1
    g = gx.generators.holme_kim(1200, 3, 0.5, seed=7)
    base = gx.Campaign(g, run={"steps": 15}, seeding={"k": 10})
    grid = {"policy.referral_reward": list(range(0, 40, 2)), "policy.group_buy.size": [2, 3]}
    loaded = gx.Sweep.load(path, "shared")
    whole = gx.sweep(base, grid, replicates=6, seed=4, progress=False)
    assert loaded.complete and all(same_bits(loaded.values(i), whole.values(i)) for i in range(40))
