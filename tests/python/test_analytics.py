# gx.analytics against networkx, igraph and scipy on karate, facebook_combined (when present) and
# seeded random graphs (undirected, disconnected, directed, loops and repeats); tiny exact cases.
import math

import numpy as np
import pytest

import guanxi as gx

nx = pytest.importorskip("networkx")
ig = pytest.importorskip("igraph")
sp = pytest.importorskip("scipy.sparse")
sla = pytest.importorskip("scipy.sparse.linalg")
csgraph = pytest.importorskip("scipy.sparse.csgraph")

# networkx 2.8's pagerank warns about its own internal pagerank_scipy call.
pytestmark = pytest.mark.filterwarnings("ignore:networkx.pagerank_scipy is deprecated:DeprecationWarning")

A = gx.analytics
D = 0.85  # PageRank damping


class Case:
    """One graph three ways: g (guanxi), G (networkx, simple: no loops, no repeats) and U (the
    undirected simple version, on which the undirected measures are defined)."""

    def __init__(self, name, src, dst, n, directed=False, **options):
        self.name = name
        self.g = gx.Graph.from_edges(np.asarray(src), np.asarray(dst), n=n, directed=directed, **options)
        self.G = nx.DiGraph() if directed else nx.Graph()
        self.G.add_nodes_from(range(n))
        self.G.add_edges_from((int(u), int(v)) for u, v in zip(src, dst) if u != v)
        self.U = self.G.to_undirected() if directed else self.G
        self.n = n

    def igraph_undirected(self):
        return ig.Graph(n=self.n, edges=list(self.U.edges()), directed=False)


def _random_edges(n, m, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, m), rng.integers(0, n, m)


def _karate(data_dir):
    path = data_dir / "karate.edges"
    if path.is_file():
        pairs = np.loadtxt(path, dtype=np.int64) - 1  # 1-based in the file
        return Case("karate", pairs[:, 0], pairs[:, 1], 34)
    K = nx.karate_club_graph()
    src, dst = zip(*K.edges())
    return Case("karate", src, dst, 34)


def _facebook(data_dir):
    path = data_dir / "facebook_combined.edges"
    if not path.is_file():
        pytest.skip("facebook_combined.edges not found")
    pairs = np.loadtxt(path, dtype=np.int64)
    return Case("facebook", pairs[:, 0], pairs[:, 1], 4039)


BUILDERS = {
    "karate": _karate,
    "facebook": _facebook,
    # Mean degree ~9: connected with high probability.
    "gnp": lambda _: Case("gnp", *_random_edges(300, 1350, seed=1), 300),
    # Mean degree ~1.5: many components and isolated nodes.
    "sparse": lambda _: Case("sparse", *_random_edges(400, 300, seed=2), 400),
    "directed": lambda _: Case("directed", *_random_edges(300, 900, seed=3), 300, directed=True),
    # Self-loops and repeated ties kept in guanxi: undirected measures must ignore them.
    "multi": lambda _: Case("multi", *_random_edges(60, 400, seed=4), 60, self_loops="keep", duplicates="keep"),
}
SIMPLE = ["karate", "facebook", "gnp", "sparse", "directed"]
ALL = SIMPLE + ["multi"]


@pytest.fixture(scope="module")
def cases(data_dir):
    built = {}

    def get(name):
        if name not in built:
            built[name] = BUILDERS[name](data_dir)
        return built[name]

    return get


def partition(labels):
    groups = {}
    for v, c in enumerate(np.asarray(labels).tolist()):
        groups.setdefault(c, set()).add(v)
    return {frozenset(s) for s in groups.values()}


def _assert_numbered_by_smallest_node(labels, sizes):
    labels = np.asarray(labels)
    seen = -1
    for c in labels.tolist():  # ids appear in order 0, 1, 2, ... scanning nodes upwards
        assert c <= seen + 1
        seen = max(seen, c)
    assert seen + 1 == len(sizes)
    assert np.bincount(labels, minlength=len(sizes)).tolist() == np.asarray(sizes).tolist()


