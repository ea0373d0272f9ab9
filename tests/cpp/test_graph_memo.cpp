// Campaign set-up paid once per graph: the parallel kernels of the preparation (common
// neighbours and neighbourhood overlap, tie id per arc, in-arcs) against slow references, exactly
// and for 1, 2 and 3 threads (parallel), on directed and undirected graphs with self-loops and
// repeated ties; the graph memo (store, eviction, errors, copies, moves, snapshots); and campaigns
// on a warm memo giving the same bits as on a fresh graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>
#include <stdexcept>

#include "guanxi/analytics.hpp"
#include "guanxi/builder.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/rng.hpp"
#include "guanxi/seeding.hpp"
#include "guanxi/snapshot.hpp"
#include "guanxi/ties.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::TempDir;

// ---- slow references -------------------------------------------------------------------------

// Neighbour sets of the undirected version of g (both directions of every arc, no self).
std::vector<std::set<node_t>> neighbour_sets(const Graph& g) {
  std::vector<std::set<node_t>> sets(g.num_nodes());
  for (node_t u = 0; u < g.num_nodes(); ++u)
    for (node_t v : g.neighbors(u))
      if (v != u) {
        sets[u].insert(v);
        sets[v].insert(u);
      }
  return sets;
}

// The definitions: |N(u) ∩ N(v) \ {u, v}| and O = c / (k_u - 1 + k_v - 1 - c) per tie (0 for a
// self-loop or a zero denominator), in tie-id order.
std::vector<std::uint32_t> reference_common(const Graph& g) {
  const auto sets = neighbour_sets(g);
  std::vector<std::uint32_t> out(g.num_ties(), 0);
  for (tie_t t = 0; t < g.num_ties(); ++t) {
    const auto [u, v] = g.tie_endpoints(t);
    if (u == v) continue;
    for (node_t w : sets[u]) out[t] += w != v && sets[v].count(w);
  }
  return out;
}

std::vector<double> reference_overlap(const Graph& g) {
  const auto sets = neighbour_sets(g);
  const auto common = reference_common(g);
  std::vector<double> out(g.num_ties(), 0.0);
  for (tie_t t = 0; t < g.num_ties(); ++t) {
    const auto [u, v] = g.tie_endpoints(t);
    const double c = common[t];
    const double denominator = static_cast<double>(sets[u].size()) - 1 + static_cast<double>(sets[v].size()) - 1 - c;
    out[t] = (u == v || denominator <= 0) ? 0.0 : c / denominator;
  }
  return out;
}

// The serial tie-per-arc loop: ties in (u, v) order fill each node's lower arcs through a cursor.
std::vector<tie_t> reference_arc_ties(const Graph& g) {
  std::vector<tie_t> ties(g.num_arcs());
  std::vector<arc_t> lower_cursor(g.offsets().begin(), g.offsets().end() - 1);
  g.for_each_tie([&](tie_t t, node_t u, node_t v, arc_t a) {
    ties[a] = t;
    if (!g.directed() && v != u) ties[lower_cursor[v]++] = t;
  });
  return ties;
}

// The serial counting sort of arcs by target.
Graph::InArcs reference_in_arcs(const Graph& g) {
  Graph::InArcs in;
  in.offsets.assign(std::uint64_t{g.num_nodes()} + 1, 0);
  for (node_t v : g.targets()) ++in.offsets[v + 1];
  for (node_t v = 0; v < g.num_nodes(); ++v) in.offsets[v + 1] += in.offsets[v];
  in.arcs.resize(g.num_arcs());
  std::vector<arc_t> cursor(in.offsets.begin(), in.offsets.end() - 1);
  for (arc_t a = 0; a < g.num_arcs(); ++a) in.arcs[cursor[g.target(a)]++] = a;
  return in;
}

// ---- graphs ------------------------------------------------------------------------------------

// Random edges among n nodes with self-loops and repeated ties kept (about one in eight of each).
Graph messy(node_t n, std::uint64_t edges, bool directed, std::uint64_t seed) {
  RandomSequence draws(Random(seed, 0x7e57), 0);
  std::vector<node_t> src, dst;
  for (std::uint64_t i = 0; i < edges; ++i) {
    const auto u = static_cast<node_t>(draws.below(n));
    const auto v = draws.below(8) == 0 ? u : static_cast<node_t>(draws.below(n));
    src.push_back(u);
    dst.push_back(v);
    if (draws.below(8) == 0) {  // the same tie again, either way round
      src.push_back(v);
      dst.push_back(u);
    }
  }
  BuildOptions o;
  o.directed = directed;
  o.self_loops = SelfLoops::keep;
  o.duplicates = Duplicates::keep;
  o.num_nodes = n;
  return build_graph(src, dst, {}, o);
}

