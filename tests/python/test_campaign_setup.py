# Campaign set-up paid once per graph object: gx.Campaign.run and gx.compare reuse the graph's memo
# (tie strengths, tie id per arc, seeds) with bit-identical results to a fresh graph, a copy, a
# pickled graph and a snapshot; different tie initialisations get their own entries.
import pickle

import numpy as np
import pytest

import guanxi as gx

LIVELY = dict(share_prob=0.3, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02)


def same_values(a, b):
    """Bit-identical arrays, NaN equal to NaN."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def memo(graph):
    return graph._g.memo_stats()


def run(campaign, **kw):
    kw.setdefault("progress", False)
    kw.setdefault("replicates", 6)
    kw.setdefault("seed", 4)
    return campaign.run(**kw)


@pytest.fixture()
def hk():  # a new object per test: a cold memo
    return gx.generators.holme_kim(1200, 3, 0.5, seed=7)


def test_a_second_run_on_the_same_graph_derives_nothing_and_matches_fresh_graphs(hk, tmp_path):
    campaign = gx.Campaign(hk, behaviour=LIVELY, run={"steps": 20}, seeding={"strategy": "pagerank", "k": 5})
    assert memo(hk)["entries"] == 0
    first = run(campaign, threads=1)
    after_first = memo(hk)
    assert after_first["entries"] > 0
    second = run(campaign, threads=2)
    after_second = memo(hk)
    assert after_second["misses"] == after_first["misses"]
    assert after_second["hits"] > after_first["hits"]
    assert same_values(first.values, second.values)
    hk.save(tmp_path / "g.gx")
    for fresh in (hk.copy(), pickle.loads(pickle.dumps(hk)), gx.Graph.load(tmp_path / "g.gx")):
        assert memo(fresh)["entries"] == 0  # a new object starts cold
        assert same_values(run(gx.Campaign(fresh, **campaign.spec)).values, first.values)


def test_compare_reuses_the_set_up_across_designs(hk):
    base = gx.Campaign(hk, name="base", behaviour=LIVELY, run={"steps": 10})
    designs = [base, base.replace(name="reward", policy={"referral_reward": 5}),
               base.replace(name="team", policy={"group_buy": {"enabled": True}})]
    gx.compare(designs, replicates=4, progress=False)
    stats = memo(hk)
    # One initial strength, its overlap, the tie ids and the seeds: derived once for three designs.
    assert stats["entries"] == 4
    assert stats["misses"] == 4
    table_again = gx.compare(designs, replicates=4, progress=False)
    assert memo(hk)["misses"] == 4
    fresh = gx.compare([d.replace(name=d.name) for d in designs], replicates=4, progress=False)
    assert table_again.equals(fresh)  # replace() keeps the graph: still warm, still the same numbers
    cold = hk.copy()
    cold_table = gx.compare([gx.Campaign(cold, name=d.name, **d.spec) for d in designs], replicates=4, progress=False)
    assert cold_table.equals(table_again)


def test_tie_initialisations_get_their_own_entries(hk):
    a = gx.Campaign(hk, behaviour=LIVELY, run={"steps": 15})
    b = a.replace(ties={"s_min": 0.4})
    c = a.replace(ties={"init": "uniform", "low": 0.2, "high": 0.8})
    ra, rb, rc = run(a), run(b), run(c)
    assert not same_values(ra.values, rb.values)
    cold = hk.copy()
    for campaign, result in ((a, ra), (b, rb), (c, rc)):
        assert same_values(run(gx.Campaign(cold.copy(), **campaign.spec)).values, result.values)
    assert same_values(run(a).values, ra.values)


def test_clear_memo_frees_the_entries_and_runs_stay_the_same(hk):
    campaign = gx.Campaign(hk, behaviour=LIVELY, run={"steps": 10})
    first = run(campaign)
    hk._g.clear_memo()
    assert memo(hk)["entries"] == 0
    assert same_values(run(campaign).values, first.values)