def second_ratio(g):
    """r = |mu_2 + 1| / (lambda_1 + 1): the per-step error ratio of power iteration on A + I."""
    n = g.num_nodes
    shifted = (g.to_scipy() + sp.identity(n)).astype(float)
    if n < 600:
        moduli = np.sort(np.abs(np.linalg.eigvals(shifted.toarray())))
    else:
        moduli = np.sort(np.abs(sla.eigs(shifted, k=2, which="LM", return_eigenvectors=False, tol=1e-12)))
    return moduli[-2] / moduli[-1]


def power_iteration_error(g, tolerance):
    # A geometric error e_k ~ r^k leaves e_k <= change * r / (1 - r) once the second eigenvector
    # dominates; x10 covers the faster-decaying components still present.
    r = second_ratio(g)
    return 10 * tolerance * r / (1 - r)


# -- components and cores -------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_connected_components(cases, name):
    c = cases(name)
    labels, sizes = A.connected_components(c.g)
    weak = nx.weakly_connected_components(c.G) if c.g.directed else nx.connected_components(c.G)
    assert partition(labels) == {frozenset(s) for s in weak}
    count, sc = csgraph.connected_components(c.g.to_scipy(), directed=c.g.directed, connection="weak")
    assert partition(labels) == partition(sc) and count == len(sizes)
    _assert_numbered_by_smallest_node(labels, sizes)


@pytest.mark.parametrize("name", ALL)
def test_strongly_connected_components(cases, name):
    c = cases(name)
    labels, sizes = A.strongly_connected_components(c.g)
    if c.g.directed:
        expected = {frozenset(s) for s in nx.strongly_connected_components(c.G)}
        assert len(expected) > 1  # the case is meant to exercise several components
        H = ig.Graph(n=c.n, edges=list(c.G.edges()), directed=True)
        assert partition(H.connected_components(mode="strong").membership) == expected
    else:
        expected = {frozenset(s) for s in nx.connected_components(c.G)}
    assert partition(labels) == expected
    _assert_numbered_by_smallest_node(labels, sizes)


@pytest.mark.parametrize("name", SIMPLE)
def test_core_numbers(cases, name):
    c = cases(name)
    core = nx.core_number(c.U)
    assert A.core_numbers(c.g).tolist() == [core[v] for v in range(c.n)]
    assert A.core_numbers(c.g).tolist() == c.igraph_undirected().coreness()


def core_numbers_by_peeling(g):
    """Slow reference: repeatedly remove a node of least remaining degree; its core number is
    the largest such degree seen so far. Degrees count repeated ties (as multigraph k-cores do;
    only triangle-based measures are documented to count them once) and ignore self-loops."""
    n = g.num_nodes
    adjacency = [[w for w in g.neighbors(v).tolist() if w != v] for v in range(n)]
    degree = [len(a) for a in adjacency]
    alive, core, k = set(range(n)), [0] * n, 0
    while alive:
        v = min(alive, key=lambda x: (degree[x], x))
        k = max(k, degree[v])
        core[v] = k
        alive.remove(v)
        for w in adjacency[v]:
            degree[w] -= 1
    return core


@pytest.mark.parametrize("name", ["karate", "sparse", "multi"])
def test_core_numbers_by_peeling(cases, name):
    c = cases(name)
    assert A.core_numbers(c.g).tolist() == core_numbers_by_peeling(c.g)


# -- triangles and clustering ---------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_triangles_and_clustering_vs_igraph(cases, name):
    c = cases(name)
    H = c.igraph_undirected()
    triangles = np.array(H.list_triangles(), dtype=np.int64).reshape(-1, 3)
    assert A.triangles(c.g).tolist() == np.bincount(triangles.ravel(), minlength=c.n).tolist()
    assert np.allclose(A.local_clustering(c.g), H.transitivity_local_undirected(mode="zero"), rtol=1e-12, atol=0)
    assert A.average_clustering(c.g) == pytest.approx(H.transitivity_avglocal_undirected(mode="zero"), rel=1e-12)
    assert A.transitivity(c.g) == pytest.approx(H.transitivity_undirected(), rel=1e-12)


