// The one adoption path (sim/src/campaign/adoption.cpp; MODEL.md §3.3–3.6, §8.1, §9.3): a prospect
// converted by several decisions in one step adopts through the channel of smallest precedence
// (external, ad, shares and bargain helps, posts: the channel table), and referral converts join
// their sharer's team in the order of their team_order hashes (§3.5).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::star;

TEST(Adoption, ThePrecedenceOfTheChannelTable) {
  static_assert(channel_info(external).precedence < channel_info(ad).precedence);
  static_assert(channel_info(ad).precedence < channel_info(referral).precedence);
  static_assert(channel_info(referral).precedence < channel_info(community).precedence);
  // The seed shares with all six leaves, who also adopt externally: external wins, and no
  // referral is counted (k_factor 0).
  CampaignSpec spec = certain({0}, 1);
  spec.behaviour.external_rate = 1;
  auto external_first = run(star(6), spec);
  EXPECT_EQ(external_first.metric(0, "new_customers_external"), 6);
  EXPECT_EQ(external_first.metric(0, "new_customers_referral"), 0);
  EXPECT_EQ(external_first.metric(0, "k_factor"), 0);
  // Everyone in one group where a post converts every prospect: the seed's shares win.
  spec.behaviour.external_rate = 0;
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.post_prob = 1;
  spec.community.group_conv = 1;
  auto shares_first = run(star(6), spec);
  EXPECT_EQ(shares_first.metric(0, "new_customers_referral"), 6);
  EXPECT_EQ(shares_first.metric(0, "new_customers_community"), 0);
  for (node_t leaf = 1; leaf <= 6; ++leaf) EXPECT_EQ(shares_first.r().node(leaf).referrer, 0u);
  // Without the shares the posts convert them all (no inviter: no referrer).
  spec.behaviour.share_prob = 0;
  auto posts = run(star(6), spec);
  EXPECT_EQ(posts.metric(0, "new_customers_community"), 6);
  for (node_t leaf = 1; leaf <= 6; ++leaf) EXPECT_EQ(posts.r().node(leaf).referrer, max_nodes);
}

TEST(Adoption, ReferralsJoinTheSharersTeamInTheOrderOfTheirHashes) {
  // The seed opens a team of 3 before step 0 and converts its six leaves in step 0: the two
  // leaves with the smallest team_order hashes fill its team; the other four open teams of their
  // own, numbered in hash order after it.
  CampaignSpec spec = certain({0}, 1);
  spec.policy.group_buy.enabled = true;
  spec.policy.group_buy.size = 3;
  spec.policy.group_buy.deadline = 5;
  ReplicateProbe probe(star(6), spec);
  probe.r().begin();
  probe.r().step(0);
  std::vector<node_t> leaves{1, 2, 3, 4, 5, 6};
  std::sort(leaves.begin(), leaves.end(), [&](node_t x, node_t y) {
    return probe.bits(Purpose::team_order, x) < probe.bits(Purpose::team_order, y);
  });
  const auto& teams = probe.r().teams();
  ASSERT_EQ(teams.size(), 5u);
  EXPECT_EQ(teams[0].members, (std::vector<node_t>{0, leaves[0], leaves[1]}));
  for (std::size_t i = 1; i < teams.size(); ++i) {
    EXPECT_EQ(teams[i].initiator, leaves[i + 1]) << "team " << i;
    EXPECT_EQ(probe.r().node(leaves[i + 1]).referrer, 0u);  // the sharer stays the referrer
  }
  EXPECT_EQ(probe.metric(0, "new_customers_team"), 2);
  EXPECT_EQ(probe.metric(0, "new_customers_seed"), 1);
  EXPECT_EQ(probe.metric(0, "pending"), 4);
}

}  // namespace
}  // namespace guanxi::campaign
