# gx.sweep and gx.Store: designs of a grid or a list, common random numbers (every design equals its
# own run bit for bit), results independent of blocks, order and threads, summaries and paired
# comparisons equal to gx.compare's, plots, the run store (resume, reuse, a killed process, two
# writers, format and corruption errors) and a Dask LocalCluster equal to the local run.
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import guanxi as gx
from guanxi import stats


@pytest.fixture(scope="module")
def graph():
    return gx.generators.holme_kim(1200, 3, 0.5, seed=7)


@pytest.fixture(scope="module")
def base(graph):
    return gx.Campaign(graph, run={"steps": 15}, seeding={"k": 10})


GRID = {"policy.referral_reward": [0, 10, 20], "policy.group_buy.size": [2, 3]}


@pytest.fixture(scope="module")
def swept(base):
    return gx.sweep(base, GRID, replicates=12, seed=5, progress=False)


def same(a, b):
    """Bit for bit, NaN (an undefined rate) included."""
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def test_a_grid_is_the_product_with_the_first_key_slowest(swept):
    designs = swept.designs
    assert list(designs.index) == list(range(6))
    assert list(designs["policy.referral_reward"]) == [0, 0, 10, 10, 20, 20]
    assert list(designs["policy.group_buy.size"]) == [2, 3, 2, 3, 2, 3]
    assert designs["label"][3] == "referral_reward=10, size=3"
    assert swept.keys == list(GRID)
    assert swept.complete and list(swept.replicates_done) == [12] * 6


def test_every_design_is_its_own_run_with_the_common_seed(base, swept):
    for number, (reward, size) in enumerate([(0, 2), (0, 3), (10, 2), (10, 3), (20, 2), (20, 3)]):
        design = base.replace(policy={"referral_reward": reward, "group_buy": {"size": size}})
        assert design.spec == swept.specs[number]
        alone = design.run(replicates=12, seed=5, progress=False)
        assert same(alone.values, swept.values(number)), number


def test_results_do_not_depend_on_blocks_or_threads(base, swept, threads):
    for block, count in ((1, None), (5, 1), (7, 2), (100, None)):
        if count:
            threads(count)
        other = gx.sweep(base, GRID, replicates=12, seed=5, block=block, progress=False)
        assert all(same(other.values(i), swept.values(i)) for i in range(6)), block
    one_thread = gx.sweep(base, GRID, replicates=12, seed=5, threads=1, progress=False)
    assert all(same(one_thread.values(i), swept.values(i)) for i in range(6))


def test_a_list_of_designs(base):
    named = base.replace(name="big team", policy={"group_buy": {"size": 5}})
    s = gx.sweep(base, [{"policy.referral_reward": 5}, named, {}], replicates=4, progress=False)
    assert list(s.designs["label"]) == ["referral_reward=5", "big team", "base"]
    # Every swept key has a value for every design: the ones a design does not change are the base's.
    assert s.keys[0] == "policy.referral_reward"
    assert list(s.designs["policy.referral_reward"]) == [5, 0, 0]
    assert "policy.group_buy.size" in s.keys and s.designs["policy.group_buy.size"][1] == 5
    alone = named.run(replicates=4, seed=0, progress=False)
    assert same(alone.values, s.values("big team"))


@pytest.mark.parametrize("grid, needles", [
    ({"policy.referral_rewrd": [1]}, ["policy.referral_rewrd", "design 0"]),
    ({"policy.referral_reward": [5, -1]}, ["design 1", "policy.referral_reward", ">= 0"]),
    ({"run.steps": [10, 20]}, ["run.steps", "horizon"]),
    ({"policy.referral_reward": []}, ["no values"]),
    ({"policy.referral_reward": 5}, ["list of values"]),
    ({"referral_reward": [5]}, ["not a key path"]),
    ({}, ["empty"]),
    ([], ["no designs"]),
    ([{"policy.referral_reward": 3}, {"policy.referral_reward": 3.0}], ["are the same design"]),
    ([42], ["grid[0]", "Campaign or a dict"]),
    ("policy.referral_reward", ["dict of key path"]),
])
def test_bad_grids_are_refused_before_anything_runs(base, grid, needles):
    with pytest.raises(ValueError) as caught:
        gx.sweep(base, grid, replicates=2, progress=False)
    for needle in needles:
        assert needle in str(caught.value), (needle, str(caught.value))


def test_bad_arguments(base):
    other = gx.Campaign(gx.generators.holme_kim(300, 2, 0.1, seed=1))
    with pytest.raises(ValueError, match="another graph"):
        gx.sweep(base, [other], replicates=2, progress=False)
    for key, value in (("replicates", 0), ("seed", -1), ("block", 0), ("threads", 0), ("replicates", 2.5)):
        with pytest.raises(ValueError, match=key):
            gx.sweep(base, GRID, **{"replicates": 2, key: value}, progress=False)
    with pytest.raises(ValueError, match="base"):
        gx.sweep("base", GRID, progress=False)