@pytest.mark.parametrize("name", ["karate", "gnp", "sparse", "directed", "multi"])
def test_triangles_and_clustering_vs_networkx(cases, name):
    c = cases(name)
    tri, clu = nx.triangles(c.U), nx.clustering(c.U)
    assert A.triangles(c.g).tolist() == [tri[v] for v in range(c.n)]
    assert np.allclose(A.local_clustering(c.g), [clu[v] for v in range(c.n)], rtol=1e-12, atol=0)
    assert A.average_clustering(c.g) == pytest.approx(nx.average_clustering(c.U), rel=1e-12)
    assert A.transitivity(c.g) == pytest.approx(nx.transitivity(c.U), rel=1e-12)


# -- overlap and common neighbours ----------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_neighbourhood_overlap_and_common_neighbours(cases, name):
    c = cases(name)
    around = {v: set(c.U[v]) - {v} for v in range(c.n)}
    src, dst = c.g.edges()
    common, overlap = [], []
    for u, v in zip(src.tolist(), dst.tolist()):
        if u == v:
            common.append(0)
            overlap.append(0.0)
            continue
        shared = len((around[u] & around[v]) - {u, v})
        denominator = len(around[u]) - 1 + len(around[v]) - 1 - shared
        common.append(shared)
        overlap.append(shared / denominator if denominator > 0 else 0.0)
    assert A.common_neighbors(c.g).tolist() == common
    assert np.allclose(A.neighborhood_overlap(c.g), overlap, rtol=1e-12, atol=0)


# -- centralities and the spectral radius ---------------------------------------------------


@pytest.mark.parametrize("name", SIMPLE)
def test_pagerank(cases, name):
    c = cases(name)
    tol_gx, tol_nx = 1e-12, 1e-12
    ours = A.pagerank(c.g, damping=D, tolerance=tol_gx)
    ref = nx.pagerank(c.G, alpha=D, tol=tol_nx, max_iter=100_000, weight=None)
    theirs = np.array([ref[v] for v in range(c.n)])
    # Power iteration contracts by D in L1, so the error is <= D/(1-D) * last change: guanxi
    # stops below tol_gx, networkx below n * tol_nx. Plus rounding.
    bound = D / (1 - D) * (tol_gx + c.n * tol_nx) + 1e-13 * c.n
    assert np.abs(ours - theirs).sum() <= bound
    assert ours.sum() == pytest.approx(1.0, abs=1e-12)


def _lesmis_weighted(data_file):
    """Les Misérables with its co-appearance weights, as (gx.Graph, networkx.Graph with 'weight')."""
    path = data_file("lesmis.edges")
    g = gx.Graph.read(path, relabel=False)
    G = nx.Graph()
    G.add_nodes_from(range(g.num_nodes))
    for u, v, w in np.loadtxt(path):
        G.add_edge(int(u), int(v), weight=w)
    return g, G


def test_weighted_pagerank(data_file):
    g, G = _lesmis_weighted(data_file)
    ours = A.pagerank(g, weighted=True, tolerance=1e-12)
    ref = nx.pagerank(G, alpha=D, tol=1e-12, max_iter=100_000, weight="weight")
    bound = D / (1 - D) * (1e-12 + g.num_nodes * 1e-12) + 1e-13 * g.num_nodes
    assert np.abs(ours - [ref[v] for v in range(g.num_nodes)]).sum() <= bound
    # And the weights matter.
    assert np.abs(ours - A.pagerank(g, tolerance=1e-12)).sum() > 1e-3


def _strong_directed():
    # Mean out-degree 8 on 200 nodes: strongly connected with high probability (checked above).
    return Case("strong", *_random_edges(200, 1600, seed=5), 200, directed=True)


