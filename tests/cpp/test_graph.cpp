// CSR graph and builder: exact structure on tiny graphs, tie ids, options, labels.
// parallel: the builder scatters arcs with TBB; results must not depend on the thread count.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "guanxi/builder.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/parallel.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::directed;
using testing::edges;
using testing::neighbors;
using ::testing::ElementsAre;

TEST(Builder, UndirectedTriangleStoresBothArcsSorted) {
  const Graph g = edges({2, 0, 1}, {0, 1, 2});
  EXPECT_FALSE(g.directed());
  EXPECT_EQ(g.num_nodes(), 3u);
  EXPECT_EQ(g.num_ties(), 3u);
  EXPECT_EQ(g.num_arcs(), 6u);
  EXPECT_EQ(neighbors(g, 0), (std::vector<node_t>{1, 2}));
  EXPECT_EQ(neighbors(g, 1), (std::vector<node_t>{0, 2}));
  EXPECT_EQ(neighbors(g, 2), (std::vector<node_t>{0, 1}));
  for (float s : g.strength()) EXPECT_EQ(s, 1.0f);
}

TEST(Builder, DirectedKeepsOrientation) {
  const Graph g = edges({0, 0, 2}, {1, 2, 1}, directed());
  EXPECT_TRUE(g.directed());
  EXPECT_EQ(g.num_ties(), 3u);
  EXPECT_EQ(neighbors(g, 0), (std::vector<node_t>{1, 2}));
  EXPECT_TRUE(neighbors(g, 1).empty());
  EXPECT_EQ(neighbors(g, 2), (std::vector<node_t>{1}));
}

TEST(Builder, NumberOfNodesGivenOrInferred) {
  EXPECT_EQ(edges({0}, {3}).num_nodes(), 4u);
  BuildOptions o;
  o.num_nodes = 10;
  const Graph g = edges({0}, {3}, o);
  EXPECT_EQ(g.num_nodes(), 10u);
  EXPECT_EQ(g.degree(9), 0u);
  o.num_nodes = 3;
  try {
    edges({0, 1}, {1, 3}, o);
    FAIL() << "expected an error";
  } catch (const EdgeError& e) {
    EXPECT_EQ(e.index(), 1u);
    EXPECT_EQ(e.field(), "dst");
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos);
  }
  EXPECT_THROW(build_graph({}, {}, {}, {}), InputError);  // empty without n
  o.num_nodes = 5;
  EXPECT_EQ(build_graph({}, {}, {}, o).num_nodes(), 5u);
}

TEST(Builder, SelfLoopPolicies) {
  EXPECT_EQ(edges({0, 1}, {0, 2}).num_ties(), 1u);  // drop
  BuildOptions keep;
  keep.self_loops = SelfLoops::keep;
  const Graph g = edges({0, 1}, {0, 2}, keep);
  EXPECT_EQ(g.num_ties(), 2u);
  EXPECT_EQ(neighbors(g, 0), (std::vector<node_t>{0}));  // stored once
  EXPECT_EQ(g.tie_of_arc(0, g.arc_begin(0)), 0u);
  BuildOptions error;
  error.self_loops = SelfLoops::error;
  try {
    edges({1, 0, 2}, {2, 0, 2}, error);
    FAIL() << "expected an error";
  } catch (const EdgeError& e) {
    EXPECT_EQ(e.index(), 1u);  // the first self-loop
  }
}

TEST(Builder, DuplicatePolicies) {
  // Undirected: 0-1 listed three times (once reversed).
  const std::vector<node_t> src{0, 1, 0, 1}, dst{1, 0, 1, 2};
  const std::vector<float> w{1.0f, 2.5f, 0.5f, 4.0f};
  const Graph merged = edges(src, dst, {}, w);
  EXPECT_EQ(merged.num_ties(), 2u);
  EXPECT_FLOAT_EQ(merged.weights()[merged.arc_begin(0)], 4.0f);  // sum
  EXPECT_FLOAT_EQ(merged.weights()[merged.arc_begin(1)], 4.0f);  // both arcs agree
  BuildOptions max;
  max.merge_weights = MergeWeights::max;
  EXPECT_FLOAT_EQ(edges(src, dst, max, w).weights()[0], 2.5f);
  BuildOptions keep;
  keep.duplicates = Duplicates::keep;
  const Graph multi = edges(src, dst, keep, w);
  EXPECT_EQ(multi.num_ties(), 4u);
  EXPECT_EQ(neighbors(multi, 0), (std::vector<node_t>{1, 1, 1}));
  BuildOptions error;
  error.duplicates = Duplicates::error;
  try {
    edges(src, dst, error, w);
    FAIL() << "expected an error";
  } catch (const EdgeError& e) {
    EXPECT_EQ(e.index(), 1u);
    EXPECT_EQ(e.first_index(), 0u);
  }
  // Directed: 0->1 and 1->0 are different ties.
  EXPECT_EQ(edges({0, 1}, {1, 0}, directed()).num_ties(), 2u);
}

