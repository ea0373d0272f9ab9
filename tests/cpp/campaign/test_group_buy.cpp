// MODEL.md §3.5 group buy (sim/src/campaign/group_buy.cpp): teams complete or fail (solo
// fallback or back to prospect), completion strengthens the ties between members, and §6's group
// buy of size 1 is a referral policy with discount d_g.
#include <gtest/gtest.h>

#include <algorithm>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::edges;
using guanxi::testing::star;

TEST(GroupBuy, TeamsCompleteOrFail) {
  // Star: the centre seed opens a team; all 5 leaves convert at step 0; two join it (full at
  // 3), three open teams of their own that can never fill and fail at the deadline.
  CampaignSpec spec = certain({0}, 4);
  spec.policy.group_buy.enabled = true;
  spec.policy.group_buy.size = 3;
  spec.policy.group_buy.deadline = 2;
  spec.policy.group_buy.discount = 0.2;
  spec.policy.group_buy.solo_fallback = 1.0;
  auto probe = run(star(5), spec);
  EXPECT_EQ(probe.metric(0, "customers"), 3);
  EXPECT_EQ(probe.metric(0, "new_customers_seed"), 1);
  EXPECT_EQ(probe.metric(0, "new_customers_team"), 2);
  EXPECT_EQ(probe.metric(0, "pending"), 3);
  EXPECT_EQ(probe.metric(1, "customers"), 6);
  EXPECT_EQ(probe.metric(1, "new_customers_solo"), 3);
  EXPECT_EQ(probe.metric(1, "pending"), 0);
  EXPECT_NEAR(probe.metric(1, "revenue"), 3 * 80 + 3 * 100, 1e-9);
  EXPECT_NEAR(probe.metric(1, "discounts"), 60, 1e-9);
  EXPECT_DOUBLE_EQ(probe.metric(1, "team_success_rate"), 0.25);
  // Without the fallback the lone members return to prospects.
  spec.policy.group_buy.solo_fallback = 0.0;
  auto strict = run(star(5), spec);
  EXPECT_EQ(strict.metric(1, "customers"), 3);
}

TEST(GroupBuy, CompletionStrengthensMemberTies) {
  CampaignSpec spec = certain({0}, 1);
  spec.policy.group_buy.enabled = true;
  spec.policy.group_buy.size = 3;
  spec.ties.alpha_team = 0.5;
  // Triangle 0-1-2 plus leaf 3 on 0: the team {0, ., .} of the first two converts.
  const Graph g = edges({0, 0, 1, 0}, {1, 2, 2, 3});
  ReplicateProbe probe(g, spec);
  probe.r().begin();
  probe.r().step(0);
  const double s0 = static_cast<float>(0.3);  // initial strengths are float32, as the graph stores them
  // The team is the initiator and the first two of its three invitees to join (which two, the
  // draws decide): exactly the ties between two members are strengthened, by alpha_team; the
  // others keep s0.
  std::vector<node_t> team(probe.active().begin(), probe.active().end());
  std::sort(team.begin(), team.end());
  ASSERT_EQ(team.size(), 3u);
  ASSERT_EQ(team[0], 0u);
  auto member = [&](node_t v) { return std::binary_search(team.begin(), team.end(), v); };
  for (tie_t t = 0; t < g.num_ties(); ++t) {
    const auto [u, v] = g.tie_endpoints(t);
    const bool inside = member(u) && member(v);
    EXPECT_DOUBLE_EQ(probe.r().strength(t, 1), inside ? s0 + 0.5 * (1 - s0) : s0) << u << "-" << v;
  }
}

TEST(GroupBuy, TeamOfOneIsAReferralDiscount) {
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
  const auto a = run_many(g, referral), b = run_many(g, team);
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

}  // namespace
}  // namespace guanxi::campaign
