// Generators: validated parameters, exact counts where the model fixes them, and the same graph
// for the same seed whatever the thread count (statistics are checked in the Python suite
// against theory and networkx).
// parallel: G(n,p), SBM, R-MAT and power-law degrees draw in parallel.
#include <gtest/gtest.h>

#include <cmath>

#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/parallel.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

bool same(const Graph& a, const Graph& b) {
  return a.num_nodes() == b.num_nodes() && a.num_arcs() == b.num_arcs() &&
         std::equal(a.offsets().begin(), a.offsets().end(), b.offsets().begin()) &&
         std::equal(a.targets().begin(), a.targets().end(), b.targets().begin());
}

TEST(Generators, SameSeedSameGraphForAnyThreadCount) {
  const std::vector<std::uint64_t> sizes{300, 200};
  const std::vector<double> p{0.05, 0.01, 0.01, 0.08};
  const std::vector<std::function<Graph()>> makers = {
      [] { return erdos_renyi_gnp(3000, 0.004, 1); },
      [] { return erdos_renyi_gnp(1000, 0.01, 1, true); },
      [] { return erdos_renyi_gnm(3000, 8000, 1); },
      [] { return barabasi_albert(3000, 3, 1); },
      [] { return watts_strogatz(3000, 6, 0.2, 1); },
      [] { return holme_kim(3000, 3, 0.5, 1); },
      [&] { return stochastic_block(sizes, p, 1); },
      [] { return configuration_powerlaw(3000, 2.5, 2, 0, 1); },
      [] { return rmat(12, 8, 0.57, 0.19, 0.19, 1); },
  };
  for (std::size_t i = 0; i < makers.size(); ++i) {
    const Graph one = with_threads(1, makers[i]);
    const Graph two = with_threads(2, makers[i]);
    EXPECT_TRUE(same(one, two)) << "generator " << i;
    EXPECT_GT(one.num_ties(), 0u) << "generator " << i;
  }
  EXPECT_FALSE(same(holme_kim(3000, 3, 0.5, 1), holme_kim(3000, 3, 0.5, 2)));
}

TEST(Generators, ExactCounts) {
  EXPECT_EQ(erdos_renyi_gnm(100, 777, 3).num_ties(), 777u);
  EXPECT_EQ(erdos_renyi_gnm(10, 45, 3).num_ties(), 45u);  // all pairs
  EXPECT_EQ(erdos_renyi_gnm(20, 300, 3, true).num_ties(), 300u);  // the complement path
  EXPECT_EQ(erdos_renyi_gnp(50, 1.0, 3).num_ties(), 50u * 49 / 2);
  EXPECT_EQ(erdos_renyi_gnp(50, 0.0, 3).num_ties(), 0u);
  // A star on m + 1 nodes, then m ties per further node.
  EXPECT_EQ(barabasi_albert(1000, 4, 3).num_ties(), 4u + 4u * (1000 - 5));
  // Holme–Kim (like networkx) may pick a candidate a triad step already linked: at most m per node.
  const Graph hk = holme_kim(1000, 4, 0.7, 3);
  EXPECT_LE(hk.num_ties(), 4u * (1000 - 4));
  EXPECT_GE(hk.num_ties(), 4u * (1000 - 4) * 99 / 100);
  EXPECT_EQ(watts_strogatz(500, 8, 0.3, 3).num_ties(), 500u * 4);
  EXPECT_EQ(complete_graph(30).num_ties(), 30u * 29 / 2);
  EXPECT_EQ(complete_graph(30, true).num_ties(), 30u * 29);
  const std::vector<std::uint64_t> degrees{3, 2, 2, 1, 1, 1};
  const Graph multi = configuration_model(degrees, 4, false);
  for (node_t v = 0; v < degrees.size(); ++v) {
    std::uint64_t k = 0;  // a kept self-loop is one arc but two stubs
    for (node_t w : multi.neighbors(v)) k += w == v ? 2 : 1;
    EXPECT_EQ(k, degrees[v]);
  }
}

TEST(Generators, WattsStrogatzWithoutRewiringIsTheRingLattice) {
  const Graph g = watts_strogatz(20, 4, 0.0, 1);
  for (node_t v = 0; v < 20; ++v) {
    EXPECT_EQ(testing::neighbors(g, v).size(), 4u);
    for (node_t d : {1u, 2u}) {
      const auto around = g.neighbors(v);
      EXPECT_TRUE(std::binary_search(around.begin(), around.end(), (v + d) % 20));
    }
  }
}

TEST(Generators, ParametersAreValidatedByName) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { erdos_renyi_gnp(10, 1.5, 0); }).rfind("p:", 0), 0u);
  EXPECT_EQ(message([] { erdos_renyi_gnp(10, std::nan(""), 0); }).rfind("p:", 0), 0u);
  EXPECT_EQ(message([] { erdos_renyi_gnp(0, 0.5, 0); }).rfind("n:", 0), 0u);
  EXPECT_EQ(message([] { erdos_renyi_gnm(10, 46, 0); }).rfind("m:", 0), 0u);
  EXPECT_EQ(message([] { barabasi_albert(10, 10, 0); }).rfind("m:", 0), 0u);
  EXPECT_EQ(message([] { watts_strogatz(10, 3, 0.1, 0); }).rfind("k:", 0), 0u);
  EXPECT_EQ(message([] { holme_kim(10, 2, -0.1, 0); }).rfind("p:", 0), 0u);
  EXPECT_EQ(message([] { rmat(40, 4, 0.5, 0.2, 0.2, 0); }).rfind("scale:", 0), 0u);
  EXPECT_EQ(message([] { rmat(10, 4, 0.5, 0.3, 0.3, 0); }).rfind("a + b + c:", 0), 0u);
  const std::vector<std::uint64_t> sizes{5, 5};
  const std::vector<double> asymmetric{0.1, 0.2, 0.3, 0.1};
  EXPECT_EQ(message([&] { stochastic_block(sizes, asymmetric, 0); }).rfind("p[0][1]:", 0), 0u);
  const std::vector<std::uint64_t> odd{1, 2};
  EXPECT_EQ(message([&] { configuration_model(odd, 0); }).rfind("degrees:", 0), 0u);
  EXPECT_EQ(message([] { configuration_powerlaw(100, 0.5, 1, 0, 0); }).rfind("gamma:", 0), 0u);
}

TEST(Generators, CatalogCoversEveryGeneratorWithWorkingDefaults) {
  for (const auto& gen : generator_catalog()) {
    std::map<std::string, std::string> params{{"seed", "3"}};
    for (const auto& p : gen.params) params[p.name] = p.default_value;
    if (gen.name == "holme-kim") params["n"] = "2000";
    if (gen.name == "rmat") params["scale"] = "10";
    const Graph g = gen.make(params);
    EXPECT_GT(g.num_ties(), 0u) << gen.name;
  }
}

}  // namespace
}  // namespace guanxi