@pytest.mark.parametrize("name", ["karate", "facebook", "gnp", "strong"])
def test_eigenvector_centrality(cases, name):
    c = _strong_directed() if name == "strong" else cases(name)
    # A unique positive eigenvector needs a strongly connected graph.
    assert len(A.strongly_connected_components(c.g)[1]) == 1
    tolerance = 1e-12
    ours = A.eigenvector_centrality(c.g, tolerance=tolerance, max_iterations=100_000)
    ref = nx.eigenvector_centrality_numpy(c.G, max_iter=100_000, tol=0)
    theirs = np.array([ref[v] for v in range(c.n)])
    assert np.linalg.norm(ours) == pytest.approx(1.0, abs=1e-12)
    assert np.abs(ours - theirs).sum() <= power_iteration_error(c.g, tolerance) + 1e-12 * c.n


def test_weighted_eigenvector_centrality(data_file):
    g, G = _lesmis_weighted(data_file)
    ours = A.eigenvector_centrality(g, weighted=True, tolerance=1e-12, max_iterations=100_000)
    ref = nx.eigenvector_centrality_numpy(G, weight="weight", max_iter=100_000, tol=0)
    # Error ratio of power iteration on W + I.
    moduli = np.sort(np.abs(np.linalg.eigvals(nx.to_numpy_array(G, weight="weight") + np.eye(g.num_nodes))))
    r = moduli[-2] / moduli[-1]
    assert np.abs(ours - [ref[v] for v in range(g.num_nodes)]).sum() <= 10 * 1e-12 * r / (1 - r) + 1e-12 * g.num_nodes


@pytest.mark.parametrize("name", SIMPLE)
def test_spectral_radius(cases, name):
    c = cases(name)
    tolerance = 1e-12
    ours = A.spectral_radius(c.g, tolerance=tolerance, max_iterations=100_000)
    M = c.g.to_scipy()
    if c.g.directed:
        theirs = float(np.max(sla.eigs(M, k=1, which="LR", return_eigenvectors=False, tol=0).real))
    else:
        theirs = float(sla.eigsh(M, k=1, which="LA", return_eigenvectors=False, tol=0)[0])
    # The stopping rule bounds the relative change of the Rayleigh quotient by `tolerance`.
    bound = power_iteration_error(c.g, tolerance) * max(1.0, theirs) + 1e-12 * theirs
    assert abs(ours - theirs) <= bound


@pytest.mark.parametrize(
    "src, dst, expected",
    [
        ([0, 0, 0, 0], [1, 2, 3, 4], 2.0),  # star K_{1,4}: sqrt(4)
        ([0, 1, 2], [1, 2, 0], 2.0),  # triangle
        ([0, 1, 2, 3], [1, 2, 3, 0], 2.0),  # 4-cycle: bipartite, -2 is also an eigenvalue
    ],
)
def test_spectral_radius_exact_undirected(src, dst, expected):
    assert A.spectral_radius(gx.Graph.from_edges(src, dst)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "src, dst, expected",
    [
        ([0, 1, 2], [1, 2, 0], 1.0),  # directed 3-cycle
        ([0, 1, 2], [1, 2, 3], 0.0),  # directed path: nilpotent adjacency
        ([0, 1, 2, 3, 4, 5, 0], [1, 2, 0, 4, 5, 3, 3], 1.0),  # two 3-cycles joined by an arc
    ],
    ids=["cycle", "path", "joined-cycles"],
)
def test_spectral_radius_exact_directed(src, dst, expected):
    # A correct value, or an error saying the iteration did not converge; never a silent
    # unconverged estimate (power iteration converges only like 1/k on these).
    g = gx.Graph.from_edges(src, dst, directed=True)
    try:
        value = A.spectral_radius(g)
    except RuntimeError as error:
        assert "convergence" in str(error)
        return
    assert value == pytest.approx(expected, abs=1e-6)


