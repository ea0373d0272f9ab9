// Readers and writers: edge lists, Matrix Market, GML, GraphML, snapshots; the real data sets
// when present; and a table of malformed inputs, each naming file, line and field.
// parallel: edge lists parse in chunks on TBB.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "guanxi/analytics.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
#include "guanxi/snapshot.hpp"
#include "guanxi/ties.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::neighbors;
using testing::TempDir;

std::set<std::pair<node_t, node_t>> tie_set(const Graph& g) {
  std::set<std::pair<node_t, node_t>> out;
  g.for_each_tie([&](tie_t, node_t u, node_t v, arc_t) { out.emplace(u, v); });
  return out;
}

void write_gzip(const std::string& path, const std::string& content) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
}

TEST(EdgeList, CommentsSeparatorsWeightsAndLabels) {
  TempDir dir;
  const auto path = dir.write("g.edges", "# comment\n% also\n\n10 20 0.5\n20,30,1.5\r\n  30\t10 2\n");
  const Graph g = read_edge_list(path);
  EXPECT_EQ(g.num_nodes(), 3u);
  EXPECT_EQ(g.num_ties(), 3u);
  ASSERT_TRUE(g.has_weights());
  EXPECT_EQ(g.labels().to_string(0), "10");
  EXPECT_EQ(g.labels().to_string(2), "30");
  // Tie 10-20 has weight 0.5: arc 0 -> 1.
  EXPECT_FLOAT_EQ(g.weights()[g.arc_begin(0)], 0.5f);
  ReadOptions as_is;
  as_is.relabel = false;
  EXPECT_EQ(read_edge_list(path, as_is).num_nodes(), 31u);
}

