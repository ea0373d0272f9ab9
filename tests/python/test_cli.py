# The guanxi command-line tool (GUANXI_CLI) run as a subprocess: info (text and JSON), generate,
# convert, reproducibility of snapshots, and one-line errors on bad input.
import json

import numpy as np
import pytest

import guanxi as gx
from helpers import assert_one_line_error, run


def ok(cli, *args, cwd=None):
    result = run(cli, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def tiny_edges(write_file):
    # Triangle 10-20-30 with a pendant 40, and an isolated pair 50-60.
    return write_file("tiny.edges", "# tiny\n10 20\n20 30\n30 10\n30 40\n50 60\n")


def test_info_prints_nodes_and_ties(cli, write_file):
    out = ok(cli, "info", tiny_edges(write_file)).stdout
    assert [l.split()[:2] for l in out.splitlines() if l.split()[:1] in (["nodes"], ["ties"])] == [
        ["nodes", "6"],
        ["ties", "5"],
    ]


def test_info_json(cli, write_file):
    info = json.loads(ok(cli, "info", tiny_edges(write_file), "--json").stdout)
    assert (info["nodes"], info["ties"], info["directed"], info["weighted"]) == (6, 5, False, False)
    assert info["components"]["count"] == 2 and info["components"]["largest"] == 4
    assert info["degree"]["min"] == 1 and info["degree"]["max"] == 3 and info["degree"]["isolated"] == 0
    # Triangle nodes 10, 20 have clustering 1, node 30 has 1/3; 3 closed of 5 triples.
    assert info["average_clustering"] == pytest.approx((1 + 1 + 1 / 3) / 6)
    assert info["transitivity"] == pytest.approx(3 / 5)


def test_info_json_directed_flag(cli, write_file):
    info = json.loads(ok(cli, "info", tiny_edges(write_file), "--json", "--directed").stdout)
    assert info["directed"] is True and info["ties"] == 5


def test_info_on_real_data(cli, data_file):
    info = json.loads(ok(cli, "info", data_file("karate.gml"), "--json").stdout)
    assert (info["nodes"], info["ties"], info["components"]["count"]) == (34, 78, 1)


def test_generate_then_info(cli, tmp_path):
    out = tmp_path / "X.gx"
    ok(cli, "generate", "holme-kim", "--n", 2000, "--m", 3, "--p", 0.5, "--seed", 1, "-o", out)
    info = json.loads(ok(cli, "info", out, "--json").stdout)
    assert info["nodes"] == 2000
    assert 0 < info["ties"] <= 3 * (2000 - 3)
    # The CLI and the Python generator are the same function of the seed.
    g = gx.Graph.load(out)
    h = gx.generators.holme_kim(2000, 3, 0.5, seed=1)
    assert np.array_equal(g.offsets, h.offsets) and np.array_equal(g.targets, h.targets)
    assert info["ties"] == h.num_ties


@pytest.mark.parametrize(
    "kind, params",
    [
        ("holme-kim", ["--n", 3000, "--m", 3, "--p", 0.5]),
        ("erdos-renyi", ["--n", 3000, "--p", 0.003]),
        ("rmat", ["--scale", 12, "--edge-factor", 8]),
        ("sbm", ["--sizes", "1500,1500", "--p", "0.004,0.001,0.001,0.004"]),
    ],
)
def test_same_seed_gives_identical_snapshot_bytes(cli, tmp_path, kind, params):
    paths = [tmp_path / f"{i}.gx" for i in range(3)]
    ok(cli, "--threads", 1, "generate", kind, *params, "--seed", 7, "-o", paths[0])
    ok(cli, "--threads", 2, "generate", kind, *params, "--seed", 7, "-o", paths[1])
    ok(cli, "generate", kind, *params, "--seed", 8, "-o", paths[2])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_generate_edge_list_output(cli, tmp_path):
    out = tmp_path / "k.edges"
    ok(cli, "generate", "complete", "--n", 6, "-o", out)
    g = gx.Graph.read(out)
    assert (g.num_nodes, g.num_ties) == (6, 15)


def test_convert_gml_to_edges_round_trip(cli, data_file, tmp_path):
    source = data_file("karate.gml")
    out = tmp_path / "out.edges"
    ok(cli, "convert", source, out)
    original, back = gx.Graph.read(source), gx.Graph.read(out)
    assert back.labels.tolist() == original.labels.tolist()  # GML ids 1..34 written as labels
    assert np.array_equal(back.offsets, original.offsets) and np.array_equal(back.targets, original.targets)


def test_convert_to_snapshot_keeps_string_labels(cli, tmp_path, write_file):
    source = write_file("names.edges", "bob alice 0.5\nalice carol 2\n")
    out = tmp_path / "names.gx"
    ok(cli, "convert", "--string-ids", source, out)
    g = gx.Graph.load(out)
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert sorted(g.tie_weights().tolist()) == [0.5, 2.0]


# -- errors: one line on stderr, non-zero exit ----------------------------------------------


def test_missing_file(cli, tmp_path):
    path = tmp_path / "nope.edges"
    assert_one_line_error(run(cli, "info", path), str(path), "cannot open")


def test_malformed_file(cli, write_file):
    path = write_file("bad.edges", "0 1\n1 x\n")
    assert_one_line_error(run(cli, "info", path), f"{path}:2:", "dst", "'x'")


def test_malformed_option_value(cli, write_file):
    path = tiny_edges(write_file)
    assert_one_line_error(run(cli, "info", path, "--self-loops", "sometimes"), "self_loops", "sometimes")


def test_unknown_generator(cli, tmp_path):
    # The message must name what was wrong: the unknown generator.
    assert_one_line_error(run(cli, "generate", "no-such-model", "-o", tmp_path / "x.gx"), "no-such-model", code=2)


@pytest.mark.parametrize(
    "kind, args, needle",
    [
        ("holme-kim", ["--p", 2], "p:"),
        ("erdos-renyi", ["--p", "abc"], "p:"),
        ("watts-strogatz", ["--k", 3], "k:"),
        ("barabasi-albert", ["--n", 5, "--m", 5], "m:"),
        ("erdos-renyi", ["--n", -5], "n:"),
        ("sbm", ["--sizes", "10,10", "--p", "0.1,0.2,0.3"], "p:"),
        ("rmat", ["--directed", "maybe"], "directed:"),
    ],
)
def test_bad_generator_parameter(cli, tmp_path, kind, args, needle):
    out = tmp_path / "y.gx"
    result = run(cli, "generate", kind, *args, "-o", out)
    assert_one_line_error(result, needle)
    assert not out.exists()


def test_missing_subcommand_and_argument(cli):
    for args in ([], ["info"], ["nonsense"], ["info", "--no-such-flag", "x.edges"]):
        assert_one_line_error(run(cli, *args), code=2)  # usage


def test_version_and_documented_exit_codes(cli):
    from guanxi import __version__

    result = ok(cli, "--version")
    assert result.stdout.strip() == f"guanxi {__version__}" and result.stderr == ""
    help_text = ok(cli, "--help").stdout
    assert "Exit codes: 0 ok; 1 bad input" in help_text and "2 usage" in help_text and "130 interrupted" in help_text
