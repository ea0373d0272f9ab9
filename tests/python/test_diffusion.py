# gx.simulate: closed forms on tiny graphs, a literal pure-Python reference of every model, kernel
# agreement, percolation and Bass theory, determinism and common random numbers, cascades, errors, Ctrl-C.
import math
import os
import random
import subprocess
import sys
import textwrap
import zlib
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest

import guanxi as gx
from helpers import assert_call_interrupts, statsmodels_interval

stats = pytest.importorskip("scipy.stats")
optimize = pytest.importorskip("scipy.optimize")

ALPHA = 1e-4  # family-wise false-alarm rate of each statistical assertion
KERNELS = ["scalar", "sparse", "bitparallel"]


def sim(g, model="ic", **kw):
    kw.setdefault("progress", False)
    return gx.simulate(g, model, **kw)


def z_bonferroni(m, alpha=ALPHA):
    """Two-sided normal quantile for `m` simultaneous tests at family-wise level alpha."""
    return NormalDist().inv_cdf(1 - alpha / (2 * m))


def assert_same_distribution(x, y, what=""):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    # Difference of two independent sample means: se = sqrt(s1^2/n1 + s2^2/n2); allow 5 se.
    se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    assert abs(x.mean() - y.mean()) <= 5 * se + 1e-9, (what, x.mean(), y.mean(), se)
    if se > 0:  # two-sample KS at ALPHA (conservative for discrete samples)
        p = stats.ks_2samp(x, y).pvalue
        assert p > ALPHA, (what, p, x.mean(), y.mean())


def assert_same_node_probabilities(p1, r1, p2, r2, what=""):
    """Per-node two-proportion z-test, Bonferroni over the nodes (family-wise level ALPHA)."""
    p1, p2 = np.asarray(p1), np.asarray(p2)
    pooled = (p1 * r1 + p2 * r2) / (r1 + r2)
    var = pooled * (1 - pooled) * (1 / r1 + 1 / r2)
    live = var > 0  # pooled 0 or 1: both samples agree exactly
    z = np.abs(p1 - p2)[live] / np.sqrt(var[live])
    assert z.size == 0 or z.max() <= z_bonferroni(p1.size), (what, z.max(), int(np.argmax(z)))


def assert_mean_close(sample, expected, what="", extra=0.0):
    """Sample mean within 5 standard errors (s / sqrt(R)) of `expected`, plus a stated allowance."""
    sample = np.asarray(sample, dtype=float)
    se = sample.std(ddof=1) / math.sqrt(sample.size)
    assert abs(sample.mean() - expected) <= 5 * se + extra + 1e-12, (what, sample.mean(), expected, se, extra)


# -- small graphs ----------------------------------------------------------------------------


def path_graph(n, directed=False):
    return gx.Graph.from_edges(np.arange(n - 1), np.arange(1, n), n=n, directed=directed)


def star_graph(leaves):
    return gx.Graph.from_edges(np.zeros(leaves, dtype=np.int64), np.arange(1, leaves + 1))


def triangle_strip(length):
    """Rails 0..L-1 and L..2L-1, rungs i -- L+i and diagonals i -- L+i+1: a strip of triangles."""
    src = list(range(length - 1)) + list(range(length, 2 * length - 1)) + list(range(length)) + list(range(length - 1))
    dst = (
        list(range(1, length))
        + list(range(length + 1, 2 * length))
        + list(range(length, 2 * length))
        + list(range(length + 1, 2 * length))
    )
    return gx.Graph.from_edges(src, dst, n=2 * length)


def arcs(g):
    """(source, target) of every arc, in arc order."""
    offsets = np.asarray(g.offsets, dtype=np.int64)
    return np.repeat(np.arange(g.num_nodes), np.diff(offsets)), np.asarray(g.targets, dtype=np.int64)


def in_neighbours(g):
    src, dst = arcs(g)
    ins = [set() for _ in range(g.num_nodes)]
    for u, v in zip(src.tolist(), dst.tolist()):
        ins[v].add(u)
    return ins


def reachable(g, seeds):
    offsets, targets = np.asarray(g.offsets), np.asarray(g.targets)
    seen, stack = set(seeds), list(seeds)
    while stack:
        u = stack.pop()
        for v in targets[offsets[u] : offsets[u + 1]].tolist():
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


# -- the literal reference: plain Python, one random() per decision --------------------------


class Ref:
    """A graph as Python lists, and each model implemented literally from its definition."""

    def __init__(self, g):
        self.n = g.num_nodes
        src, dst = arcs(g)
        self.out = [[] for _ in range(self.n)]  # (target, arc)
        self.ins = [[] for _ in range(self.n)]  # (source, arc)
        for a, (u, v) in enumerate(zip(src.tolist(), dst.tolist())):
            self.out[u].append((v, a))
            self.ins[v].append((u, a))
        self.weights = None if g.weights is None else np.asarray(g.weights, dtype=float).tolist()
        self.target = dst.tolist()

    # Independent Cascade: a node activated at step t-1 gets one chance to activate each inactive
    # out-neighbour, succeeding with the arc's probability.
    def ic(self, seeds, prob, rng):
        active, frontier = set(seeds), list(seeds)
        while frontier:
            new = []
            for u in frontier:
                for v, a in self.out[u]:
                    if v not in active and rng.random() < prob[a]:
                        active.add(v)
                        new.append(v)
            frontier = new
        return len(active)

    def ic_probabilities(self, probability, p=None):
        if probability == "uniform":
            return [p] * len(self.target)
        if probability == "weights":
            return self.weights
        return [1.0 / len(self.ins[v]) for v in self.target]  # weighted cascade

    # Linear Threshold: theta_v uniform on (0, 1]; v activates once the weights of its active
    # in-neighbours reach theta_v.
    def lt_weights(self, kind):
        w = [0.0] * len(self.target)
        for v in range(self.n):
            raw = [1.0 if kind == "uniform" else self.weights[a] for _, a in self.ins[v]]
            total = sum(raw)
            for (_, a), x in zip(self.ins[v], raw):
                w[a] = x / total if total > 0 else 0.0
        return w

    def lt(self, seeds, w, rng):
        theta = [1.0 - rng.random() for _ in range(self.n)]
        active, newly = set(seeds), list(seeds)
        while newly:
            candidates = sorted({v for u in newly for v, _ in self.out[u] if v not in active})
            newly = [v for v in candidates if sum(w[a] for u, a in self.ins[v] if u in active) >= theta[v]]
            active.update(newly)
        return len(active)

    # SI / SIR / SIS: each infected node infects each susceptible out-neighbour with probability
    # beta, then recovers with probability gamma; all decisions read the start-of-step state.
    def epidemic(self, model, seeds, beta, gamma, max_steps, rng, at_step=None):
        state = ["S"] * self.n
        for s in seeds:
            state[s] = "I"
        ever, prevalence = set(seeds), None
        for step in range(1, max_steps + 1):
            infected = [u for u in range(self.n) if state[u] == "I"]
            if not infected:
                break
            if model == "si" and not any(state[v] == "S" for u in infected for v, _ in self.out[u]):
                break
            caught = set()
            for u in infected:
                for v, _ in self.out[u]:
                    if state[v] == "S" and rng.random() < beta:
                        caught.add(v)
            if model != "si":
                for u in infected:
                    if rng.random() < gamma:
                        state[u] = "R" if model == "sir" else "S"
            for v in caught:
                state[v] = "I"
            ever |= caught
            if step == at_step:
                prevalence = state.count("I")
        if at_step is not None:
            return len(ever), (state.count("I") if prevalence is None else prevalence)
        return len(ever)

    # Complex contagion: v activates when k (or ceil(phi * in-degree), at least 1) of its
    # in-neighbours were active by the previous step. Deterministic. Returns the activation steps.
    def complex(self, seeds, k=2, phi=0.0):
        def needed(v):
            if phi > 0:
                return max(1, math.ceil(Fraction(str(phi)) * len(self.ins[v])))
            return k

        step_of = {s: 0 for s in seeds}
        step = 0
        while True:
            step += 1
            new = [
                v
                for v in range(self.n)
                if v not in step_of and sum(1 for u, _ in self.ins[v] if u in step_of) >= needed(v)
            ]
            if not new:
                return step_of
            for v in new:
                step_of[v] = step

    # Bass: each inactive v adopts with probability 1 - (1 - p)(1 - q/N)^a_v, a_v its active
    # in-neighbours at the start of the step.
    def bass(self, p, q, max_steps, rng):
        active, count = set(), [0] * self.n
        for _ in range(max_steps):
            if len(active) == self.n:
                break
            new = [
                v
                for v in range(self.n)
                if v not in active and rng.random() < 1 - (1 - p) * (1 - q / self.n) ** count[v]
            ]
            for v in new:
                active.add(v)
                for w, _ in self.out[v]:
                    count[w] += 1
        return len(active)