def test_results_summary_and_timeseries(swept):
    tidy = swept.results(["profit", "customers"])
    assert len(tidy) == 6 * 12 * 2
    assert list(tidy.columns) == ["design", "label", *swept.keys, "replicate", "metric", "value"]
    rows = tidy[(tidy.design == 3) & (tidy.metric == "profit")]
    assert np.array_equal(rows["value"].to_numpy(), swept.values(3)[:, -1, swept.metrics.index("profit")])
    assert (rows["policy.referral_reward"] == 10).all()
    summary = swept.summary("profit")
    expected = stats.mean_interval(swept.values(4)[:, -1, swept.metrics.index("profit")])
    assert summary.loc[4, "mean"] == expected.mean and summary.loc[4, "ci_low"] == expected.low
    assert summary.loc[4, "replicates"] == 12
    several = swept.summary(["profit", "customers"])
    assert several.loc[(4, "profit"), "mean"] == expected.mean
    series = swept.timeseries(2)
    assert len(series) == 12 * 15 * len(swept.metrics)
    assert np.array_equal(series["value"].to_numpy(), swept.values(2).reshape(-1), equal_nan=True)
    with pytest.raises(ValueError, match="unknown 'proft'"):
        swept.summary("proft")
    with pytest.raises(ValueError, match="design"):
        swept.values(6)


def test_compare_gives_gx_compare_numbers(base, swept):
    designs = {swept.designs["label"][i]: gx.Campaign._checked(base.graph, swept.specs[i], None) for i in (1, 3, 4)}
    expected = gx.compare(designs, replicates=12, seed=5, progress=False, metrics=["profit", "customers",
                                                                                   "incentive_roi"])
    table = swept.compare(reference=1, metrics=["profit", "customers", "incentive_roi"])
    assert table.attrs["reference"] == 1 and table.attrs["replicates"] == 12
    for number in (3, 4):
        label = swept.designs["label"][number]
        for metric in ("profit", "customers", "incremental_roi"):
            mine, theirs = table.loc[(number, metric)], expected.loc[(label, metric)]
            for column in ("difference", "ci_low", "ci_high", "share_higher"):
                assert mine[column] == theirs[column] or (np.isnan(mine[column]) and np.isnan(theirs[column]))
    best = swept.best("profit")
    means = swept.summary("profit")["mean"]
    assert means[best] == means.max()
    against_best = swept.compare(reference="best", metrics=["profit"])
    assert against_best.attrs["reference"] == best
    assert (against_best["difference"] <= 0).all()


def test_plots(swept):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = swept.plot("profit", x="policy.referral_reward")
    assert ax.get_xlabel() == "policy.referral_reward" and len(ax.lines) == 2  # one per team size
    assert "currency" in ax.get_ylabel()
    heat = swept.plot("customers")
    assert len(heat.images) == 1 and heat.get_ylabel() == "policy.group_buy.size"
    with pytest.raises(ValueError, match="not a swept key"):
        swept.plot("profit", x="policy.budget")
    plt.close("all")


# -- the run store ---------------------------------------------------------------------------------


def test_a_stored_sweep_resumes_and_reloads_without_computing(base, swept, tmp_path):
    path = tmp_path / "runs.db"
    first = gx.sweep(base, GRID, replicates=8, seed=5, store=path, block=3, progress=False, name="grid")
    assert first.computed_blocks == 6 * 3 and first.reused_blocks == 0
    again = gx.sweep(base, GRID, replicates=8, seed=5, store=path, block=3, progress=False, name="grid")
    assert again.computed_blocks == 0 and again.reused_blocks == 18
    # More replicates: only the missing ones are computed, with another block size.
    more = gx.sweep(base, GRID, replicates=12, seed=5, store=str(path), block=5, progress=False, name="grid")
    assert more.computed_blocks == 12  # replicates 8..9 and 10..11 per design: blocks cut at multiples of 5
    assert all(same(more.values(i), swept.values(i)) for i in range(6))
    loaded = gx.Store(path).load("grid")
    assert loaded.complete and loaded.replicates == 12 and loaded.campaigns is None
    assert all(same(loaded.values(i), swept.values(i)) for i in range(6))
    assert loaded.summary("profit")["mean"].equals(swept.summary("profit")["mean"])
    with sqlite3.connect(path) as db:
        ranges = db.execute("SELECT run, first, count FROM blocks ORDER BY run, first").fetchall()
    for run in {r for r, _, _ in ranges}:
        covered = [(f, c) for r, f, c in ranges if r == run]
        assert [f for f, _ in covered] == list(np.cumsum([0] + [c for _, c in covered[:-1]]))  # no gap, no overlap
        assert sum(c for _, c in covered) == 12


