# Generators: exact counts where the algorithm fixes them, statistics against theory or networkx
# (fixed seeds, tolerances from the variance), thread-count determinism and parameter validation.
import math
import random
import re

import numpy as np
import pytest

import guanxi as gx


def test_generate_by_name_is_the_named_generator():
    catalog = gx.generators.catalog()
    assert {"holme-kim", "erdos-renyi", "sbm", "rmat", "complete"} <= set(catalog)
    assert catalog["rmat"]["params"]["edge-factor"][0] == "16"
    a = gx.generators.generate("holme-kim", n=1000, m=3, p=0.5, seed=4)
    b = gx.generators.holme_kim(1000, 3, 0.5, seed=4)
    assert np.array_equal(a.targets, b.targets)
    c = gx.generators.generate("sbm", sizes=[50, 50], p=[0.1, 0.01, 0.01, 0.1], seed=1)
    d = gx.generators.stochastic_block([50, 50], [[0.1, 0.01], [0.01, 0.1]], seed=1)
    assert np.array_equal(c.targets, d.targets)
    assert gx.generators.generate("rmat", scale=6, edge_factor=4, directed=True).directed
    with pytest.raises(ValueError, match="unknown parameter 'q'"):
        gx.generators.generate("holme-kim", q=1)
    with pytest.raises(ValueError, match="choose from"):
        gx.generators.generate("no-such-model")
    with pytest.raises(ValueError, match="p:"):
        gx.generators.generate("erdos-renyi", p="abc")


G = gx.generators


SD = 5  # every statistical check allows 5 standard deviations (two-sided p ~ 6e-7)


def tie_pairs(g):
    src, dst = g.edges()
    return src.astype(np.int64), dst.astype(np.int64)


def is_simple(g):
    src, dst = tie_pairs(g)
    keys = src * g.num_nodes + dst
    return bool(np.all(src != dst)) and len(np.unique(keys)) == len(keys)


def endpoint_degrees(g):
    """Degree counting both endpoints of every tie (a self-loop adds 2)."""
    src, dst = tie_pairs(g)
    return np.bincount(src, minlength=g.num_nodes) + np.bincount(dst, minlength=g.num_nodes)


def assert_means_agree(ours, theirs, what):
    """Means of two samples of per-seed statistics agree within SD standard errors of the difference."""
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    se = math.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    assert abs(ours.mean() - theirs.mean()) <= SD * se, (what, ours.mean(), theirs.mean(), se)


@pytest.mark.parametrize("directed", [False, True])
def test_gnp_tie_count_and_degree_variance(directed):
    n, p = 2000, 0.004
    g = G.erdos_renyi(n, p, seed=11, directed=directed)
    assert g.num_nodes == n and g.directed == directed and is_simple(g)
    pairs = n * (n - 1) if directed else n * (n - 1) // 2
    # Ties ~ Binomial(pairs, p): sd = sqrt(pairs p (1-p)).
    sd_ties = math.sqrt(pairs * p * (1 - p))
    assert abs(g.num_ties - pairs * p) <= SD * sd_ties
    # Mean out-degree = (arcs / n), expected p (n-1); its sd follows from the tie count's.
    k = g.degrees()
    arcs_per_tie = 1 if directed else 2
    assert abs(k.mean() - p * (n - 1)) <= SD * arcs_per_tie * sd_ties / n
    # Out-degrees ~ Binomial(n-1, p) (nearly independent: covariance pq when undirected), variance
    # s2 = (n-1) p (1-p); the sample variance has sd ~ s2 sqrt((2 + excess kurtosis) / n), with
    # excess kurtosis (1 - 6pq) / ((n-1) p q).
    s2 = (n - 1) * p * (1 - p)
    kurt = (1 - 6 * p * (1 - p)) / s2
    assert abs(k.var(ddof=1) - s2) <= SD * s2 * math.sqrt((2 + kurt) / n)


def test_gnp_extremes():
    assert G.erdos_renyi(50, 0.0, seed=1).num_ties == 0
    full = G.erdos_renyi(50, 1.0, seed=1)
    assert full.num_ties == 50 * 49 // 2 and is_simple(full)
    assert G.erdos_renyi(20, 1.0, seed=1, directed=True).num_ties == 20 * 19


