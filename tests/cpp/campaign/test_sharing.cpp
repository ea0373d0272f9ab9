// MODEL.md §3.2 sharing and §3.3 conversion (sim/src/campaign/sharing.cpp), on tiny graphs with
// probabilities 0 or 1: one hop per step (new customers act from t + 1), the caps on attempts and
// shares, and negative word of mouth scaling conversion.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;
using guanxi::testing::star;

TEST(Sharing, ReachesAndConvertsOneHopPerStep) {
  // New customers act from the next step: one node per step along a path.
  auto probe = run(path(6), certain({0}, 4));
  for (std::uint32_t t = 0; t < 4; ++t) {
    EXPECT_EQ(probe.metric(t, "customers"), t + 2);
    EXPECT_EQ(probe.metric(t, "reaches"), 1);
    EXPECT_EQ(probe.metric(t, "new_customers_referral"), 1);
    EXPECT_EQ(probe.metric(t, "conversion_rate"), 1.0);
    EXPECT_DOUBLE_EQ(probe.metric(t, "k_factor"), 1.0 / (t + 1));  // one convert, t + 1 sharers
  }
  EXPECT_EQ(probe.metric(3, "largest_cascade"), 5);
  EXPECT_EQ(probe.metric(3, "max_depth"), 4);
  EXPECT_NEAR(probe.metric(3, "structural_virality"), (5 + 1) / 3.0, 1e-12);  // a path of n: (n + 1) / 3
}

TEST(Sharing, AttemptsAndSharesAreCapped) {
  CampaignSpec spec = certain({0}, 4);
  spec.behaviour.conv_weak = spec.behaviour.conv_strong = 0;  // reaches never convert
  spec.behaviour.max_attempts = 2;
  auto capped = run(star(5), spec);
  EXPECT_EQ(capped.metric(0, "reaches"), 5);
  EXPECT_EQ(capped.metric(1, "reaches"), 5);
  EXPECT_EQ(capped.metric(2, "reaches"), 0);  // every pair reached twice
  spec.behaviour.max_attempts = 0;
  spec.behaviour.max_shares = 1;
  auto once = run(star(5), spec);
  EXPECT_EQ(once.metric(0, "reaches"), 5);
  EXPECT_EQ(once.metric(1, "reaches"), 0);  // the seed shared its one share
}

TEST(Sharing, NegativeWordOfMouthScalesConversion) {
  // p = min(1, trust · U_conv · (1 - neg)): with neg = 1 a certain conversion never happens.
  CampaignSpec spec = certain({0}, 1);
  ReplicateProbe probe(star(3), spec);
  probe.r().begin();
  probe.set_neg(2, 1.0f);
  probe.r().step(0);
  EXPECT_EQ(probe.metric(0, "customers"), 3);
  EXPECT_EQ(probe.r().node(2).stage, Stage::prospect);
  EXPECT_EQ(probe.r().node(1).stage, Stage::customer);
}

}  // namespace
}  // namespace guanxi::campaign