# -- 1. closed forms on small graphs ----------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_ic_path_node_probability_is_p_to_the_distance(kernel):
    n, p, R = 12, 0.7, 20000
    r = sim(path_graph(n), seeds=[0], p=p, replicates=R, seed=3, kernel=kernel)
    assert r.kernel == kernel
    expected = p ** np.arange(n)
    # Each node_probability is a binomial proportion: se = sqrt(q(1-q)/R); Bonferroni over n nodes.
    se = np.sqrt(expected * (1 - expected) / R)
    assert np.all(np.abs(r.node_probability - expected) <= z_bonferroni(n) * se + 1e-12), r.node_probability
    # On a path the cascade is a prefix: size d+1 exactly when nodes 0..d are active.
    assert np.array_equal(np.bincount(r.sizes, minlength=n + 1)[1:][::-1].cumsum()[::-1] / R, r.node_probability)


def star_leaf_moments(leaves, p):
    """Size from a leaf of a star: 1 + B (1 + K), B ~ Bernoulli(p), K ~ Binomial(L-1, p)."""
    m = leaves - 1
    e1 = 1 + m * p
    e2 = 1 + 2 * m * p + m * p * (1 - p) + (m * p) ** 2  # E[(1 + K)^2]
    mean = 1 + p * e1
    return mean, p * e2 - (p * e1) ** 2


@pytest.mark.parametrize("kernel", KERNELS)
def test_ic_star_mean_sizes(kernel):
    L, p, R = 30, 0.3, 10000
    g = star_graph(L)
    centre = sim(g, seeds=[0], p=p, replicates=R, seed=5, kernel=kernel)
    # From the centre: 1 + Binomial(L, p), sd sqrt(L p (1-p)); se = sd / sqrt(R); allow 5 se.
    assert abs(centre.mean() - (1 + L * p)) <= 5 * math.sqrt(L * p * (1 - p) / R)
    leaf = sim(g, seeds=[1], p=p, replicates=R, seed=5, kernel=kernel)
    mean, var = star_leaf_moments(L, p)
    assert abs(leaf.mean() - mean) <= 5 * math.sqrt(var / R), (leaf.mean(), mean)


@pytest.mark.parametrize("kernel", ["sparse", "scalar", "bitparallel"])
def test_ic_big_star_is_binomial(kernel):
    # Out-degree 3000 with p = 0.4: P(K = 0) underflows, so the sparse kernel takes its
    # from-the-mode inverse CDF; the number of activated leaves must be Binomial(3000, 0.4).
    L, p, R = 3000, 0.4, 2000
    r = sim(star_graph(L), seeds=[0], p=p, replicates=R, seed=9, kernel=kernel, timeseries=False)
    k = r.sizes - 1
    # Mean: se = sqrt(L p (1-p) / R); allow 5 se. Spread: the sample variance of R binomials has
    # sd ~ var sqrt(2 / R) (near-normal); allow 5 of those.
    var = L * p * (1 - p)
    assert abs(k.mean() - L * p) <= 5 * math.sqrt(var / R)
    assert abs(k.var(ddof=1) - var) <= 5 * var * math.sqrt(2 / R)
    # The law: chi-square over bins of 5 values within +-4 sd (bins expecting >= 5). The kept bins
    # do not cover every outcome, so their statistic is chi-square with (at most) one df per bin.
    edges = np.arange(int(L * p - 4 * math.sqrt(var)), int(L * p + 4 * math.sqrt(var)) + 1, 5)
    observed = np.histogram(k, bins=edges - 0.5)[0]  # bin i holds edges[i] .. edges[i+1] - 1
    expected = R * np.diff(stats.binom.cdf(edges - 1, L, p))
    keep = expected >= 5
    chi2 = (((observed - expected) ** 2) / expected)[keep].sum()
    assert chi2 <= stats.chi2.ppf(1 - ALPHA, keep.sum()), chi2


@pytest.mark.parametrize("kernel", KERNELS)
def test_ic_p0_only_seeds_p1_everything_reachable(kernel):
    g = gx.generators.erdos_renyi(300, 1.5 / 299, seed=4, directed=True)
    seeds = [0, 7, 19]
    zero = sim(g, seeds=seeds, p=0.0, replicates=300, seed=1, kernel=kernel)
    assert np.all(zero.sizes == 3) and np.all(zero.last_step == 0)
    assert zero.node_probability[seeds].tolist() == [1, 1, 1] and zero.node_probability.sum() == 3
    one = sim(g, seeds=seeds, p=1.0, replicates=300, seed=1, kernel=kernel)
    reach = reachable(g, seeds)
    assert np.all(one.sizes == len(reach))
    assert np.array_equal(np.flatnonzero(one.node_probability == 1), np.array(sorted(reach)))
    assert one.node_probability.sum() == len(reach)


def test_complex_k2_on_a_triangle_strip_is_an_exact_wave():
    L = 12
    g = triangle_strip(L)
    r = sim(g, "complex", seeds=[0, L], k=2, replicates=3, cascades=[0])
    # A zig-zag, one node per step: L+t (neighbours L+t-1 and t-1) at step 2t-1, then t
    # (neighbours t-1 and L+t) at step 2t, for t = 1 .. L-1.
    wave = {0: 0, L: 0} | {L + t: 2 * t - 1 for t in range(1, L)} | {t: 2 * t for t in range(1, L)}
    assert r.sizes.tolist() == [2 * L] * 3 and r.last_step.tolist() == [2 * L - 2] * 3
    assert r.counts[0, :, 0].tolist() == [2] + [1] * (2 * L - 2) + [0]
    c = r.cascade(0)
    assert dict(zip(c.node.tolist(), c.step.tolist())) == wave
    # k = 3: no node ever sees three active neighbours; only the seeds.
    assert sim(g, "complex", seeds=[0, L], k=3, replicates=2).sizes.tolist() == [2, 2]
    # phi = 0.75 needs 3 of 4 for node L+1: stuck. phi = 0.5: the literal reference.
    assert sim(g, "complex", seeds=[0, L], phi=0.75, replicates=1).sizes.tolist() == [2]
    half = sim(g, "complex", seeds=[0, L], phi=0.5, replicates=1, cascades=[0]).cascade(0)
    assert dict(zip(half.node.tolist(), half.step.tolist())) == Ref(g).complex([0, L], phi=0.5)


