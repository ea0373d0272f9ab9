// The diffusion runner and kernels: exact outcomes on tiny graphs, bit-identical results for
// any thread count (parallel: replicates and fused frontiers run on TBB), the monotone
// coupling of IC in p, cancellation, and parameter validation. Statistical agreement with
// theory and a slow reference is checked in tests/python/test_diffusion.py.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "guanxi/diffusion.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/seeding.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::edges;

SimulationResult run(const Graph& g, ModelParams params, SeedSet seeds, std::uint64_t replicates, int threads,
                     Kernel kernel = Kernel::automatic, std::vector<std::uint64_t> cascades = {},
                     std::uint64_t seed = 7) {
  RunOptions o;
  o.replicates = replicates;
  o.threads = threads;
  o.kernel = kernel;
  o.seed = seed;
  o.cascades = std::move(cascades);
  return simulate(g, params, seeds, o);
}

ModelParams ic(double p) {
  ModelParams m;
  m.model = Model::ic;
  m.p = p;
  return m;
}

SeedSet nodes(std::vector<node_t> ids) {
  SeedSet s;
  s.nodes = std::move(ids);
  return s;
}

void expect_identical(const SimulationResult& a, const SimulationResult& b, const std::string& what) {
  EXPECT_EQ(a.final_size, b.final_size) << what;
  EXPECT_EQ(a.counts, b.counts) << what;
  EXPECT_EQ(a.activation_count, b.activation_count) << what;
  EXPECT_EQ(a.last_step, b.last_step) << what;
  ASSERT_EQ(a.cascades.size(), b.cascades.size()) << what;
  for (const auto& [r, c] : a.cascades) {
    const Cascade& d = b.cascades.at(r);
    EXPECT_EQ(c.node, d.node) << what << " replicate " << r;
    EXPECT_EQ(c.parent, d.parent) << what << " replicate " << r;
    EXPECT_EQ(c.step, d.step) << what << " replicate " << r;
  }
}

TEST(Diffusion, CertainAndImpossibleCascades) {
  // A path 0-1-2-3 plus an isolated node 4: p = 1 reaches the component, p = 0 only the seed.
  BuildOptions o;
  o.num_nodes = 5;
  const Graph g = edges({0, 1, 2}, {1, 2, 3}, o);
  for (Kernel k : {Kernel::scalar, Kernel::sparse, Kernel::bit_parallel}) {
    const auto all = run(g, ic(1.0), nodes({0}), 10, 1, k, {0});
    for (auto s : all.final_size) EXPECT_EQ(s, 4u);
    EXPECT_EQ(all.steps, 5u);  // steps 0..3 activate one node each; step 4 finds nothing
    const Cascade& c = all.cascades.at(0);
    EXPECT_EQ(c.node, (std::vector<node_t>{0, 1, 2, 3}));
    EXPECT_EQ(c.parent, (std::vector<node_t>{max_nodes, 0, 1, 2}));
    EXPECT_EQ(c.step, (std::vector<std::uint32_t>{0, 1, 2, 3}));
    const auto none = run(g, ic(0.0), nodes({0}), 10, 1, k);
    for (auto s : none.final_size) EXPECT_EQ(s, 1u);
    EXPECT_EQ(all.activation_count, (std::vector<std::uint64_t>{10, 10, 10, 10, 0}));
  }
}

TEST(Diffusion, RowsAddUpAndPadAfterTheEnd) {
  const Graph g = holme_kim(500, 3, 0.4, 2);
  ModelParams sir;
  sir.model = Model::sir;
  sir.beta = 0.2;
  sir.gamma = 0.5;
  const auto r = run(g, sir, nodes({0, 1}), 50, 2);
  ASSERT_EQ(r.states, (std::vector<std::string>{"new", "cumulative", "susceptible", "infected", "recovered"}));
  const std::size_t w = r.states.size();
  for (std::uint64_t rep = 0; rep < r.replicates; ++rep) {
    std::uint64_t running = 0;
    for (std::uint32_t s = 0; s < r.steps; ++s) {
      const std::uint32_t* row = r.counts.data() + (rep * r.steps + s) * w;
      running += row[0];
      EXPECT_LE(row[1], running);  // cumulative counts distinct nodes; new counts infections
      EXPECT_EQ(row[2] + row[3] + row[4], 500u);
      if (s > r.last_step[rep] + 1) {
        EXPECT_EQ(row[0], 0u);
      }
    }
    const std::uint32_t* last = r.counts.data() + (rep * r.steps + r.steps - 1) * w;
    EXPECT_EQ(last[1], r.final_size[rep]);
    EXPECT_EQ(last[3], 0u);  // SIR ends with nobody infected
  }
}

