// The campaign runner (sim/src/campaign/campaign.cpp; MODEL.md §0, §7): bit-identical results for
// any thread count, Part III's shareholders and margin promise included (parallel: replicates run
// on TBB), common random numbers across campaigns, replicates as pure functions of their index,
// and validation errors naming the parameter.
#include <gtest/gtest.h>

#include <cmath>

#include "campaign_probe.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"

namespace guanxi::campaign {
namespace {

TEST(Runner, SameResultsForAnyThreadCount) {
  const Graph g = holme_kim(3000, 3, 0.5, 3);
  std::vector<CampaignSpec> designs(5, lively());
  designs[1].policy.referral_reward = 15;
  designs[1].policy.commission = {0.1, 0.05, 0.02};
  designs[1].policy.budget = 2000;
  designs[2].policy.group_buy.enabled = true;
  designs[3].policy.bargain.enabled = true;
  designs[3].behaviour.help_mult = 20;
  // Part III: shareholders with dividends and the margin promise (§17, §18).
  designs[4].policy.referral_reward = 10;
  designs[4].policy.membership.enabled = true;
  designs[4].policy.membership.take_rate = 0.05;
  designs[4].ladder.partner_referrals = 2;
  designs[4].ladder.shareholding = {true, 0.2, 300, 0.2, 5, 0.2};
  designs[4].policy.margin_cap = {true, 0.05, 5, 0.5, 0.5};
  for (std::size_t d = 0; d < designs.size(); ++d)
    EXPECT_TRUE(same_values(run_many(g, designs[d], 16, 1).values, run_many(g, designs[d], 16, 2).values)) << "design " << d;
  const CampaignResult layered = run_many(g, designs[4], 16, 2);  // the Part III design has something to pay
  EXPECT_GT(at(layered, 0, layered.steps - 1, "shareholders") + at(layered, 1, layered.steps - 1, "shareholders"), 0);
  EXPECT_GT(at(layered, 0, layered.steps - 1, "rebates"), 0);
  EXPECT_GT(at(layered, 0, layered.steps - 1, "dividends") + at(layered, 1, layered.steps - 1, "dividends"), 0);
}

TEST(Runner, CommonRandomNumbersAcrossCampaigns) {
  // Costs do not change decisions: with the same seed, the people are the same replicate by
  // replicate; a different seed gives different outcomes.
  const Graph g = holme_kim(2000, 3, 0.5, 4);
  CampaignSpec cheap = lively(), dear = lively();
  dear.product.unit_cost = 90;
  const auto a = run_many(g, cheap), b = run_many(g, dear), c = run_many(g, cheap, 12, 0, 4);
  bool differs = false;
  for (std::uint64_t r = 0; r < a.replicates; ++r) {
    EXPECT_EQ(at(a, r, a.steps - 1, "customers"), at(b, r, b.steps - 1, "customers"));
    EXPECT_EQ(at(a, r, a.steps - 1, "purchases"), at(b, r, b.steps - 1, "purchases"));
    differs |= at(a, r, a.steps - 1, "customers") != at(c, r, c.steps - 1, "customers");
  }
  EXPECT_TRUE(differs);
}

TEST(Runner, ReplicatesArePureFunctionsOfTheirIndex) {
  const Graph g = holme_kim(2000, 3, 0.5, 5);
  const auto few = run_many(g, lively(), 5), many = run_many(g, lively(), 9);
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

TEST(Validation, ErrorsNameTheParameter) {
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

}  // namespace
}  // namespace guanxi::campaign