def test_complex_on_a_ladder_stops():
    # A ladder (rails and rungs, no diagonals): every node has at most one neighbour on the
    # other rail, so one seeded rung never gives anyone two active neighbours.
    L = 8
    src = list(range(L - 1)) + list(range(L, 2 * L - 1)) + list(range(L))
    dst = list(range(1, L)) + list(range(L + 1, 2 * L)) + list(range(L, 2 * L))
    g = gx.Graph.from_edges(src, dst, n=2 * L)
    assert sim(g, "complex", seeds=[0, L], k=2, replicates=1).sizes.tolist() == [2]
    # Seeds 0, 1 and L: node L+1 has active neighbours L and 1 -> step 1; then 2 has 1 only,
    # L+2 has L+1 only: the cascade stops at 4.
    r = sim(g, "complex", seeds=[0, 1, L], k=2, replicates=1, cascades=[0])
    assert r.sizes.tolist() == [4]
    assert sorted(zip(r.cascade(0).node, r.cascade(0).step)) == [(0, 0), (1, 0), (L, 0), (L + 1, 1)]


def test_complex_phi_fraction_is_exact():
    # phi = 0.28 of in-degree 25 is exactly 7 in-neighbours: 7 active ones suffice.
    g = gx.Graph.from_edges(np.arange(1, 26), np.zeros(25, dtype=np.int64), directed=True)
    assert sim(g, "complex", seeds=list(range(1, 8)), phi=0.28, replicates=1).sizes.tolist() == [8]
    assert sim(g, "complex", seeds=list(range(1, 7)), phi=0.28, replicates=1).sizes.tolist() == [6]
    # phi = 0.5 of 25 is 12.5: 13 needed.
    assert sim(g, "complex", seeds=list(range(1, 13)), phi=0.5, replicates=1).sizes.tolist() == [12]
    assert sim(g, "complex", seeds=list(range(1, 14)), phi=0.5, replicates=1).sizes.tolist() == [14]


def test_bass_p1_adopts_everyone_at_step_one():
    g = gx.generators.erdos_renyi(200, 0.02, seed=2)
    r = sim(g, "bass", p=1.0, q=0.3, replicates=20, seed=1)
    assert r.sizes.tolist() == [200] * 20 and r.last_step.tolist() == [1] * 20
    assert r.counts[:, 0, :].tolist() == [[0, 0, 200, 0]] * 20
    assert r.counts[:, 1, :].tolist() == [[200, 200, 0, 200]] * 20
    # p = 0, q = 0, nobody seeded: nobody ever adopts.
    none = sim(g, "bass", p=0.0, q=0.0, replicates=3, max_steps=5)
    assert none.sizes.tolist() == [0, 0, 0] and none.node_probability.sum() == 0


def test_sir_with_gamma_one_on_a_star_is_ic():
    L, p, R = 25, 0.35, 8000
    g = star_graph(L)
    for seeds, (mean, var) in (([0], (1 + L * p, L * p * (1 - p))), ([3], star_leaf_moments(L, p))):
        sir = sim(g, "sir", seeds=seeds, beta=p, gamma=1.0, replicates=R, seed=11)
        ic = sim(g, "ic", seeds=seeds, p=p, replicates=R, seed=12, kernel="scalar")
        assert_same_distribution(sir.sizes, ic.sizes, f"seeds {seeds}")
        # Against the closed form: se = sqrt(var / R); allow 5 se.
        assert abs(sir.mean() - mean) <= 5 * math.sqrt(var / R), (seeds, sir.mean(), mean)


def test_si_without_a_horizon_infects_the_reachable_set():
    g = gx.generators.erdos_renyi(150, 1.3 / 149, seed=8, directed=True)
    r = sim(g, "si", seeds=[2, 40], beta=0.3, replicates=50, seed=2)
    assert np.all(r.sizes == len(reachable(g, [2, 40])))


# -- per-step counts --------------------------------------------------------------------------

COUNT_CASES = [
    ("ic", dict(p=0.2, kernel="scalar")),
    ("ic", dict(p=0.2, kernel="sparse")),
    ("ic", dict(p=0.2, kernel="bitparallel")),
    ("wc", dict(kernel="bitparallel")),
    ("lt", dict(kernel="scalar")),
    ("lt", dict(kernel="bitparallel")),
    ("si", dict(beta=0.1, max_steps=15)),
    ("sir", dict(beta=0.2, gamma=0.3)),
    ("sis", dict(beta=0.15, gamma=0.4, max_steps=30)),
    ("complex", dict(k=2)),
    ("bass", dict(p=0.02, q=0.6, seeds=None, max_steps=40)),
]


def last_changes(r):
    """Per replicate, the last step in which some node changed state."""
    c = r.counts.astype(np.int64)
    new = c[:, :, 0]
    recoveries = c[:, :-1, 3] + new[:, 1:] - c[:, 1:, 3]
    assert np.all(recoveries >= 0)
    if r.model not in ("sir", "sis"):
        assert not recoveries.any()
    changed = (new[:, 1:] > 0) | (recoveries > 0)
    return [int(np.flatnonzero(row)[-1]) + 1 if row.any() else 0 for row in changed]


@pytest.fixture(scope="module")
def count_graph():
    return gx.generators.holme_kim(400, 2, 0.5, seed=3)


