// The campaign mechanisms of MODEL.md §3, one test each, on tiny graphs with probabilities set
// to 0 or 1 so every outcome is exact: §3.1 external adoption, §3.2–3.3 sharing and conversion,
// §3.4 payments and the budget, §3.5 group buy, §3.6 bargain, §3.7 repeat purchase, §3.8 churn
// and negative word of mouth, §3.10 the ladder and membership, and §5 cascade metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "campaign_probe.hpp"
#include "guanxi/builder.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::edges;
using guanxi::testing::path;
using guanxi::testing::star;

TEST(Section3_1, ExternalAdoption) {
  CampaignSpec spec = certain({}, 2);
  spec.seeding.k = 0;
  spec.seeding.strategy = "top_degree";
  spec.behaviour.share_prob = 0;
  spec.behaviour.external_rate = 1.0;
  auto all = run(path(30), spec);
  EXPECT_EQ(all.metric(0, "customers"), 30);
  EXPECT_EQ(all.metric(0, "new_customers_external"), 30);
  spec.behaviour.external_rate = 0.0;
  EXPECT_EQ(run(path(30), spec).metric(1, "customers"), 0);
}

TEST(Section3_2and3_3, SharingReachesAndConvertsOneHopPerStep) {
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

TEST(Section3_2, AttemptsAndSharesAreCapped) {
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

TEST(Section3_3, NegativeWordOfMouthScalesConversion) {
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

TEST(Section3_4, RewardsCommissionsAndDiscounts) {
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

TEST(Section3_4, BudgetStopsPaymentsAndExhaustsThePolicy) {
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

TEST(Section3_5, GroupBuyTeamsCompleteOrFail) {
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

TEST(Section3_5, TeamCompletionStrengthensMemberTies) {
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

TEST(Section3_6, BargainWithEnoughHelpsBuysAtTheDiscount) {
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

TEST(Section3_6, ALaterBargainAsksTheSameFriendsAgain) {
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

TEST(Section3_7, RepeatPurchases) {
  CampaignSpec spec = certain({0, 2}, 5);
  spec.behaviour.share_prob = 0;
  spec.behaviour.repeat_prob = 1;
  auto probe = run(path(4), spec);
  EXPECT_EQ(probe.metric(4, "purchases"), 2 + 2 * 5);
  EXPECT_EQ(probe.metric(4, "repeat_purchases"), 2 * 5);
  EXPECT_NEAR(probe.metric(4, "revenue"), 12 * 100, 1e-9);
}

TEST(Section3_8, ChurnAndNegativeWordOfMouth) {
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

TEST(Section3_10, LadderAndMembership) {
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

TEST(Section5, KFactorDividesByEveryPotentialSharer) {
  // §5: referral conversions in the step / active customers and pending team members at its
  // start, whether or not they shared. Each customer shares once (max_shares 1) along a path:
  // in step t one new customer shares and converts one, among t + 1 customers.
  CampaignSpec spec = certain({0}, 4);
  spec.behaviour.max_shares = 1;
  auto probe = run(path(6), spec);
  for (std::uint32_t t = 0; t < 4; ++t) {
    EXPECT_EQ(probe.metric(t, "new_customers_referral"), 1);
    EXPECT_DOUBLE_EQ(probe.metric(t, "k_factor"), 1.0 / (t + 1)) << t;
  }
  // Nobody shares: k_factor is 0 (no conversion among potential sharers), not undefined.
  spec.behaviour.share_prob = 0;
  EXPECT_EQ(run(path(6), spec).metric(1, "k_factor"), 0.0);
  // Group buy, teams of 3: the pending seed shares at step 0 (node 1 joins), has used its one
  // share at step 1, when node 1 shares and node 2 joins: 1 conversion among 2 pending members.
  spec = certain({0}, 2);
  spec.behaviour.max_shares = 1;
  spec.policy.group_buy.enabled = true;
  spec.policy.group_buy.size = 3;
  auto team = run(path(6), spec);
  EXPECT_DOUBLE_EQ(team.metric(0, "k_factor"), 1.0);
  EXPECT_DOUBLE_EQ(team.metric(1, "k_factor"), 0.5);
  EXPECT_EQ(team.metric(1, "customers"), 3);  // the team completed
}

TEST(Section5, TheRegistryDefinesEveryColumnTheEngineWrites) {
  // Each registered metric is one column, written at every step: a sentinel left anywhere in
  // the rows would be a column the registry names but the engine does not write.
  const auto& info = campaign_metric_info();
  ASSERT_EQ(info.size(), campaign_metrics().size());
  std::set<std::string> names;
  for (const auto& m : info) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name << " twice";
    EXPECT_TRUE(m.section.starts_with("§")) << m.name;
    if (m.kind == MetricKind::flow) {
      EXPECT_TRUE(m.per_step) << m.name;
    }
    EXPECT_FALSE(m.description.empty()) << m.name;
  }
  CampaignSpec spec = certain({0}, 5);
  spec.behaviour.share_prob = 0.5;
  ReplicateProbe probe(path(8), spec);
  const double sentinel = -1234.5;
  std::fill(probe.values.begin(), probe.values.end(), sentinel);
  probe.r().run();
  EXPECT_EQ(probe.values.size(), std::size_t{5} * info.size());
  EXPECT_EQ(std::count(probe.values.begin(), probe.values.end(), sentinel), 0);
}

TEST(Section5, StructuralViralityOfKnownTrees) {
  // A star of n nodes: 2 (n - 1) / n. A path of n: (n + 1) / 3.
  std::vector<node_t> members{0, 1, 2, 3, 4}, star_parent{0, 0, 0, 0, 0}, path_parent{0, 0, 1, 2, 3};
  EXPECT_NEAR(structural_virality(members, star_parent), 2.0 * 4 / 5, 1e-12);
  EXPECT_NEAR(structural_virality(members, path_parent), 6.0 / 3, 1e-12);
  EXPECT_EQ(structural_virality({7}, {0}), 0.0);
}

}  // namespace
}  // namespace guanxi::campaign
