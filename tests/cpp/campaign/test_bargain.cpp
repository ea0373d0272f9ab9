// MODEL.md §3.6 bargain (sim/src/campaign/bargain.cpp): enough helps buy at the discount, and a
// later bargain of the same person asks the same friends again.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::star;

TEST(Bargain, EnoughHelpsBuyAtTheDiscount) {
  CampaignSpec spec = certain({0}, 2);
  spec.policy.bargain.enabled = true;
  spec.policy.bargain.helpers = 3;
  spec.policy.bargain.discount = 0.3;
  spec.behaviour.help_mult = 1000;  // every asked friend helps
  spec.behaviour.aware_mult = 0;    // and none converts
  auto probe = run(star(5), spec);
  EXPECT_EQ(probe.metric(0, "customers"), 1);  // the seed asked all 5 at step 0
  EXPECT_NEAR(probe.metric(0, "revenue"), 70, 1e-9);
  EXPECT_DOUBLE_EQ(probe.metric(0, "bargain_success_rate"), 1.0);
  // At step 1 the seed (a customer now) shares: its friends convert and open bargains.
  EXPECT_EQ(probe.metric(1, "pending"), 5);
}

TEST(Bargain, ALaterBargainAsksTheSameFriendsAgain) {
  // 0's friends 1 and 2 help for sure, but 3 helps are needed: the seeded bargain of 0 collects
  // 2 helps at step 0, asks nobody at step 1 (both asked in this bargain) and fails; 0 returns
  // to prospect. A new bargain of 0, opened at step 2, asks from step 3: a fresh link, so both
  // friends are asked, and help, again.
  CampaignSpec spec = certain({0}, 4);
  spec.policy.bargain.enabled = true;
  spec.policy.bargain.helpers = 3;
  spec.policy.bargain.deadline = 2;
  spec.policy.bargain.solo_fallback = 0;
  spec.behaviour.help_mult = 1000;
  spec.behaviour.aware_mult = 0;
  ReplicateProbe probe(star(2), spec);
  probe.r().begin();
  probe.r().step(0);
  EXPECT_EQ(probe.bargains().at(0).helps, 2u);
  probe.r().step(1);
  EXPECT_EQ(probe.bargains().at(0).helps, 2u);
  EXPECT_TRUE(probe.bargains().at(0).closed);
  EXPECT_EQ(probe.r().node(0).stage, Stage::prospect);
  probe.open_bargain(0, 2);
  probe.r().step(2);
  EXPECT_EQ(probe.bargains().at(1).helps, 0u);  // asks from the step after it opened
  probe.r().step(3);
  EXPECT_EQ(probe.bargains().at(1).helps, 2u);
}

}  // namespace
}  // namespace guanxi::campaign
