// MODEL.md §3.8 churn and negative word of mouth, §9.7 churn in community groups
// (sim/src/campaign/churn.cpp): a churner's ill words weigh by tie strength, a group's activity
// protects its members from churning, a churning member's ill words reach its whole group, and
// churn reads S_u capped at stickiness_cap.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;
using guanxi::testing::star;

TEST(Churn, ChurnersSpeakIllThroughTheirTies) {
  CampaignSpec spec = certain({0}, 1);
  spec.behaviour.share_prob = 0;
  spec.behaviour.churn_prob = 1;
  spec.behaviour.embeddedness = 0;
  spec.behaviour.neg_prob = 1;
  spec.behaviour.neg_weight = 0.5;
  ReplicateProbe probe(star(3), spec);
  probe.r().begin();
  probe.r().step(0);
  EXPECT_EQ(probe.metric(0, "churned"), 1);
  EXPECT_EQ(probe.metric(0, "active"), 0);
  EXPECT_EQ(probe.metric(0, "customers"), 1);
  for (node_t leaf = 1; leaf <= 3; ++leaf) EXPECT_NEAR(probe.r().node(leaf).neg, 0.5 * 0.3, 1e-6);  // 1 - (1 - 0) (1 - w s)
}

TEST(Churn, GroupsProtectMembersAndHearTheirIllWords) {
  // Path 0-1-2-3, every node a seed churning for sure; members of an active group almost never do.
  CampaignSpec spec = quiet({0, 1, 2, 3}, 1);
  spec.behaviour.churn_prob = 1;
  spec.behaviour.embeddedness = 0;
  EXPECT_EQ(run(path(4), spec).metric(0, "churned"), 4);
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.group_embeddedness = 1000;  // exp(-1000) underflows to 0
  EXPECT_EQ(run(path(4), spec).metric(0, "churned"), 0);
  // Ill words through the group: seed 0 churns and speaks ill; node 3 is not its neighbour but
  // a member: neg(3) = group_neg_weight a_g.
  CampaignSpec ill = quiet({0}, 1);
  ill.behaviour.churn_prob = 1;
  ill.behaviour.embeddedness = 0;
  ill.behaviour.neg_prob = 1;
  ill.behaviour.neg_weight = 0.5;
  ill.community = still_groups();
  ill.community.initial = "all";
  ill.community.group_embeddedness = 0;
  ill.community.group_neg_weight = 0.2;
  auto probe = run(path(4), ill);
  EXPECT_FLOAT_EQ(probe.r().node(3).neg, 0.2f);
  EXPECT_FLOAT_EQ(probe.r().node(2).neg, 0.2f);
  EXPECT_FLOAT_EQ(probe.r().node(1).neg, static_cast<float>(1 - (1 - 0.5 * 0.3) * (1 - 0.2)));
}

TEST(Churn, ReadsStrongTiesCappedAtStickinessCap) {
  // §3.8 reads S_u capped as §3.7 does. A star of seeds on strong ties (0.9): the centre has
  // S = 5, the leaves S = 1. With embeddedness 1000 any counted tie makes churn impossible
  // (exp(-1000) underflows to 0); with stickiness_cap 0 no tie counts and churn_prob 1 is certain.
  CampaignSpec spec = quiet({0, 1, 2, 3, 4, 5}, 1);
  spec.ties.init.value = 0.9;
  spec.behaviour.churn_prob = 1;
  spec.behaviour.embeddedness = 1000;
  spec.behaviour.neg_prob = 0;
  EXPECT_EQ(run(star(5), spec).metric(0, "churned"), 0);
  spec.behaviour.stickiness_cap = 0;
  EXPECT_EQ(run(star(5), spec).metric(0, "churned"), 6);
}

}  // namespace
}  // namespace guanxi::campaign