# -- degrees and thresholds -----------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_degree_stats_and_percolation_threshold(cases, name):
    c = cases(name)
    k = c.g.degrees().astype(float)  # out-degree = arcs per node
    stats = A.degree_stats(c.g)
    assert stats["min"] == k.min() and stats["max"] == k.max()
    assert stats["isolated"] == int(np.sum(k == 0))
    assert stats["mean"] == pytest.approx(k.mean(), rel=1e-12)
    assert stats["std"] == pytest.approx(k.std(), rel=1e-9)  # population std
    assert stats["second_moment"] == pytest.approx(np.mean(k * k), rel=1e-12)
    expected = k.mean() / (np.mean(k * k) - k.mean())
    assert A.percolation_threshold(c.g) == pytest.approx(expected, rel=1e-12)


def test_percolation_threshold_is_infinite_without_branching():
    # A perfect matching: <k^2> = <k> = 1.
    assert math.isinf(A.percolation_threshold(gx.Graph.from_edges([0, 2, 4], [1, 3, 5])))


def test_in_degrees(cases):
    c = cases("directed")
    indeg = dict(c.G.in_degree())
    assert A.in_degrees(c.g).tolist() == [indeg[v] for v in range(c.n)]
    u = cases("gnp")
    assert A.in_degrees(u.g).tolist() == u.g.degrees().tolist()


# -- tiny graphs with answers by hand -------------------------------------------------------


def test_triangle_with_pendant_by_hand():
    # Triangle 0-1-2, pendant 3 on node 2. Ties in id order: 0-1, 0-2, 1-2, 2-3.
    g = gx.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3])
    assert A.triangles(g).tolist() == [1, 1, 1, 0]
    assert A.local_clustering(g).tolist() == pytest.approx([1, 1, 1 / 3, 0])
    assert A.average_clustering(g) == pytest.approx((1 + 1 + 1 / 3) / 4)
    assert A.transitivity(g) == pytest.approx(3 / 5)  # 3 x 1 triangle / (1 + 1 + 3) triples
    assert A.core_numbers(g).tolist() == [2, 2, 2, 1]
    assert A.common_neighbors(g).tolist() == [1, 1, 1, 0]
    # O = c / (k_u - 1 + k_v - 1 - c): 0-1: 1/1, 0-2: 1/2, 1-2: 1/2, 2-3: 0/2.
    assert A.neighborhood_overlap(g).tolist() == pytest.approx([1, 0.5, 0.5, 0])


def test_complete_graph_by_hand():
    g = gx.generators.complete(5)
    assert A.pagerank(g).tolist() == pytest.approx([0.2] * 5, abs=1e-12)
    assert A.eigenvector_centrality(g).tolist() == pytest.approx([5**-0.5] * 5, abs=1e-12)
    assert A.spectral_radius(g) == pytest.approx(4.0, rel=1e-12)
    assert A.core_numbers(g).tolist() == [4] * 5
    assert A.neighborhood_overlap(g).tolist() == pytest.approx([1.0] * 10)


def test_components_numbered_by_smallest_node_by_hand():
    labels, sizes = A.connected_components(gx.Graph.from_edges([3, 1], [4, 0], n=6))
    assert labels.tolist() == [0, 0, 1, 2, 2, 3] and sizes.tolist() == [2, 1, 2, 1]
    # 0 <-> 1 strongly connected, 1 -> 2 and 3 -> 2 not.
    labels, sizes = A.strongly_connected_components(gx.Graph.from_edges([0, 1, 1, 3], [1, 0, 2, 2], n=5, directed=True))
    assert labels.tolist() == [0, 0, 1, 2, 3] and sizes.tolist() == [2, 1, 1, 1]


def test_iterative_parameters_are_validated():
    g = gx.generators.complete(4)
    with pytest.raises(ValueError, match="damping"):
        A.pagerank(g, damping=1.5)
    with pytest.raises(ValueError, match="tolerance"):
        A.pagerank(g, tolerance=0)
    with pytest.raises(ValueError, match="max_iterations"):
        A.eigenvector_centrality(g, max_iterations=0)
    with pytest.raises(RuntimeError, match="convergence"):
        A.pagerank(gx.generators.erdos_renyi(200, 0.05, seed=1), tolerance=1e-15, max_iterations=3)
