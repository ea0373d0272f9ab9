# guanxi.graph: gx.Graph on tiny graphs with known answers (construction policies, validation,
# zero-copy views, strength, derived graphs, converters to and from networkx, igraph and scipy,
# snapshots, edge-list files, pickling), and the file readers on the real data sets (skipped when
# absent) against plain-Python parses, with a table of malformed inputs whose errors name the
# file, the line and the field.
import gc
import gzip
import pickle
import zlib

import numpy as np
import pytest

import guanxi as gx
from helpers import same_values


def test_graphs_pickle_whole():
    g = gx.Graph.from_edges(["ann", "bo", "cy"], ["bo", "cy", "dee"], weights=[0.5, 1.0, 2.0])
    g.strength = [0.1, 0.2, 0.3]
    copy = pickle.loads(pickle.dumps(g))
    assert copy.num_nodes == 4 and list(copy.labels) == list(g.labels)
    assert same_values(copy.strength, g.strength) and same_values(copy.weights, g.weights)
    assert same_values(copy.offsets, g.offsets) and same_values(copy.targets, g.targets)
    assert copy.directed == g.directed
    with pytest.raises(ValueError, match="snapshot bytes"):
        gx.Graph.from_bytes(g.to_bytes()[:-8])


def read_plain(path):
    """Independent parse of a whitespace edge list: [(u, v, w or None)]."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0][0] in "#%":
                continue
            rows.append((int(parts[0]), int(parts[1]), float(parts[2]) if len(parts) > 2 else None))
    return rows


def label_pairs(g):
    """Ties as a set of (label_u, label_v); undirected pairs sorted."""
    labels = g.labels.tolist()
    src, dst = g.edges()
    pairs = {(labels[u], labels[v]) for u, v in zip(src.tolist(), dst.tolist())}
    return pairs if g.directed else {tuple(sorted(p)) for p in pairs}


def undirected_pairs(rows):
    return {tuple(sorted((u, v))) for u, v, _ in rows if u != v}


def test_facebook_size_and_edges(data_file):
    path = data_file("facebook_combined.edges")
    g = gx.Graph.read(path)
    assert (g.num_nodes, g.num_ties, g.directed) == (4039, 88234, False)  # as published
    assert label_pairs(g) == undirected_pairs(read_plain(path))


def test_facebook_gzip_copy_reads_the_same(data_file, tmp_path):
    path = data_file("facebook_combined.edges")
    packed = tmp_path / "facebook.edges.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    a, b = gx.Graph.read(path), gx.Graph.read(packed)
    assert np.array_equal(a.offsets, b.offsets) and np.array_equal(a.targets, b.targets)


def test_karate_in_three_formats_is_one_graph(data_file):
    graphs = [gx.Graph.read(data_file(name)) for name in ("karate.edges", "karate.gml", "zachary.graphml")]
    # karate.edges is 1-based; dense ids are 0-based in file order for all three.
    expected = {tuple(sorted((u - 1, v - 1))) for u, v, _ in read_plain(data_file("karate.edges"))}
    assert len(expected) == 78
    for g in graphs:
        assert (g.num_nodes, g.num_ties, g.directed) == (34, 78, False)
        src, dst = g.edges()
        assert set(zip(src.tolist(), dst.tolist())) == expected
    assert graphs[0].labels.tolist() == list(range(1, 35))
    assert graphs[1].labels.tolist() == list(range(1, 35))  # GML ids
    assert graphs[2].labels.tolist() == [f"n{i}" for i in range(34)]  # GraphML ids


def test_ca_grqc_keeps_sparse_labels(data_file):
    path = data_file("CA-GrQc.edges")
    rows = read_plain(path)
    g = gx.Graph.read(path)
    assert g.labels.tolist() == sorted({u for u, _, _ in rows} | {v for _, v, _ in rows})
    assert g.num_nodes == 5242
    assert label_pairs(g) == undirected_pairs(rows)  # both directions listed: merged


def test_email_eu_core_directed(data_file):
    path = data_file("email-Eu-core.edges")
    rows = read_plain(path)
    g = gx.Graph.read(path, directed=True)
    assert g.directed and g.num_nodes == 1005
    assert label_pairs(g) == {(u, v) for u, v, _ in rows if u != v}  # self-loops dropped
    kept = gx.Graph.read(path, directed=True, self_loops="keep", duplicates="keep")
    assert kept.num_ties == len(rows) == 25571
    assert sum(u == v for u, v, _ in rows) == 642


def test_nethept_weighted_cascade_weights(data_file):
    path = data_file("NetHEPT_WC_weighted.edges")
    rows = read_plain(path)
    # Directed with duplicates kept: exactly the file's lines and weights.
    g = gx.Graph.read(path, directed=True, duplicates="keep", self_loops="keep")
    assert g.has_weights and g.num_ties == len(rows) == 58891
    labels = g.labels.tolist()
    src, dst = g.edges()
    got = sorted(zip((labels[u] for u in src), (labels[v] for v in dst), g.tie_weights().tolist()))
    want = sorted((u, v, float(np.float32(w))) for u, v, w in rows)
    assert got == want
    # Default (undirected, merge by sum): each tie's weight is the sum over its lines.
    merged = gx.Graph.read(path)
    sums = {}
    for u, v, w in rows:
        if u != v:
            sums[tuple(sorted((u, v)))] = sums.get(tuple(sorted((u, v))), 0.0) + w
    labels = merged.labels.tolist()
    src, dst = merged.edges()
    got = {tuple(sorted((labels[u], labels[v]))): w for u, v, w in zip(src, dst, merged.tie_weights().tolist())}
    assert got.keys() == sums.keys()
    keys = sorted(sums)
    # float32 parsing and summation: relative error a few float32 ulps (6e-8 each).
    assert np.allclose([got[k] for k in keys], [sums[k] for k in keys], rtol=1e-6, atol=0)


def test_lesmis_weights(data_file):
    path = data_file("lesmis.edges")
    rows = read_plain(path)
    g = gx.Graph.read(path)
    assert (g.num_nodes, g.num_ties, g.has_weights) == (77, 254, True)
    labels = g.labels.tolist()
    src, dst = g.edges()
    got = {tuple(sorted((labels[u], labels[v]))): w for u, v, w in zip(src, dst, g.tie_weights().tolist())}
    assert got == {tuple(sorted((u, v))): w for u, v, w in rows}


def test_csv_header_is_accepted_for_csv(write_file):
    g = gx.Graph.read(write_file("g.csv", "source,target\n0,1\n1,2\n"))
    assert (g.num_nodes, g.num_ties) == (3, 2)
    # Line numbers still count the header.
    with pytest.raises(ValueError, match=r"g2\.csv:4: dst:.*duplicate.*first at line 2\b"):
        gx.Graph.read(write_file("g2.csv", "source,target\n0,1\n1,2\n1,0\n"), duplicates="error")


def test_header_is_not_skipped_for_plain_edge_lists(write_file):
    with pytest.raises(ValueError, match=r"g\.edges:1: src:"):
        gx.Graph.read(write_file("g.edges", "source target\n0 1\n"))


def test_comments_blank_lines_and_crlf(write_file):
    g = gx.Graph.read(write_file("g.edges", "# head\r\n\r\n10 20\r\n% mid\r\n20 30\r\n"))
    assert g.labels.tolist() == [10, 20, 30] and g.num_ties == 2
    # Errors found while building still map to file lines past comments and blanks.
    with pytest.raises(ValueError, match=r"h\.edges:5: .*self-loop"):
        gx.Graph.read(write_file("h.edges", "# c\n\n0 1\n% x\n1 1\n"), self_loops="error")


def test_keep_ids_without_relabel(write_file):
    g = gx.Graph.read(write_file("g.edges", "2 5\n"), relabel=False)
    assert g.num_nodes == 6 and g.labels.tolist() == list(range(6))


def test_string_ids(write_file):
    g = gx.Graph.read(write_file("g.edges", "bob alice 1\nalice carol 2.5\n"), string_ids=True)
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert sorted(g.tie_weights().tolist()) == [1.0, 2.5]


def test_error_line_in_a_later_chunk(write_file):
    # The parser works in ~4 MiB chunks; a bad line far into the file keeps its line number.
    lines = [f"{i} {i + 1000003}\n" for i in range(400_000)]
    bad = 371_234
    lines[bad - 1] = "12 oops\n"
    path = write_file("big.edges", "".join(lines))
    assert path.stat().st_size > 5 * 2**20
    with pytest.raises(ValueError, match=rf"big\.edges:{bad}: dst: .*'oops'"):
        gx.Graph.read(path)


def _gzip_truncated():
    data = gzip.compress("".join(f"{i} {i + 1}\n" for i in range(20_000)).encode())
    return data[: len(data) // 2]


def _gzip_truncated_line():
    """The last line of the readable data of the truncated file (decoded independently)."""
    text = zlib.decompressobj(wbits=31).decompress(_gzip_truncated())
    return max(1, text.count(b"\n") + (0 if text.endswith(b"\n") else 1))


def _snapshot_bytes(tmp_path):
    path = tmp_path / "source.gx"
    gx.Graph.from_edges([0, 1, 2], [1, 2, 0], weights=[1, 2, 3]).save(path)
    return path.read_bytes()


def _wrong_version(tmp_path):
    data = bytearray(_snapshot_bytes(tmp_path))
    data[8:12] = (99).to_bytes(4, "little")  # version field after the 8-byte magic
    return bytes(data)


def _truncated_snapshot(tmp_path):
    data = _snapshot_bytes(tmp_path)
    return data[: len(data) - 16]


MM = "%%MatrixMarket matrix coordinate real general\n"


GRAPHML = '<?xml version="1.0"?>\n<graphml>\n<graph edgedefault="undirected">\n<node id="a"/>\n<node id="b"/>\n'


# (file name, content or content(tmp_path), read options, line, field or None, text in the message)
MALFORMED = [
    ("bad_dst.edges", "0 1\n1 x\n", {}, 2, "dst", "'x'"),
    ("bad_src.edges", "0 1\n\ny 1\n", {}, 3, "src", "'y'"),
    ("bad_weight.edges", "0 1 1\n1 2 heavy\n", {}, 2, "weight", "'heavy'"),
    ("missing.edges", "# one column\n0 1\n5\n", {}, 3, "dst", "missing column"),
    ("too_many.edges", "0 1\n1 2 3 4\n", {}, 2, "line", "too many columns"),
    ("columns.edges", "0 1\n1 2\n2 3 0.5\n", {}, 3, "line", "3 columns"),
    ("columns2.edges", "0 1 0.5\n1 2\n", {}, 2, "line", "2 columns"),
    ("negative.edges", "0 1 1\n1 2 -1\n", {}, 2, "weight", "-1"),
    ("nan.edges", "0 1 1\n1 2 nan\n", {}, 2, "weight", "nan"),
    ("inf.edges", "0 1 1\n1 2 inf\n", {}, 2, "weight", "inf"),
    ("negative_id.edges", "0 1\n-1 2\n", {"relabel": False}, 2, "src", "-1"),
    ("empty.edges", "", {}, 1, None, "no edges"),
    ("comments.edges", "# a\n% b\n", {}, 2, None, "no edges"),  # end-of-file errors: the last line
    ("comments_open.edges", "# a\n% b\n# c", {}, 3, None, "no edges"),  # last line without newline
    ("truncated.edges.gz", lambda tmp: _gzip_truncated(), {}, _gzip_truncated_line(), "gzip", "truncated"),
    ("version.gx", _wrong_version, {}, 1, "version", "99"),
    ("truncated.gx", _truncated_snapshot, {}, 1, "size", "truncated"),
    ("banner.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n", {}, 1, "banner", "coordinate"),
    ("no_banner.mtx", "3 3 1\n1 2 1.0\n", {}, 1, "banner", "MatrixMarket"),
    ("row.mtx", MM + "% c\n3 3 2\n1 2 1.0\n4 1 1.0\n", {}, 5, "row", "4"),
    ("col.mtx", MM + "3 3 2\n1 2 1.0\n2 0 1.0\n", {}, 4, "col", "0"),
    ("few.mtx", MM + "3 3 3\n1 2 1.0\n2 3 1.0\n", {}, 4, "entries", "expected 3"),
    ("many.mtx", MM + "3 3 1\n1 2 1.0\n2 3 1.0\n", {}, 4, "entries", "expected 1"),
    ("unknown.gml", "graph [\n  node [ id 1 ]\n  node [ id 2 ]\n  edge [ source 1 target 2 ]\n  edge [ source 2 target 7 ]\n]\n",
     {}, 5, "target", "7"),
    ("unknown.graphml", GRAPHML + '<edge source="a" target="b"/>\n<edge source="zz" target="b"/>\n</graph>\n</graphml>\n',
     {}, 7, "source", "zz"),
    ("dup.edges", "0 1\n1 2\n# c\n2 1\n", {"duplicates": "error"}, 4, "dst", "first at line 2"),
    ("dup_directed.edges", "0 1\n1 0\n0 1\n", {"duplicates": "error", "directed": True}, 3, "dst", "first at line 1"),
    ("loop.edges", "0 1\n1 2\n2 2\n", {"self_loops": "error"}, 3, "dst", "self-loop"),
    ("loop.gml", "graph [\n node [ id 0 ]\n edge [ source 0 target 0 ]\n]\n", {"self_loops": "error"}, 3, "dst", "self-loop"),
]


@pytest.mark.parametrize("name, content, options, line, field, text", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_names_file_line_and_field(tmp_path, name, content, options, line, field, text):
    data = content(tmp_path) if callable(content) else content
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    with pytest.raises(ValueError) as error:
        gx.Graph.read(path, **options)
    message = str(error.value)
    prefix = f"{path}:{line}: " + (f"{field}: " if field else "")
    assert message.startswith(prefix), message
    assert text in message


def test_snapshot_errors_from_load_too(tmp_path):
    path = tmp_path / "v.gx"
    path.write_bytes(_wrong_version(tmp_path))
    with pytest.raises(ValueError, match=rf"^{path}:1: version: .*99"):
        gx.Graph.load(path)


def test_snapshot_checksum_detects_corruption(tmp_path):
    data = bytearray(_snapshot_bytes(tmp_path))
    data[128 + 8] ^= 0x01  # offsets[1], in the first section after the 128-byte header
    path = tmp_path / "flipped.gx"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"flipped\.gx:1: .*corrupt"):
        gx.Graph.load(path)


@pytest.mark.parametrize("name", ["missing.edges", "missing.edges.gz", "missing.gx", "missing.mtx", "missing.gml", "missing.graphml"])
def test_missing_file_is_an_os_error_naming_the_path(tmp_path, name):
    path = tmp_path / name
    with pytest.raises(OSError) as error:
        gx.Graph.read(path)
    assert str(path) in str(error.value)
    assert not isinstance(error.value, ValueError)


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
