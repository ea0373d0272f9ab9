# gx.Graph on tiny graphs with known answers: construction policies, validation, zero-copy views,
# strength, derived graphs, converters (networkx, igraph, scipy), snapshots and edge-list files.
import gc

import numpy as np
import pytest

import guanxi as gx


def tie_list(g):
    """Ties as a list of (u, v) in tie-id order."""
    src, dst = g.edges()
    return list(zip(src.tolist(), dst.tolist()))


def label_ties(g):
    """Ties as {(label_u, label_v): weight or None}; undirected pairs in sorted label order."""
    labels = g.labels.tolist()
    weights = g.tie_weights()
    out = {}
    for t, (u, v) in enumerate(tie_list(g)):
        a, b = labels[u], labels[v]
        if not g.directed:
            a, b = sorted((a, b), key=str)
        out[(a, b)] = None if weights is None else float(weights[t])
    return out


# A triangle 0-1-2 with a pendant 3 on node 2.
SRC, DST = [0, 1, 2, 2], [1, 2, 0, 3]


# -- construction ---------------------------------------------------------------------------


def test_undirected_neighbours_degrees_and_ties():
    g = gx.Graph.from_edges(SRC, DST)
    assert (g.num_nodes, g.num_ties, g.num_arcs, g.directed, g.has_weights) == (4, 4, 8, False, False)
    assert [g.neighbors(v).tolist() for v in range(4)] == [[1, 2], [0, 2], [0, 1, 3], [2]]
    assert g.degrees().tolist() == [2, 2, 3, 1]
    # Tie ids follow (u, v) with u <= v in sorted order.
    assert tie_list(g) == [(0, 1), (0, 2), (1, 2), (2, 3)]
    assert g.offsets.tolist() == [0, 2, 4, 7, 8]


def test_directed_neighbours_degrees_and_ties():
    g = gx.Graph.from_edges(SRC, DST, directed=True)
    assert (g.num_nodes, g.num_ties, g.num_arcs, g.directed) == (4, 4, 4, True)
    assert [g.neighbors(v).tolist() for v in range(4)] == [[1], [2], [0, 3], []]
    assert g.degrees().tolist() == [1, 1, 2, 0]
    assert gx.analytics.in_degrees(g).tolist() == [1, 1, 1, 1]
    assert tie_list(g) == [(0, 1), (1, 2), (2, 0), (2, 3)]


def test_neighbors_rejects_bad_node():
    g = gx.Graph.from_edges(SRC, DST)
    for v in (-1, 4):
        with pytest.raises(ValueError, match="v: node id"):
            g.neighbors(v)


def test_self_loops_drop_keep_error():
    src, dst = [0, 1, 1], [1, 1, 2]
    dropped = gx.Graph.from_edges(src, dst)
    assert dropped.num_ties == 2 and dropped.neighbors(1).tolist() == [0, 2]
    kept = gx.Graph.from_edges(src, dst, self_loops="keep")
    # A kept self-loop is one tie stored as a single arc.
    assert (kept.num_ties, kept.num_arcs) == (3, 5)
    assert kept.neighbors(1).tolist() == [0, 1, 2]
    assert (1, 1) in tie_list(kept)
    kept_directed = gx.Graph.from_edges(src, dst, self_loops="keep", directed=True)
    assert (kept_directed.num_ties, kept_directed.num_arcs) == (3, 3)
    with pytest.raises(ValueError, match=r"edge 1\b.*self-loop"):
        gx.Graph.from_edges(src, dst, self_loops="error")
    with pytest.raises(ValueError, match="self_loops"):
        gx.Graph.from_edges(src, dst, self_loops="sometimes")