TEST(Diffusion, SameResultsForAnyThreadCount) {
  // 260 replicates: two fused batches (parallel over batches with 2 threads).
  const Graph g = holme_kim(1200, 4, 0.5, 3);
  std::vector<std::pair<std::string, ModelParams>> models;
  models.emplace_back("ic", ic(0.05));
  ModelParams wc = ic(0);
  wc.ic_probability = IcProbability::weighted_cascade;
  models.emplace_back("wc", wc);
  for (Model m : {Model::lt, Model::si, Model::sir, Model::sis, Model::complex, Model::bass}) {
    ModelParams p;
    p.model = m;
    p.beta = 0.05;
    p.gamma = 0.3;
    p.k = 2;
    p.bass_p = 0.05;
    models.emplace_back(model_name(m), p);
  }
  SeedSet random;
  random.random_k = 5;
  for (const auto& [name, params] : models) {
    std::vector<Kernel> kernels{Kernel::scalar};
    if (name == "ic") kernels.push_back(Kernel::sparse);
    if (name == "ic" || name == "wc" || name == "lt") kernels.push_back(Kernel::bit_parallel);
    for (Kernel k : kernels) {
      const auto one = run(g, params, random, 260, 1, k, {0, 17, 259});
      const auto two = run(g, params, random, 260, 2, k, {0, 17, 259});
      expect_identical(one, two, name + "/" + kernel_name(k));
    }
  }
}

TEST(Diffusion, FusedFrontierParallelModeMatchesSequential) {
  // 200 replicates make one batch: 1 thread runs it sequentially, 2 threads frontier-parallel.
  const Graph g = erdos_renyi_gnp(8000, 6.0 / 8000, 4);
  for (double p : {0.1, 0.3}) {
    const auto one = run(g, ic(p), nodes({0, 1, 2}), 200, 1, Kernel::bit_parallel, {0, 5, 199});
    const auto two = run(g, ic(p), nodes({0, 1, 2}), 200, 2, Kernel::bit_parallel, {0, 5, 199});
    expect_identical(one, two, "fused ic p=" + std::to_string(p));
  }
  ModelParams lt;
  lt.model = Model::lt;
  expect_identical(run(g, lt, nodes({0, 1, 2}), 100, 1, Kernel::bit_parallel, {3}),
                   run(g, lt, nodes({0, 1, 2}), 100, 2, Kernel::bit_parallel, {3}), "fused lt");
}

TEST(Diffusion, IcIsMonotoneInPForEveryKernel) {
  const Graph g = holme_kim(4000, 3, 0.5, 5);
  for (Kernel k : {Kernel::scalar, Kernel::sparse, Kernel::bit_parallel}) {
    std::vector<std::uint64_t> previous;
    for (double p : {0.02, 0.05, 0.08, 0.2, 0.6}) {
      const auto r = run(g, ic(p), nodes({0, 1}), 300, 2, k);
      for (std::size_t i = 0; i < previous.size(); ++i) {
        EXPECT_LE(previous[i], r.final_size[i]) << kernel_name(k) << " p=" << p << " replicate " << i;
      }
      previous = r.final_size;
    }
  }
}