def test_sweeps_share_the_replicates_of_a_design(base, tmp_path):
    path = tmp_path / "runs.db"
    gx.sweep(base, {"policy.referral_reward": [0, 10]}, replicates=4, store=path, progress=False, name="a")
    b = gx.sweep(base, {"policy.referral_reward": [10, 20]}, replicates=4, store=path, progress=False, name="b")
    assert b.computed_blocks == 1 and b.reused_blocks == 1
    store = gx.Store(path)
    assert list(store.sweeps().index) == ["a", "b"]
    store.delete("a")  # reward 10 stays: sweep b uses it
    assert list(store.sweeps().index) == ["b"]
    reloaded = store.load("b")
    assert reloaded.complete and same(reloaded.values(0), b.values(0))
    store.delete("b")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM blocks").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    with pytest.raises(ValueError, match="no sweep 'b'"):
        store.load("b")


def test_store_listing_designs_and_export(base, tmp_path):
    path = tmp_path / "runs.db"
    s = gx.sweep(base, GRID, replicates=3, store=path, progress=False, name="grid")
    store = gx.Store(path)
    listing = store.sweeps()
    assert listing.loc["grid", "designs"] == 6 and listing.loc["grid", "complete"] == 6
    assert listing.loc["grid", "nodes"] == base.graph.num_nodes and listing.loc["grid", "graph"] == base.graph.fingerprint
    designs = store.designs("grid")
    assert list(designs["policy.group_buy.size"]) == [2, 3, 2, 3, 2, 3]
    assert list(designs["replicates_done"]) == [3] * 6
    assert len(store.designs()) == 6
    spec = json.loads(store.designs().loc[s.hashes[2], "spec"])
    assert spec["policy"]["referral_reward"] == 10
    written = store.export("grid", tmp_path / "out", timeseries=True)
    assert [os.path.basename(p) for p in written] == ["designs.csv", "results.csv", "summary.csv", "timeseries.csv"]
    import pandas as pd

    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(results) == 6 * 3 * len(s.metrics)
    profit = results[(results.design == 5) & (results.metric == "profit")]["value"].to_numpy()
    assert np.array_equal(profit, s.values(5)[:, -1, s.metrics.index("profit")])
    with_graph = store.load("grid", graph=base.graph)
    result = with_graph.result(1)
    assert same(result.values, s.values(1)) and result.summary().loc["profit", "mean"] == s.summary().loc[1, "mean"]
    with pytest.raises(ValueError, match="fingerprint"):
        store.load("grid", graph=gx.generators.holme_kim(50, 2, 0.1, seed=1))


def test_a_sweep_stopped_part_way_is_usable(base, swept, tmp_path):
    path = tmp_path / "runs.db"
    gx.sweep(base, GRID, replicates=12, seed=5, store=path, block=4, progress=False, name="grid")
    with sqlite3.connect(path) as db:  # as if killed after the first round and part of the second
        db.execute("DELETE FROM blocks WHERE first = 8 OR (first = 4 AND run > 3)")
    loaded = gx.Store(path).load("grid")
    assert not loaded.complete and list(loaded.replicates_done) == [8, 8, 8, 4, 4, 4]
    assert "stopped part-way" in repr(loaded)
    assert same(loaded.values(1), swept.values(1)[:8])
    table = loaded.compare(reference=0, metrics=["profit"])
    paired = stats.paired_difference(swept.values(0)[:4, -1, swept.metrics.index("profit")],
                                     swept.values(5)[:4, -1, swept.metrics.index("profit")])
    assert table.loc[(5, "profit"), "difference"] == paired.difference
    resumed = gx.sweep(base, GRID, replicates=12, seed=5, store=path, block=4, progress=False, name="grid")
    assert resumed.computed_blocks == 9 and all(same(resumed.values(i), swept.values(i)) for i in range(6))


def test_a_sweep_continued_on_another_graph_seed_or_grid_is_refused(base, tmp_path):
    path = tmp_path / "runs.db"
    gx.sweep(base, GRID, replicates=2, store=path, progress=False, name="grid")
    before = _dump(path)
    other = gx.Campaign(gx.generators.holme_kim(1200, 3, 0.5, seed=8), run={"steps": 15})
    with pytest.raises(ValueError, match=r"sweep 'grid' was run on graph .* not this graph"):
        gx.sweep(other, GRID, replicates=2, store=path, progress=False, name="grid")
    with pytest.raises(ValueError, match="seed 0, not 3"):
        gx.sweep(base, GRID, replicates=2, seed=3, store=path, progress=False, name="grid")
    with pytest.raises(ValueError, match="other designs"):
        gx.sweep(base, {"policy.referral_reward": [1, 2]}, replicates=2, store=path, progress=False, name="grid")
    store = gx.Store(path)
    assert list(store.sweeps().index) == ["grid"] and store.sweeps().loc["grid", "replicates"] == 2
    store.close()
    assert _dump(path) == before  # nothing written: no other graph, sweep or design row


