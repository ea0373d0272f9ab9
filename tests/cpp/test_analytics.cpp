// Analytics on graphs with closed-form answers (paths, stars, cycles, complete graphs), and
// Boost.Graph algorithms running on the CSR graph through graph_traits.
// parallel: triangle counts and overlap run per node on TBB.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <queue>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/visitors.hpp>

#include "guanxi/analytics.hpp"
#include "guanxi/bgl.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/parallel.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::directed;
using testing::edges;
using testing::path;
using testing::star;

Graph cycle(node_t n) {
  std::vector<node_t> src, dst;
  for (node_t v = 0; v < n; ++v) {
    src.push_back(v);
    dst.push_back((v + 1) % n);
  }
  return edges(src, dst);
}

TEST(Analytics, DegreeStatsOfAStar) {
  const auto s = degree_stats(star(4));
  EXPECT_EQ(s.min, 1u);
  EXPECT_EQ(s.max, 4u);
  EXPECT_DOUBLE_EQ(s.mean, 8.0 / 5);
  EXPECT_DOUBLE_EQ(s.second_moment, (16.0 + 4) / 5);
  // <k>/(<k²>-<k>) = 1.6 / (4 - 1.6)
  EXPECT_DOUBLE_EQ(percolation_threshold(star(4)), 1.6 / 2.4);
}