TEST(Builder, RejectsBadWeights) {
  for (float bad : {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    try {
      edges({0, 1}, {1, 2}, {}, {1.0f, bad});
      FAIL() << "expected an error for " << bad;
    } catch (const EdgeError& e) {
      EXPECT_EQ(e.index(), 1u);
      EXPECT_EQ(e.field(), "weight");
    }
  }
  EXPECT_THROW(edges({0, 1}, {1, 2}, {}, {1.0f}), InputError);  // wrong length
}

// Every arc's tie id, both ways: tie_of_arc agrees with arc_ties and tie_endpoints.
void check_tie_ids(const Graph& g) {
  const auto arc_ties = g.arc_ties();
  // The fill into caller storage writes every entry (a sentinel left would be an arc missed),
  // and refuses storage of another size.
  std::vector<tie_t> filled(g.num_arcs(), ~tie_t{0});
  g.arc_ties(filled);
  EXPECT_EQ(filled, arc_ties);
  std::vector<tie_t> short_by_one(g.num_arcs() > 0 ? g.num_arcs() - 1 : 1);
  EXPECT_THROW(g.arc_ties(short_by_one), std::logic_error);
  std::vector<int> arcs_per_tie(g.num_ties(), 0);
  for (node_t u = 0; u < g.num_nodes(); ++u) {
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
      const tie_t t = g.tie_of_arc(u, a);
      ASSERT_LT(t, g.num_ties());
      EXPECT_EQ(arc_ties[a], t);
      const auto [x, y] = g.tie_endpoints(t);
      const node_t v = g.target(a);
      if (g.directed()) {
        EXPECT_EQ(x, u);
        EXPECT_EQ(y, v);
      } else {
        EXPECT_EQ(x, std::min(u, v));
        EXPECT_EQ(y, std::max(u, v));
      }
      ++arcs_per_tie[t];
    }
  }
  for (tie_t t = 0; t < g.num_ties(); ++t) {
    const auto [x, y] = g.tie_endpoints(t);
    EXPECT_EQ(arcs_per_tie[t], g.directed() || x == y ? 1 : 2) << "tie " << t;
  }
}

TEST(Graph, TieIdsUndirectedDirectedAndMulti) {
  check_tie_ids(edges({0, 0, 1, 2, 3}, {1, 2, 2, 3, 0}));
  check_tie_ids(edges({0, 0, 1, 2, 3}, {1, 2, 2, 3, 0}, directed()));
  BuildOptions multi;
  multi.duplicates = Duplicates::keep;
  multi.self_loops = SelfLoops::keep;
  check_tie_ids(edges({0, 1, 0, 2, 2, 1}, {1, 0, 1, 2, 0, 1}, multi));
  check_tie_ids(holme_kim(300, 3, 0.5, 7));
}

TEST(Graph, TiesAreNumberedInEndpointOrder) {
  const Graph g = edges({3, 1, 0, 2}, {1, 0, 2, 3});
  std::vector<std::pair<node_t, node_t>> order;
  g.for_each_tie([&](tie_t t, node_t u, node_t v, arc_t) {
    EXPECT_EQ(t, order.size());
    order.emplace_back(u, v);
  });
  EXPECT_EQ(order, (std::vector<std::pair<node_t, node_t>>{{0, 1}, {0, 2}, {1, 3}, {2, 3}}));
}

TEST(Graph, MemoryIsTwelveBytesPerTiePlusNodeArrays) {
  const Graph g = erdos_renyi_gnm(1000, 20000, 3);
  const std::uint64_t expected = 2 * 20000 * sizeof(node_t) + 20000 * sizeof(float) + 2 * 1001 * sizeof(std::uint64_t);
  EXPECT_EQ(g.memory_bytes(), expected);
}