@pytest.mark.parametrize(
    "n, m, directed",
    [(500, 3000, False), (300, 5000, True), (50, 1000, False), (30, 800, True), (40, 0, False), (12, 66, False)],
    ids=["sparse", "sparse-directed", "dense-complement", "dense-directed", "empty", "complete"],
)
def test_gnm_exact_tie_count(n, m, directed):
    g = G.gnm(n, m, seed=3, directed=directed)
    assert (g.num_nodes, g.num_ties, g.directed) == (n, m, directed)
    assert is_simple(g)


@pytest.mark.parametrize("n, m, directed", [(6, 5, False), (6, 11, False), (5, 7, True), (5, 16, True)])
def test_gnm_chooses_every_pair_equally_often(n, m, directed):
    # Over R seeds each pair is in the graph with probability m / pairs:
    # count ~ Binomial(R, m / pairs), sd = sqrt(R q (1 - q)).
    R = 3000
    pairs = n * (n - 1) if directed else n * (n - 1) // 2
    counts = np.zeros((n, n))
    for seed in range(R):
        src, dst = tie_pairs(G.gnm(n, m, seed=seed, directed=directed))
        counts[src, dst] += 1
    q = m / pairs
    mask = ~np.eye(n, dtype=bool) if directed else np.triu(np.ones((n, n), dtype=bool), 1)
    assert np.all(np.abs(counts[mask] - R * q) <= SD * math.sqrt(R * q * (1 - q))), counts
    assert counts[~mask].sum() == 0


@pytest.mark.parametrize("n, m", [(2, 1), (10, 1), (500, 3), (1000, 7)])
def test_barabasi_albert_exact_structure(n, m):
    g = G.barabasi_albert(n, m, seed=5)
    # A star on m + 1 nodes (m ties), then m ties to distinct older nodes per new node.
    assert g.num_ties == m + m * (n - m - 1) == m * (n - m)
    assert is_simple(g)
    labels, sizes = gx.analytics.connected_components(g)
    assert len(sizes) == 1
    assert g.degrees()[m + 1 :].min(initial=m) >= m


def test_barabasi_albert_degree_tail_matches_networkx():
    nx = pytest.importorskip("networkx")
    n, m, seeds = 2000, 3, range(20)

    def tail(degrees):
        # Fractions with degree >= K (the limit is m(m+1)/(K(K+1))) and the largest degree.
        return [np.mean(degrees >= K) for K in (6, 15, 40)] + [degrees.max()]

    ours = np.array([tail(G.barabasi_albert(n, m, seed=s).degrees()) for s in seeds])
    theirs = np.array([tail(np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=s).degree()])) for s in seeds])
    for j, what in enumerate(["P(k>=6)", "P(k>=15)", "P(k>=40)", "max degree"]):
        assert_means_agree(ours[:, j], theirs[:, j], what)