struct Case {
  std::string name;
  Graph g;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  out.push_back({"holme_kim", holme_kim(3000, 4, 0.6, 5)});
  out.push_back({"directed_gnm", erdos_renyi_gnm(800, 6000, 2, true)});
  out.push_back({"undirected_messy", messy(400, 3000, false, 1)});
  out.push_back({"directed_messy", messy(400, 3000, true, 2)});
  out.push_back({"complete", complete_graph(12)});
  out.push_back({"star", testing::star(50)});
  BuildOptions isolated;
  isolated.num_nodes = 10;
  out.push_back({"isolated_nodes", testing::edges({1}, {4}, isolated)});
  return out;
}

// ---- kernels against their references ----------------------------------------------------------

TEST(SetupKernels, CommonNeighboursAndOverlapMatchTheDefinitionExactly) {
  for (const auto& c : cases()) {
    const auto common = reference_common(c.g);
    const auto overlap = reference_overlap(c.g);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(c.name + ", threads " + std::to_string(threads));
      with_threads(threads, [&] {
        EXPECT_EQ(common_neighbors(c.g), common);
        const auto got = neighborhood_overlap(c.g);
        ASSERT_EQ(got.size(), overlap.size());
        for (std::size_t t = 0; t < got.size(); ++t)  // bit for bit: the same expression
          ASSERT_EQ(std::bit_cast<std::uint64_t>(got[t]), std::bit_cast<std::uint64_t>(overlap[t])) << "tie " << t;
      });
    }
  }
}

TEST(SetupKernels, ArcTiesAndInArcsMatchTheSerialLoops) {
  for (const auto& c : cases()) {
    const auto ties = reference_arc_ties(c.g);
    const auto in = reference_in_arcs(c.g);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(c.name + ", threads " + std::to_string(threads));
      with_threads(threads, [&] {
        EXPECT_EQ(c.g.arc_ties(), ties);
        const Graph::InArcs got = c.g.in_arcs();
        if (c.g.directed()) {
          EXPECT_EQ(got.offsets, in.offsets);
          EXPECT_EQ(got.arcs, in.arcs);
        } else {
          EXPECT_TRUE(got.offsets.empty() && got.arcs.empty());
        }
      });
    }
  }
}

TEST(SetupKernels, MemoizedStrengthsAndSeedsEqualTheDirectOnes) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    for (auto kind : {TieInit::Kind::overlap, TieInit::Kind::constant, TieInit::Kind::uniform}) {
      TieInit init;
      init.kind = kind;
      init.seed = 4;
      EXPECT_EQ(*memoized_initial_strength(c.g, init), initial_strength(c.g, init));
    }
    const std::uint32_t k = std::min<std::uint32_t>(5, c.g.num_nodes());
    EXPECT_EQ(*memoized_top_seeds(c.g, "top_degree", k), seeds_top_degree(c.g, k));
    EXPECT_EQ(*memoized_top_seeds(c.g, "pagerank", k), seeds_top_pagerank(c.g, k));
    EXPECT_EQ(*memoized_top_seeds(c.g, "kcore", k), seeds_top_kcore(c.g, k));
  }
}

// ---- the memo ----------------------------------------------------------------------------------

TEST(GraphMemo, ComputesOnceAndEvictsTheLeastRecentlyUsedOfAFamily) {
  GraphMemo memo;
  int computed = 0;
  const auto value = [&](int x) {
    return [&computed, x] {
      ++computed;
      return std::vector<int>{x};
    };
  };
  const auto a = memo.get<std::vector<int>>("f", "a", 2, value(1));
  EXPECT_EQ(memo.get<std::vector<int>>("f", "a", 2, value(99)), a);  // the same object
  EXPECT_EQ(computed, 1);
  memo.get<std::vector<int>>("f", "b", 2, value(2));
  memo.get<std::vector<int>>("f", "a", 2, value(99));  // a is now more recent than b
  memo.get<std::vector<int>>("other", "a", 1, value(3));  // another family does not count
  memo.get<std::vector<int>>("f", "c", 2, value(4));      // evicts b
  EXPECT_EQ(memo.entries("f"), 2u);
  EXPECT_EQ(memo.entries("other"), 1u);
  EXPECT_EQ(*memo.get<std::vector<int>>("f", "a", 2, value(99)), std::vector<int>{1});
  EXPECT_EQ(*memo.get<std::vector<int>>("f", "b", 2, value(5)), std::vector<int>{5});  // computed again
  EXPECT_EQ(computed, 5);
  EXPECT_EQ(*a, std::vector<int>{1});  // an evicted value lives on while held
  const GraphMemo::Stats s = memo.stats();
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.misses, 5u);
  EXPECT_EQ(s.hits, 3u);
  memo.clear();
  EXPECT_EQ(memo.stats().entries, 0u);
}

TEST(GraphMemo, AFailedComputationStoresNothingAndTypesMustAgree) {
  GraphMemo memo;
  EXPECT_THROW(memo.get<int>("f", "k", 1, []() -> int { throw std::runtime_error("no"); }), std::runtime_error);
  EXPECT_EQ(memo.stats().entries, 0u);
  EXPECT_EQ(*memo.get<int>("f", "k", 1, [] { return 7; }), 7);
  EXPECT_THROW(memo.get<double>("f", "k", 1, [] { return 1.0; }), std::logic_error);
}

