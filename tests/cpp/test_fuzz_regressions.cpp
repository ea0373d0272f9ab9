// Inputs the fuzz targets of tests/fuzz found, and inputs that ask for more than can be read:
// each must give a clear error naming the file, the line and the field, before memory runs out.
// The fuzzers' own inputs (tests/fuzz/regressions/) are also replayed by the fuzz_replay_* tests;
// the cases here pin down the message each one now gives.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "guanxi/error.hpp"
#include "guanxi/io.hpp"
#include "guanxi/scenario.hpp"
#include "guanxi/snapshot.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string regression(const std::string& target, const std::string& name) {
  return std::string(GUANXI_SOURCE_DIR) + "/tests/fuzz/regressions/" + target + "/" + name;
}

// f() must throw ParseError naming `file` at `line`, with `field` and every one of `words`.
template <class F>
void expect_parse_error(F&& f, const std::string& file, std::uint64_t line, const std::string& field,
                        std::initializer_list<const char*> words) {
  try {
    f();
    FAIL() << "no error for " << file;
  } catch (const ParseError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.file(), file) << what;
    EXPECT_EQ(e.line(), line) << what;
    EXPECT_NE(what.find(file + ":" + std::to_string(line) + ": " + field + ": "), std::string::npos) << what;
    for (const char* w : words) EXPECT_NE(what.find(w), std::string::npos) << "'" << w << "' not in: " << what;
  }
}

std::uint64_t physical_memory() {
  return static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(::sysconf(_SC_PAGE_SIZE));
}

// --- Sizes a file asks for -------------------------------------------------------------------

TEST(InputLimits, MatrixMarketRowsBeyond32BitIds) {
  TempDir dir;
  const auto path = dir.write("huge.mtx", "%%MatrixMarket matrix coordinate pattern general\n% c\n1000000000000 1000000000000 1\n1 1\n");
  expect_parse_error([&] { read_graph(path); }, path, 3, "size", {"1000000000000 rows", "32-bit"});
}

TEST(InputLimits, MatrixMarketRowsBeyondTheNodeLimit) {
  TempDir dir;
  const auto path = dir.write("big.mtx", "%%MatrixMarket matrix coordinate pattern general\n5000000 5000000 1\n1 1\n");
  ReadOptions options;
  options.max_implied_nodes = 1000000;
  expect_parse_error([&] { read_graph(path, std::nullopt, options); }, path, 2, "size",
                     {"5000000 rows", "more than 1000000 nodes", "max_implied_nodes"});
  options.max_implied_nodes = 5000000;
  EXPECT_EQ(read_graph(path, std::nullopt, options).num_nodes(), 5000000u);
}

// fuzz_matrix_market: rows just below 2^32 made the builder allocate 2 x 34 GB of offsets
// (std::bad_alloc, or the machine's memory filled with zeros).
TEST(InputLimits, MatrixMarketRowsBeyondMemoryByDefault) {
  if (physical_memory() / 64 >= 4294967290u) GTEST_SKIP() << "this machine holds 2^32 nodes";
  const std::string path = regression("matrix_market", "rows_near_2_32.mtx");
  expect_parse_error([&] { read_graph(path); }, path, 2, "size", {"4294967290 rows", "memory"});
}

TEST(InputLimits, MatrixMarketEntriesBeyondTheFile) {
  TempDir dir;
  // Nothing is sized by the declared entries: they are compared with the entries found.
  const auto path = dir.write("short.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 1000000000\n1 2 1\n");
  expect_parse_error([&] { read_graph(path); }, path, 3, "entries", {"expected 1000000000 entries, found 1"});
}

TEST(InputLimits, MatrixMarketNoEntriesDeclaredButSomeGiven) {
  TempDir dir;
  const auto path = dir.write("zero.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 0\n% c\n1 2\n");
  expect_parse_error([&] { read_graph(path); }, path, 4, "entries", {"expected 0 entries"});
  EXPECT_EQ(read_graph(dir.write("empty.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 0\n")).num_ties(), 0u);
}

// fuzz_edge_list: with relabel=false, id 4294967294 made 4294967295 nodes, allocated by the
// builder before anything else.
TEST(InputLimits, EdgeListIdNear2To32WithoutRelabel) {
  TempDir dir;
  ReadOptions small;
  small.relabel = false;
  small.max_implied_nodes = 1u << 20;
  const std::string found = regression("edge_list", "relabel_false_id_near_2_32.edges");
  expect_parse_error([&] { read_edge_list(found, small); }, found, 1, "dst", {"node id 4294967294", "4294967295 nodes"});
  const auto path = dir.write("big.edges", "# ids as they are\n0 1\n2 4294967290\n");
  ReadOptions as_is;
  as_is.relabel = false;
  as_is.max_implied_nodes = 1u << 20;
  expect_parse_error([&] { read_edge_list(path, as_is); }, path, 3, "dst",
                     {"node id 4294967290", "4294967291 nodes", "more than 1048576 nodes", "relabel=true"});
  as_is.max_implied_nodes = 0;
  if (physical_memory() / 64 < 4294967290u)
    expect_parse_error([&] { read_edge_list(path, as_is); }, path, 3, "dst", {"node id 4294967290", "memory"});
  expect_parse_error([&] { read_edge_list(dir.write("reserved.edges", "4294967295 0\n"), as_is); },
                     dir.file("reserved.edges"), 1, "src", {"out of range [0, 4294967295)"});
  EXPECT_EQ(read_edge_list(path).num_nodes(), 4u);  // relabelled, the same ids are 4 nodes
}

