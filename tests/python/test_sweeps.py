# guanxi.sweeps: gx.sweep over a grid or a list of designs, common random numbers (every design
# equals its own run bit for bit), results independent of blocks, order and threads, summaries and
# paired comparisons equal to gx.compare's, a sweep's results without a lifecycle, and a Dask
# LocalCluster equal to the local run.
import numpy as np
import pytest

import guanxi as gx
from guanxi import stats
from helpers import GRID, same_bits


def test_a_sweep_keeps_no_lifecycle_and_says_so(busy):
    sweep = gx.sweep(busy, {"acquisition.platform_fee": [0.0, 0.25]}, replicates=2, progress=False)
    assert sweep.result(0).metric("customers").shape == (2, busy.spec["run"]["steps"])
    with pytest.raises(ValueError, match="Campaign.run"):
        sweep.result(0).cohorts()


def test_a_grid_is_the_product_with_the_first_key_slowest(swept):
    designs = swept.designs
    assert list(designs.index) == list(range(6))
    assert list(designs["policy.referral_reward"]) == [0, 0, 10, 10, 20, 20]
    assert list(designs["policy.group_buy.size"]) == [2, 3, 2, 3, 2, 3]
    assert designs["label"][3] == "referral_reward=10, size=3"
    assert swept.keys == list(GRID)
    assert swept.complete and list(swept.replicates_done) == [12] * 6


def test_every_design_is_its_own_run_with_the_common_seed(sweep_base, swept):
    for number, (reward, size) in enumerate([(0, 2), (0, 3), (10, 2), (10, 3), (20, 2), (20, 3)]):
        design = sweep_base.replace(policy={"referral_reward": reward, "group_buy": {"size": size}})
        assert design.spec == swept.specs[number]
        alone = design.run(replicates=12, seed=5, progress=False)
        assert same_bits(alone.values, swept.values(number)), number


def test_results_do_not_depend_on_blocks_or_threads(sweep_base, swept, threads):
    for block, count in ((1, None), (5, 1), (7, 2), (100, None)):
        if count:
            threads(count)
        other = gx.sweep(sweep_base, GRID, replicates=12, seed=5, block=block, progress=False)
        assert all(same_bits(other.values(i), swept.values(i)) for i in range(6)), block
    one_thread = gx.sweep(sweep_base, GRID, replicates=12, seed=5, threads=1, progress=False)
    assert all(same_bits(one_thread.values(i), swept.values(i)) for i in range(6))


def test_a_list_of_designs(sweep_base):
    named = sweep_base.replace(name="big team", policy={"group_buy": {"size": 5}})
    s = gx.sweep(sweep_base, [{"policy.referral_reward": 5}, named, {}], replicates=4, progress=False)
    assert list(s.designs["label"]) == ["referral_reward=5", "big team", "base"]
    # Every swept key has a value for every design: the ones a design does not change are the base's.
    assert s.keys[0] == "policy.referral_reward"
    assert list(s.designs["policy.referral_reward"]) == [5, 0, 0]
    assert "policy.group_buy.size" in s.keys and s.designs["policy.group_buy.size"][1] == 5
    alone = named.run(replicates=4, seed=0, progress=False)
    assert same_bits(alone.values, s.values("big team"))


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
def test_bad_grids_are_refused_before_anything_runs(sweep_base, grid, needles):
    with pytest.raises(ValueError) as caught:
        gx.sweep(sweep_base, grid, replicates=2, progress=False)
    for needle in needles:
        assert needle in str(caught.value), (needle, str(caught.value))


def test_bad_arguments(sweep_base):
    other = gx.Campaign(gx.generators.holme_kim(300, 2, 0.1, seed=1))
    with pytest.raises(ValueError, match="another graph"):
        gx.sweep(sweep_base, [other], replicates=2, progress=False)
    for key, value in (("replicates", 0), ("seed", -1), ("block", 0), ("threads", 0), ("replicates", 2.5)):
        with pytest.raises(ValueError, match=key):
            gx.sweep(sweep_base, GRID, **{"replicates": 2, key: value}, progress=False)
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