TEST(Relabel, IntegerLabelsSortedAndIdentityDropped) {
  const std::vector<std::int64_t> src{100, -5, 7}, dst{7, 100, 3000000000};
  const DenseEdges dense = relabel(src, dst);
  ASSERT_EQ(dense.labels.kind(), NodeLabels::Kind::integer);
  EXPECT_THAT(std::vector<std::int64_t>(dense.labels.integers().begin(), dense.labels.integers().end()),
              ElementsAre(-5, 7, 100, 3000000000));
  EXPECT_EQ(dense.src, (std::vector<node_t>{2, 0, 1}));
  EXPECT_EQ(dense.dst, (std::vector<node_t>{1, 2, 3}));
  // Dense-ish non-negative ids take the table path.
  const DenseEdges small = relabel(std::vector<std::int64_t>{1, 5}, std::vector<std::int64_t>{5, 3});
  EXPECT_EQ(small.src, (std::vector<node_t>{0, 2}));
  EXPECT_EQ(small.dst, (std::vector<node_t>{2, 1}));
  EXPECT_EQ(small.labels.to_string(2), "5");
  const DenseEdges identity = relabel(std::vector<std::int64_t>{0, 2}, std::vector<std::int64_t>{1, 1});
  EXPECT_EQ(identity.labels.kind(), NodeLabels::Kind::identity);
}

TEST(Relabel, StringLabels) {
  std::vector<std::string_view> src{"bob", "alice"}, dst{"carol", "bob"};
  const DenseEdges dense = relabel(src, dst);
  ASSERT_EQ(dense.labels.kind(), NodeLabels::Kind::string);
  EXPECT_EQ(dense.labels.strings(), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(dense.src, (std::vector<node_t>{1, 0}));
  EXPECT_EQ(dense.dst, (std::vector<node_t>{2, 1}));
}

TEST(Builder, ErrorsUseLabels) {
  std::vector<std::string_view> src{"x", "y"}, dst{"y", "y"};
  DenseEdges dense = relabel(src, dst);
  BuildOptions error;
  error.self_loops = SelfLoops::error;
  try {
    build_graph(dense.src, dense.dst, {}, error, std::move(dense.labels));
    FAIL();
  } catch (const EdgeError& e) {
    EXPECT_NE(std::string(e.what()).find("self-loop on node y"), std::string::npos) << e.what();
  }
}

TEST(Derived, TransposeAndUndirected) {
  Graph g = edges({0, 0, 2, 1}, {1, 2, 1, 0}, directed(), {1, 2, 3, 4});
  g.strength()[0] = 0.25f;  // tie 0 is arc 0 -> 1
  const Graph t = transpose(g);
  EXPECT_EQ(neighbors(t, 1), (std::vector<node_t>{0, 2}));
  EXPECT_EQ(neighbors(t, 0), (std::vector<node_t>{1}));
  EXPECT_EQ(neighbors(t, 2), (std::vector<node_t>{0}));
  // Arc 1 -> 0 in t is the original 0 -> 1: weight and strength follow.
  EXPECT_FLOAT_EQ(t.weights()[t.arc_begin(1)], 1.0f);
  EXPECT_FLOAT_EQ(t.strength()[t.arc_begin(1)], 0.25f);
  const Graph u = to_undirected(g);
  EXPECT_EQ(u.num_ties(), 3u);  // 0-1 (both ways), 0-2, 1-2
  EXPECT_FLOAT_EQ(u.weights()[u.arc_begin(0)], 4.0f);  // max of 1 and 4
}

TEST(Builder, SameGraphForAnyThreadCount) {
  const auto raw = uniform_random_edges(5000, 200000, 11);
  std::vector<float> w(raw.src.size());
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) * 0.5f;
  auto build = [&](int threads) { return with_threads(threads, [&] { return build_graph(raw.src, raw.dst, w, {}); }); };
  const Graph one = build(1), two = build(2);
  ASSERT_EQ(one.num_arcs(), two.num_arcs());
  EXPECT_TRUE(std::equal(one.offsets().begin(), one.offsets().end(), two.offsets().begin()));
  EXPECT_TRUE(std::equal(one.targets().begin(), one.targets().end(), two.targets().begin()));
  EXPECT_TRUE(std::equal(one.weights().begin(), one.weights().end(), two.weights().begin()));
}

TEST(Builder, AgreesWithASetBasedReference) {
  const auto raw = uniform_random_edges(300, 3000, 5);
  std::map<node_t, std::set<node_t>> reference;
  for (std::size_t i = 0; i < raw.src.size(); ++i) {
    if (raw.src[i] == raw.dst[i]) continue;
    reference[raw.src[i]].insert(raw.dst[i]);
    reference[raw.dst[i]].insert(raw.src[i]);
  }
  BuildOptions o;
  o.num_nodes = 300;
  const Graph g = build_graph(raw.src, raw.dst, {}, o);
  std::uint64_t ties = 0;
  for (node_t u = 0; u < 300; ++u) {
    const auto& expected = reference[u];
    EXPECT_EQ(neighbors(g, u), std::vector<node_t>(expected.begin(), expected.end()));
    ties += expected.size();
  }
  EXPECT_EQ(g.num_ties(), ties / 2);
}

}  // namespace
}  // namespace guanxi