def test_duplicates_undirected_merge_keep_error():
    # (0,1), (1,0) and (0,1) are one undirected tie.
    src, dst, w = [0, 1, 0, 1], [1, 0, 1, 2], [1.0, 2.0, 4.0, 0.5]
    summed = gx.Graph.from_edges(src, dst, weights=w)
    assert tie_list(summed) == [(0, 1), (1, 2)]
    assert summed.tie_weights().tolist() == [7.0, 0.5]
    largest = gx.Graph.from_edges(src, dst, weights=w, merge_weights="max")
    assert largest.tie_weights().tolist() == [4.0, 0.5]
    kept = gx.Graph.from_edges(src, dst, weights=w, duplicates="keep")
    assert kept.num_ties == 4 and kept.neighbors(0).tolist() == [1, 1, 1]
    assert sorted(kept.tie_weights().tolist()) == [0.5, 1.0, 2.0, 4.0]
    with pytest.raises(ValueError, match=r"edge 1\b.*duplicate.*first at edge 0\b"):
        gx.Graph.from_edges(src, dst, duplicates="error")
    with pytest.raises(ValueError, match="merge_weights"):
        gx.Graph.from_edges(src, dst, merge_weights="mean")


def test_duplicates_directed_are_per_direction():
    src, dst, w = [0, 1, 0], [1, 0, 1], [1.0, 2.0, 4.0]
    g = gx.Graph.from_edges(src, dst, weights=w, directed=True)
    assert tie_list(g) == [(0, 1), (1, 0)]
    assert g.tie_weights().tolist() == [5.0, 2.0]
    assert gx.Graph.from_edges(src, dst, weights=w, directed=True, merge_weights="max").tie_weights().tolist() == [4.0, 2.0]
    with pytest.raises(ValueError, match=r"edge 2\b.*duplicate.*first at edge 0\b"):
        gx.Graph.from_edges(src, dst, directed=True, duplicates="error")


def test_n_given_or_inferred():
    assert gx.Graph.from_edges([0], [1]).num_nodes == 2
    g = gx.Graph.from_edges([0], [1], n=5)
    assert g.num_nodes == 5 and g.degrees().tolist() == [1, 1, 0, 0, 0]
    empty = gx.Graph.from_edges([], [], n=3)
    assert (empty.num_nodes, empty.num_ties) == (3, 0)
    with pytest.raises(ValueError, match="empty graph"):
        gx.Graph.from_edges([], [])


@pytest.mark.parametrize(
    "src, dst, n, field",
    [
        ([0, 1], [1, 5], 3, "dst"),  # beyond the given n
        ([0, 3], [1, 0], 3, "src"),
        ([0, -1], [1, 2], None, "src"),  # negative
        ([0, 1], [1, 2**32], None, "dst"),  # beyond 32-bit ids
        ([0, 1], [1, 2**32 - 1], None, "dst"),  # the reserved id
    ],
    ids=["above-n-dst", "above-n-src", "negative", "above-32-bit", "reserved"],
)
def test_ids_out_of_range_name_edge_and_field(src, dst, n, field):
    # The docstring promises the edge index and the field in every such error.
    with pytest.raises(ValueError, match=rf"edge 1\b.*{field}"):
        gx.Graph.from_edges(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), n=n)


def test_relabel_keeps_integer_labels_in_sorted_order():
    g = gx.Graph.from_edges([30, 10], [10, 20], relabel=True)
    assert g.labels.tolist() == [10, 20, 30]
    assert g.labels.dtype == np.int64
    assert tie_list(g) == [(0, 1), (0, 2)]  # 10-20 and 10-30
    # Without relabel, integer ids are node ids and the labels are the identity.
    plain = gx.Graph.from_edges([30, 10], [10, 20])
    assert plain.num_nodes == 31 and plain.labels.tolist() == list(range(31))
    with pytest.raises(ValueError, match="^n:"):
        gx.Graph.from_edges([30, 10], [10, 20], relabel=True, n=40)


def test_string_ids_become_sorted_labels():
    g = gx.Graph.from_edges(["carol", "bob"], ["bob", "alice"])
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert tie_list(g) == [(0, 1), (1, 2)]
    assert label_ties(g) == {("alice", "bob"): None, ("bob", "carol"): None}
    with pytest.raises(ValueError, match="^n:"):
        gx.Graph.from_edges(["a"], ["b"], n=2)