@pytest.mark.parametrize("model, kw", COUNT_CASES, ids=[f"{m}-{k.get('kernel', '')}" for m, k in COUNT_CASES])
def test_per_step_counts_are_consistent(count_graph, model, kw):
    g, R = count_graph, 300
    kw = dict(kw)
    kw.setdefault("seeds", [0, 5, 9])
    r = sim(g, model, replicates=R, seed=4, **kw)
    n = g.num_nodes
    expected_states = {
        "sir": ["susceptible", "infected", "recovered"],
        "si": ["susceptible", "infected"],
        "sis": ["susceptible", "infected"],
    }.get(model, ["inactive", "active"])
    assert r.states == ["new", "cumulative"] + expected_states
    c = r.counts.astype(np.int64)
    assert c.shape == (R, r.steps, len(r.states))
    new, cum = c[:, :, 0], c[:, :, 1]
    assert np.array_equal(c[:, :, 2:].sum(axis=2), np.full((R, r.steps), n))  # states partition n
    assert np.all(np.diff(cum, axis=1) >= 0)
    if model == "sis":
        assert np.all(cum <= np.cumsum(new, axis=1))  # re-infections count as new, not as cumulative
    else:
        assert np.array_equal(cum, np.cumsum(new, axis=1))
    if model in ("sir", "si"):
        removed = c[:, :, 4] if model == "sir" else 0
        assert np.array_equal(cum, c[:, :, 3] + removed)  # ever infected = infected + recovered
    if model not in ("si", "sir", "sis"):
        assert np.array_equal(cum, c[:, :, 3])  # active = ever active
    assert np.array_equal(r.sizes, cum[:, -1])
    # After the last change (an infection, or a recovery: infected before + new - infected after)
    # every row, the padding included, repeats the final state with new = 0.
    for i, last in enumerate(last_changes(r)):
        assert np.all(new[i, last + 1 :] == 0)
        assert np.all(c[i, last + 1 :, 1:] == c[i, last, 1:])
    # node_probability counts every replicate a node was ever active in.
    assert round(r.node_probability.sum() * R) == r.sizes.sum()
    # The tidy table holds the same numbers.
    ts = r.timeseries
    assert list(ts.columns) == ["replicate", "step", "state", "count"] and len(ts) == c.size
    row = ts[(ts.replicate == R - 1) & (ts.step == r.steps - 1)]
    assert row["state"].tolist() == r.states and row["count"].tolist() == c[R - 1, -1].tolist()
    assert ts["count"].to_numpy().reshape(c.shape).tolist() == c.tolist()


@pytest.mark.parametrize("model, kw", COUNT_CASES, ids=[f"{m}-{k.get('kernel', '')}" for m, k in COUNT_CASES])
def test_last_step_is_the_step_of_the_last_change(count_graph, model, kw):
    # Documented: "last_step: Step of the last change, per replicate" (SIR/SIS: recoveries too).
    kw = dict(kw)
    kw.setdefault("seeds", [0, 5, 9])
    r = sim(count_graph, model, replicates=300, seed=4, **kw)
    expected = np.array(last_changes(r))
    assert np.array_equal(r.last_step, expected), np.flatnonzero(r.last_step != expected)[:5]


def test_without_timeseries_counts_are_empty():
    r = sim(path_graph(5), seeds=[0], p=0.5, replicates=10, timeseries=False)
    assert r.counts.size == 0 and r.sizes.shape == (10,)
    with pytest.raises(ValueError, match="timeseries"):
        r.timeseries


def test_results_pickle_with_their_graph_and_cascades():
    import pickle

    g = gx.generators.holme_kim(500, 3, 0.5, seed=1)
    r = sim(g, p=0.1, replicates=20, seed=4, cascades=[1])
    copy = pickle.loads(pickle.dumps(r))
    assert np.array_equal(copy.counts, r.counts) and np.array_equal(copy.sizes, r.sizes)
    assert copy.cascade(1).equals(r.cascade(1)) and copy.ci() == r.ci()


def test_mean_and_ci():
    r = sim(star_graph(10), seeds=[0], p=0.5, replicates=400, seed=1)
    low, high = r.ci()
    assert low < r.mean() < high
    # Student t intervals (gx.stats): t quantile with 399 degrees of freedom, sd / sqrt(n).
    t975 = stats.t.ppf(0.975, 400 - 1)
    half = t975 * r.sizes.std(ddof=1) / math.sqrt(400)
    assert (low, high) == pytest.approx((r.mean() - half, r.mean() + half), rel=1e-12)
    mean, lo, hi = r.mean_curve("cumulative")
    cumulative = r.counts[:, :, r.states.index("cumulative")].astype(float)
    band = t975 * cumulative.std(axis=0, ddof=1) / math.sqrt(400)
    assert mean[-1] == pytest.approx(r.mean())
    np.testing.assert_allclose(hi - mean, band, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mean - lo, band, rtol=1e-12, atol=1e-12)
    one = sim(star_graph(10), seeds=[0], p=0.5, replicates=1, seed=1)
    assert np.isnan(one.ci()).all() and np.isnan(one.mean_curve("cumulative")[1]).all()  # not available
    with pytest.raises(ValueError, match="level"):
        r.ci(1.5)
    with pytest.raises(ValueError, match="state"):
        r.mean_curve("bogus")


# -- 2. the literal reference on random small graphs ------------------------------------------

REF_R, GX_R = 2000, 4000  # reference replicates (slow), gx replicates


def weighted(g, low, high, seed):
    src, dst = g.edges()
    w = np.random.default_rng(seed).uniform(low, high, size=len(src))
    return gx.Graph.from_edges(np.asarray(src), np.asarray(dst), weights=w, n=g.num_nodes, directed=g.directed)


@pytest.fixture(scope="module")
def small_graphs():
    und = gx.generators.erdos_renyi(150, 4 / 149, seed=11)
    dire = gx.generators.erdos_renyi(120, 5 / 119, seed=12, directed=True)
    return {"undirected": und, "directed": dire}


_ref_cache = {}


def ref_sizes(key, fn):
    """Reference samples are slow: compute each once per session."""
    if key not in _ref_cache:
        base = zlib.crc32(repr(key).encode()) * REF_R  # a fixed seed per case
        _ref_cache[key] = np.array([fn(random.Random(base + i)) for i in range(REF_R)])
    return _ref_cache[key]


IC_CASES = [
    # (graph, probability, p, graph weights range, kernels)
    ("undirected", "uniform", 0.25, None, KERNELS),
    ("directed", "uniform", 0.2, None, KERNELS),
    ("undirected", "weights", None, (0.05, 0.5), ["scalar", "bitparallel"]),
    ("directed", "weights", None, (0.05, 0.45), ["scalar", "bitparallel"]),
    ("undirected", "wc", None, None, ["scalar", "bitparallel"]),
    ("directed", "wc", None, None, ["scalar", "bitparallel"]),
]


@pytest.mark.parametrize(
    "graph, probability, p, wrange, kernel",
    [(c[0], c[1], c[2], c[3], k) for c in IC_CASES for k in c[4]],
)
def test_ic_matches_reference(small_graphs, graph, probability, p, wrange, kernel):
    g = small_graphs[graph]
    if wrange:
        g = weighted(g, *wrange, seed=21)
    ref = Ref(g)
    seeds = [0, 1, 2]
    prob = ref.ic_probabilities(probability, p)
    expected = ref_sizes(("ic", graph, probability, p, wrange), lambda rng: ref.ic(seeds, prob, rng))
    kw = dict(p=p) if p is not None else {}
    r = sim(g, "ic", seeds=seeds, probability=probability, replicates=GX_R, seed=7, kernel=kernel, timeseries=False,
            **kw)
    assert r.kernel == kernel
    assert_same_distribution(r.sizes, expected, (graph, probability, kernel))


@pytest.mark.parametrize("graph", ["undirected", "directed"])
@pytest.mark.parametrize("weights", ["uniform", "graph"])
@pytest.mark.parametrize("kernel", ["scalar", "bitparallel"])
def test_lt_matches_reference(small_graphs, graph, weights, kernel):
    g = small_graphs[graph]
    if weights == "graph":
        g = weighted(g, 0.05, 2.0, seed=22)
    ref = Ref(g)
    seeds = [0, 1, 2, 3]
    w = ref.lt_weights(weights)
    expected = ref_sizes(("lt", graph, weights), lambda rng: ref.lt(seeds, w, rng))
    r = sim(g, "lt", seeds=seeds, weights=weights, replicates=GX_R, seed=8, kernel=kernel, timeseries=False)
    assert r.kernel == kernel
    assert_same_distribution(r.sizes, expected, (graph, weights, kernel))