def _dump(path) -> list:
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def test_bad_stores_are_clear_errors(base, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database\n" * 100)
    with pytest.raises(ValueError, match=r"junk\.db: not a guanxi run store or corrupt"):
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
        gx.sweep(base, GRID, replicates=2, store=newer, progress=False)
    with pytest.raises(OSError, match="no such run store"):
        gx.Store(tmp_path / "missing.db", create=False)
    with pytest.raises(OSError, match="is a folder"):
        gx.Store(tmp_path)
    corrupt = tmp_path / "corrupt.db"
    gx.sweep(base, {"policy.referral_reward": [0, 10]}, replicates=2, store=corrupt, progress=False, name="x")
    with sqlite3.connect(corrupt) as db:
        db.execute("UPDATE blocks SET \"values\" = x'00112233' WHERE run = 2")
    with pytest.raises(ValueError, match=r"sweep 'x', design 1 \(referral_reward=10\), replicates 0\.\.1: corrupt block"):
        gx.Store(corrupt).load("x")
    with pytest.raises(ValueError, match="corrupt block"):
        gx.sweep(base, {"policy.referral_reward": [0, 10]}, replicates=2, store=corrupt, progress=False, name="x")


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


def _blocks_stored(path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            return db.execute("SELECT count(*) FROM blocks").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_resume_after_sigkill_equals_an_uninterrupted_sweep(tmp_path):
    path = tmp_path / "runs.db"
    command, env = _script(tmp_path, f"""
        gx.sweep(base, grid, replicates=30, seed=2, store={str(path)!r}, block=1, progress=False, name="long")
        """)
    total = 40 * 30
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 600  # a guard against a child that never starts, not a speed limit
        while _blocks_stored(path) < 25 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    stored = _blocks_stored(path)
    assert 25 <= stored < total  # killed part-way
    g = gx.generators.holme_kim(1200, 3, 0.5, seed=7)
    base = gx.Campaign(g, run={"steps": 15}, seeding={"k": 10})
    grid = {"policy.referral_reward": list(range(0, 40, 2)), "policy.group_buy.size": [2, 3]}
    resumed = gx.sweep(base, grid, replicates=30, seed=2, store=path, block=1, progress=False, name="long")
    assert resumed.computed_blocks == total - stored and resumed.reused_blocks == stored
    whole = gx.sweep(base, grid, replicates=30, seed=2, block=7, progress=False)
    assert all(same(resumed.values(i), whole.values(i)) for i in range(40))
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
    loaded = gx.Store(path).load("shared")
    whole = gx.sweep(base, grid, replicates=6, seed=4, progress=False)
    assert loaded.complete and all(same(loaded.values(i), whole.values(i)) for i in range(40))


def _count_graph_loads() -> None:
    """On a Dask worker: count graphs unpickled from then on (a Graph pickles as a call of
    guanxi.graph._from_snapshot_bytes, looked up by name when it is unpickled)."""
    import guanxi.graph as module

    original = getattr(module, "_original_from_snapshot_bytes", module._from_snapshot_bytes)
    module._original_from_snapshot_bytes = original
    module._loads = 0

    def counting(data):
        module._loads += 1
        return original(data)

    module._from_snapshot_bytes = counting


def _graph_loads() -> int:
    import guanxi.graph as module

    return module._loads


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # tornado, inside distributed
def test_a_dask_local_cluster_equals_the_local_run(base, swept, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.run(_count_graph_loads)
        remote = gx.sweep(base, GRID, replicates=12, seed=5, client=client, block=5, progress=False,
                          store=tmp_path / "runs.db", name="grid")
        assert remote.computed_blocks == 6 * 3
        assert all(same(remote.values(i), swept.values(i)) for i in range(6))
        # The graph reached each worker once (scattered), not with each of the 18 tasks.
        loads = client.run(_graph_loads)
        assert sorted(loads.values()) == [1, 1]
        by_address = gx.sweep(base, GRID, replicates=12, seed=5, client=cluster.scheduler_address, progress=False)
        assert all(same(by_address.values(i), swept.values(i)) for i in range(6))
    loaded = gx.Store(tmp_path / "runs.db").load("grid")
    assert all(same(loaded.values(i), swept.values(i)) for i in range(6))