TEST(GraphMemo, CopiesAndSnapshotsStartEmptyMovesKeepIt) {
  Graph g = holme_kim(500, 3, 0.5, 1);
  memoized_initial_strength(g, TieInit{});
  EXPECT_EQ(g.memo().entries("ties.initial_strength"), 1u);
  GraphMemo* memo = &g.memo();
  Graph moved(std::move(g));
  EXPECT_EQ(&moved.memo(), memo);
  EXPECT_EQ(copy_graph(moved).memo().stats().entries, 0u);
  TempDir dir;
  save_snapshot(moved, dir.file("g.gx"));
  const Graph loaded = load_snapshot(dir.file("g.gx"));
  EXPECT_EQ(loaded.memo().stats().entries, 0u);
  EXPECT_EQ(*memoized_initial_strength(loaded, TieInit{}), *memoized_initial_strength(moved, TieInit{}));
}

TEST(GraphMemo, KeepingTheGraphsStrengthIsNeverMemoized) {
  Graph g = holme_kim(300, 3, 0.5, 1);
  TieInit keep;
  keep.kind = TieInit::Kind::graph;
  EXPECT_EQ(memoized_initial_strength(g, keep)->at(0), 1.0f);
  g.strength()[0] = 0.25f;  // the one mutable array
  EXPECT_EQ(memoized_initial_strength(g, keep)->at(0), 0.25f);
  EXPECT_EQ(g.memo().entries("ties.initial_strength"), 0u);
}

// ---- campaigns on a warm memo ------------------------------------------------------------------

CampaignResult run(const Graph& g, const CampaignSpec& spec, int threads = 0) {
  CampaignRunOptions o;
  o.replicates = 6;
  o.seed = 11;
  o.threads = threads;
  return run_campaign(g, spec, o);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
           return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
         });
}

CampaignSpec lively() {
  CampaignSpec spec;
  spec.behaviour.share_prob = 0.3;
  spec.behaviour.conv_weak = 0.05;
  spec.behaviour.conv_strong = 0.3;
  spec.run.steps = 15;
  return spec;
}

TEST(CampaignSetup, WarmRunsGiveTheBitsOfAFreshGraph) {
  for (bool directed : {false, true}) {
    SCOPED_TRACE(directed ? "directed" : "undirected");
    const Graph g = directed ? erdos_renyi_gnm(1500, 9000, 3, true) : holme_kim(1500, 4, 0.5, 3);
    for (const char* strategy : {"top_degree", "pagerank", "kcore", "imm", "random"}) {
      SCOPED_TRACE(strategy);
      CampaignSpec spec = lively();
      spec.seeding.strategy = strategy;
      spec.policy.referral_reward = 5;
      const CampaignResult cold = run(g, spec, 1);
      const std::uint64_t misses = g.memo().stats().misses;
      const CampaignResult warm = run(g, spec, 2);
      EXPECT_EQ(g.memo().stats().misses, misses);  // nothing derived again
      const CampaignResult fresh = run(copy_graph(g), spec, 2);
      EXPECT_TRUE(same_bits(cold.values, warm.values));
      EXPECT_TRUE(same_bits(cold.values, fresh.values));
    }
  }
}

TEST(CampaignSetup, DifferentTieInitialisationsDoNotShareEntries) {
  const Graph g = holme_kim(1500, 4, 0.5, 8);
  CampaignSpec a = lively(), b = lively(), c = lively();
  b.ties.init.s_min = 0.3;
  c.ties.init.kind = TieInit::Kind::uniform;
  const CampaignResult ra = run(g, a), rb = run(g, b), rc = run(g, c);
  EXPECT_EQ(g.memo().entries("ties.initial_strength"), 3u);
  EXPECT_EQ(g.memo().entries("analytics.neighborhood_overlap"), 1u);  // shared by a and b
  EXPECT_FALSE(same_bits(ra.values, rb.values));
  EXPECT_TRUE(same_bits(rb.values, run(copy_graph(g), b).values));
  EXPECT_TRUE(same_bits(rc.values, run(copy_graph(g), c).values));
  EXPECT_TRUE(same_bits(ra.values, run(g, a).values));  // a again, after b and c
  // A sweep over many initialisations keeps a bounded number of them.
  for (int i = 0; i < 10; ++i) {
    CampaignSpec s = lively();
    s.run.steps = 1;
    s.ties.init.s_max = 0.5 + 0.01 * i;
    run(g, s);
  }
  EXPECT_LE(g.memo().entries("ties.initial_strength"), 4u);
}

TEST(CampaignSetup, ABadInitialisationFailsEveryTimeAndStoresNothing) {
  const Graph g = holme_kim(300, 3, 0.5, 2);
  CampaignSpec spec = lively();
  spec.ties.init.s_min = 0.95;  // above s_max
  for (int attempt = 0; attempt < 2; ++attempt) EXPECT_THROW(run(g, spec), InputError);
  EXPECT_EQ(g.memo().entries("ties.initial_strength"), 0u);
}

}  // namespace
}  // namespace guanxi
