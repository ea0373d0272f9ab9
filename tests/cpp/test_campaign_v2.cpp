// The mechanisms of MODEL.md Part II, one test each, on tiny graphs with probabilities set to 0
// or 1 so every outcome is exact: §8.1 ads (impressions bought, the ad budget and horizon,
// precedence over referrals), §8.2 the platform fee and its waiver for group members, §9.2
// joining (the referrer's group, the newest with room, capacity) and invitations (credited as a
// referral), §9.3 posts (reach by activity, social proof from last step's buyers, activity lift),
// §9.4 flash sales (price and budget), §9.5 red packets stopped by the budget, §9.6 decay and
// leaving, §9.7 ties, churn protection and word of mouth through the group, §11 the ledger
// adding up to the aggregates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;
using guanxi::testing::star;

// certain() without sharing: nothing converts unless a Part II mechanism does.
CampaignSpec quiet(std::vector<node_t> seeds, std::uint32_t steps) {
  CampaignSpec spec = certain(std::move(seeds), steps);
  spec.behaviour.share_prob = 0;
  spec.behaviour.team_share_prob = 0;
  if (spec.seeding.nodes.empty()) spec.seeding.strategy = "top_degree", spec.seeding.k = 0;
  return spec;
}

// Community groups that hold still: no joins, invitations, posts, leaving or decay.
Community still_groups() {
  Community c;
  c.enabled = true;
  c.join_prob = c.invite_prob = c.post_prob = 0;
  c.leave_prob = c.activity_decay = 0;
  c.alpha_group = 0;
  c.group_conv = 0;
  c.initial_activity = 1;
  return c;
}