def test_whole_number_float_ids_are_accepted():
    g = gx.Graph.from_edges(np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 0.0]))
    h = gx.Graph.from_edges([0, 1, 2], [1, 2, 0])
    assert np.array_equal(g.offsets, h.offsets) and np.array_equal(g.targets, h.targets)


@pytest.mark.parametrize("bad", [1.5, float("nan"), float("inf")])
@pytest.mark.parametrize("field", ["src", "dst"])
def test_non_integer_float_ids_are_rejected(bad, field):
    good = np.array([0.0, 1.0])
    other = np.array([1.0, bad])
    src, dst = (other, good) if field == "src" else (good, other)
    with pytest.raises(ValueError, match=rf"edge 1\b.*{field}.*not an integer"):
        gx.Graph.from_edges(src, dst)


def test_boolean_ids_and_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="boolean"):
        gx.Graph.from_edges(np.array([True]), np.array([False]))
    with pytest.raises(ValueError, match="same length"):
        gx.Graph.from_edges([0, 1], [1])
    with pytest.raises(ValueError, match="one-dimensional"):
        gx.Graph.from_edges([[0, 1]], [[1, 2]])


@pytest.mark.parametrize("bad", [float("nan"), -1.0, float("inf")])
def test_bad_weights_name_edge_and_weight(bad):
    with pytest.raises(ValueError, match=r"edge 2\b.*weight"):
        gx.Graph.from_edges([0, 1, 2], [1, 2, 0], weights=[1.0, 0.0, bad])


def test_weights_length_must_match():
    with pytest.raises(ValueError, match="weights"):
        gx.Graph.from_edges([0, 1], [1, 2], weights=[1.0])


# -- zero-copy views ------------------------------------------------------------------------


def test_views_are_read_only_numpy_arrays():
    g = gx.Graph.from_edges(SRC, DST, weights=[1, 2, 3, 4])
    for view in (g.strength, g.neighbors(2), g.targets, g.offsets, g.weights):
        assert isinstance(view, np.ndarray)
        assert not view.flags.writeable
        with pytest.raises(ValueError):
            view[0] = view[0]
    # neighbors(v) is a slice of the CSR targets, not a copy.
    assert np.shares_memory(g.neighbors(2), g.targets)


def test_strength_view_sees_later_assignments():
    g = gx.Graph.from_edges(SRC, DST)
    view = g.strength
    g.strength = 0.25
    assert view.tolist() == [0.25] * 4  # same memory


def test_view_keeps_data_alive_after_graph_is_deleted():
    g = gx.Graph.from_edges(SRC, DST)
    g.strength = [0.1, 0.2, 0.3, 0.4]
    strength, neighbours, targets = g.strength, g.neighbors(2), g.targets
    del g
    gc.collect()
    _churn = [np.full(4096, 7, dtype=np.uint32) for _ in range(64)]  # reuse freed memory, if any
    assert strength.tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert neighbours.tolist() == [0, 1, 3]
    assert targets.tolist() == [1, 2, 0, 2, 0, 1, 3, 2]
    del _churn


# -- strength -------------------------------------------------------------------------------


def test_strength_starts_at_one_and_broadcasts_scalars():
    g = gx.Graph.from_edges(SRC, DST)
    assert g.strength.dtype == np.float32 and g.strength.tolist() == [1.0] * 4
    g.strength = 0.5
    assert g.strength.tolist() == [0.5] * 4
    g.strength = np.array([0.0, 1.0, 0.25, 0.75])  # the bounds are allowed
    assert g.strength.tolist() == [0.0, 1.0, 0.25, 0.75]


