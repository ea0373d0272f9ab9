// MODEL.md §7 seeding and §6 read in general (sim/src/campaign/seeds.cpp): the campaign's IC
// equivalent is p exactly in §6's IC case and the binomial share-and-reach model in general;
// strategy imm places IMM's seeds on it (parallel: the equivalent, IMM and the runs use TBB), and
// those seeds are memoized by a digest of the equivalent's probabilities, k and IMM's options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "campaign/replicate.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/influence.hpp"
#include "guanxi/ties.hpp"

namespace guanxi::campaign {
namespace {

// MODEL.md §6's IC case: ties constant, every customer shares (share_prob 1) reaching every
// prospect neighbour (reach 1) once (max_attempts 1), conversion p whatever the strength, no
// incentives (the default policy pays nothing).
CampaignSpec ic_case(double p) {
  CampaignSpec spec;
  spec.behaviour.share_prob = 1;
  spec.behaviour.max_shares = 1;
  spec.behaviour.reach = 1;
  spec.behaviour.max_attempts = 1;
  spec.behaviour.conv_weak = spec.behaviour.conv_strong = p;
  spec.behaviour.churn_prob = 0;
  spec.behaviour.repeat_prob = 0;
  spec.behaviour.external_rate = 0;
  spec.ties.init.kind = TieInit::Kind::constant;
  spec.ties.init.value = 0.7;
  spec.run.steps = 20;
  return spec;
}

// P(Binomial(n, q) = j), by the product formula.
double binomial_pmf(std::uint32_t n, double q, std::uint32_t j) {
  double c = 1;
  for (std::uint32_t i = 0; i < j; ++i) c = c * (n - i) / (i + 1);
  return c * std::pow(q, j) * std::pow(1 - q, n - j);
}

// 1 - E[(1 - c)^N]: S ~ Binomial(steps, σ) shares capped at max_shares (0: none), N ~
// Binomial(S, reach) reaches capped at max_attempts (0: none). Written as the sum over (s, j).
double convert_probability(std::uint32_t steps, double sigma, std::uint32_t max_shares, double reach,
                           std::uint32_t max_attempts, double c) {
  double none = 0;
  for (std::uint32_t s = 0; s <= steps; ++s) {
    const double ps = binomial_pmf(steps, sigma, s);
    const std::uint32_t shares = max_shares ? std::min(s, max_shares) : s;
    for (std::uint32_t j = 0; j <= shares; ++j) {
      const std::uint32_t reaches = max_attempts ? std::min(j, max_attempts) : j;
      none += ps * binomial_pmf(shares, reach, j) * std::pow(1 - c, reaches);
    }
  }
  return 1 - none;
}

TEST(IcEquivalent, OfTheIcCaseIsP) {
  const Graph g = holme_kim(400, 3, 0.4, 6);
  for (double p : {0.03, 0.12, 0.5})
    for (std::uint32_t max_shares : {0u, 1u}) {
      CampaignSpec spec = ic_case(p);
      spec.behaviour.max_shares = max_shares;
      const std::vector<float> q = campaign_ic_equivalent(g, spec);
      ASSERT_EQ(q.size(), g.num_arcs());
      for (arc_t a = 0; a < q.size(); ++a) ASSERT_FLOAT_EQ(q[a], static_cast<float>(p)) << "arc " << a << " p " << p;
    }
}

TEST(IcEquivalent, IsTheBinomialShareAndReachModel) {
  const Graph g = holme_kim(300, 3, 0.4, 7);
  // Uniform strengths: each arc's conversion c = conv_weak + (conv_strong - conv_weak) s of its tie.
  CampaignSpec spec;
  spec.ties.init.kind = TieInit::Kind::uniform;
  spec.ties.init.seed = 3;
  spec.behaviour.share_prob = 0.3;
  spec.behaviour.reach = 0.4;
  spec.behaviour.conv_weak = 0.05;
  spec.behaviour.conv_strong = 0.6;
  spec.run.steps = 9;
  const std::vector<float> strength = initial_strength(g, spec.ties.init);
  const std::vector<tie_t> arc_tie = g.arc_ties();
  struct Caps {
    std::uint32_t shares, attempts;
  };
  for (Caps caps : {Caps{0, 0}, Caps{0, 2}, Caps{3, 0}, Caps{4, 1}, Caps{2, 3}}) {
    spec.behaviour.max_shares = caps.shares;
    spec.behaviour.max_attempts = caps.attempts;
    const std::vector<float> q = campaign_ic_equivalent(g, spec);
    ASSERT_EQ(q.size(), g.num_arcs());
    for (arc_t a = 0; a < q.size(); ++a) {
      const double s = strength[arc_tie[a]];
      const double c = 0.05 + (0.6 - 0.05) * s;
      const double expected = caps.shares == 0 && caps.attempts == 0
                                  ? 1 - std::pow(1 - 0.3 * 0.4 * c, 9.0)  // every step independent
                                  : convert_probability(9, 0.3, caps.shares, 0.4, caps.attempts, c);
      ASSERT_NEAR(q[a], expected, 1e-6) << "arc " << a << " caps " << caps.shares << "/" << caps.attempts;
    }
    // Without caps the closed form and the sum agree (a check of the test's own sum).
    if (caps.shares == 0 && caps.attempts == 0) {
      EXPECT_NEAR(convert_probability(9, 0.3, 0, 0.4, 0, 0.2), 1 - std::pow(1 - 0.3 * 0.4 * 0.2, 9.0), 1e-12);
    }
  }
}

TEST(ImmSeeds, StrategyImmPlacesTheImmSeedsOfTheEquivalent) {
  const Graph g = holme_kim(800, 3, 0.4, 8);
  CampaignSpec spec = ic_case(0.1);
  spec.seeding.strategy = "imm";
  spec.seeding.k = 5;
  const auto seeds = memoized_campaign_imm_seeds(g, spec);
  // The documented choice: IMM (ε = 0.1, ℓ = 1, RR seed 0) on the IC equivalent.
  InfluenceOptions o;
  o.k = 5;
  EXPECT_EQ(*seeds, influence_maximization(g, campaign_ic_equivalent(g, spec), o, InfluenceAlgorithm::imm).seeds);
  CampaignRunOptions run;
  run.replicates = 3;
  run.seed = 1;
  run.forests = {0, 2};
  const CampaignResult r = run_campaign(g, spec, run);
  ASSERT_EQ(r.forests.size(), 2u);
  const std::set<node_t> expected(seeds->begin(), seeds->end());
  ASSERT_EQ(expected.size(), 5u);
  for (const auto& [replicate, forest] : r.forests) {
    std::set<node_t> placed;
    for (const ForestEntry& e : forest)
      if (campaign_channels()[e.channel] == "seed") placed.insert(e.node);
    EXPECT_EQ(placed, expected) << "replicate " << replicate;
  }
}

TEST(ImmSeeds, MemoizedByTheEquivalentsProbabilities) {
  Graph g = holme_kim(600, 3, 0.4, 9);
  g.memo().clear();
  CampaignSpec spec = ic_case(0.1);
  spec.ties.init.kind = TieInit::Kind::uniform;  // arcs differ, so IMM has a choice to make
  spec.seeding.strategy = "imm";
  spec.seeding.k = 4;
  const char* family = "seeding.campaign_imm";
  const auto first = memoized_campaign_imm_seeds(g, spec);
  EXPECT_EQ(g.memo().entries(family), 1u);
  // Parameters the equivalent does not read (repeat purchase, churn, cost): the same
  // probabilities, so the same entry (the very same seeds object).
  CampaignSpec other = spec;
  other.behaviour.repeat_prob = 0.3;
  other.behaviour.churn_prob = 0.1;
  other.product.unit_cost = 10;
  EXPECT_EQ(memoized_campaign_imm_seeds(g, other), first);
  EXPECT_EQ(g.memo().entries(family), 1u);
  // A parameter it reads: a new entry holding IMM's seeds on the new equivalent.
  CampaignSpec stronger = spec;
  stronger.behaviour.conv_weak = 0.02;
  stronger.behaviour.conv_strong = 0.6;
  const auto second = memoized_campaign_imm_seeds(g, stronger);
  EXPECT_EQ(g.memo().entries(family), 2u);
  InfluenceOptions o;
  o.k = 4;
  EXPECT_EQ(*second, influence_maximization(g, campaign_ic_equivalent(g, stronger), o, InfluenceAlgorithm::imm).seeds);
  EXPECT_EQ(*first, influence_maximization(g, campaign_ic_equivalent(g, spec), o, InfluenceAlgorithm::imm).seeds);
  // The key: both digests follow every bit of every probability; k and the options are in it.
  std::vector<float> p = campaign_ic_equivalent(g, spec);
  const std::string key = campaign::imm_seeds_key(p, o);
  p[p.size() / 2] = std::nextafter(p[p.size() / 2], 1.0f);
  const std::string nudged = campaign::imm_seeds_key(p, o);
  EXPECT_NE(key.substr(3, 16), nudged.substr(3, 16)) << key << " / " << nudged;    // the block checksum
  EXPECT_NE(key.substr(20, 16), nudged.substr(20, 16)) << key << " / " << nudged;  // the polynomial digest
  p = campaign_ic_equivalent(g, spec);
  EXPECT_EQ(campaign::imm_seeds_key(p, o), key);
  InfluenceOptions five = o, looser = o;
  five.k = 5;
  looser.epsilon = 0.2;
  EXPECT_NE(campaign::imm_seeds_key(p, five), key);
  EXPECT_NE(campaign::imm_seeds_key(p, looser), key);
  // ties.init = graph: cached too, keyed by the strengths the equivalent read.
  CampaignSpec from_graph = stronger;  // conversion follows strength
  from_graph.ties.init.kind = TieInit::Kind::graph;
  std::fill(g.strength().begin(), g.strength().end(), 0.2f);
  const auto weak = memoized_campaign_imm_seeds(g, from_graph);
  EXPECT_EQ(memoized_campaign_imm_seeds(g, from_graph), weak);
  EXPECT_EQ(g.memo().entries(family), 3u);
  for (tie_t t = 0; t < g.num_ties(); t += 3) g.strength()[t] = 0.9f;
  const auto changed = memoized_campaign_imm_seeds(g, from_graph);
  EXPECT_NE(changed, weak);
  EXPECT_EQ(g.memo().entries(family), 4u);
  EXPECT_EQ(*changed,
            influence_maximization(g, campaign_ic_equivalent(g, from_graph), o, InfluenceAlgorithm::imm).seeds);
}

}  // namespace
}  // namespace guanxi::campaign