def test_watts_strogatz_without_rewiring_is_the_ring_lattice():
    n, k = 30, 6
    g = G.watts_strogatz(n, k, 0.0, seed=1)
    for v in range(n):
        assert sorted(g.neighbors(v).tolist()) == sorted((v + d) % n for d in (-3, -2, -1, 1, 2, 3))
    # Every node of the ring lattice has clustering 3(k-2) / (4(k-1)).
    assert np.allclose(gx.analytics.local_clustering(g), 3 * (k - 2) / (4 * (k - 1)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("p", [0.1, 0.5, 1.0])
def test_watts_strogatz_keeps_tie_count_and_owned_ties(p):
    n, k = 1000, 10
    g = G.watts_strogatz(n, k, p, seed=2)
    assert g.num_ties == n * k // 2 and is_simple(g)
    # Each node rewires only the far end of its own k/2 ties, so it keeps at least k/2.
    assert g.degrees().min() >= k // 2


@pytest.mark.parametrize("p", [0.05, 0.3])
def test_watts_strogatz_clustering_matches_networkx(p):
    nx = pytest.importorskip("networkx")
    n, k, seeds = 1000, 10, range(16)
    ours = [gx.analytics.average_clustering(G.watts_strogatz(n, k, p, seed=s)) for s in seeds]
    theirs = [
        gx.analytics.average_clustering(gx.Graph.from_networkx(nx.watts_strogatz_graph(n, k, p, seed=s)))
        for s in seeds
    ]
    assert_means_agree(ours, theirs, "average clustering")


def test_holme_kim_without_triads_has_exact_tie_count():
    n, m = 1500, 4
    g = G.holme_kim(n, m, 0.0, seed=9)
    # m seed nodes, then m distinct preferential targets per new node.
    assert g.num_ties == m * (n - m) and is_simple(g)
    assert np.all(g.degrees()[m:] >= m)


def holme_kim_reference(n, m, p, seed):
    """Slow reference: networkx.powerlaw_cluster_graph's algorithm, with the m preferential
    targets used in the order drawn. (networkx keeps them in a set, whose pop order follows
    hash slots and so favours low ids: hubs become triad anchors more often than the model
    says, which shifts its clustering by about 0.01 at p = 0.8.)"""
    rng = random.Random(seed)
    neighbours = [set() for _ in range(n)]
    pool = list(range(m))
    ties = 0

    def link(u, v):
        nonlocal ties
        ties += v not in neighbours[u]
        neighbours[u].add(v)
        neighbours[v].add(u)
        pool.append(v)

    for source in range(m, n):
        targets = []
        while len(targets) < m:
            x = rng.choice(pool)
            if x not in targets:
                targets.append(x)
        target = targets.pop()
        link(source, target)
        for _ in range(m - 1):
            if rng.random() < p:
                around = [w for w in neighbours[target] if w != source and w not in neighbours[source]]
                if around:
                    link(source, rng.choice(sorted(around)))
                    continue
            target = targets.pop()
            link(source, target)
        pool.extend([source] * m)
    return neighbours, ties


def _average_clustering(neighbours):
    total = 0.0
    for v, around in enumerate(neighbours):
        k = len(around)
        if k > 1:
            links = sum(len(around & neighbours[w]) for w in around) / 2
            total += 2 * links / (k * (k - 1))
    return total / len(neighbours)


@pytest.mark.parametrize("p", [0.2, 0.8])
def test_holme_kim_clustering_and_ties_match_reference(p):
    n, m, seeds = 2000, 3, range(16)
    ours, theirs = [], []
    for s in seeds:
        g = G.holme_kim(n, m, p, seed=s)
        assert g.num_ties <= m * (n - m) and is_simple(g)
        assert len(gx.analytics.connected_components(g)[1]) == 1  # every new node links to the graph
        ours.append((gx.analytics.average_clustering(g), g.num_ties))
        neighbours, ties = holme_kim_reference(n, m, p, seed=s)
        theirs.append((_average_clustering(neighbours), ties))
    ours, theirs = np.array(ours), np.array(theirs)
    assert_means_agree(ours[:, 0], theirs[:, 0], "average clustering")
    # Triad steps can pick a node that a later preferential link repeats: compare the counts too.
    assert_means_agree(ours[:, 1], theirs[:, 1], "ties")


def _block_counts(g, sizes):
    block = np.repeat(np.arange(len(sizes)), sizes)
    src, dst = tie_pairs(g)
    counts = np.zeros((len(sizes), len(sizes)), dtype=np.int64)
    np.add.at(counts, (block[src], block[dst]), 1)
    return counts


def test_sbm_undirected_block_densities():
    sizes, p = [300, 200], [[0.05, 0.01], [0.01, 0.08]]
    g = G.stochastic_block(sizes, p, seed=4)
    assert g.num_nodes == 500 and is_simple(g)
    counts = _block_counts(g, sizes)
    counts = counts + counts.T - np.diag(np.diag(counts))  # an undirected tie may list either block first
    for r in range(2):
        for s in range(r, 2):
            pairs = sizes[r] * (sizes[r] - 1) // 2 if r == s else sizes[r] * sizes[s]
            mean, sd = pairs * p[r][s], math.sqrt(pairs * p[r][s] * (1 - p[r][s]))  # binomial
            assert abs(counts[r, s] - mean) <= SD * sd, (r, s, counts[r, s], mean)


def test_sbm_directed_uses_p_row_to_column():
    sizes, p = [250, 150], [[0.02, 0.03], [0.005, 0.04]]
    g = G.stochastic_block(sizes, p, seed=8, directed=True)
    assert g.directed and is_simple(g)
    counts = _block_counts(g, sizes)
    for r in range(2):
        for s in range(2):
            pairs = sizes[r] * (sizes[r] - 1) if r == s else sizes[r] * sizes[s]
            mean, sd = pairs * p[r][s], math.sqrt(pairs * p[r][s] * (1 - p[r][s]))
            assert abs(counts[r, s] - mean) <= SD * sd, (r, s, counts[r, s], mean)


def test_sbm_extremes_are_exact():
    g = G.stochastic_block([3, 4], [[1.0, 0.0], [0.0, 1.0]], seed=1)
    assert g.num_ties == 3 + 6
    assert len(gx.analytics.connected_components(g)[1]) == 2


def test_configuration_model_keeps_degrees_exactly_when_not_simple():
    degrees = np.array([5, 1, 3, 3, 2, 0, 4, 1, 1, 2, 6, 2])
    g = G.configuration_model(degrees, seed=2, simple=False)
    assert g.num_ties == degrees.sum() // 2
    assert endpoint_degrees(g).tolist() == degrees.tolist()
    s = G.configuration_model(degrees, seed=2, simple=True)
    assert is_simple(s) and np.all(endpoint_degrees(s) <= degrees)


def test_configuration_model_self_loops_match_uniform_matching():
    # With stubs matched uniformly, two given stubs are paired with probability 1 / (2M - 1), so
    # E[self-loops] = sum_v C(k_v, 2) / (2M - 1). The count is close to Poisson: sd = sqrt(mean).
    degrees = np.array([20] * 50 + [2] * 450)
    stubs = degrees.sum()
    per_graph = (degrees * (degrees - 1) / 2).sum() / (stubs - 1)
    seeds = range(40)
    loops = 0
    for s in seeds:
        src, dst = tie_pairs(G.configuration_model(degrees, seed=s, simple=False))
        loops += int(np.sum(src == dst))
    expected = per_graph * len(seeds)
    assert abs(loops - expected) <= SD * math.sqrt(expected), (loops, expected)


def test_powerlaw_degrees_range_parity_and_distribution():
    n, gamma, k_min, k_max = 20000, 2.5, 2, 200
    d = G.powerlaw_degrees(n, gamma, k_min=k_min, k_max=k_max, seed=6)
    assert len(d) == n and d.sum() % 2 == 0
    assert d.min() >= k_min and d.max() <= k_max
    k = np.arange(k_min, k_max + 1)
    pk = k**-gamma / np.sum(k**-gamma)
    # Frequencies ~ Binomial(n, P) (+1 for the parity adjustment of the last node).
    for what, prob, observed in [
        ("P(k_min)", pk[0], np.sum(d == k_min)),
        ("P(k_min+1)", pk[1], np.sum(d == k_min + 1)),
        ("P(k>=10)", pk[k >= 10].sum(), np.sum(d >= 10)),
    ]:
        assert abs(observed - n * prob) <= SD * math.sqrt(n * prob * (1 - prob)) + 1, what
    # Mean degree: sd = sqrt(Var(k) / n).
    mean = np.sum(k * pk)
    var = np.sum(k**2 * pk) - mean**2
    assert abs(d.mean() - mean) <= SD * math.sqrt(var / n) + 1 / n


def test_powerlaw_degrees_default_k_max_is_n_minus_1():
    d = G.powerlaw_degrees(50, 1.2, k_min=1, seed=1)
    assert d.max() <= 49 and d.min() >= 1 and d.sum() % 2 == 0


def test_powerlaw_degrees_parity_fix_stays_in_range():
    # All degrees forced to 1 on 3 nodes: no even-sum sequence exists in [1, 1]. The generator
    # must refuse rather than return a degree outside [k_min, k_max].
    try:
        d = G.powerlaw_degrees(3, 2.5, k_min=1, k_max=1, seed=0)
    except ValueError:
        return
    assert d.min() >= 1 and d.max() <= 1 and d.sum() % 2 == 0, d.tolist()


def test_configuration_powerlaw_degrees_in_range():
    g = G.configuration_powerlaw(3000, 2.3, k_min=2, k_max=100, seed=3, simple=False)
    k = endpoint_degrees(g)
    assert g.num_nodes == 3000 and k.min() >= 2 and k.max() <= 100
    assert is_simple(G.configuration_powerlaw(3000, 2.3, k_min=2, k_max=100, seed=3))


@pytest.mark.parametrize("directed", [False, True])
def test_rmat_size_and_no_self_loops(directed):
    scale, factor = 12, 8
    g = G.rmat(scale, factor, seed=1, directed=directed)
    assert g.num_nodes == 2**scale and g.directed == directed
    assert 0 < g.num_ties <= factor * 2**scale
    assert is_simple(g)


def test_rmat_quadrant_probabilities_at_every_level():
    scale, a, b, c = 16, 0.5, 0.25, 0.15
    m = 2**scale  # edge_factor 1
    g = G.rmat(scale, 1.0, a, b, c, seed=7, directed=True)
    src, dst = tie_pairs(g)
    d = 1 - a - b - c
    S = a * a + b * b + c * c + d * d
    for q, pattern in ((b, (0, 1)), (c, (1, 0))):
        # Each edge shows (src bit, dst bit) = pattern at a level with probability q. Merged
        # repeats lose about sum over cells of lambda^2 / 2 = m^2 q^2 S^(scale-1) / 2 arcs
        # (self-loops never show these patterns). Count ~ Binomial(m, q): sd = sqrt(m q (1-q)).
        expected = m * q - m * m * q * q * S ** (scale - 1) / 2
        sd = math.sqrt(m * q * (1 - q))
        for level in range(scale):
            count = np.sum((((src >> level) & 1) == pattern[0]) & (((dst >> level) & 1) == pattern[1]))
            assert abs(count - expected) <= SD * sd, (pattern, level, count, expected)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_complete_graph(n):
    g = G.complete(n)
    assert (g.num_nodes, g.num_ties) == (n, n * (n - 1) // 2)
    for v in range(n):
        assert g.neighbors(v).tolist() == [w for w in range(n) if w != v]
    d = G.complete(n, directed=True)
    assert d.num_ties == n * (n - 1) and d.directed


def test_uniform_random_edges_range_and_mean():
    n, m = 1000, 200_000
    src, dst = G.uniform_random_edges(n, m, seed=3)
    assert len(src) == len(dst) == m
    for x in (src, dst):
        assert x.min() >= 0 and x.max() < n
        # Uniform on {0..n-1}: mean (n-1)/2, sd of the mean sqrt((n^2 - 1) / 12 / m).
        assert abs(x.mean() - (n - 1) / 2) <= SD * math.sqrt((n * n - 1) / 12 / m)


GENERATED = {
    "erdos_renyi": lambda s: G.erdos_renyi(5000, 0.002, seed=s),
    "erdos_renyi_directed": lambda s: G.erdos_renyi(3000, 0.002, seed=s, directed=True),
    "gnm": lambda s: G.gnm(3000, 20000, seed=s),
    "barabasi_albert": lambda s: G.barabasi_albert(3000, 3, seed=s),
    "watts_strogatz": lambda s: G.watts_strogatz(3000, 6, 0.2, seed=s),
    "holme_kim": lambda s: G.holme_kim(3000, 3, 0.5, seed=s),
    "stochastic_block": lambda s: G.stochastic_block([1500, 1500], [[0.004, 0.001], [0.001, 0.004]], seed=s),
    "configuration_model": lambda s: G.configuration_model(np.arange(4000) % 7 + 1, seed=s, simple=False),
    "configuration_powerlaw": lambda s: G.configuration_powerlaw(3000, 2.5, k_min=2, seed=s),
    "rmat": lambda s: G.rmat(12, 8, seed=s),
    "rmat_directed": lambda s: G.rmat(12, 8, seed=s, directed=True),
}


def _same(a, b):
    return np.array_equal(a.offsets, b.offsets) and np.array_equal(a.targets, b.targets)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_same_seed_same_graph_for_any_thread_count(name, threads):
    make = GENERATED[name]
    threads(1)
    one = make(12)
    threads(2)
    two = make(12)
    again = make(12)
    assert _same(one, two) and _same(two, again)
    assert not _same(one, make(13))


@pytest.mark.parametrize(
    "make",
    [lambda s: G.powerlaw_degrees(40000, 2.2, k_min=1, seed=s), lambda s: np.concatenate(G.uniform_random_edges(1000, 70000, seed=s))],
    ids=["powerlaw_degrees", "uniform_random_edges"],
)
def test_same_seed_same_arrays_for_any_thread_count(make, threads):
    threads(1)
    one = make(4)
    threads(2)
    assert np.array_equal(one, make(4))
    assert not np.array_equal(one, make(5))


def test_set_max_threads_round_trip(threads):
    threads(1)
    assert gx.max_threads() == 1
    threads(0)
    assert gx.max_threads() >= 1


NAN = float("nan")


BAD = [
    ("n", lambda: G.erdos_renyi(0, 0.1)),
    ("n", lambda: G.erdos_renyi(-5, 0.1)),
    ("p", lambda: G.erdos_renyi(10, 1.5)),
    ("p", lambda: G.erdos_renyi(10, -0.1)),
    ("p", lambda: G.erdos_renyi(10, NAN)),
    ("n", lambda: G.gnm(-3, 2)),
    ("m", lambda: G.gnm(10, 46)),
    ("m", lambda: G.gnm(5, 21, directed=True)),
    ("m", lambda: G.barabasi_albert(5, 5)),
    ("m", lambda: G.barabasi_albert(5, 0)),
    ("n", lambda: G.barabasi_albert(-5, 2)),
    ("k", lambda: G.watts_strogatz(10, 3, 0.1)),
    ("k", lambda: G.watts_strogatz(10, 10, 0.1)),
    ("k", lambda: G.watts_strogatz(10, 0, 0.1)),
    ("p", lambda: G.watts_strogatz(10, 4, 1.5)),
    ("p", lambda: G.watts_strogatz(10, 4, NAN)),
    ("n", lambda: G.watts_strogatz(-10, 4, 0.1)),
    ("m", lambda: G.holme_kim(10, 0, 0.5)),
    ("m", lambda: G.holme_kim(10, 11, 0.5)),
    ("p", lambda: G.holme_kim(10, 3, 1.5)),
    ("p", lambda: G.holme_kim(10, 3, NAN)),
    ("n", lambda: G.holme_kim(-10, 3, 0.5)),
    ("sizes", lambda: G.stochastic_block([5, -1], [[0.1, 0.1], [0.1, 0.1]])),
    ("sizes", lambda: G.stochastic_block([5, 0], [[0.1, 0.1], [0.1, 0.1]])),
    ("p", lambda: G.stochastic_block([5, 5], [[0.1, 0.1]])),
    ("p[0][0]", lambda: G.stochastic_block([5, 5], [[1.5, 0.1], [0.1, 0.1]])),
    ("p[0][1]", lambda: G.stochastic_block([5, 5], [[0.1, 0.2], [0.3, 0.1]])),
    ("p[1][1]", lambda: G.stochastic_block([5, 5], [[0.1, 0.2], [0.3, NAN]], directed=True)),
    ("degrees", lambda: G.configuration_model([1, 2])),
    ("degrees", lambda: G.configuration_model([1, -1, 2])),
    ("n", lambda: G.powerlaw_degrees(-100, 2.5)),
    ("gamma", lambda: G.powerlaw_degrees(100, 0.5)),
    ("gamma", lambda: G.powerlaw_degrees(100, NAN)),
    ("k_min", lambda: G.powerlaw_degrees(100, 2.5, k_min=0)),
    ("k_max", lambda: G.powerlaw_degrees(100, 2.5, k_min=5, k_max=3)),
    ("k_max", lambda: G.powerlaw_degrees(100, 2.5, k_max=100)),
    ("scale", lambda: G.rmat(0)),
    ("scale", lambda: G.rmat(-1)),
    ("edge_factor", lambda: G.rmat(10, edge_factor=0)),
    ("a", lambda: G.rmat(10, a=1.5)),
    ("a + b + c", lambda: G.rmat(10, a=0.6, b=0.3, c=0.3)),
    ("n", lambda: G.complete(0)),
    ("n", lambda: G.complete(-1)),
    ("n", lambda: G.uniform_random_edges(-1, 5)),
]


@pytest.mark.parametrize("name, call", BAD, ids=[f"{i}-{b[0]}" for i, b in enumerate(BAD)])
def test_bad_parameters_raise_value_error_naming_the_parameter(name, call):
    with pytest.raises(ValueError, match=rf"^{re.escape(name)}(\[\d+\])*:"):
        call()