@pytest.mark.parametrize("values", [1.5, -0.1, float("nan"), [0.1, 0.2, 2.0, 0.3], [0.5, float("nan"), 0.5, 0.5]])
def test_strength_outside_unit_interval_is_rejected(values):
    g = gx.Graph.from_edges(SRC, DST)
    with pytest.raises(ValueError, match="strength"):
        g.strength = values
    assert g.strength.tolist() == [1.0] * 4  # unchanged


def test_strength_needs_one_value_per_tie():
    g = gx.Graph.from_edges(SRC, DST)
    with pytest.raises(ValueError, match="strength.*per tie"):
        g.strength = [0.5, 0.5]


# -- edges, weights, labels -----------------------------------------------------------------


def test_tie_weights_follow_tie_ids():
    src, dst = [3, 0, 2, 1], [2, 1, 0, 2]
    w = [0.5, 1.5, 2.5, 3.5]
    expected = {tuple(sorted(e)): x for e, x in zip(zip(src, dst), w)}
    g = gx.Graph.from_edges(src, dst, weights=w)
    assert dict(zip(tie_list(g), g.tie_weights().tolist())) == expected
    assert all(u <= v for u, v in tie_list(g))
    assert gx.Graph.from_edges(src, dst).tie_weights() is None
    assert gx.Graph.from_edges(src, dst).weights is None


def test_arc_weights_match_their_ties():
    g = gx.Graph.from_edges([0, 0, 1], [1, 2, 2], weights=[1.0, 2.0, 3.0])
    # Arc (u -> v) at position a carries the weight of tie {u, v}.
    expected = {(0, 1): 1.0, (0, 2): 2.0, (1, 2): 3.0}
    for u in range(3):
        for a in range(g.offsets[u], g.offsets[u + 1]):
            v = int(g.targets[a])
            assert g.weights[a] == expected[tuple(sorted((u, v)))]


def test_identity_labels_are_arange():
    g = gx.Graph.from_edges(SRC, DST)
    assert g.labels.tolist() == [0, 1, 2, 3]


# -- derived graphs -------------------------------------------------------------------------


def test_copy_is_deep():
    g = gx.Graph.from_edges(["a", "b"], ["b", "c"], weights=[1.0, 2.0])
    g.strength = [0.2, 0.4]
    c = g.copy()
    assert np.array_equal(c.offsets, g.offsets) and np.array_equal(c.targets, g.targets)
    assert np.array_equal(c.weights, g.weights) and c.labels.tolist() == ["a", "b", "c"]
    assert c.strength.tolist() == pytest.approx([0.2, 0.4])
    c.strength = 1.0
    assert g.strength.tolist() == pytest.approx([0.2, 0.4])


def test_transpose_reverses_arcs_with_weights_and_strength():
    g = gx.Graph.from_edges([0, 0, 1], [1, 2, 2], weights=[1.0, 2.0, 3.0], directed=True)
    g.strength = [0.1, 0.2, 0.3]
    t = g.transpose()
    assert t.directed
    strength = dict(zip(tie_list(t), t.strength.tolist()))
    weights = dict(zip(tie_list(t), t.tie_weights().tolist()))
    assert set(tie_list(t)) == {(1, 0), (2, 0), (2, 1)}
    assert weights == {(1, 0): 1.0, (2, 0): 2.0, (2, 1): 3.0}
    assert strength == pytest.approx({(1, 0): 0.1, (2, 0): 0.2, (2, 1): 0.3})
    # Transposing an undirected graph changes nothing.
    u = gx.Graph.from_edges(SRC, DST)
    ut = u.transpose()
    assert np.array_equal(ut.offsets, u.offsets) and np.array_equal(ut.targets, u.targets)


def test_to_undirected_merges_reciprocal_arcs_by_max():
    g = gx.Graph.from_edges([0, 1, 1, 2], [1, 0, 2, 2], weights=[1.0, 3.0, 2.0, 5.0], directed=True, self_loops="keep")
    u = g.to_undirected()
    assert not u.directed
    assert dict(zip(tie_list(u), u.tie_weights().tolist())) == {(0, 1): 3.0, (1, 2): 2.0}  # loop dropped
    labelled = gx.Graph.from_edges(["x", "y"], ["y", "x"], directed=True).to_undirected()
    assert labelled.labels.tolist() == ["x", "y"] and labelled.num_ties == 1


