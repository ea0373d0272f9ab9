// The campaign model as a whole: MODEL.md §6's exact degenerate cases (budget 0 is no
// incentive; a group buy of size 1 is a referral policy with discount d_g), bit-identical results
// for any thread count (parallel: replicates run on TBB), common random numbers, validation
// errors naming the parameter, and scenario files (unknown keys with file, line and suggestion).
// The statistical degenerate cases (IC, Bass) are in tests/python/test_campaign.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/scenario.hpp"
#include "test_util.hpp"

namespace guanxi {
namespace {

using testing::TempDir;

double at(const CampaignResult& r, std::uint64_t replicate, std::uint32_t step, const std::string& metric) {
  const auto& names = campaign_metrics();
  const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), metric) - names.begin());
  return r.values[(replicate * r.steps + step) * names.size() + k];
}

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

CampaignResult run(const Graph& g, const CampaignSpec& spec, std::uint64_t replicates = 12, int threads = 0,
                   std::uint64_t seed = 3) {
  CampaignRunOptions o;
  o.replicates = replicates;
  o.threads = threads;
  o.seed = seed;
  return run_campaign(g, spec, o);
}

CampaignSpec lively() {
  CampaignSpec spec;
  spec.behaviour.share_prob = 0.3;
  spec.behaviour.conv_weak = 0.05;
  spec.behaviour.conv_strong = 0.3;
  spec.behaviour.churn_prob = 0.02;
  spec.behaviour.repeat_prob = 0.05;
  spec.run.steps = 25;
  return spec;
}

TEST(CampaignModel, BudgetZeroIsExactlyNoIncentive) {
  const Graph g = holme_kim(2000, 3, 0.5, 1);
  const CampaignSpec none = lively();
  for (int design = 0; design < 3; ++design) {
    CampaignSpec zero = lively();
    if (design == 0) {
      zero.policy.referral_reward = 10;
      zero.policy.referee_discount = 0.2;
      zero.policy.commission = {0.1, 0.05};
    } else if (design == 1) {
      zero.policy.group_buy.enabled = true;
    } else {
      zero.policy.bargain.enabled = true;
    }
    zero.policy.budget = 0;
    EXPECT_TRUE(same_values(run(g, none).values, run(g, zero).values)) << "design " << design;
  }
}

TEST(CampaignModel, GroupBuyOfOneIsAReferralDiscount) {
  // With team_share_prob = share_prob and no repeat or churn (which seeds pending in a team at
  // step 0 could not do), everything matches but the seeds' price: their team of one buys at
  // P (1 - d_g), while a referral policy's seeds pay list price.
  const Graph g = holme_kim(2000, 3, 0.5, 2);
  CampaignSpec referral = lively();
  referral.behaviour.team_share_prob = referral.behaviour.share_prob;
  referral.behaviour.churn_prob = 0;
  referral.behaviour.repeat_prob = 0;
  referral.policy.referee_discount = 0.25;
  CampaignSpec team = referral;
  team.policy.referee_discount = 0;
  team.policy.group_buy.enabled = true;
  team.policy.group_buy.size = 1;
  team.policy.group_buy.discount = 0.25;
  const auto a = run(g, referral), b = run(g, team);
  const double seeds = referral.seeding.k, gap = seeds * referral.product.price * 0.25;
  for (std::uint64_t r = 0; r < a.replicates; ++r)
    for (std::uint32_t t = 0; t < a.steps; ++t) {
      for (const char* m : {"customers", "active", "reaches", "purchases", "fans", "partners", "largest_cascade"})
        ASSERT_EQ(at(a, r, t, m), at(b, r, t, m)) << m << " replicate " << r << " step " << t;
      EXPECT_NEAR(at(a, r, t, "revenue") - at(b, r, t, "revenue"), gap, 1e-6);
      EXPECT_NEAR(at(b, r, t, "discounts") - at(a, r, t, "discounts"), gap, 1e-6);
      EXPECT_EQ(at(a, r, t, "new_customers_referral"), at(b, r, t, "new_customers_team"));
    }
}

