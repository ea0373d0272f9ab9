// MODEL.md §16 targeted policies (sim/src/campaign/targets.cpp and the payments, adoptions and
// utilities that read a person's own target), with the whole runner (parallel: replicates on
// TBB): a target of everyone that sets the base policy's own values is no target at all (§19),
// a reward targeted at one segment or at fans and partners is only ever paid to them (the ledger
// property of §19), a discount targeted at one segment is only ever given to it, a target's
// budget caps what it pays and then leaves its people with no incentive, results are the same
// for any thread count, and bad targets are refused naming the key and the line.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "campaign_probe.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/scenario.hpp"

namespace guanxi::campaign {
namespace {

CampaignSpec referral_design() {
  CampaignSpec spec = lively();
  spec.run.steps = 40;
  spec.seeding.k = 20;
  spec.ladder.partner_referrals = 2;
  return spec;
}

Target everyone() { return Target{}; }

TEST(Targets, ATargetOfEveryoneWithTheBaseValuesIsNoTarget) {
  const Graph g = holme_kim(1500, 3, 0.5, 31);
  CampaignSpec referral = referral_design();
  referral.policy.referral_reward = 10;
  referral.policy.referee_discount = 0.1;
  referral.policy.commission = {0.05, 0.02};
  referral.policy.budget = 3000;
  CampaignSpec team = referral_design();
  team.policy.group_buy.enabled = true;
  CampaignSpec bargain = referral_design();
  bargain.policy.bargain.enabled = true;
  CampaignSpec members = referral;
  members.policy.membership.enabled = true;
  members.policy.membership.take_rate = 0.05;
  for (const CampaignSpec& plain : {referral, team, bargain, members}) {
    CampaignSpec targeted = plain;
    Target same = everyone();
    same.referral_reward = plain.policy.referral_reward;
    same.referee_discount = plain.policy.referee_discount;
    same.team_discount = plain.policy.group_buy.discount;
    same.bargain_discount = plain.policy.bargain.discount;
    targeted.policy.target = {same};
    EXPECT_TRUE(same_values(run_many(g, plain, 4).values, run_many(g, targeted, 4).values));
  }
}

TEST(Targets, ARewardForOneSegmentIsPaidOnlyToItsMembers) {
  // §19: a target paying referral_reward only to segment A: every reward goes to a member of A.
  const Graph g = holme_kim(3000, 4, 0.5, 32);
  CampaignSpec spec = referral_design();
  spec.segments.enabled = true;
  spec.segments.list = {{"A", 0.4, {}}};
  Target a;
  a.who.segment = {"A"};
  a.referral_reward = 20;
  spec.policy.target = {a};
  const CampaignResult r = run_with_ledgers(g, spec, 6, 9);
  double paid = 0;
  for (std::uint64_t k = 0; k < r.replicates; ++k) paid += at(r, k, r.steps - 1, "rewards");
  ASSERT_GT(paid, 0);
  double earned_by_a = 0;
  for (const auto& [replicate, entries] : r.ledgers)
    for (const LedgerEntry& e : entries) {
      if (e.earned > 0) {
        EXPECT_EQ(e.segment, 0) << "a reward went outside segment A";
      }
      if (e.segment == 0) earned_by_a += e.earned;
    }
  EXPECT_DOUBLE_EQ(earned_by_a, paid);
}

TEST(Targets, ARewardForFansAndPartnersIsPaidOnlyToThem) {
  const Graph g = holme_kim(3000, 4, 0.5, 33);
  CampaignSpec spec = referral_design();
  spec.behaviour.repeat_prob = 0.2;  // fans come quickly
  Target climbers;
  climbers.who.tier = {"fan", "partner"};
  climbers.referral_reward = 15;
  spec.policy.target = {climbers};
  const CampaignResult r = run_with_ledgers(g, spec, 4, 9);
  std::size_t earners = 0;
  for (const auto& [replicate, entries] : r.ledgers)
    for (const LedgerEntry& e : entries)
      if (e.earned > 0) {
        ++earners;
        EXPECT_GE(e.tier, static_cast<std::uint8_t>(Tier::fan)) << "a customer who never climbed was rewarded";
      }
  EXPECT_GT(earners, 10u);
}

TEST(Targets, ADiscountForOneSegmentIsGivenOnlyToIt) {
  const Graph g = holme_kim(3000, 4, 0.5, 34);
  CampaignSpec spec = referral_design();
  spec.segments.enabled = true;
  spec.segments.list = {{"students", 0.3, {}}};
  Target students;
  students.who.segment = {"students"};
  students.referee_discount = 0.25;
  spec.policy.target = {students};
  const CampaignResult r = run_with_ledgers(g, spec, 4, 9);
  std::size_t discounted = 0;
  for (const auto& [replicate, entries] : r.ledgers)
    for (const LedgerEntry& e : entries)
      if (e.incentives > 0) {
        ++discounted;
        EXPECT_EQ(e.segment, 0) << "a discount went outside the students";
        EXPECT_DOUBLE_EQ(e.incentives, 25.0);  // one referral purchase at 25% off a price of 100
      }
  EXPECT_GT(discounted, 10u);
}

TEST(Targets, ATargetsBudgetCapsItAndThenItsPeopleGetNothing) {
  const Graph g = holme_kim(3000, 4, 0.5, 35);
  CampaignSpec spec = referral_design();
  spec.policy.referral_reward = 5;  // the base policy: what others get, never what the target's people get
  Target capped;
  capped.referral_reward = 10;
  capped.budget = 200;
  spec.policy.target = {capped};
  const CampaignResult r = run_many(g, spec, 6);
  for (std::uint64_t k = 0; k < r.replicates; ++k) {
    const double rewards = at(r, k, r.steps - 1, "rewards");
    EXPECT_LE(rewards, 200.0);
    EXPECT_GE(rewards, 190.0) << "the target stopped before its budget ran out";
    EXPECT_EQ(std::fmod(rewards, 10.0), 0.0) << "a base-policy reward was paid to the target's people";
  }
  // The same with a discount: the target's discounts count against its budget.
  CampaignSpec discounts = referral_design();
  Target cheap;
  cheap.referee_discount = 0.2;
  cheap.budget = 300;
  discounts.policy.target = {cheap};
  const CampaignResult d = run_many(g, discounts, 4);
  for (std::uint64_t k = 0; k < d.replicates; ++k) {
    const double given = at(d, k, d.steps - 1, "discounts");
    EXPECT_LE(given, 300.0);
    EXPECT_GE(given, 280.0);
  }
}

TEST(Targets, SameResultsForAnyThreadCount) {
  const Graph g = holme_kim(2000, 3, 0.5, 36);
  CampaignSpec spec = busy_part_two();
  spec.policy.group_buy.enabled = false;
  spec.segments.enabled = true;
  spec.segments.list = {{"students", 0.3, {{"share_prob", 0.4}}}};
  Target fans;
  fans.who.tier = {"fan", "partner"};
  fans.referral_reward = 15;
  fans.commission = std::vector<double>{0.1};
  fans.budget = 500;
  Target students;
  students.who.segment = {"students"};
  students.who.member = false;
  students.referee_discount = 0.2;
  spec.policy.target = {fans, students};
  const CampaignResult one = run_many(g, spec, 6, 1), two = run_many(g, spec, 6, 2);
  EXPECT_TRUE(same_values(one.values, two.values));
}

TEST(Targets, BadTargetsNameTheKey) {
  CampaignSpec base;
  base.policy.target = {everyone(), everyone()};
  CampaignSpec tier = base;
  tier.policy.target[1].who.tier = {"vip"};
  expect_refused(tier, "policy.target[1].who.tier");
  CampaignSpec channel = base;
  channel.policy.target[0].who.channel = {"tv"};
  expect_refused(channel, "policy.target[0].who.channel");
  CampaignSpec no_segments = base;
  no_segments.policy.target[0].who.segment = {"students"};
  expect_refused(no_segments, "policy.target[0].who.segment");
  CampaignSpec unknown = no_segments;
  unknown.segments.enabled = true;
  unknown.segments.list = {{"retirees", 0.2, {}}};
  expect_refused(unknown, "policy.target[0].who.segment");
  CampaignSpec discount = base;
  discount.policy.target[1].team_discount = 1.5;
  expect_refused(discount, "policy.target[1].team_discount");
  CampaignSpec budget = base;
  budget.policy.target[0].budget = -1;
  expect_refused(budget, "policy.target[0].budget");
  CampaignSpec rates = base;
  rates.policy.target[0].commission = std::vector<double>{0.1, 2.0};
  expect_refused(rates, "policy.target[0].commission[1]");
}

TEST(Targets, ScenarioFilesReadTargetsAndNameLinesOfBadOnes) {
  const std::string text =
      "[policy]\n"
      "referral_reward = 5\n"
      "[[policy.target]]\n"
      "who = { tier = [\"fan\", \"partner\"] }\n"
      "referral_reward = 15\n"
      "[[policy.target]]\n"
      "who = { member = true, min_degree = 5 }\n"
      "referee_discount = 0.2\n"
      "budget = 1000\n";
  const Scenario s = parse_scenario(text, "targets.toml");
  ASSERT_EQ(s.spec.policy.target.size(), 2u);
  EXPECT_EQ(s.spec.policy.target[0].who.tier, (std::vector<std::string>{"fan", "partner"}));
  EXPECT_EQ(s.spec.policy.target[0].referral_reward, 15.0);
  EXPECT_FALSE(s.spec.policy.target[0].referee_discount.has_value());
  EXPECT_EQ(s.spec.policy.target[1].who.member, true);
  EXPECT_EQ(s.spec.policy.target[1].who.min_degree, 5u);
  EXPECT_EQ(s.spec.policy.target[1].budget, 1000.0);
  EXPECT_TRUE(std::isinf(s.spec.policy.target[0].budget));
  EXPECT_EQ(spec_to_json(spec_from_json(spec_to_json(s.spec))), spec_to_json(s.spec));
  auto error_of = [](const std::string& bad) {
    try {
      parse_scenario(bad, "targets.toml");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string tier = error_of("[[policy.target]]\nreferral_reward = 1\n\n[[policy.target]]\nwho = { tier = [\"vip\"] }\n");
  EXPECT_NE(tier.find("targets.toml:5"), std::string::npos) << tier;
  EXPECT_NE(tier.find("policy.target[1].who.tier"), std::string::npos) << tier;
  const std::string lever = error_of("[[policy.target]]\nreferal_reward = 1\n");
  EXPECT_NE(lever.find("targets.toml:2"), std::string::npos) << lever;
  EXPECT_NE(lever.find("referral_reward"), std::string::npos) << lever;
  const std::string condition = error_of("[[policy.target]]\nwho = { tiers = [\"fan\"] }\n");
  EXPECT_NE(condition.find("policy.target[0].who.tiers"), std::string::npos) << condition;
}

}  // namespace
}  // namespace guanxi::campaign

namespace guanxi::campaign {
namespace {

TEST(Targets, TheIcEquivalentReadsEachEndsSegmentAndTarget) {
  const Graph g = holme_kim(400, 3, 0.5, 37);
  CampaignSpec plain = referral_design();
  plain.policy.referral_reward = 10;
  plain.policy.referee_discount = 0.1;
  const std::vector<float> base = campaign_ic_equivalent(g, plain);
  // One segment of everyone, and a target of everyone with the base values: the same numbers.
  CampaignSpec one = plain;
  one.segments.enabled = true;
  one.segments.list = {{"everyone", 1.0, {}}};
  EXPECT_EQ(campaign_ic_equivalent(g, one), base);
  CampaignSpec same = plain;
  Target all;
  all.referral_reward = 10;
  all.referee_discount = 0.1;
  same.policy.target = {all};
  EXPECT_EQ(campaign_ic_equivalent(g, same), base);
  // A column: nobody converts into the deaf segment, nobody shares out of the silent one.
  CampaignSpec column = plain;
  column.segments.enabled = true;
  column.segments.assign = "column";
  column.segments.list = {{"deaf", 0, {{"conv_weak", 0.0}, {"conv_strong", 0.0}}}, {"silent", 0, {{"share_prob", 0.0}}}};
  column.segments.column_names = {"", "deaf", "silent"};
  auto codes = std::make_shared<std::vector<std::uint8_t>>(g.num_nodes());
  for (node_t v = 0; v < g.num_nodes(); ++v) (*codes)[v] = static_cast<std::uint8_t>(v % 3);
  column.segments.column = codes;
  const std::vector<float> layered = campaign_ic_equivalent(g, column);
  for (node_t u = 0; u < g.num_nodes(); ++u)
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
      const node_t v = g.target(a);
      if (v % 3 == 1 || u % 3 == 2) EXPECT_EQ(layered[a], 0.0f) << u << " -> " << v;
      else EXPECT_EQ(layered[a], base[a]) << u << " -> " << v;
    }
  // Drawn segments are a mixture: with no caps, 1 - Σ_k w_k (1 - σ_k reach c)^steps.
  CampaignSpec drawn = quiet({}, 30);
  drawn.seeding.k = 5;
  drawn.behaviour.share_prob = 0.1;
  drawn.behaviour.reach = 0.5;
  drawn.behaviour.max_attempts = 0;
  drawn.segments.enabled = true;
  drawn.segments.list = {{"keen", 0.25, {{"share_prob", 0.4}}}};
  const std::vector<float> mixed = campaign_ic_equivalent(g, drawn);
  const double c = 1.0;  // certain conversion (quiet: conv 1), no incentives
  const double expected = 1 - (0.25 * std::pow(1 - 0.4 * 0.5 * c, 30) + 0.75 * std::pow(1 - 0.1 * 0.5 * c, 30));
  for (arc_t a = 0; a < g.num_arcs(); ++a) ASSERT_NEAR(mixed[a], expected, 1e-6);
  // A target giving fans' rewards does not move the equivalent (its sharers are new customers);
  // one giving everyone a reward raises every arc's probability.
  CampaignSpec fans = plain;
  Target climbers;
  climbers.who.tier = {"fan"};
  climbers.referral_reward = 100;
  fans.policy.target = {climbers};
  EXPECT_EQ(campaign_ic_equivalent(g, fans), base);
  CampaignSpec generous = plain;
  Target rich;
  rich.referral_reward = 100;
  generous.policy.target = {rich};
  const std::vector<float> more = campaign_ic_equivalent(g, generous);
  for (arc_t a = 0; a < g.num_arcs(); ++a) ASSERT_GE(more[a], base[a]);
  EXPECT_GT(more[0], base[0]);
}

}  // namespace
}  // namespace guanxi::campaign