# -- networkx, igraph, scipy ----------------------------------------------------------------


def test_networkx_round_trip_with_isolated_string_nodes_and_weights():
    nx = pytest.importorskip("networkx")
    G = nx.Graph()
    G.add_nodes_from(["zed", "amy", "lonely", "bo"])
    G.add_edge("zed", "amy", weight=2.5)
    G.add_edge("amy", "bo", weight=0.5)
    g = gx.Graph.from_networkx(G)
    assert (g.num_nodes, g.num_ties, g.directed, g.has_weights) == (4, 2, False, True)
    assert g.labels.tolist() == ["zed", "amy", "lonely", "bo"]  # node order kept
    assert g.degrees().tolist() == [1, 2, 0, 1]
    H = g.to_networkx()
    assert type(H) is nx.Graph
    assert set(H.nodes) == set(G.nodes)
    assert {frozenset(e): d["weight"] for *e, d in H.edges(data=True)} == {
        frozenset(e): d["weight"] for *e, d in G.edges(data=True)
    }


def test_networkx_round_trip_digraph_and_integer_nodes():
    nx = pytest.importorskip("networkx")
    G = nx.DiGraph()
    G.add_nodes_from([5, 3, 9, 11])
    G.add_edges_from([(5, 3), (3, 5), (3, 9)])
    g = gx.Graph.from_networkx(G)
    assert g.directed and (g.num_nodes, g.num_ties) == (4, 3) and not g.has_weights
    assert g.labels.tolist() == [5, 3, 9, 11]
    H = g.to_networkx()
    assert type(H) is nx.DiGraph
    assert set(H.nodes) == {5, 3, 9, 11} and set(H.edges) == set(G.edges)


def test_networkx_partial_weights_and_multigraph():
    nx = pytest.importorskip("networkx")
    G = nx.Graph([(0, 1), (1, 2)])
    G.edges[0, 1]["weight"] = 3.0  # not every edge has one: no weights
    assert not gx.Graph.from_networkx(G).has_weights
    M = nx.MultiGraph([(0, 1), (0, 1), (1, 2)])
    assert gx.Graph.from_networkx(M).num_ties == 3  # parallel ties kept


def test_from_igraph():
    ig = pytest.importorskip("igraph")
    G = ig.Graph([(0, 1), (1, 2), (0, 1)], directed=False)
    g = gx.Graph.from_igraph(G)
    assert (g.num_nodes, g.num_ties, g.directed) == (3, 3, False)  # parallel ties kept
    G = ig.Graph([(0, 1), (2, 1)], directed=True)
    G.vs["name"] = ["u", "v", "w"]
    G.es["weight"] = [0.5, 4.0]
    g = gx.Graph.from_igraph(G)
    assert g.directed and g.labels.tolist() == ["u", "v", "w"]
    assert label_ties(g) == {("u", "v"): 0.5, ("w", "v"): 4.0}


def test_scipy_symmetric_is_undirected_and_asymmetric_directed():
    sp = pytest.importorskip("scipy.sparse")
    dense = np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]], dtype=float)
    g = gx.Graph.from_scipy(sp.csr_matrix(dense))
    assert not g.directed and g.num_ties == 2
    assert np.array_equal(g.to_scipy().toarray(), dense)
    upper = np.triu(dense)
    d = gx.Graph.from_scipy(sp.coo_matrix(upper))
    assert d.directed and d.num_ties == 2
    assert np.array_equal(d.to_scipy().toarray(), upper)
    forced = gx.Graph.from_scipy(sp.csr_matrix(dense), directed=True)
    assert forced.directed and forced.num_ties == 4