EPIDEMIC_CASES = [
    ("si", dict(beta=0.15, gamma=0.0, max_steps=6)),
    ("sir", dict(beta=0.3, gamma=0.4, max_steps=10**6)),
    ("sis", dict(beta=0.2, gamma=0.35, max_steps=20)),
]


@pytest.mark.parametrize("graph", ["undirected", "directed"])
@pytest.mark.parametrize("model, kw", EPIDEMIC_CASES, ids=[c[0] for c in EPIDEMIC_CASES])
def test_epidemics_match_reference(small_graphs, graph, model, kw):
    g = small_graphs[graph]
    ref = Ref(g)
    seeds = [0, 1]
    at = 8 if model == "sis" else None
    out = ref_sizes(
        (model, graph),
        lambda rng: ref.epidemic(model, seeds, kw["beta"], kw["gamma"], kw["max_steps"], rng, at_step=at),
    )
    gx_kw = dict(beta=kw["beta"], gamma=kw["gamma"])
    if model != "sir":
        gx_kw["max_steps"] = kw["max_steps"]
    r = sim(g, model, seeds=seeds, replicates=GX_R, seed=9, **gx_kw)
    if model == "sis":
        assert_same_distribution(r.sizes, out[:, 0], (model, graph, "ever infected"))
        prevalence = r.counts[:, at, r.states.index("infected")]
        assert_same_distribution(prevalence, out[:, 1], (model, graph, f"infected at step {at}"))
    else:
        assert_same_distribution(r.sizes, out, (model, graph))


@pytest.mark.parametrize("graph", ["undirected", "directed"])
@pytest.mark.parametrize("rule", [dict(k=2), dict(k=3), dict(phi=0.5), dict(phi=0.3)])
def test_complex_matches_reference_exactly(small_graphs, graph, rule):
    g = small_graphs[graph]
    ref = Ref(g)
    # Seed a neighbourhood so that something spreads: a node with its out-neighbours.
    offsets, targets = np.asarray(g.offsets), np.asarray(g.targets)
    hub = int(np.argmax(np.diff(offsets)))
    seeds = sorted({hub} | set(targets[offsets[hub] : offsets[hub + 1]].tolist()))
    step_of = ref.complex(seeds, **rule)
    r = sim(g, "complex", seeds=seeds, replicates=3, cascades=[1], **rule)
    assert r.sizes.tolist() == [len(step_of)] * 3
    assert np.array_equal(np.flatnonzero(r.node_probability), np.array(sorted(step_of)))
    c = r.cascade(1)
    assert dict(zip(c.node.tolist(), c.step.tolist())) == step_of
    per_step = np.bincount(list(step_of.values()))
    assert r.counts[0, : per_step.size, 0].tolist() == per_step.tolist()


@pytest.mark.parametrize("directed", [False, True])
def test_bass_matches_reference(directed):
    # Dense enough (mean degree ~20 of N = 60) for imitation to matter: (1 - q/N)^20 ~ 0.71 for q = 1.
    g = gx.generators.erdos_renyi(60, 0.35, seed=13, directed=directed)
    ref = Ref(g)
    p, q, steps = 0.03, 1.0, 6
    expected = ref_sizes(("bass", directed), lambda rng: ref.bass(p, q, steps, rng))
    r = sim(g, "bass", seeds=None, p=p, q=q, max_steps=steps, replicates=GX_R, seed=10)
    assert_same_distribution(r.sizes, expected, ("bass", directed))


# -- 3. kernels agree with each other on a social graph ---------------------------------------


@pytest.fixture(scope="module")
def social(data_dir):
    path = data_dir / "facebook_combined.edges"
    if path.is_file():
        return gx.Graph.read(path)
    return gx.generators.holme_kim(4039, 22, 0.5, seed=1)  # same size and mean degree


@pytest.mark.parametrize("p, R", [(0.01, 2000), (0.1, 600)])
def test_kernels_agree_on_a_social_graph(social, p, R):
    runs = {
        k: sim(social, seeds="top-degree:10", p=p, replicates=R, seed=13, kernel=k, timeseries=False) for k in KERNELS
    }
    for a, b in (("scalar", "sparse"), ("scalar", "bitparallel"), ("sparse", "bitparallel")):
        x, y = runs[a], runs[b]
        assert_same_distribution(x.sizes, y.sizes, (p, a, b, "size"))
        assert_same_distribution(x.last_step, y.last_step, (p, a, b, "last step"))
        assert_same_node_probabilities(x.node_probability, R, y.node_probability, R, (p, a, b))


# -- 4. percolation theory on Erdős–Rényi graphs ---------------------------------------------
# IC keeps each arc live with probability T = p independently: the live-arc graph of G(n, c/n)
# is a directed random graph with mean out-degree cT. Above cT = 1 its giant out-component
# and giant in-component both hold a fraction S of the nodes, S = 1 - exp(-cT S): a random
# seed starts a large cascade when it lies in the in-component (probability S) and then
# reaches the out-component (fraction S), so the mean final fraction is S^2.
# Finite size: the giant component of G(n, x/n) fluctuates with sd sqrt(S(1-S)/n) / (1 - x(1-S))
# (its central limit theorem); the one graph we simulate on is one such draw, so we allow
# 3 of those sd on top of the 5 standard errors of the Monte Carlo mean.

N_ER = 20000


@pytest.fixture(scope="module")
def er_graph():
    return gx.generators.erdos_renyi(N_ER, 4 / (N_ER - 1), seed=17)


def giant(x):
    return optimize.brentq(lambda s: s - 1 + math.exp(-x * s), 1e-12, 1.0)


def finite_size_allowance(x, S, n=N_ER):
    return 3 * math.sqrt(S * (1 - S) / n) / (1 - x * (1 - S))


def test_ic_supercritical_giant_cascade(er_graph):
    g, p, R = er_graph, 0.5, 1000
    c = 2 * g.num_ties / g.num_nodes  # the graph's own mean degree (~4)
    x = c * p
    S = giant(x)
    delta = finite_size_allowance(x, S)
    r = sim(g, seeds="random:1", p=p, replicates=R, seed=19, timeseries=False)
    fraction = r.sizes / g.num_nodes
    large = fraction > 0.01
    # P(large) is a binomial proportion: se = sqrt(S(1-S)/R).
    assert abs(large.mean() - S) <= 5 * math.sqrt(S * (1 - S) / R) + delta, (large.mean(), S)
    assert_mean_close(fraction[large], S, "size of large cascades", extra=delta)
    # S_in * S_out: each factor within delta, so the product within 2 S delta (+ delta^2).
    assert_mean_close(fraction, S * S, "mean final fraction", extra=2 * S * delta + delta**2)