TEST(Section8_1, ImpressionsSpendBudgetAndHorizon) {
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

TEST(Section8_1, EveryProspectHitConvertsAndAdsComeBeforeReferrals) {
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

TEST(Section8_1, IndexedSetOfProspectsMatchesASlowReference) {
  // The set behind ad_target = prospects: random inserts and erases against std::set, in dense
  // and in sparse (hash table) storage; every member is reachable by index exactly once.
  for (const std::size_t dense_limit : {std::size_t{256} << 20, std::size_t{64}}) {
    const std::size_t saved = stamped_dense_limit;
    stamped_dense_limit = dense_limit;
    Stamped<std::uint32_t> at, slot;
    for (int round = 0; round < 2; ++round) {  // a second replicate reuses the storage
      const node_t n = 500;
      IndexedSet set(at, slot, n);
      std::set<node_t> reference;
      for (node_t v = 0; v < n; ++v) reference.insert(v);
      std::uint64_t state = 12345 + round;
      for (int i = 0; i < 5000; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const auto v = static_cast<node_t>((state >> 33) % n);
        if ((state >> 20) & 1) set.insert(v), reference.insert(v);
        else set.erase(v), reference.erase(v);
        ASSERT_EQ(set.size(), reference.size());
        ASSERT_EQ(set.contains(v), reference.count(v) == 1);
      }
      std::vector<node_t> listed;
      for (std::size_t k = 0; k < set.size(); ++k) listed.push_back(set[k]);
      std::sort(listed.begin(), listed.end());
      EXPECT_EQ(listed, std::vector<node_t>(reference.begin(), reference.end()));
    }
    stamped_dense_limit = saved;
  }
}

TEST(Section8_1, TheProspectsFollowEveryStageChange) {
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

TEST(Section8_2, PlatformFeeOnAdCustomersOutsideGroups) {
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

TEST(Section9_2, NewCustomersJoinTheReferrersGroupThenTheNewestWithRoom) {
  // The seed converts all six leaves in step 0; everyone joins at the end of step 0 with
  // capacity 3: groups of 3, 3 and 1 whatever the order of joins.
  CampaignSpec spec = quiet({0}, 1);
  spec.behaviour.share_prob = 1;
  spec.community = still_groups();
  spec.community.join_prob = 1;
  spec.community.capacity = 3;
  auto probe = run(star(6), spec);
  EXPECT_EQ(probe.metric(0, "groups"), 3);
  EXPECT_EQ(probe.metric(0, "group_members"), 7);
  EXPECT_EQ(probe.metric(0, "group_customers"), 7);
  std::vector<std::size_t> sizes;
  for (const auto& g : probe.r().groups()) sizes.push_back(g.members.size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 3, 3}));
  // Capacity above the population: one group of everyone.
  spec.community.capacity = 500;
  auto one = run(star(6), spec);
  EXPECT_EQ(one.metric(0, "groups"), 1);
  EXPECT_EQ(one.metric(0, "group_members"), 7);
  // join_prob 0: nobody joins.
  spec.community.join_prob = 0;
  EXPECT_EQ(run(star(6), spec).metric(0, "groups"), 0);
}

TEST(Section9_2and9_3, InvitationThenPostConversionCreditsTheInviter) {
  // Path 0-1-2, seed 0. Step 0: the seed joins a new group. Step 1: it invites its prospect
  // neighbour 1, who joins at the end of step 1. Step 2: a post reaches 1 (activity 1) and
  // converts it (group_conv 1): channel community, referrer its inviter, whose reward is paid.
  CampaignSpec spec = quiet({0}, 3);
  spec.community = still_groups();
  spec.community.join_prob = 1;
  spec.community.invite_prob = 1;
  spec.community.post_prob = 1;
  spec.community.group_conv = 1;
  spec.policy.referral_reward = 5;
  auto probe = run(path(3), spec);
  EXPECT_EQ(probe.metric(0, "group_members"), 1);
  EXPECT_EQ(probe.metric(1, "group_members"), 2);
  EXPECT_EQ(probe.metric(1, "customers"), 1);
  EXPECT_EQ(probe.metric(2, "customers"), 2);
  EXPECT_EQ(probe.metric(2, "new_customers_community"), 1);
  EXPECT_EQ(probe.metric(2, "rewards"), 5);
  EXPECT_EQ(probe.metric(2, "posts"), 1);
  EXPECT_EQ(probe.metric(2, "community_cost"), 2 * spec.community.post_cost);  // the group opens in step 1
  EXPECT_EQ(probe.r().node(1).inviter, 0u);
  EXPECT_EQ(probe.r().node(1).referrer, 0u);
  EXPECT_EQ(probe.r().node(0).referrals, 1u);
  // Node 2 is 1's neighbour, but 1 was not a customer in step 2: nobody invited it.
  EXPECT_EQ(probe.r().node(2).community, 0u);
  // No room: the invitee stays out, and nobody converts.
  spec.community.capacity = 1;
  auto full = run(path(3), spec);
  EXPECT_EQ(full.metric(2, "group_members"), 1);
  EXPECT_EQ(full.metric(2, "customers"), 1);
}

TEST(Section9_3, SocialProofFromLastStepsBuyers) {
  // Everyone in one group, activity 1, a post every step; the seed repeats every step. Step 0
  // has no previous buyers: leaves convert with group_conv = 0.5. From step 1 the seed's step-0
  // repeat makes b = 1 and p = 0.5 (1 + 1) = 1: every remaining leaf converts in step 1.
  CampaignSpec spec = quiet({0}, 2);
  spec.behaviour.repeat_prob = 1;
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.post_prob = 1;
  spec.community.group_conv = 0.5;
  spec.community.social_proof = 1;
  auto probe = run(star(11), spec);
  EXPECT_EQ(probe.metric(1, "customers"), 12);
  EXPECT_EQ(probe.metric(0, "new_customers_community") + probe.metric(1, "new_customers_community"), 11);
  EXPECT_LT(probe.metric(0, "new_customers_community"), 11);  // at 0.5 each, not all in step 0 (this seed)
  // Without social proof step 1 converts only about half of what is left.
  spec.community.social_proof = 0;
  EXPECT_LT(run(star(11), spec).metric(1, "customers"), 12);
}

TEST(Section9_3, ReachFollowsActivityAndPostsLiftIt) {
  CampaignSpec spec = quiet({}, 2);
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.post_prob = 1;
  spec.community.group_conv = 1;
  // Activity 0: posts reach nobody; each post lifts activity by post_lift, then it decays.
  spec.community.initial_activity = 0;
  spec.community.post_lift = 0.2;
  spec.community.activity_decay = 0.1;
  auto probe = run(path(20), spec);
  EXPECT_EQ(probe.metric(0, "customers"), 0);
  EXPECT_NEAR(probe.metric(0, "group_activity"), 0.2 * 0.9, 1e-15);
  EXPECT_NEAR(probe.metric(1, "group_activity"), (0.18 + 0.2 * 0.82) * 0.9, 1e-15);
  // Activity 1: everyone is reached and converts in step 0.
  spec.community.initial_activity = 1;
  spec.community.activity_decay = 0;
  EXPECT_EQ(run(path(20), spec).metric(0, "customers"), 20);
}

TEST(Section9_4, FlashSalePriceAndBudget) {
  // The seed, a member, repeats every step; period 2: step 1 is a sale at 20 % off.
  CampaignSpec spec = quiet({0}, 2);
  spec.behaviour.repeat_prob = 1;
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.flash_sale.enabled = true;
  spec.community.flash_sale.period = 2;
  spec.community.flash_sale.discount = 0.2;
  auto probe = run(path(2), spec);
  EXPECT_EQ(probe.metric(0, "revenue"), 200);  // first purchase and a repeat at list price
  EXPECT_EQ(probe.metric(1, "revenue"), 280);
  EXPECT_EQ(probe.metric(1, "discounts"), 20);
  EXPECT_EQ(probe.metric(1, "posts"), 1);  // a sale posts in every open group
  // A budget below the discount: list price, and the policy is exhausted.
  spec.policy.budget = 10;
  auto poor = run(path(2), spec);
  EXPECT_EQ(poor.metric(1, "revenue"), 300);
  EXPECT_EQ(poor.metric(1, "discounts"), 0);
}

TEST(Section9_5, RedPacketsLiftActivityUntilTheBudgetEnds) {
  CampaignSpec spec = quiet({}, 2);
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.initial_activity = 0.5;
  spec.community.post_prob = 1;
  spec.community.post_lift = 0.2;
  spec.community.activity_decay = 0.1;
  spec.community.group_conv = 0;
  spec.community.red_packet.enabled = true;
  spec.community.red_packet.amount = 10;
  spec.community.red_packet.lift = 0.3;
  spec.policy.budget = 15;  // one red packet
  auto probe = run(path(5), spec);
  const double a0 = std::min(1.0, 0.5 + (0.2 + 0.3) * 0.5) * 0.9;
  EXPECT_NEAR(probe.metric(0, "group_activity"), a0, 1e-15);
  EXPECT_NEAR(probe.metric(1, "group_activity"), (a0 + 0.2 * (1 - a0)) * 0.9, 1e-15);
  EXPECT_EQ(probe.metric(1, "red_packets"), 10);
  EXPECT_EQ(probe.metric(1, "incentive_spend"), 10);
  EXPECT_EQ(probe.metric(1, "profit"), -10 - 2 * spec.community.post_cost);
  // The lift is capped at 1.
  spec.community.red_packet.lift = 1;
  spec.community.activity_decay = 0;
  EXPECT_EQ(run(path(5), spec).metric(0, "group_activity"), 1.0);
}

TEST(Section9_6, LeavingFollowsActivityAndEmptyGroupsClose) {
  CampaignSpec spec = quiet({}, 1);
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.leave_prob = 1;
  spec.community.initial_activity = 0;  // leave with probability 1 * (1 - 0)
  auto gone = run(path(10), spec);
  EXPECT_EQ(gone.metric(0, "group_members"), 0);
  EXPECT_EQ(gone.metric(0, "groups"), 0);
  EXPECT_FALSE(gone.r().groups()[0].open);
  spec.community.initial_activity = 1;  // attention holds everyone
  auto kept = run(path(10), spec);
  EXPECT_EQ(kept.metric(0, "group_members"), 10);
  EXPECT_EQ(kept.metric(0, "groups"), 1);
}

TEST(Section9_7, GroupChurnProtectionAndWordOfMouth) {
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

TEST(Section9_7, TiesBetweenCustomerMembersStrengthenWithActivity) {
  // Two seeds tied, one group at activity 1: s <- s + alpha_group a (1 - s) each step.
  CampaignSpec spec = quiet({0, 1}, 3);
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.alpha_group = 0.5;
  auto probe = run(path(2), spec);
  double s = static_cast<float>(0.3);  // initial strengths are stored as float
  for (std::uint32_t t = 0; t < 3; ++t) {
    s += 0.5 * (1 - s);
    EXPECT_NEAR(probe.metric(t, "mean_strength"), s, 1e-12) << t;
    EXPECT_NEAR(probe.metric(t, "value_ties"), s, 1e-12) << t;
    EXPECT_EQ(probe.metric(t, "strong_ties_customers"), s >= 0.5 ? 1 : 0) << t;
  }
  // Not in a group: the tie holds still (no bonding or decay here).
  spec.community.initial = "none";
  EXPECT_EQ(run(path(2), spec).metric(2, "mean_strength"), static_cast<float>(0.3));
}

TEST(Section11, TheLedgerAddsUpToTheAggregates) {
  // A busy design on a small random graph: every Part II mechanism on.
  CampaignSpec spec;
  spec.seeding.k = 5;
  spec.run.steps = 40;
  spec.behaviour.share_prob = 0.2;
  spec.behaviour.repeat_prob = 0.05;
  spec.behaviour.churn_prob = 0.02;
  spec.policy.referral_reward = 5;
  spec.policy.referee_discount = 0.1;
  spec.policy.commission = {0.05, 0.02};
  spec.acquisition.ad_spend = 6;
  spec.acquisition.ad_conversion = 0.05;
  spec.acquisition.platform_fee = 0.2;
  spec.community.enabled = true;
  spec.community.invite_prob = 0.05;
  spec.community.post_prob = 0.5;
  spec.community.flash_sale.enabled = true;
  spec.community.red_packet.enabled = true;
  spec.behaviour.tier_spend_mult = {1.0, 1.3, 1.3};
  const Graph g = holme_kim(800, 3, 0.5, 3);
  for (std::uint64_t replicate = 0; replicate < 3; ++replicate) {
    ReplicateProbe probe(g, spec, replicate);
    probe.r().run();
    const std::uint32_t last = spec.run.steps - 1;
    double revenue = 0, margin = 0, incentives = 0, earned = 0;
    std::vector<double> by_channel(kChannels, 0);
    std::uint64_t churned = 0;
    for (const auto& book : probe.r().ledger()) {
      revenue += book.revenue, margin += book.margin, incentives += book.incentives;
      earned += probe.r().node(book.node).earned;
      ++by_channel[probe.r().node(book.node).channel];
      churned += book.churned >= 0;
    }
    const auto m = [&](const char* name) { return probe.metric(last, name); };
    const double tolerance = 1e-9 * (1 + m("revenue"));
    EXPECT_EQ(static_cast<double>(probe.r().ledger().size()), m("customers"));
    EXPECT_EQ(static_cast<double>(churned), m("churned"));
    EXPECT_NEAR(revenue, m("revenue"), tolerance);
    EXPECT_NEAR(margin, m("revenue") - m("cost_of_goods") - m("platform_fees"), tolerance);
    EXPECT_NEAR(incentives, m("discounts") + m("rewards") + m("commissions"), tolerance);
    EXPECT_NEAR(earned, m("rewards") + m("commissions"), tolerance);
    const auto& channels = campaign_channels();
    for (std::size_t c = 0; c < channels.size(); ++c)
      EXPECT_EQ(by_channel[c], probe.metric(last, "customers_" + channels[c])) << channels[c];
    // §12 conservation.
    EXPECT_NEAR(m("profit"), m("revenue") - m("cost_of_goods") - m("rewards") - m("commissions") - m("red_packets") -
                                 m("ad_spend") - m("platform_fees") - m("community_cost") + m("fees"),
                tolerance);
    EXPECT_NEAR(m("incentive_spend"), m("rewards") + m("commissions") + m("discounts") + m("red_packets"), tolerance);
    EXPECT_NEAR(m("marketing_spend"), m("incentive_spend") + m("ad_spend") + m("community_cost"), tolerance);
    double posts = 0;
    for (std::uint32_t t = 0; t <= last; ++t) posts += probe.metric(t, "posts");
    EXPECT_NEAR(m("community_cost"), posts * spec.community.post_cost, tolerance);
    EXPECT_GT(m("customers_ad"), 0);
    EXPECT_GT(m("customers_community"), 0);
    EXPECT_GT(m("red_packets"), 0);
  }
}

TEST(Section13, InertPartTwoFeaturesChangeNothing) {
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
