// MODEL.md §3.10 the ladder and membership (sim/src/campaign/ladder.cpp): a second purchase
// makes a fan, a fee makes a partner, and partners earn partner commissions.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;
using guanxi::testing::star;

TEST(Ladder, FansPartnersAndPartnerCommissions) {
  CampaignSpec spec = certain({0}, 2);
  spec.behaviour.share_prob = 0;
  spec.behaviour.repeat_prob = 1;  // a second purchase at step 0 makes a fan
  auto fan = run(star(2), spec);
  EXPECT_EQ(fan.metric(0, "fans"), 1);
  spec.policy.membership.enabled = true;
  spec.policy.membership.take_rate = 1;
  spec.policy.membership.fee = 398;
  auto partner = run(star(2), spec);
  EXPECT_EQ(partner.metric(0, "partners"), 1);
  EXPECT_EQ(partner.metric(0, "fans"), 0);
  EXPECT_EQ(partner.metric(0, "fees"), 398);
  // Partners earn partner commissions on their referees' purchases.
  CampaignSpec refer = certain({0}, 3);
  refer.ladder.partner_referrals = 1;
  refer.policy.commission = {0.01, 0.02};
  refer.policy.membership.enabled = true;
  refer.policy.membership.take_rate = 0;
  refer.policy.membership.partner_commission = {0.5, 0.25};
  auto chain = run(path(4), refer);
  // Step 0: node 1 buys; node 0 (still a customer) earns 1%. Node 0 then becomes a partner
  // (one referral). Step 1: node 2 buys; node 1 (a customer) earns 1%, node 0 as a partner
  // earns the level-2 partner rate, 25%.
  EXPECT_NEAR(chain.metric(0, "commissions"), 1.0, 1e-9);
  EXPECT_NEAR(chain.metric(1, "commissions"), 1.0 + 1.0 + 25.0, 1e-9);
}

}  // namespace
}  // namespace guanxi::campaign