@pytest.mark.parametrize("kernel", KERNELS)
def test_ic_subcritical_mean_cascade(er_graph, kernel):
    g, p, R = er_graph, 0.125, 40000
    k = g.degrees().astype(float)
    # Tree-like branching from a random seed: 1 + T<k> / (1 - T(<k^2> - <k>)/<k>), which is
    # 1 / (1 - cT) = 2 for Poisson degrees; the graph's own moments remove its O(1/sqrt(n))
    # deviation from Poisson. Loops add O(1/n): negligible.
    expected = 1 + p * k.mean() / (1 - p * (np.mean(k * k) - k.mean()) / k.mean())
    assert abs(expected - 2) < 0.05
    r = sim(g, seeds="random:1", p=p, replicates=R, seed=23, kernel=kernel, timeseries=False)
    assert_mean_close(r.sizes, expected, kernel)


def test_sir_final_size_and_outbreak_probability(er_graph):
    g, beta, gamma, R = er_graph, 0.3, 0.5, 800
    c = 2 * g.num_ties / g.num_nodes
    # An infected node tries each neighbour once per step for D ~ Geometric(gamma) steps
    # (tries, then recovers with probability gamma), so it transmits along an arc with
    # T = 1 - E[(1-beta)^D] = 1 - gamma(1-beta) / (1 - (1-gamma)(1-beta)).
    T = 1 - gamma * (1 - beta) / (1 - (1 - gamma) * (1 - beta))
    x = c * T
    S = giant(x)  # attack rate of a large outbreak: in-component, independent arcs into a node
    # A large outbreak starts with probability pi = 1 - E_D[exp(-c T_D pi)], T_D = 1 - (1-beta)^D:
    # arcs out of one node share its D (pi < S unless gamma = 1).
    D = np.arange(1, 400)
    weights_d = gamma * (1 - gamma) ** (D - 1)
    pi = optimize.brentq(lambda s: s - 1 + np.sum(weights_d * np.exp(-c * (1 - (1 - beta) ** D) * s)), 1e-9, 1.0)
    delta = finite_size_allowance(x, S)
    r = sim(g, "sir", seeds="random:1", beta=beta, gamma=gamma, replicates=R, seed=29, timeseries=False)
    fraction = r.sizes / g.num_nodes
    large = fraction > 0.01
    assert_mean_close(fraction[large], S, "SIR attack rate", extra=delta)
    assert abs(large.mean() - pi) <= 5 * math.sqrt(pi * (1 - pi) / R) + delta, (large.mean(), pi, S)


# -- 5. Bass on the complete graph ------------------------------------------------------------


def test_bass_on_the_complete_graph_follows_the_recurrence():
    N, p, q, R, steps = 2000, 0.01, 0.3, 200, 30
    r = sim(gx.generators.complete(N), "bass", seeds=None, p=p, q=q, replicates=R, seed=31, max_steps=steps)
    C = r.counts[:, :, 1].astype(float)  # cumulative adopters, steps 0 .. steps
    assert C.shape[1] == steps + 1
    keep = 1 - q / N

    def adopt(c):  # probability that an inactive node adopts when c nodes are active
        return 1 - (1 - p) * keep**c

    # (a) Exact one-step law: given C_t, new adopters ~ Binomial(N - C_t, adopt(C_t)). Sum the
    # residuals over replicates: z = sum / sqrt(sum of binomial variances); Bonferroni over steps.
    z_max = z_bonferroni(steps)
    for t in range(steps):
        m, a = N - C[:, t], adopt(C[:, t])
        var = np.sum(m * a * (1 - a))
        if var == 0:
            assert np.all(C[:, t + 1] == C[:, t] + m * a)
            continue
        z = np.sum(C[:, t + 1] - C[:, t] - m * a) / math.sqrt(var)
        assert abs(z) <= z_max, (t, z)
    # (b) The mean curve follows F_{t+1} = 1 - (1 - F_t)(1 - p)(1 - q/N)^{N F_t} (MODEL.md §6).
    # It holds for E[F_t] up to the Jensen gap of f(F) = 1 - (1-F)(1-p)e^{-lam F}: at most
    # |f''|/2 Var(F_t) <= (1-p)(2 lam + lam^2)/2 Var(F_t) per step, carried forward by f'(F_t).
    # The band is 5 se of the mean (sd_t / sqrt(R)) plus that propagated gap (with the sample
    # variance of F_t).
    lam = -N * math.log(keep)
    F = C / N
    mean, var_f = F.mean(axis=0), F.var(axis=0, ddof=1)
    x, gap = 0.0, 0.0
    for t in range(steps + 1):
        assert abs(mean[t] - x) <= 5 * math.sqrt(var_f[t] / R) + gap + 1e-12, (t, mean[t], x, gap)
        slope = (1 - p) * math.exp(-lam * x) * (1 + lam * (1 - x))
        gap = slope * gap + (1 - p) * (2 * lam + lam * lam) / 2 * var_f[t]
        x = 1 - (1 - x) * (1 - p) * keep ** (N * x)
    assert mean[steps] > 0.95  # the curve went all the way up: the check covered the S shape


# -- 6. determinism and common random numbers -------------------------------------------------


@pytest.fixture(scope="module")
def det_graph():
    return weighted(gx.generators.holme_kim(3000, 3, 0.5, seed=5), 0.02, 0.4, seed=6)


DET_CASES = [
    ("ic", dict(p=0.1, kernel="scalar")),
    ("ic", dict(p=0.1, kernel="sparse")),
    ("ic", dict(p=0.1, kernel="bitparallel")),
    ("ic", dict(probability="weights", kernel="scalar")),
    ("ic", dict(probability="weights", kernel="bitparallel")),
    ("wc", dict(kernel="scalar")),
    ("wc", dict(kernel="bitparallel")),
    ("lt", dict(kernel="scalar")),
    ("lt", dict(kernel="bitparallel")),
    ("lt", dict(weights="graph", kernel="scalar")),
    ("lt", dict(weights="graph", kernel="bitparallel")),
    ("si", dict(beta=0.05, max_steps=20)),
    ("sir", dict(beta=0.1, gamma=0.3)),
    ("sis", dict(beta=0.1, gamma=0.3, max_steps=40)),
    ("complex", dict(k=2)),
    ("complex", dict(phi=0.2)),
    ("bass", dict(p=0.01, q=0.9, seeds=None, max_steps=30)),
]
# Bit-parallel runs 256 replicates per batch: 256 is one batch (on 2 threads the frontier is
# split over the threads), 700 is three batches (split over replicates).
DET_RUNS = [(m, kw, R) for m, kw in DET_CASES for R in ((256, 700) if kw.get("kernel") == "bitparallel" else (100,))]
DET_IDS = [f"{m}-{'-'.join(str(v) for v in kw.values())}-{R}" for m, kw, R in DET_RUNS]


def assert_identical(a, b, what=""):
    assert a.kernel == b.kernel and a.steps == b.steps, what
    assert np.array_equal(a.sizes, b.sizes), (what, "sizes", int(np.sum(a.sizes != b.sizes)))
    assert np.array_equal(a.counts, b.counts), (what, "counts")
    assert np.array_equal(a.last_step, b.last_step), (what, "last_step")
    assert np.array_equal(a.node_probability, b.node_probability), (what, "node_probability")
    for rep in a._cascades:
        x, y = a.cascade(rep), b.cascade(rep)
        key = ["step", "node"]
        same_rows = x.sort_values(key).reset_index(drop=True).equals(y.sort_values(key).reset_index(drop=True))
        assert same_rows, (what, "cascade rows", rep)
        assert x.equals(y), (what, "cascade row order", rep)