def test_compare_gives_gx_compare_numbers(sweep_base, swept):
    designs = {swept.designs["label"][i]: gx.Campaign.from_normalised(sweep_base.graph, swept.specs[i]) for i in (1, 3, 4)}
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
def test_a_dask_local_cluster_equals_the_local_run(sweep_base, swept, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.run(_count_graph_loads)
        remote = gx.sweep(sweep_base, GRID, replicates=12, seed=5, client=client, block=5, progress=False,
                          store=tmp_path / "runs.db", name="grid")
        assert remote.computed_blocks == 6 * 3
        assert all(same_bits(remote.values(i), swept.values(i)) for i in range(6))
        # The graph reached each worker once (scattered), not with each of the 18 tasks. Under load
        # Dask may also fetch the scattered graph from the other worker while the broadcast copy is
        # on its way, so a worker may unpickle it a second time, never once per task.
        loads = client.run(_graph_loads)
        assert len(loads) == 2 and all(1 <= count <= 2 for count in loads.values()), loads
        by_address = gx.sweep(sweep_base, GRID, replicates=12, seed=5, client=cluster.scheduler_address, progress=False)
        assert all(same_bits(by_address.values(i), swept.values(i)) for i in range(6))
    loaded = gx.Sweep.load(tmp_path / "runs.db", "grid")
    assert all(same_bits(loaded.values(i), swept.values(i)) for i in range(6))


def test_a_misspelt_metric_gets_the_closest_name_everywhere(swept, sweep_base):
    # Every call that takes a metric name says which one was meant, as the command line does.
    calls = [lambda: swept.summary("proft"), lambda: swept.results(["proft"]), lambda: swept.compare(metrics=["proft"]),
             lambda: swept.best("proft"),
             lambda: sweep_base.run(replicates=2, progress=False).metric("proft"),
             lambda: gx.optimize(sweep_base, {"policy.referral_reward": (0, 30)}, objective="proft", trials=1),
             lambda: gx.optimize(sweep_base, {"policy.referral_reward": (0, 30)}, trials=1,
                                 constraints={"proft": ("<=", 1.0)})]
    for call in calls:
        with pytest.raises(ValueError, match="did you mean 'profit'"):
            call()


def test_a_key_of_a_section_that_is_off_is_off_in_tables_stores_and_plots(sweep_base, tmp_path):
    # Designs without a group buy have no team size: not the section's default (3), but "off".
    import matplotlib.pyplot as plt
    grid = [{"policy.referral_reward": r} for r in (0, 10)]
    grid += [{"policy.referral_reward": r, "policy.group_buy.size": s} for r in (0, 10) for s in (2, 3)]
    swept = gx.sweep(sweep_base, grid, replicates=4, seed=5, progress=False, store=tmp_path / "s.db", name="off")
    sizes = swept.designs["policy.group_buy.size"]
    assert sizes.isna().tolist() == [True, True, False, False, False, False]
    assert sizes[2:].tolist() == [2, 3, 2, 3]
    assert swept.summary("profit")["policy.group_buy.size"].isna().sum() == 2
    assert gx.Sweep.load(tmp_path / "s.db", "off").designs["policy.group_buy.size"].isna().sum() == 2
    means = swept.summary("profit")["mean"].to_numpy()
    # The heat map: one cell per design, each holding that design's mean, "off" a row of its own.
    ax = swept.plot("profit")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["off", "2", "3"]
    grid_drawn = ax.images[0].get_array()
    assert np.isfinite(grid_drawn).sum() == len(swept.designs)
    assert sorted(np.asarray(grid_drawn)[np.isfinite(grid_drawn)].tolist()) == sorted(means.tolist())
    plt.close(ax.figure)
    # Lines: every design drawn once, "off" a line (or a position) of its own.
    for x in ("policy.referral_reward", "policy.group_buy.size"):
        ax = swept.plot("profit", x=x)
        drawn = sorted(y for line in ax.get_lines() for y in line.get_ydata())
        assert drawn == sorted(means.tolist()), x
        plt.close(ax.figure)
    ax = swept.plot("profit", x="policy.referral_reward")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["group_buy off", "size=2", "size=3"]
    plt.close(ax.figure)