def test_scipy_undirected_takes_the_larger_entry_and_rejects_non_square():
    sp = pytest.importorskip("scipy.sparse")
    g = gx.Graph.from_scipy(sp.csr_matrix(np.array([[0, 1.0], [3.0, 0]])), directed=False)
    assert g.num_ties == 1 and g.tie_weights().tolist() == [3.0]
    with pytest.raises(ValueError, match="square"):
        gx.Graph.from_scipy(sp.csr_matrix(np.ones((2, 3))))


def test_to_scipy_unweighted_is_adjacency():
    g = gx.Graph.from_edges(SRC, DST, directed=True)
    expected = np.zeros((4, 4))
    expected[SRC, DST] = 1
    assert np.array_equal(g.to_scipy().toarray(), expected)


# -- snapshots and edge-list files ----------------------------------------------------------


def _assert_same_graph(a, b):
    assert (a.num_nodes, a.num_ties, a.num_arcs, a.directed, a.has_weights) == (
        b.num_nodes, b.num_ties, b.num_arcs, b.directed, b.has_weights)
    assert np.array_equal(a.offsets, b.offsets) and np.array_equal(a.targets, b.targets)
    if a.has_weights:
        assert np.array_equal(a.weights, b.weights)
    assert np.array_equal(a.strength, b.strength)
    assert a.labels.tolist() == b.labels.tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda: gx.Graph.from_edges(SRC, DST, n=6),  # identity labels, isolated nodes
        lambda: gx.Graph.from_edges([100, 7, 7], [7, 3, 3000], weights=[0.1, 2.0, 1 / 3], relabel=True),
        lambda: gx.Graph.from_edges(["b", "a", "c"], ["a", "c", "b"], directed=True, self_loops="keep"),
        lambda: gx.Graph.from_edges([0, 1, 1], [1, 1, 2], weights=[1, 2, 3], directed=True, self_loops="keep"),
    ],
    ids=["identity", "int-labels-weighted", "str-labels-directed", "self-loop-weighted"],
)
def test_snapshot_round_trip(tmp_path, make):
    g = make()
    g.strength = np.linspace(0, 1, g.num_ties)
    path = tmp_path / "g.gx"
    g.save(path)
    loaded = gx.Graph.load(path)
    _assert_same_graph(g, loaded)
    _assert_same_graph(g, gx.Graph.read(path))  # read() knows .gx
    assert loaded.strength.dtype == np.float32 and loaded.offsets.dtype == g.offsets.dtype


def test_loaded_snapshot_strength_is_private(tmp_path):
    g = gx.Graph.from_edges(SRC, DST)
    path = tmp_path / "g.gx"
    g.save(path)
    before = path.read_bytes()
    loaded = gx.Graph.load(path)
    loaded.strength = 0.5  # copy-on-write: the file must not change
    assert loaded.strength.tolist() == [0.5] * 4
    assert path.read_bytes() == before
    assert gx.Graph.load(path).strength.tolist() == [1.0] * 4


@pytest.mark.parametrize("name", ["g.edges", "g.edges.gz"])
def test_edge_list_round_trip(tmp_path, name):
    g = gx.Graph.from_edges([100, 7, 7, 42], [7, 3, 3000, 100], weights=[0.1, 2.0, 1 / 3, 1e-3], relabel=True)
    path = tmp_path / name
    g.write(path)
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    back = gx.Graph.read(path)
    assert back.labels.tolist() == g.labels.tolist()
    _assert_same_graph(g, back)  # float32 weights are written exactly


@pytest.mark.parametrize("name", ["d.edges", "d.edges.gz"])
def test_edge_list_round_trip_directed_string_labels(tmp_path, name):
    g = gx.Graph.from_edges(["x", "y", "z"], ["y", "x", "x"], directed=True)
    path = tmp_path / name
    g.write(path)
    back = gx.Graph.read(path, directed=True, string_ids=True)
    assert label_ties(back) == label_ties(g)
    assert back.directed and back.num_ties == 3
