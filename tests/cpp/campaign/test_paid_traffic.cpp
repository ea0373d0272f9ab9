// MODEL.md §8.1 paid traffic (sim/src/campaign/paid_traffic.cpp): impressions bought within the
// ad budget and horizon, every prospect hit converting at ad_conversion 1 (ads before referrals),
// and ad_target = prospects following every stage change.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;
using guanxi::testing::star;

TEST(PaidTraffic, ImpressionsSpendBudgetAndHorizon) {
  CampaignSpec spec = quiet({}, 6);
  spec.acquisition.ad_spend = 3;  // 1000 * 3 / 30 = 100 impressions per step
  spec.acquisition.ad_conversion = 0;
  auto probe = run(path(50), spec);
  for (std::uint32_t t = 0; t < 6; ++t) {
    EXPECT_EQ(probe.metric(t, "ad_spend"), 3.0 * (t + 1));
    EXPECT_EQ(probe.metric(t, "impressions"), 100.0 * (t + 1));
    EXPECT_EQ(probe.metric(t, "profit"), -3.0 * (t + 1));
    EXPECT_EQ(probe.metric(t, "marketing_spend"), 3.0 * (t + 1));
  }
  EXPECT_EQ(probe.metric(5, "customers"), 0);  // ad_conversion 0 converts nobody
  spec.acquisition.ad_steps = 2;               // steps 0 and 1 only
  EXPECT_EQ(run(path(50), spec).metric(5, "ad_spend"), 6.0);
  spec.acquisition.ad_steps = 0;
  spec.acquisition.ad_budget = 10;  // three whole steps fit, the fourth would exceed it
  EXPECT_EQ(run(path(50), spec).metric(5, "ad_spend"), 9.0);
  EXPECT_EQ(run(path(50), spec).metric(5, "impressions"), 300.0);
}

TEST(PaidTraffic, EveryProspectHitConvertsAndAdsComeBeforeReferrals) {
  // ad_conversion 1: every prospect an impression lands on converts (channel ad, no referrer).
  // The seed shares with every leaf of the star in the same step: a leaf the ads took is an ad
  // customer, the others are referrals.
  CampaignSpec spec = quiet({0}, 1);
  spec.behaviour.share_prob = 1;
  spec.acquisition.ad_spend = 0.3;  // 10 impressions on 40 nodes
  spec.acquisition.ad_conversion = 1;
  auto probe = run(star(39), spec);  // 40 nodes
  const double ads = probe.metric(0, "customers_ad"), referred = probe.metric(0, "customers_referral");
  EXPECT_GE(ads, 1);
  EXPECT_LE(ads, 10);
  EXPECT_EQ(ads + referred, 39);
  for (const auto& book : probe.r().ledger()) {
    const auto& n = probe.r().node(book.node);
    if (n.channel == ad) {
      EXPECT_EQ(n.referrer, max_nodes);
    }
    if (n.channel == referral) {
      EXPECT_EQ(n.referrer, 0u);
    }
  }
  // ad_target = prospects: impressions never land on the seed (a customer), so with as many
  // impressions as nodes, more prospects are hit than when they land on anyone.
  spec.behaviour.share_prob = 0;
  spec.acquisition.ad_spend = 30;  // 1000 impressions
  spec.acquisition.ad_conversion = 1;
  spec.acquisition.ad_target = "prospects";
  EXPECT_EQ(run(star(39), spec).metric(0, "customers_ad"), 39);  // 1000 draws among 39 prospects hit each
}

TEST(PaidTraffic, TheProspectsFollowEveryStageChange) {
  // ad_target = prospects under group buy: prospects become pending, pending members fall back to
  // prospect or buy alone, ads and referrals convert; after every step the set holds exactly the
  // nodes whose stage is prospect.
  CampaignSpec spec;
  spec.behaviour.share_prob = 0.3;
  spec.behaviour.churn_prob = 0.05;
  spec.policy.group_buy.enabled = true;
  spec.policy.group_buy.deadline = 3;
  spec.policy.group_buy.solo_fallback = 0.5;
  spec.acquisition.ad_spend = 3;
  spec.acquisition.ad_conversion = 0.2;
  spec.acquisition.ad_target = "prospects";
  spec.run.steps = 25;
  const Graph g = holme_kim(400, 3, 0.5, 8);
  ReplicateProbe probe(g, spec, 1);
  probe.r().begin();
  std::uint64_t pending_seen = 0;
  for (std::uint32_t t = 0; t < spec.run.steps; ++t) {
    probe.r().step(t);
    const IndexedSet& set = *probe.prospects();
    std::size_t prospects = 0;
    for (node_t v = 0; v < g.num_nodes(); ++v) {
      const bool prospect = probe.r().node(v).stage == Stage::prospect;
      prospects += prospect;
      ASSERT_EQ(set.contains(v), prospect) << "node " << v << " step " << t;
    }
    ASSERT_EQ(set.size(), prospects) << "step " << t;
    pending_seen += static_cast<std::uint64_t>(probe.metric(t, "pending"));
  }
  EXPECT_GT(pending_seen, 0);
  EXPECT_GT(probe.metric(spec.run.steps - 1, "customers_ad"), 0);
  EXPECT_LT(probe.metric(spec.run.steps - 1, "team_success_rate"), 1.0);  // teams failed: members fell back
}

}  // namespace
}  // namespace guanxi::campaign
