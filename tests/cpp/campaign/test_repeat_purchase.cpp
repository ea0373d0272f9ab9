// MODEL.md §3.7 repeat purchase (sim/src/campaign/repeat_purchase.cpp): active customers buy
// again at list price every step at repeat_prob 1.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;

TEST(RepeatPurchase, EveryStepAtListPriceAtRateOne) {
  CampaignSpec spec = certain({0, 2}, 5);
  spec.behaviour.share_prob = 0;
  spec.behaviour.repeat_prob = 1;
  auto probe = run(path(4), spec);
  EXPECT_EQ(probe.metric(4, "purchases"), 2 + 2 * 5);
  EXPECT_EQ(probe.metric(4, "repeat_purchases"), 2 * 5);
  EXPECT_NEAR(probe.metric(4, "revenue"), 12 * 100, 1e-9);
}

}  // namespace
}  // namespace guanxi::campaign