TEST(CampaignModel, SameResultsForAnyThreadCount) {
  const Graph g = holme_kim(3000, 3, 0.5, 3);
  std::vector<CampaignSpec> designs(4, lively());
  designs[1].policy.referral_reward = 15;
  designs[1].policy.commission = {0.1, 0.05, 0.02};
  designs[1].policy.budget = 2000;
  designs[2].policy.group_buy.enabled = true;
  designs[3].policy.bargain.enabled = true;
  designs[3].behaviour.help_mult = 20;
  for (std::size_t d = 0; d < designs.size(); ++d)
    EXPECT_TRUE(same_values(run(g, designs[d], 16, 1).values, run(g, designs[d], 16, 2).values)) << "design " << d;
}

TEST(CampaignModel, CommonRandomNumbersAcrossCampaigns) {
  // Costs do not change decisions: with the same seed, the people are the same replicate by
  // replicate; a different seed gives different outcomes.
  const Graph g = holme_kim(2000, 3, 0.5, 4);
  CampaignSpec cheap = lively(), dear = lively();
  dear.product.unit_cost = 90;
  const auto a = run(g, cheap), b = run(g, dear), c = run(g, cheap, 12, 0, 4);
  bool differs = false;
  for (std::uint64_t r = 0; r < a.replicates; ++r) {
    EXPECT_EQ(at(a, r, a.steps - 1, "customers"), at(b, r, b.steps - 1, "customers"));
    EXPECT_EQ(at(a, r, a.steps - 1, "purchases"), at(b, r, b.steps - 1, "purchases"));
    differs |= at(a, r, a.steps - 1, "customers") != at(c, r, c.steps - 1, "customers");
  }
  EXPECT_TRUE(differs);
}

TEST(CampaignModel, ReplicatesArePureFunctionsOfTheirIndex) {
  const Graph g = holme_kim(2000, 3, 0.5, 5);
  const auto few = run(g, lively(), 5), many = run(g, lively(), 9);
  const std::size_t row = few.steps * campaign_metrics().size();
  EXPECT_TRUE(same_values({few.values.begin(), few.values.end()}, {many.values.begin(), many.values.begin() + 5 * row}));
  // A replicate run alone (first_replicate) has the rows it has within a whole run.
  CampaignRunOptions alone;
  alone.replicates = 1;
  alone.first_replicate = 7;
  alone.seed = 3;
  alone.forests = {7};
  const auto seventh = run_campaign(g, lively(), alone);
  EXPECT_TRUE(same_values(seventh.values, {many.values.begin() + 7 * row, many.values.begin() + 8 * row}));
  EXPECT_EQ(seventh.forests.at(0).first, 7u);
  EXPECT_EQ(seventh.forests.at(0).second.size(), at(many, 7, many.steps - 1, "customers"));
}