TEST(Analytics, ComponentsNumberedBySmallestNode) {
  BuildOptions o;
  o.num_nodes = 7;
  const Graph g = edges({5, 1, 3}, {6, 2, 1}, o);  // {0} {1,2,3} {4} {5,6}
  const Components c = connected_components(g);
  EXPECT_EQ(c.label, (std::vector<node_t>{0, 1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(c.sizes, (std::vector<std::uint64_t>{1, 3, 1, 2}));
  EXPECT_EQ(c.largest(), 3u);
}

TEST(Analytics, StrongComponentsOfADirectedCycleWithATail) {
  const Graph g = edges({0, 1, 2, 2}, {1, 2, 0, 3}, directed());
  const Components scc = strongly_connected_components(g);
  EXPECT_EQ(scc.label, (std::vector<node_t>{0, 0, 0, 1}));
  EXPECT_EQ(connected_components(g).count(), 1u);  // weakly connected
}

TEST(Analytics, TrianglesAndClustering) {
  const Graph k4 = complete_graph(4);
  EXPECT_EQ(triangles(k4), (std::vector<std::uint64_t>(4, 3)));
  EXPECT_DOUBLE_EQ(average_clustering(k4), 1.0);
  EXPECT_DOUBLE_EQ(transitivity(k4), 1.0);
  // A triangle with a pendant: node 2 has neighbours 0, 1, 3 and one triangle.
  const Graph g = edges({0, 1, 2, 2}, {1, 2, 0, 3});
  EXPECT_EQ(triangles(g), (std::vector<std::uint64_t>{1, 1, 1, 0}));
  const auto c = local_clustering(g);
  EXPECT_DOUBLE_EQ(c[0], 1.0);
  EXPECT_DOUBLE_EQ(c[2], 1.0 / 3);
  EXPECT_DOUBLE_EQ(c[3], 0.0);
  EXPECT_DOUBLE_EQ(transitivity(g), 3.0 / 5);  // 3 closed of 1 + 1 + 3 triples
  EXPECT_EQ(triangles(path(5)), (std::vector<std::uint64_t>(5, 0)));
}

TEST(Analytics, CoreNumbers) {
  // K4 with a pendant path 3-4-5: the clique is the 3-core.
  const Graph g = edges({0, 0, 0, 1, 1, 2, 3, 4}, {1, 2, 3, 2, 3, 3, 4, 5});
  EXPECT_EQ(core_numbers(g), (std::vector<std::uint32_t>{3, 3, 3, 3, 1, 1}));
  EXPECT_EQ(core_numbers(cycle(6)), (std::vector<std::uint32_t>(6, 2)));
}

TEST(Analytics, OverlapFollowsTheFormula) {
  // Tie 0-1 in a K4: common 2, k = 3 each: 2 / (2 + 2 - 2) = 1. Path: no common neighbours.
  for (double o : neighborhood_overlap(complete_graph(4))) EXPECT_DOUBLE_EQ(o, 1.0);
  for (double o : neighborhood_overlap(path(4))) EXPECT_DOUBLE_EQ(o, 0.0);
  // Triangle 0-1-2 with pendant 2-3: tie 0-2 has 1 common (node 1), k0 = 2, k2 = 3:
  // 1 / (1 + 2 - 1) = 0.5; tie 2-3: 0 / (2 + 0 - 0) = 0.
  const Graph g = edges({0, 1, 2, 2}, {1, 2, 0, 3});
  const auto overlap = neighborhood_overlap(g);
  const auto common = common_neighbors(g);
  g.for_each_tie([&](tie_t t, node_t u, node_t v, arc_t) {
    if (u == 0 && v == 2) {
      EXPECT_EQ(common[t], 1u);
      EXPECT_DOUBLE_EQ(overlap[t], 0.5);
    }
    if (u == 2 && v == 3) {
      EXPECT_DOUBLE_EQ(overlap[t], 0.0);
    }
    if (u == 0 && v == 1) {
      EXPECT_DOUBLE_EQ(overlap[t], 1.0 / (1 + 1 - 1));  // k0 = k1 = 2
    }
  });
}

TEST(Analytics, SpectralRadiusClosedForms) {
  IterativeOptions o;
  o.tolerance = 1e-12;
  o.max_iterations = 100000;
  EXPECT_NEAR(spectral_radius(complete_graph(6), o), 5.0, 1e-9);
  EXPECT_NEAR(spectral_radius(star(9), o), 3.0, 1e-9);  // sqrt(leaves), bipartite
  EXPECT_NEAR(spectral_radius(path(10), o), 2 * std::cos(std::numbers::pi / 11), 1e-8);
  EXPECT_NEAR(spectral_radius(cycle(8), o), 2.0, 1e-9);
  EXPECT_NEAR(spectral_radius(edges({0, 1, 2}, {1, 2, 0}, directed()), o), 1.0, 1e-9);
}

TEST(Analytics, PagerankAndEigenvectorOnSymmetricGraphs) {
  // Regular graphs: uniform. A star: the closed form of PageRank with damping d.
  for (double p : pagerank(cycle(7))) EXPECT_NEAR(p, 1.0 / 7, 1e-12);
  for (double x : eigenvector_centrality(complete_graph(5))) EXPECT_NEAR(x, 1.0 / std::sqrt(5.0), 1e-9);
  const node_t leaves = 4;
  const double d = 0.85, n = leaves + 1;
  // Leaf: (1-d)/n + d * centre / leaves; centre: (1-d)/n + d * leaves * leaf.
  const double leaf = ((1 - d) / n + d * (1 - d) / n / leaves) / (1 - d * d);
  const auto pr = pagerank(star(leaves), d);
  EXPECT_NEAR(pr[1], leaf, 1e-10);
  EXPECT_NEAR(pr[0], 1 - leaves * leaf, 1e-10);
  // Dangling node in a directed graph: rank still sums to 1.
  const auto dangling = pagerank(edges({0, 1}, {1, 2}, directed()));
  EXPECT_NEAR(dangling[0] + dangling[1] + dangling[2], 1.0, 1e-12);
  EXPECT_LT(dangling[0], dangling[1]);
  EXPECT_LT(dangling[1], dangling[2]);
}

// BFS distances through Boost.Graph on the CSR graph equal a plain queue BFS.
TEST(BoostGraph, BreadthFirstSearchOnTheCsrGraph) {
  const Graph g = holme_kim(2000, 3, 0.3, 5);
  std::vector<std::uint32_t> bgl_distance(g.num_nodes(), 0);
  boost::breadth_first_search(
      g, node_t{0},
      boost::visitor(boost::make_bfs_visitor(boost::record_distances(bgl_distance.data(), boost::on_tree_edge()))));
  std::vector<std::int64_t> distance(g.num_nodes(), -1);
  std::queue<node_t> frontier;
  distance[0] = 0;
  frontier.push(0);
  while (!frontier.empty()) {
    const node_t u = frontier.front();
    frontier.pop();
    for (node_t v : g.neighbors(u))
      if (distance[v] < 0) {
        distance[v] = distance[u] + 1;
        frontier.push(v);
      }
  }
  for (node_t v = 0; v < g.num_nodes(); ++v) EXPECT_EQ(static_cast<std::int64_t>(bgl_distance[v]), distance[v]);
  EXPECT_EQ(num_edges(g), g.num_arcs());
  EXPECT_EQ(num_edges(UndirectedView{g}), g.num_ties());
  std::uint64_t listed = 0;
  for (auto [it, end] = edges(UndirectedView{g}); it != end; ++it) ++listed;
  EXPECT_EQ(listed, g.num_ties());
  EXPECT_EQ(get(get(boost::edge_index, g), *out_edges(node_t{0}, g).first), g.tie_of_arc(0, g.arc_begin(0)));
}

TEST(Analytics, SameResultsForAnyThreadCount) {
  const Graph g = holme_kim(5000, 4, 0.6, 9);
  auto run = [&](int threads) {
    return with_threads(threads, [&] { return std::make_pair(triangles(g), neighborhood_overlap(g)); });
  };
  EXPECT_EQ(run(1), run(2));
}

}  // namespace
}  // namespace guanxi