TEST(InputLimits, GmlIdsAreLabelsNotCounts) {
  TempDir dir;
  const Graph g = read_graph(dir.write("big.gml", "graph [ node [ id 1000000000000 ] node [ id 7 ] edge [ source 7 target 1000000000000 ] ]\n"));
  EXPECT_EQ(g.num_nodes(), 2u);
  EXPECT_EQ(g.labels().to_string(0), "1000000000000");
  const auto path = dir.write("huge.gml", "graph [\n node [ id 100000000000000000000 ]\n]\n");
  expect_parse_error([&] { read_graph(path); }, path, 2, "id", {"expected an integer"});
}

// A snapshot header with the given counts, its header checksum made valid (as a forger would).
std::string forged_snapshot(std::string bytes, std::uint64_t num_nodes, std::uint64_t num_arcs) {
  std::memcpy(bytes.data() + 24, &num_nodes, 8);
  std::memcpy(bytes.data() + 32, &num_arcs, 8);
  const std::uint64_t sum = checksum_bytes(bytes.data(), 72);
  std::memcpy(bytes.data() + 72, &sum, 8);
  return bytes;
}

TEST(InputLimits, SnapshotHeaderCountsBeyondTheFile) {
  TempDir dir;
  const std::string good = read_bytes(std::string(GUANXI_SOURCE_DIR) + "/tests/fuzz/corpus/snapshot/undirected.gx");
  ASSERT_GE(good.size(), 128u);
  const auto huge = dir.write("huge.gx", forged_snapshot(good, 1000000000000, 8));
  expect_parse_error([&] { load_snapshot(huge); }, huge, 1, "num_nodes", {"1000000000000 nodes", "32-bit"});
  const auto big = dir.write("big.gx", forged_snapshot(good, 1000000, 8));
  expect_parse_error([&] { load_snapshot(big); }, big, 1, "num_nodes", {"1000000 nodes", "more than a file of"});
  // 2^62 arcs of 4 bytes would wrap a 64-bit size to 0.
  const auto wrap = dir.write("wrap.gx", forged_snapshot(good, 4, std::uint64_t{1} << 62));
  expect_parse_error([&] { load_snapshot(wrap); }, wrap, 1, "num_arcs", {"4611686018427387904 arcs"});
}

// --- Findings of the fuzzers -------------------------------------------------------------------