@pytest.mark.parametrize("model, kw, replicates", DET_RUNS, ids=DET_IDS)
def test_same_seed_same_result_for_any_thread_count(det_graph, threads, model, kw, replicates):
    kw = dict(kw)
    kw.setdefault("seeds", "random:5")
    kw.update(replicates=replicates, cascades=[0, replicates // 2, replicates - 1])

    def run(seed=37, **extra):
        return sim(det_graph, model, seed=seed, **kw, **extra)

    one = run(threads=1)
    assert_identical(one, run(threads=2), "threads=1 vs threads=2")
    threads(1)
    capped = run()
    threads(2)
    assert_identical(capped, run(), "set_max_threads(1) vs 2")
    assert_identical(one, capped)
    assert not np.array_equal(one.sizes, run(seed=38).sizes)


def test_bitparallel_frontier_parallel_mode_is_deterministic():
    # 256 replicates on 2 threads: one batch, so the fused kernel splits each frontier over the
    # threads (frontier-parallel mode). Every run must equal the sequential one; a thread race
    # shows up only now and then, so try 20 times (~0.1 s each).
    g = gx.generators.holme_kim(20000, 3, 0.5, seed=1)
    kw = dict(seeds="top-degree:10", p=0.3, replicates=256, seed=5, kernel="bitparallel", timeseries=False)
    base = sim(g, threads=1, **kw)
    assert round(base.node_probability.sum() * 256) == base.sizes.sum()
    for attempt in range(20):
        r = sim(g, threads=2, **kw)
        lost = base.sizes.astype(np.int64) - r.sizes
        assert not lost.any(), (attempt, int((lost != 0).sum()), int(lost.sum()))
        assert round(r.node_probability.sum() * 256) == r.sizes.sum()


@pytest.mark.parametrize("kernel", KERNELS)
def test_replicates_are_a_pure_function_of_seed_and_index(det_graph, kernel):
    a = sim(det_graph, seeds="random:3", p=0.08, replicates=300, seed=41, kernel=kernel, timeseries=False)
    b = sim(det_graph, seeds="random:3", p=0.08, replicates=900, seed=41, kernel=kernel, cascades=[7])
    assert np.array_equal(a.sizes, b.sizes[:300])
    assert np.array_equal(a.last_step, b.last_step[:300])


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("p1, p2", [(0.01, 0.02), (0.05, 0.1), (0.1, 0.11), (0.1, 0.5)])
def test_ic_monotone_coupling(det_graph, kernel, p1, p2):
    # Common random numbers: with the same seed, a larger p never gives a smaller cascade.
    kw = dict(seeds="random:3", replicates=512, seed=43, kernel=kernel, cascades=[0, 1, 2], timeseries=False)
    low, high = sim(det_graph, p=p1, **kw), sim(det_graph, p=p2, **kw)
    assert np.all(high.sizes >= low.sizes), int(np.sum(high.sizes < low.sizes))
    assert np.any(high.sizes > low.sizes)  # the comparison is not vacuous
    assert np.all(high.node_probability >= low.node_probability)
    for rep in range(3):
        assert set(low.cascade(rep).node) <= set(high.cascade(rep).node)


# -- 7. cascades ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def labelled_graph():
    """A directed random graph whose nodes carry string labels ("v0", "v1", ...)."""
    g = gx.generators.erdos_renyi(400, 3 / 399, seed=47, directed=True)
    src, dst = g.edges()
    names = np.array([f"v{i}" for i in range(g.num_nodes)], dtype=object)
    return gx.Graph.from_edges(names[np.asarray(src)], names[np.asarray(dst)], directed=True)


CASCADE_CASES = [("ic", dict(p=0.3, kernel=k)) for k in KERNELS] + [
    ("wc", dict(kernel="bitparallel")),
    ("lt", dict(kernel="scalar")),
    ("lt", dict(kernel="bitparallel")),
    ("complex", dict(k=1)),
    ("complex", dict(k=2)),
    ("si", dict(beta=0.3, max_steps=12)),
    ("sir", dict(beta=0.4, gamma=0.3)),
    ("bass", dict(p=0.01, q=1.0, max_steps=40, seeds=None)),
]


def needed(rule, indegree):
    if rule.get("phi", 0) > 0:
        return max(1, math.ceil(Fraction(str(rule["phi"])) * indegree))
    return rule.get("k", 2)


@pytest.mark.parametrize("model, kw", CASCADE_CASES, ids=[f"{m}-{kw.get('kernel', '')}" for m, kw in CASCADE_CASES])
def test_cascade_trees(labelled_graph, model, kw):
    g = labelled_graph
    ins = in_neighbours(g)
    kw = dict(kw)
    kw.setdefault("seeds", [int(v) for v in np.argsort(-g.degrees(), kind="stable")[:4]])
    seeds = kw["seeds"] or []
    if model == "complex":  # seed a neighbourhood so that something spreads
        seeds = kw["seeds"] = sorted(set(seeds) | set(g.neighbors(seeds[0]).tolist()))
    recorded = [0, 3, 17, 99]
    r = sim(g, model, replicates=100, seed=53, cascades=recorded, **kw)
    labels = g.labels
    spread = 0
    for rep in recorded:
        c = r.cascade(rep)
        nodes, parents, steps = c.node.tolist(), c.parent.tolist(), c.step.tolist()
        assert len(set(nodes)) == len(nodes) == r.sizes[rep]  # each active node once
        assert np.array_equal(np.bincount(steps, minlength=r.steps)[: r.steps], r.counts[rep, :, 0])
        assert sorted(v for v, s in zip(nodes, steps) if s == 0) == sorted(seeds)
        assert all(p == -1 for p, s in zip(parents, steps) if s == 0)
        assert c.label.tolist() == labels[nodes].tolist()
        assert [l for l, p in zip(c.parent_label, parents) if p >= 0] == [labels[p] for p in parents if p >= 0]
        step_of = dict(zip(nodes, steps))
        spread += len(nodes) - len(seeds)
        for v, p, s in zip(nodes, parents, steps):
            if s == 0:
                continue
            if model == "bass":
                # Documented: the earliest active in-neighbour (smallest id among those), or none.
                earlier = [u for u in ins[v] if u in step_of and step_of[u] < s]
                assert p == (min(earlier, key=lambda u: (step_of[u], u)) if earlier else -1), (rep, v)
                continue
            assert p in ins[v], (rep, v, p)  # the parent is an in-neighbour ...
            if model in ("si", "sir"):
                assert step_of[p] <= s - 1, (rep, v, p)  # ... infected before the child
            else:
                assert step_of[p] == s - 1, (rep, v, p)  # ... activated at the previous step
            if model == "complex":
                # The in-neighbour whose activation completed the threshold (in id order).
                before = sum(1 for u in ins[v] if step_of.get(u, s) < s - 1)
                last_step = sorted(u for u in ins[v] if step_of.get(u) == s - 1)
                assert p == last_step[needed(kw, len(ins[v])) - before - 1], (rep, v, p)
    assert spread > 0  # the checks saw some activations
    with pytest.raises(ValueError, match="replicate 5"):
        r.cascade(5)


@pytest.mark.parametrize("kernel", KERNELS)
def test_ic_parent_is_the_smallest_id_active_in_neighbour(labelled_graph, kernel):
    # p = 1: every arc is live, so each node's parent is its smallest-id in-neighbour among
    # those activated at the previous step.
    g, ins = labelled_graph, in_neighbours(labelled_graph)
    r = sim(g, seeds=[0, 1], p=1.0, replicates=3, kernel=kernel, cascades=[0, 2])
    for rep in (0, 2):
        c = r.cascade(rep)
        step_of = dict(zip(c.node.tolist(), c.step.tolist()))
        assert len(step_of) == len(reachable(g, [0, 1]))
        for v, p, s in zip(c.node.tolist(), c.parent.tolist(), c.step.tolist()):
            if s > 0:
                assert p == min(u for u in ins[v] if step_of.get(u) == s - 1), (v, p)


def test_cascades_out_of_range():
    with pytest.raises(ValueError, match="cascades"):
        sim(path_graph(4), seeds=[0], replicates=10, cascades=[10])
    r = sim(path_graph(4), seeds=[0], replicates=10)
    with pytest.raises(ValueError, match="replicate 0"):
        r.cascade(0)


# -- 8. errors --------------------------------------------------------------------------------

NAN = float("nan")
ERROR_CASES = [
    ("ic", dict(p=1.5), "p"),
    ("ic", dict(p=-0.1), "p"),
    ("ic", dict(p=NAN), "p"),
    ("sir", dict(beta=-0.1), "beta"),
    ("sir", dict(gamma=NAN), "gamma"),
    ("sis", dict(gamma=2.0), "gamma"),
    ("si", dict(beta=NAN), "beta"),
    ("complex", dict(k=0), "k"),
    ("complex", dict(phi=1.5), "phi"),
    ("complex", dict(phi=NAN), "phi"),
    ("bass", dict(p=2.0, seeds=None), "p"),
    ("bass", dict(q=-1.0, seeds=None), "q"),
    ("nope", dict(), "model"),
    ("ic", dict(kernel="nope"), "kernel"),
    ("lt", dict(kernel="sparse"), "kernel"),
    ("sis", dict(kernel="bitparallel"), "kernel"),
    ("ic", dict(probability="wc", kernel="sparse"), "kernel"),
    ("ic", dict(seeds=[99]), "seeds"),
    ("ic", dict(seeds=[-1]), "seeds"),
    ("ic", dict(seeds=[1, 1]), "seeds"),
    ("ic", dict(seeds="random:0"), "seeds"),
    ("ic", dict(seeds="random:11"), "seeds"),  # more than the 10 nodes
    ("ic", dict(seeds=[]), "seeds"),
    ("ic", dict(seeds=None), "seeds"),
    ("ic", dict(seeds="nope:3"), "seeds"),
    ("ic", dict(seeds="zzz"), "seeds"),
    ("ic", dict(probability="weights"), "probability"),  # the graph has no weights
    ("ic", dict(probability="nope"), "probability"),
    ("lt", dict(weights="graph"), "weights"),
    ("lt", dict(weights="nope"), "weights"),
    ("ic", dict(replicates=0), "replicates"),
    ("ic", dict(threads=0), "threads"),
]


@pytest.mark.parametrize("model, kw, name", ERROR_CASES, ids=[f"{m}-{k}" for m, k, _ in ERROR_CASES])
def test_bad_input_raises_value_error_naming_the_parameter(model, kw, name):
    g = path_graph(10)
    kw = dict(kw)
    kw.setdefault("seeds", [0])
    with pytest.raises(ValueError) as info:
        sim(g, model, **kw)
    assert str(info.value).startswith(f"{name}:"), str(info.value)


def test_ic_weights_above_one_are_rejected():
    g = gx.Graph.from_edges([0, 1, 2], [1, 2, 3], weights=[0.5, 1.5, 0.2], directed=True)
    with pytest.raises(ValueError) as info:
        sim(g, seeds=[0], probability="weights")
    message = str(info.value)
    assert "probability" in message and "weight" in message and "1.5" in message, message
    assert sim(g, seeds=[0], probability="uniform", p=0.5, replicates=5).replicates == 5  # p itself is fine


# -- robustness: degenerate parameters must end -----------------------------------------------

PYTHONPATH = os.path.dirname(os.path.dirname(os.path.abspath(gx.__file__)))


def run_python(code, timeout, memory_bytes=2 << 30):
    """Run `code` in a fresh interpreter with the same guanxi, capped in memory and time."""

    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    env = dict(os.environ, PYTHONPATH=PYTHONPATH)
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout,
            env=env, preexec_fn=limit,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {timeout} s")


@pytest.mark.parametrize(
    "model, params, expected",
    [
        ("si", "beta=0.0", 1),  # nobody can ever be infected: the run must stop at once
        ("sir", "beta=1.0, gamma=0.0", 3),  # everyone infected, nobody recovers: nothing can change
        ("sir", "beta=0.0, gamma=0.0", 1),
    ],
)
def test_epidemics_that_cannot_change_stop(model, params, expected):
    # Either a result (nothing changes after the last infection) or a ValueError naming the
    # parameter; never an unbounded run (the default max_steps of SI and SIR is unlimited).
    out = run_python(
        f"""
        import guanxi as gx
        g = gx.Graph.from_edges([0, 1], [1, 2])
        try:
            r = gx.simulate(g, "{model}", seeds=[0], {params}, replicates=2, progress=False)
            print("sizes", r.sizes.tolist(), r.steps)
        except ValueError as e:
            print("ValueError", e)
        """,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr[-400:]
    line = out.stdout.strip()
    if line.startswith("ValueError"):
        assert line.split()[1].rstrip(":") in ("beta", "gamma"), line
    else:
        assert line.startswith(f"sizes [{expected}, {expected}]"), line


# -- 9. Ctrl-C --------------------------------------------------------------------------------


def test_ctrl_c_raises_keyboard_interrupt(tmp_path):
    # Endemic SIS on 200 000 nodes for up to a million steps per replicate: hours of work.
    assert_call_interrupts(tmp_path, "g = gx.generators.erdos_renyi(200000, 10 / 200000, seed=1)\n", """
        gx.simulate(g, "sis", seeds="random:20", beta=0.2, gamma=0.1, max_steps=1000000,
                    replicates=8, seed=1, progress=False)
        """)


def test_simulation_ci_is_the_student_interval_of_the_final_sizes():
    graph = gx.generators.holme_kim(300, 2, 0.5, seed=1)
    for replicates in (3, 40):
        result = gx.simulate(graph, "ic", seeds=[0, 1], p=0.15, replicates=replicates, seed=3, progress=False)
        for level in (0.9, 0.95):
            low, high = result.ci(level)
            assert (low, high) == pytest.approx(statsmodels_interval(result.sizes, level), rel=1e-12)
            # The per-step band ends at the same interval: the cumulative count at the last
            # step is the final size.
            cumulative = result.counts[:, -1, result.states.index("cumulative")]
            assert np.array_equal(cumulative, result.sizes)
            mean, band_low, band_high = result.mean_curve("cumulative", level)
            assert (band_low[-1], band_high[-1]) == (low, high)
    with pytest.raises(ValueError, match="^level"):
        result.ci(1)
