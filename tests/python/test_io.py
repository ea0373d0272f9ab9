# The file readers: the real data sets (skipped when absent) checked against plain-Python parses,
# and a table of malformed inputs whose errors must name the file, the line and the field.
import gzip
import zlib

import numpy as np
import pytest

import guanxi as gx


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


# -- real data ------------------------------------------------------------------------------


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


# -- accepted variants ----------------------------------------------------------------------


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


# -- malformed inputs -----------------------------------------------------------------------


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
