// One replicate's step (sim/src/campaign/replicate.cpp, MODEL.md §3 and §13): decisions read the
// state at the start of the step and the commit applies them at its end, and Part II's features
// at inert values leave Part I's trajectory bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

TEST(Replicate, DecisionsReadTheStartOfTheStepAndTheCommitItsEnd) {
  // Path 0-1-2, seed 0, everyone who is an active customer at the start of a step churns in it.
  // Seed 0 still shares in step 0 (decisions read the start of the step): node 1 buys in step 0
  // while 0 churns at its end. Node 1 acts from step 1: it converts node 2 and churns.
  CampaignSpec spec = certain({0}, 2);
  spec.behaviour.churn_prob = 1;
  spec.behaviour.embeddedness = 0;
  spec.behaviour.neg_prob = 0;
  auto probe = run(guanxi::testing::path(3), spec);
  EXPECT_EQ(probe.metric(0, "customers"), 2);
  EXPECT_EQ(probe.metric(0, "new_customers_referral"), 1);
  EXPECT_EQ(probe.metric(0, "churned"), 1);
  EXPECT_EQ(probe.metric(0, "active"), 1);
  EXPECT_EQ(probe.metric(1, "customers"), 3);
  EXPECT_EQ(probe.metric(1, "churned"), 2);
  EXPECT_EQ(probe.metric(1, "active"), 1);
  EXPECT_EQ(probe.r().node(0).stage, Stage::churned);
  EXPECT_EQ(probe.r().node(2).referrer, 1u);
}

TEST(Replicate, InertPartTwoFeaturesChangeNothing) {
  // Community groups that nobody joins, a platform fee without ads, ads that convert nobody:
  // the same trajectory as Part I (bit for bit), but for the ad lines.
  CampaignSpec base;
  base.seeding.k = 5;
  base.run.steps = 30;
  base.behaviour.share_prob = 0.2;
  base.policy.referral_reward = 5;
  const Graph g = holme_kim(600, 3, 0.5, 5);
  ReplicateProbe before(g, base, 2);
  before.r().run();
  CampaignSpec inert = base;
  inert.community.enabled = true;
  inert.community.join_prob = 0;
  inert.acquisition.platform_fee = 0.3;
  inert.acquisition.ad_spend = 3;
  inert.acquisition.ad_conversion = 0;
  ReplicateProbe after(g, inert, 2);
  after.r().run();
  const std::vector<std::string> ad_lines = {"ad_spend", "impressions", "profit", "marketing_spend"};
  for (const auto& name : campaign_metrics()) {
    if (std::find(ad_lines.begin(), ad_lines.end(), name) != ad_lines.end()) continue;
    for (std::uint32_t t = 0; t < base.run.steps; ++t) {
      const double x = before.metric(t, name), y = after.metric(t, name);
      EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << name << " at " << t << ": " << x << " vs " << y;
    }
  }
  EXPECT_EQ(after.metric(29, "profit"), before.metric(29, "profit") - 90);
  EXPECT_GT(before.metric(29, "customers"), 5);
}

}  // namespace
}  // namespace guanxi::campaign