TEST(Diffusion, CascadeParentsAreActiveNeighboursOfThePreviousStep) {
  const Graph g = holme_kim(2000, 3, 0.5, 6);
  for (Kernel k : {Kernel::scalar, Kernel::sparse, Kernel::bit_parallel}) {
    const auto r = run(g, ic(0.15), nodes({0, 7}), 40, 2, k, {3, 39});
    for (const auto& [rep, c] : r.cascades) {
      std::map<node_t, std::uint32_t> step_of;
      for (std::size_t i = 0; i < c.node.size(); ++i) step_of[c.node[i]] = c.step[i];
      EXPECT_EQ(c.node.size(), r.final_size[rep]);
      for (std::size_t i = 0; i < c.node.size(); ++i) {
        if (c.step[i] == 0) {
          EXPECT_EQ(c.parent[i], max_nodes);
          continue;
        }
        const auto around = g.neighbors(c.node[i]);
        EXPECT_TRUE(std::binary_search(around.begin(), around.end(), c.parent[i]));
        EXPECT_EQ(step_of.at(c.parent[i]) + 1, c.step[i]);
      }
    }
  }
}

TEST(Diffusion, ComplexContagionIsExact) {
  // A triangle strip: 0-1, 0-2, 1-2, 1-3, 2-3, 2-4, 3-4. With k = 2 and seeds {0, 1}, node 2
  // (two active neighbours) activates at step 1, 3 at step 2, 4 at step 3.
  const Graph g = edges({0, 0, 1, 1, 2, 2, 3}, {1, 2, 2, 3, 3, 4, 4});
  ModelParams c;
  c.model = Model::complex;
  c.k = 2;
  const auto r = run(g, c, nodes({0, 1}), 3, 1, Kernel::automatic, {0});
  EXPECT_EQ(r.cascades.at(0).node, (std::vector<node_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(r.cascades.at(0).step, (std::vector<std::uint32_t>{0, 0, 1, 2, 3}));
  // From {0, 4}: node 2 sees both at step 1, then 1 (0, 2) and 3 (2, 4) at step 2.
  const auto ends = run(g, c, nodes({0, 4}), 1, 1, Kernel::automatic, {0});
  EXPECT_EQ(ends.cascades.at(0).node, (std::vector<node_t>{0, 4, 2, 1, 3}));
  EXPECT_EQ(ends.cascades.at(0).step, (std::vector<std::uint32_t>{0, 0, 1, 2, 2}));
  // One seed never gives anyone two active neighbours.
  EXPECT_EQ(run(g, c, nodes({2}), 1, 1).final_size[0], 1u);
  // phi = 0.5: node 3 (neighbours 1, 2, 4) needs ceil(1.5) = 2.
  c.phi = 0.5;
  EXPECT_EQ(run(g, c, nodes({0, 1}), 1, 1).final_size[0], 5u);
}

TEST(Diffusion, BassWithCertainInnovationAdoptsAtStepOne) {
  const Graph g = complete_graph(50);
  ModelParams b;
  b.model = Model::bass;
  b.bass_p = 1.0;
  b.bass_q = 0.0;
  const auto r = run(g, b, SeedSet{}, 5, 2);
  for (auto s : r.final_size) EXPECT_EQ(s, 50u);
  for (auto s : r.last_step) EXPECT_EQ(s, 1u);
}

TEST(Diffusion, SirWithCertainRecoveryIsIcInDistributionOnAStar) {
  // From the centre of a star with L leaves: final size 1 + Binomial(L, beta) for both.
  std::vector<node_t> centre(200, 0), leaves;
  for (node_t v = 1; v <= 200; ++v) leaves.push_back(v);
  const Graph star = edges(centre, leaves);
  ModelParams sir;
  sir.model = Model::sir;
  sir.beta = 0.3;
  sir.gamma = 1.0;
  const auto r = run(star, sir, nodes({0}), 2000, 2);
  double mean = 0;
  for (auto s : r.final_size) mean += static_cast<double>(s);
  mean /= 2000;
  // Mean 1 + 200 * 0.3 = 61; sd of the mean sqrt(200 * 0.3 * 0.7 / 2000) = 0.145; allow 5 sd.
  EXPECT_NEAR(mean, 61.0, 5 * std::sqrt(200 * 0.3 * 0.7 / 2000));
}

// Cancellation stops every replicate within a step: each replicate here would run for hours
// (endemic SIS, up to a million steps), so the run returns only because the replicates in flight
// stopped, and no replicate after them started. Nothing is timed: a run that ignored the flag
// would never return (CTest's timeout), whatever the load.
TEST(Diffusion, CancellationStopsWithinAStep) {
  const Graph g = holme_kim(50000, 4, 0.5, 1);
  ModelParams sis;
  sis.model = Model::sis;
  sis.beta = 0.2;
  sis.gamma = 0.1;
  RunOptions o;
  o.replicates = 64;
  o.max_steps = 1000000;
  o.threads = 2;
  RunControl control;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    control.cancel.store(true);
  });
  EXPECT_THROW(simulate(g, sis, nodes({0}), o, &control), Cancelled);
  stopper.join();
  // Only the replicates in flight when the flag was set (one per thread) were started.
  EXPECT_LE(control.replicates_done.load(), static_cast<std::uint64_t>(o.threads));
}