// fuzz_scenario: a code point such as U+0265 where TOML expects whitespace makes toml++ 3.3
// (Debian 12) reach __builtin_unreachable in is_non_ascii_horizontal_whitespace (upstream issues
// #190 and #295, fixed after 3.3). The scenario reader refuses characters beyond ASCII outside
// strings and comments (where TOML allows none anyway) before toml++ reads the text.
TEST(FuzzRegressions, ScenarioNonAsciiWhereWhitespaceMayBe) {
  const std::string path = regression("scenario", "toml_non_ascii_whitespace_check.toml");
  const char* beyond = "beyond ASCII outside a string or comment";
  expect_parse_error([&] { parse_scenario(read_bytes(path), path); }, path, 1, "toml", {beyond});
  expect_parse_error([&] { parse_scenario("[run]\nsteps = \xc9\xa5\n", "s.toml"); }, "s.toml", 2, "toml", {beyond});
  // Lines are counted through comments and every kind of string: a multi-line basic string with
  // a line continuation and a closing run of four quotes, a multi-line literal string, a comment.
  const std::string text = R"(a = """x
\
y"""")" "\nb = '''\n'''\n# c\n\xe2\x80\x94 = 1\n";
  expect_parse_error([&] { parse_scenario(text, "t.toml"); }, "t.toml", 7, "toml", {beyond});
}

// Characters beyond ASCII stay welcome where TOML allows them: strings of every kind (with
// escaped quotes) and comments.
TEST(FuzzRegressions, ScenarioNonAsciiInStringsAndComments) {
  const std::string text = "name = \"\xe5\x9b\xa2\xe8\xb4\xad \\\" \xe2\x80\x94\"  # \xe6\x8b\xbc\n"
                           "description = '''\n\xc3\xa9t\xc3\xa9 '' \xc3\xa9t\xc3\xa9'''\n"
                           "[run]  # \xe2\x80\x94\nsteps = 3\n";
  const Scenario s = parse_scenario(text, "ok.toml");
  EXPECT_EQ(s.name, "\xe5\x9b\xa2\xe8\xb4\xad \" \xe2\x80\x94");
  EXPECT_EQ(s.description, "\xc3\xa9t\xc3\xa9 '' \xc3\xa9t\xc3\xa9");
  EXPECT_EQ(s.spec.run.steps, 3u);
}

// fuzz_snapshot: a snapshot whose header agrees with its size and whose tie_base was changed
// loaded (with the data checksum off, or with a checksum recomputed by whoever changed it) and
// left tie ids out of range. The loader now checks the whole structure.
TEST(FuzzRegressions, SnapshotForgedTieBase) {
  const std::string path = regression("snapshot", "forged_tie_base.gx");
  expect_parse_error([&] { load_snapshot(path, false); }, path, 1, "tie_base", {"does not count the ties at node 1"});
}

// A snapshot of g with `bytes` written at `offset`, loaded without the data checksum (a forger
// would recompute it): every structural problem must still be refused.
void expect_forged_refused(const Graph& g, std::size_t offset, std::string_view bytes, const std::string& field,
                           const char* words) {
  TempDir dir;
  const auto path = dir.file("g.gx");
  save_snapshot(g, path);
  std::string data = read_bytes(path);
  ASSERT_LE(offset + bytes.size(), data.size());
  data.replace(offset, bytes.size(), bytes);
  const auto forged = dir.write("forged.gx", data);
  expect_parse_error([&] { load_snapshot(forged, false); }, forged, 1, field, {words});
}

std::string u32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string u64(std::uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

TEST(FuzzRegressions, SnapshotStructureIsCheckedBeyondTheChecksum) {
  // Undirected 0-1, 2-3: offsets at byte 128, tie_base at 192, targets at 256 (see snapshot.cpp).
  const Graph g = testing::edges({0, 2}, {1, 3});
  expect_forged_refused(g, 256, u32(9), "targets", "node id out of range at node 0");
  expect_forged_refused(g, 136, u64(100), "offsets", "at node 0");
  expect_forged_refused(g, 256 + 8, u32(0), "tie_base", "at node 2");  // 2->0 is not an upper arc
  // 3->2 becomes 3->1: every count still agrees, only the pairing is wrong.
  expect_forged_refused(g, 256 + 12, u32(1), "targets", "missing its reverse arc");
  // Directed, weighted: no tie_base, targets at byte 192, weights at 256.
  BuildOptions directed;
  directed.directed = true;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_forged_refused(testing::edges({0, 1}, {1, 0}, directed, {1.0f, 2.0f}), 256 + 4,
                        std::string_view(reinterpret_cast<const char*>(&nan), 4), "weights", "finite");
}

// --- Found by reading the parsers beside the fuzzers (inputs too large for their -max_len) -----

// GML lists nested a million deep overflowed the stack (skip_value recursed once per level).
TEST(ParserLimits, GmlNestingDeeperThanTheStack) {
  TempDir dir;
  constexpr int kDepth = 1000000;
  std::string text = "graph [\n";
  for (int i = 0; i < kDepth; ++i) text += "a [ ";
  for (int i = 0; i < kDepth; ++i) text += "] ";
  const Graph g = read_graph(dir.write("deep.gml", text + "\n node [ id 1 ]\n]\n"));
  EXPECT_EQ(g.num_nodes(), 1u);
  text.resize(text.size() - 2 * 1000);  // 1000 lists left open
  const auto open = dir.write("open.gml", text);
  expect_parse_error([&] { read_graph(open); }, open, 2, "list", {"missing ']'"});
}

// Every '&' in a GraphML value searched the rest of the value for ';': quadratic, 34 s for a
// 1 MB id under ASan. Entities are now looked for within their longest name.
TEST(ParserLimits, GraphmlAmpersandsAreLinear) {
  TempDir dir;
  const std::string amps(1 << 22, '&');
  const auto start = std::chrono::steady_clock::now();
  const Graph g = read_graph(dir.write("amp.graphml", "<graphml><graph><node id=\"" + amps + "&amp;\"/></graph></graphml>\n"));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 60.0);  // quadratic: hours
  ASSERT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(g.labels().strings()[0], amps + "&");
}

// "<node/>" was read as a tag named "node/" and silently ignored.
TEST(ParserLimits, GraphmlSelfClosingTagWithoutAttributes) {
  TempDir dir;
  const auto path = dir.write("bare.graphml", "<graphml><graph>\n<node id=\"a\"/>\n<node/>\n</graph></graphml>\n");
  expect_parse_error([&] { read_graph(path); }, path, 3, "id", {"node without an id"});
  const Graph g = read_graph(dir.write("ok.graphml", "<graphml><graph><node id=\"a\"/><node id=\"b\"/><edge source=\"a\" target=\"b\"/><data/></graph></graphml>"));
  EXPECT_EQ(g.num_ties(), 1u);
}

}  // namespace
}  // namespace guanxi
