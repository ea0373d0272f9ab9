// MODEL.md §3.4 purchases and payments and §8.2 the platform fee (sim/src/campaign/payments.cpp):
// rewards, commissions and discounts on a path, the budget stopping payments and exhausting the
// policy, §6's budget 0 behaving exactly as no incentive, and the fee on ad customers outside
// groups.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;

TEST(Payments, RewardsCommissionsAndDiscounts) {
  // Path 0-1-2-3-4 from seed 0: 1 buys at step 0, 2 at 1, 3 at 2, 4 at 3.
  CampaignSpec spec = certain({0}, 4);
  spec.policy.referral_reward = 7;
  spec.policy.referee_discount = 0.2;
  spec.policy.commission = {0.1, 0.05};
  auto probe = run(path(5), spec);
  // Each referee pays 80: the direct referrer earns 8 and the one above 4 (when there is one).
  EXPECT_EQ(probe.metric(3, "rewards"), 4 * 7);
  EXPECT_NEAR(probe.metric(3, "commissions"), 4 * 8 + 3 * 4, 1e-9);
  EXPECT_NEAR(probe.metric(3, "discounts"), 4 * 20, 1e-9);
  EXPECT_NEAR(probe.metric(3, "revenue"), 100 + 4 * 80, 1e-9);
  EXPECT_NEAR(probe.metric(3, "incentive_spend"), 28 + 44 + 80, 1e-9);
  EXPECT_NEAR(probe.metric(3, "profit"), 420 - 5 * 60 - 28 - 44, 1e-9);
  // Incentive-driven purchases: the 4 referee purchases, margin 20 each.
  EXPECT_NEAR(probe.metric(3, "incentive_roi"), (4 * 20 - 152.0) / 152.0, 1e-12);
  EXPECT_NEAR(probe.metric(3, "cac"), 152.0 / 4, 1e-12);
}

TEST(Payments, BudgetStopsPaymentsAndExhaustsThePolicy) {
  CampaignSpec spec = certain({0}, 6);
  spec.policy.referral_reward = 7;
  spec.policy.budget = 30;
  auto probe = run(path(8), spec);
  // Rewards of 7 at steps 0..3 (28); the fifth would exceed 30: not paid, policy exhausted.
  EXPECT_EQ(probe.metric(3, "rewards"), 28);
  EXPECT_EQ(probe.metric(4, "rewards"), 28);
  EXPECT_EQ(probe.metric(5, "rewards"), 28);
  EXPECT_EQ(probe.metric(5, "customers"), 7);  // conversions go on, unpaid
  EXPECT_EQ(probe.metric(5, "incentive_spend"), 28);
}

TEST(Payments, BudgetZeroIsExactlyNoIncentive) {
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
    EXPECT_TRUE(same_values(run_many(g, none).values, run_many(g, zero).values)) << "design " << design;
  }
}

TEST(Payments, PlatformFeeOnAdCustomersOutsideGroups) {
  CampaignSpec spec = quiet({}, 4);
  spec.acquisition.ad_spend = 3;
  spec.acquisition.ad_conversion = 0.5;
  spec.acquisition.platform_fee = 0.25;
  spec.behaviour.repeat_prob = 1;
  auto probe = run(path(60), spec);
  const auto& ledger = probe.r().ledger();
  double ad_revenue = 0, margin = 0;
  for (const auto& book : ledger) {
    if (probe.r().node(book.node).channel == ad) ad_revenue += book.revenue;
    margin += book.margin;
  }
  ASSERT_GT(ad_revenue, 0);
  EXPECT_DOUBLE_EQ(probe.metric(3, "platform_fees"), 0.25 * ad_revenue);
  EXPECT_DOUBLE_EQ(margin, probe.metric(3, "revenue") - probe.metric(3, "cost_of_goods") - probe.metric(3, "platform_fees"));
  // Members of a group at the start of the step buy directly: everyone is in one group.
  spec.community = still_groups();
  spec.community.initial = "all";
  auto members = run(path(60), spec);
  EXPECT_GT(members.metric(3, "customers_ad"), 0);
  EXPECT_EQ(members.metric(3, "platform_fees"), 0);
}

}  // namespace
}  // namespace guanxi::campaign