TEST(Diffusion, ParametersAndSeedsAreValidated) {
  const Graph g = complete_graph(10);
  auto message = [&](ModelParams p, SeedSet s, RunOptions o = {}) {
    try {
      simulate(g, p, s, o);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(ic(1.5), nodes({0})).rfind("p:", 0), 0u);
  EXPECT_EQ(message(ic(std::nan("")), nodes({0})).rfind("p:", 0), 0u);
  ModelParams sir;
  sir.model = Model::sir;
  sir.gamma = -0.1;
  EXPECT_EQ(message(sir, nodes({0})).rfind("gamma:", 0), 0u);
  EXPECT_EQ(message(ic(0.1), nodes({10})).rfind("seeds:", 0), 0u);
  EXPECT_EQ(message(ic(0.1), nodes({1, 1})).rfind("seeds:", 0), 0u);
  EXPECT_EQ(message(ic(0.1), SeedSet{}).rfind("seeds:", 0), 0u);
  SeedSet too_many;
  too_many.random_k = 11;
  EXPECT_EQ(message(ic(0.1), too_many).rfind("seeds:", 0), 0u);
  ModelParams weights = ic(0.1);
  weights.ic_probability = IcProbability::weights;
  EXPECT_EQ(message(weights, nodes({0})).rfind("probability:", 0), 0u);  // no weights on this graph
  RunOptions sparse_lt;
  sparse_lt.kernel = Kernel::sparse;
  ModelParams lt;
  lt.model = Model::lt;
  EXPECT_EQ(message(lt, nodes({0}), sparse_lt).rfind("kernel:", 0), 0u);
  RunOptions bad_cascade;
  bad_cascade.replicates = 5;
  bad_cascade.cascades = {5};
  EXPECT_EQ(message(ic(0.1), nodes({0}), bad_cascade).rfind("cascades:", 0), 0u);
  EXPECT_THROW(parse_model("nope"), InputError);
  EXPECT_THROW(parse_seeds(g, "random:0"), InputError);
  EXPECT_THROW(parse_seeds(g, "best:3"), InputError);
  EXPECT_THROW(parse_seeds(g, "42"), InputError);  // no such label
  EXPECT_EQ(parse_seeds(g, "3,5").nodes, (std::vector<node_t>{3, 5}));
}

TEST(Seeding, RankingsBreakTiesBySmallerId) {
  // Star centre 0 plus a triangle 5-6-7: degrees 0:3, 5/6/7: 2, leaves 1.
  const Graph g = edges({0, 0, 0, 5, 6, 7}, {1, 2, 3, 6, 7, 5});
  EXPECT_EQ(seeds_top_degree(g, 3), (std::vector<node_t>{0, 5, 6}));
  EXPECT_EQ(seeds_top_kcore(g, 3), (std::vector<node_t>{5, 6, 7}));  // the 2-core first
  const auto random = seeds_random(g, 4, 9);
  EXPECT_EQ(random.size(), 4u);
  EXPECT_TRUE(std::is_sorted(random.begin(), random.end()));
  EXPECT_EQ(random, seeds_random(g, 4, 9));
  // Over 2000 seeds each of the 8 nodes is picked with probability 1/2: binomial sd 22.4;
  // allow 5 sd.
  std::vector<int> picked(8, 0);
  for (std::uint64_t seed = 0; seed < 2000; ++seed)
    for (node_t v : seeds_random(g, 4, seed)) ++picked[v];
  for (int c : picked) EXPECT_NEAR(c, 1000, 5 * std::sqrt(2000 * 0.25));
}

}  // namespace
}  // namespace guanxi