TEST(EdgeList, GzipIsTransparentAndStringIds) {
  TempDir dir;
  write_gzip(dir.file("g.txt.gz"), "a b\nb c\n");
  ReadOptions strings;
  strings.string_ids = true;
  const Graph g = read_edge_list(dir.file("g.txt.gz"), strings);
  EXPECT_EQ(g.num_ties(), 2u);
  EXPECT_EQ(g.labels().strings(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(EdgeList, CsvHeaderIsSkipped) {
  TempDir dir;
  const Graph g = read_edge_list(dir.write("g.csv", "source,target\n1,2\n2,3\n"));
  EXPECT_EQ(g.num_ties(), 2u);
}

TEST(EdgeList, LargeFileParsesAcrossChunks) {
  // More than one 4 MiB chunk, so chunk joins and line numbers across chunks are exercised.
  TempDir dir;
  std::string text;
  const int lines = 600000;
  for (int i = 0; i < lines; ++i) text += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  text += "5 oops\n";
  const auto bad = dir.write("big.edges", text);
  try {
    read_edge_list(bad);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), static_cast<std::uint64_t>(lines + 1));
  }
  text.resize(text.size() - 7);
  const Graph g = read_edge_list(dir.write("ok.edges", text));
  EXPECT_EQ(g.num_ties(), static_cast<std::uint64_t>(lines));
  EXPECT_EQ(g.num_nodes(), static_cast<node_t>(lines + 1));
}

TEST(WriteRead, EdgeListRoundTripPlainAndGzip) {
  TempDir dir;
  Graph g = holme_kim(500, 3, 0.4, 2);
  for (const char* name : {"g.edges", "g.edges.gz"}) {
    write_edge_list(g, dir.file(name));
    const Graph back = read_edge_list(dir.file(name));
    EXPECT_EQ(tie_set(back), tie_set(g)) << name;
  }
}

TEST(Snapshot, RoundTripKeepsEverything) {
  TempDir dir;
  ReadOptions o;
  o.string_ids = true;
  const Graph strings = read_edge_list(dir.write("s.edges", "x y 1\ny z 2.5\n"), o);
  Graph g = erdos_renyi_gnm(2000, 9000, 4, true);
  TieInit init;
  init.kind = TieInit::Kind::uniform;
  init.seed = 3;
  init_strength(g, init);
  for (const Graph* original : {static_cast<const Graph*>(&g), &strings}) {
    const auto path = dir.file("g.gx");
    save_snapshot(*original, path);
    const Graph back = load_snapshot(path);
    EXPECT_EQ(back.directed(), original->directed());
    EXPECT_EQ(back.num_nodes(), original->num_nodes());
    EXPECT_TRUE(std::equal(back.offsets().begin(), back.offsets().end(), original->offsets().begin()));
    EXPECT_TRUE(std::equal(back.targets().begin(), back.targets().end(), original->targets().begin()));
    EXPECT_TRUE(std::equal(back.strength().begin(), back.strength().end(), original->strength().begin()));
    EXPECT_TRUE(std::equal(back.weights().begin(), back.weights().end(), original->weights().begin()));
    EXPECT_EQ(back.labels().kind(), original->labels().kind());
    for (node_t v = 0; v < back.num_nodes(); ++v) EXPECT_EQ(back.labels().to_string(v), original->labels().to_string(v));
  }
}

TEST(Snapshot, LoadedStrengthIsPrivate) {
  TempDir dir;
  Graph g = erdos_renyi_gnm(100, 300, 1);
  save_snapshot(g, dir.file("g.gx"));
  {
    Graph a = load_snapshot(dir.file("g.gx"));
    a.strength()[0] = 0.0f;  // copy-on-write: the file is unchanged
  }
  EXPECT_EQ(load_snapshot(dir.file("g.gx")).strength()[0], 1.0f);
}

// Each malformed input must raise ParseError at this line, mentioning this field.
struct Malformed {
  const char* name;
  const char* file;
  const char* content;
  std::uint64_t line;
  const char* field;
  ReadOptions options = {};
};

ReadOptions no_relabel() {
  ReadOptions o;
  o.relabel = false;
  return o;
}
ReadOptions error_on(bool loops) {
  ReadOptions o;
  if (loops) o.self_loops = SelfLoops::error;
  else o.duplicates = Duplicates::error;
  return o;
}

class MalformedInput : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedInput, NamesFileLineAndField) {
  const Malformed& m = GetParam();
  TempDir dir;
  const auto path = dir.write(m.file, m.content);
  try {
    read_graph(path, std::nullopt, m.options);
    FAIL() << m.name << ": no error";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), path) << m.name;
    EXPECT_EQ(e.line(), m.line) << m.name << ": " << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find(path + ":" + std::to_string(m.line) + ":"), std::string::npos) << what;
    EXPECT_NE(what.find(m.field), std::string::npos) << m.name << ": " << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedInput,
    ::testing::Values(
        Malformed{"bad_token", "a.edges", "1 2\n2 x\n", 2, "dst"},
        Malformed{"bad_src", "a.edges", "# c\nfoo 2\n", 2, "src"},
        Malformed{"missing_column", "a.edges", "1 2\n3\n", 2, "dst"},
        Malformed{"too_many_columns", "a.edges", "1 2\n1 2 3 4\n", 2, "columns"},
        Malformed{"inconsistent_columns", "a.edges", "1 2\n2 3 0.5\n", 2, "columns"},
        Malformed{"negative_weight", "a.edges", "1 2 1\n2 3 -0.5\n", 2, "weight"},
        Malformed{"nan_weight", "a.edges", "1 2 1\n2 3 nan\n", 2, "weight"},
        Malformed{"bad_weight", "a.edges", "1 2 1\n2 3 abc\n", 2, "weight"},
        Malformed{"negative_id", "a.edges", "1 2\n-3 2\n", 2, "src", no_relabel()},
        Malformed{"empty", "a.edges", "", 1, "no edges"},
        Malformed{"comments_only", "a.edges", "# nothing\n", 1, "no edges"},
        Malformed{"self_loop_error", "a.edges", "1 2\n3 3\n", 2, "self-loop", error_on(true)},
        Malformed{"duplicate_error", "a.edges", "1 2\n2 3\n2 1\n", 3, "line 1", error_on(false)},
        Malformed{"mtx_banner", "a.mtx", "%%MatrixMarket matrix array real general\n2 2\n", 1, "banner"},
        Malformed{"mtx_index", "a.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n4 1\n", 4, "row"},
        Malformed{"mtx_count", "a.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 3\n1 2\n2 3\n", 4, "entries"},
        Malformed{"mtx_not_square", "a.mtx", "%%MatrixMarket matrix coordinate real general\n% c\n3 4 0\n", 3, "square"},
        Malformed{"gml_unknown_node", "a.gml", "graph [\n node [ id 1 ]\n node [ id 2 ]\n edge [ source 1 target 3 ]\n]\n", 4, "target"},
        Malformed{"gml_unterminated", "a.gml", "graph [\n node [ id 1 ]\n", 3, "missing ']'"},
        Malformed{"gml_duplicate_id", "a.gml", "graph [\n node [ id 1 ]\n node [ id 1 ]\n]\n", 3, "duplicate"},
        Malformed{"graphml_unknown_node", "a.graphml",
                  "<graphml>\n<graph edgedefault=\"undirected\">\n<node id=\"a\"/>\n<edge source=\"a\" target=\"b\"/>\n</graph>\n</graphml>\n",
                  4, "target"},
        Malformed{"graphml_bad_weight", "a.graphml",
                  "<graphml><key id=\"w\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n<graph edgedefault=\"undirected\">\n"
                  "<node id=\"a\"/><node id=\"b\"/>\n<edge source=\"a\" target=\"b\">\n<data key=\"w\">-2</data></edge>\n</graph></graphml>\n",
                  5, "weight"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(MalformedInput, TruncatedGzip) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  write_gzip(dir.file("g.edges.gz"), text);
  std::ifstream in(dir.file("g.edges.gz"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto cut = dir.write("cut.edges.gz", bytes.substr(0, bytes.size() / 2));
  try {
    read_edge_list(cut);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    EXPECT_EQ(e.file(), cut);
  }
}

TEST(MalformedInput, SnapshotVersionCorruptionAndTruncation) {
  TempDir dir;
  const auto path = dir.file("g.gx");
  save_snapshot(erdos_renyi_gnm(100, 400, 2), path);
  std::ifstream in(path, std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), {});
  auto expect_error = [&](const std::string& bytes, const std::string& words) {
    const auto bad = dir.write("bad.gx", bytes);
    try {
      load_snapshot(bad);
      FAIL() << words;
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
      EXPECT_EQ(e.file(), bad);
    }
  };
  std::string version = good;
  version[8] = 99;  // the version field follows the 8-byte magic
  expect_error(version, "version 99");
  std::string flipped = good;
  flipped[good.size() - 70] ^= 0x40;
  expect_error(flipped, "checksum");
  expect_error(good.substr(0, good.size() - 64), "truncated");
  expect_error("not a snapshot at all, just some text that is long enough to have a header......"
               "................................................................................",
               "not a guanxi snapshot");
  EXPECT_THROW(load_snapshot(dir.file("missing.gx")), IoError);
}

TEST(Readers, MissingFileIsAnIoError) {
  try {
    read_graph("/nonexistent/dir/g.edges");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/g.edges"), std::string::npos);
  }
}

TEST(Readers, MatrixMarketSymmetricAndGeneral) {
  TempDir dir;
  const Graph sym = read_graph(dir.write("s.mtx",
      "%%MatrixMarket matrix coordinate real symmetric\n% comment\n3 3 2\n2 1 0.5\n3 2 1.5\n"));
  EXPECT_FALSE(sym.directed());
  EXPECT_EQ(sym.num_ties(), 2u);
  EXPECT_EQ(neighbors(sym, 1), (std::vector<node_t>{0, 2}));
  EXPECT_FLOAT_EQ(sym.weights()[sym.arc_begin(0)], 0.5f);
  const Graph gen = read_graph(dir.write("g.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n2 1\n"));
  EXPECT_TRUE(gen.directed());
  EXPECT_EQ(gen.num_ties(), 2u);
  EXPECT_EQ(gen.num_nodes(), 3u);
}

TEST(Readers, GmlAndGraphmlWeightsAndDirection) {
  TempDir dir;
  const Graph gml = read_graph(dir.write("w.gml",
      "Creator \"test\"\ngraph [\n directed 1\n node [ id 5 label \"five\" ]\n node [ id 7 ]\n"
      " edge [ source 7 target 5 value 2.5 graphics [ w 1 ] ]\n]\n"));
  EXPECT_TRUE(gml.directed());
  EXPECT_EQ(gml.labels().to_string(0), "5");
  EXPECT_EQ(neighbors(gml, 1), (std::vector<node_t>{0}));
  EXPECT_FLOAT_EQ(gml.weights()[0], 2.5f);
  const Graph xml = read_graph(dir.write("w.graphml",
      "<?xml version=\"1.0\"?>\n<graphml>\n<key id=\"d1\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\">"
      "<default>1.5</default></key>\n<!-- a <comment> -->\n<graph edgedefault=\"directed\">\n"
      "<node id=\"p&amp;q\"/><node id=\"r\"></node>\n<edge source=\"r\" target=\"p&amp;q\"><data key=\"d1\">3</data></edge>\n"
      "<edge source=\"p&amp;q\" target=\"r\"/>\n</graph>\n</graphml>\n"));
  EXPECT_TRUE(xml.directed());
  EXPECT_EQ(xml.labels().strings(), (std::vector<std::string>{"p&q", "r"}));
  EXPECT_FLOAT_EQ(xml.weights()[xml.arc_begin(1)], 3.0f);
  EXPECT_FLOAT_EQ(xml.weights()[xml.arc_begin(0)], 1.5f);  // the key's default
}

TEST(RealData, FacebookSize) {
  GUANXI_DATA_OR_SKIP(path, "facebook_combined.edges");
  const Graph g = read_graph(path);
  EXPECT_EQ(g.num_nodes(), 4039u);
  EXPECT_EQ(g.num_ties(), 88234u);
  EXPECT_EQ(g.labels().kind(), NodeLabels::Kind::identity);  // ids are already 0..4038
}

TEST(RealData, KarateInThreeFormatsAgrees) {
  GUANXI_DATA_OR_SKIP(edges, "karate.edges");
  GUANXI_DATA_OR_SKIP(gml, "karate.gml");
  GUANXI_DATA_OR_SKIP(graphml, "zachary.graphml");
  const Graph a = read_graph(edges), b = read_graph(gml), c = read_graph(graphml);
  EXPECT_EQ(a.num_nodes(), 34u);
  EXPECT_EQ(a.num_ties(), 78u);
  EXPECT_EQ(tie_set(a), tie_set(b));
  EXPECT_EQ(tie_set(a), tie_set(c));
}

TEST(RealData, CaGrQcKeepsSparseLabels) {
  GUANXI_DATA_OR_SKIP(path, "CA-GrQc.edges");
  const Graph g = read_graph(path);
  std::ifstream in(path);
  std::set<std::int64_t> ids;
  std::int64_t u, v;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream(line) >> u >> v;
    ids.insert(u);
    ids.insert(v);
  }
  ASSERT_EQ(g.labels().kind(), NodeLabels::Kind::integer);
  EXPECT_EQ(std::vector<std::int64_t>(ids.begin(), ids.end()),
            std::vector<std::int64_t>(g.labels().integers().begin(), g.labels().integers().end()));
}

}  // namespace
}  // namespace guanxi