TEST(CampaignModel, ValidationNamesTheParameter) {
  const Graph g = complete_graph(20);
  auto message = [&](CampaignSpec spec) {
    try {
      validate(spec, g);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CampaignSpec s;
  s.behaviour.reach = 1.5;
  EXPECT_EQ(message(s).rfind("behaviour.reach:", 0), 0u) << message(s);
  s = {};
  s.product.price = std::nan("");
  EXPECT_EQ(message(s).rfind("product.price:", 0), 0u);
  s = {};
  s.policy.commission = {0.1, -0.2};
  EXPECT_EQ(message(s).rfind("policy.commission[1]:", 0), 0u);
  s = {};
  s.policy.group_buy.enabled = s.policy.bargain.enabled = true;
  EXPECT_EQ(message(s).rfind("policy.group_buy:", 0), 0u);
  s = {};
  s.policy.group_buy.size = 0;
  EXPECT_EQ(message(s).rfind("policy.group_buy.size:", 0), 0u);
  s = {};
  s.seeding.k = 21;
  EXPECT_EQ(message(s).rfind("seeding.k:", 0), 0u);
  s = {};
  s.seeding.strategy = "best";
  EXPECT_EQ(message(s).rfind("seeding.strategy:", 0), 0u);
  s = {};
  s.policy.commission = {0.1, 0.05, 0.02, 0.01};
  EXPECT_EQ(validate(s, g).size(), 1u);  // a warning, not an error: deeper than three levels
}

TEST(Scenario, ExamplesLoadAndRun) {
  const std::filesystem::path examples = std::filesystem::path(GUANXI_SOURCE_DIR) / "examples";
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    if (entry.path().extension() != ".toml") continue;
    ++found;
    Scenario s = load_scenario(entry.path().string());
    EXPECT_FALSE(s.name.empty()) << entry.path();
    EXPECT_EQ(s.graph.generator, "holme-kim") << entry.path();
    s.spec.run.steps = 5;
    const Graph small = holme_kim(500, 3, 0.5, 1);
    CampaignRunOptions o;
    o.replicates = 2;
    EXPECT_NO_THROW(run_campaign(small, s.spec, o)) << entry.path();
  }
  EXPECT_EQ(found, 11);  // Part I's seven, paid ads, community groups, ads into community, fan club (§8-§10)
}

TEST(Scenario, UnknownKeysNameFileLineAndSuggest) {
  TempDir dir;
  const auto path = dir.write("bad.toml", "[product]\nprice = 100\n\n[behaviour]\nshare_prob = 0.1\nshar_prb = 0.2\n");
  try {
    load_scenario(path);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 6u);
    EXPECT_NE(std::string(e.what()).find("behaviour.shar_prb"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did you mean 'share_prob'"), std::string::npos) << e.what();
  }
  auto expect_error = [&](const std::string& text, std::uint64_t line, const std::string& words) {
    const auto p = dir.write("case.toml", text);
    try {
      load_scenario(p);
      FAIL() << text;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.line(), line) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_error("[polcy]\nbudget = 5\n", 1, "did you mean 'policy'");
  expect_error("[policy]\nreferral_reward = \"ten\"\n", 2, "expected a number");
  expect_error("[policy.group_buy]\nsize = -3\n", 2, "policy.group_buy.size");
  expect_error("[graph]\ngenerator = \"holme-kym\"\n", 2, "did you mean 'holme-kim'");
  expect_error("[graph]\ngenerator = \"holme-kim\"\nn = 100\nmm = 3\n", 4, "did you mean 'm'");
  expect_error("[run]\nsteps = 10\nsteps = 11\n", 3, "toml");
  EXPECT_THROW(load_scenario(dir.file("missing.toml")), IoError);
}

TEST(Scenario, SeedLabelsResolveAgainstTheGraph) {
  TempDir dir;
  dir.write("g.edges", "10 20\n20 30\n30 40\n");
  const auto path = dir.write("s.toml", "[graph]\nfile = \"g.edges\"\n\n[seeding]\nnodes = [20, \"40\"]\n");
  Scenario s = load_scenario(path);
  const Graph g = load_scenario_graph(s);
  check_scenario(s, g);
  EXPECT_EQ(s.spec.seeding.strategy, "nodes");
  EXPECT_EQ(s.spec.seeding.nodes, (std::vector<node_t>{1, 3}));
  dir.write("s2.toml", "[graph]\nfile = \"g.edges\"\n[seeding]\nnodes = [99]\n");
  Scenario bad = load_scenario(dir.file("s2.toml"));
  EXPECT_THROW(check_scenario(bad, load_scenario_graph(bad)), InputError);
}

TEST(Scenario, SpecJsonRoundTripAndKeyChecks) {
  CampaignSpec spec;
  spec.policy.group_buy.enabled = true;
  spec.policy.commission = {0.1};
  spec.behaviour.tier_mult.partner = 4;
  const CampaignSpec back = spec_from_json(spec_to_json(spec));
  EXPECT_EQ(spec_to_json(back), spec_to_json(spec));
  try {
    spec_from_json(R"({"behaviour": {"reech": 0.5}})");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("behaviour.reech: unknown key; did you mean 'reach'?"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(spec_from_json(R"({"run": {"steps": 2.5}})"), InputError);
  EXPECT_TRUE(std::isinf(spec_from_json(R"({"policy": {"budget": "unlimited"}})").policy.budget));
}

}  // namespace
}  // namespace guanxi
