// MODEL.md §15 segments (sim/src/campaign/segments.cpp and the mechanisms that read a person's
// own behaviour), with the whole runner (parallel: replicates on TBB): one segment of everyone
// without overrides is version 2 bit for bit (§19), two segments with their own external rates
// follow §19's closed form, each decision reads the behaviour of the person whose decision it is
// (a sharer's share_prob, a prospect's conversion), a column of names places people as given,
// ads confined to segments land only there, results by segment add up to the totals, and bad
// segments are refused naming the key.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "campaign_probe.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/scenario.hpp"

namespace guanxi::campaign {
namespace {

Segment segment(std::string name, double share, std::vector<std::pair<std::string, double>> behaviour = {}) {
  return {std::move(name), share, std::move(behaviour)};
}

CampaignSpec with_segments(CampaignSpec spec, std::vector<Segment> list) {
  spec.segments.enabled = true;
  spec.segments.list = std::move(list);
  return spec;
}

TEST(Segments, OneSegmentOfEveryoneIsVersionTwo) {
  const Graph g = holme_kim(1500, 3, 0.5, 21);
  CampaignSpec referral = lively();
  referral.policy.referral_reward = 10;
  referral.policy.referee_discount = 0.1;
  referral.behaviour.external_rate = 0.002;
  CampaignSpec team = lively();
  team.policy.group_buy.enabled = true;
  CampaignSpec bargain = lively();
  bargain.policy.bargain.enabled = true;
  CampaignSpec part_two = busy_part_two();
  part_two.acquisition.ad_target = "prospects";
  for (const CampaignSpec& plain : {referral, team, bargain, part_two}) {
    const CampaignSpec everyone = with_segments(plain, {segment("everyone", 1.0)});
    const CampaignResult a = run_many(g, plain, 4), b = run_many(g, everyone, 4);
    EXPECT_TRUE(same_values(a.values, b.values));
    EXPECT_EQ(b.segments, (std::vector<std::string>{"everyone", "other"}));
  }
}

TEST(Segments, TwoExternalRatesFollowTheClosedForm) {
  // §19: no seeds, share_prob 0, no churn: E[customers after t] = n [a (1 - (1 - p_A)^(t+1)) +
  // (1 - a) (1 - (1 - p_B)^(t+1))]. Each replicate draws its own layers, so a node is a customer
  // with probability q = a q_A + (1 - a) q_B, independently: the count has variance n q (1 - q).
  const Graph g = erdos_renyi_gnp(4000, 0.001, 22);
  CampaignSpec spec = quiet({}, 20);
  spec.behaviour.churn_prob = 0;
  spec.behaviour.external_rate = 0.01;  // segment B keeps the global rate
  const double a = 0.3, p_a = 0.06, p_b = 0.01;
  spec = with_segments(spec, {segment("A", a, {{"external_rate", p_a}})});
  const std::uint64_t replicates = 40;
  const CampaignResult r = run_many(g, spec, replicates);
  const double n = g.num_nodes();
  for (std::uint32_t t : {0u, 4u, 19u}) {
    const double q = a * (1 - std::pow(1 - p_a, t + 1)) + (1 - a) * (1 - std::pow(1 - p_b, t + 1));
    double mean = 0;
    for (std::uint64_t k = 0; k < replicates; ++k) mean += at(r, k, t, "customers") / replicates;
    const double se = std::sqrt(n * q * (1 - q) / replicates);
    EXPECT_NEAR(mean, n * q, 4 * se) << "step " << t;
  }
  // The layers are drawn, not fixed: the customers of A are about a share a of the population's
  // A-members' adoption, checked through the ledger below.
  const CampaignResult kept = run_with_ledgers(g, spec, 8, 5);
  double from_a = 0, total = 0;
  for (const auto& [replicate, entries] : kept.ledgers)
    for (const LedgerEntry& e : entries) from_a += e.segment == 0, total += 1;
  const double q_a = a * (1 - std::pow(1 - p_a, 20)), q_b = (1 - a) * (1 - std::pow(1 - p_b, 20));
  const double expected = q_a / (q_a + q_b), se = std::sqrt(expected * (1 - expected) / total);
  EXPECT_NEAR(from_a / total, expected, 4 * se);
}

TEST(Segments, EachDecisionReadsItsOwnPersonsBehaviour) {
  // Sharers of segment `silent` never share (share_prob 0): no customer has a referrer in it. And
  // prospects of segment `deaf` never convert through a share (conv 0): no referral customer is in it.
  const Graph g = holme_kim(3000, 4, 0.5, 23);
  CampaignSpec spec = lively();
  spec.seeding.k = 30;
  spec.run.steps = 30;
  spec = with_segments(spec, {segment("silent", 0.3, {{"share_prob", 0.0}, {"team_share_prob", 0.0}}),
                              segment("deaf", 0.3, {{"conv_weak", 0.0}, {"conv_strong", 0.0}})});
  const CampaignResult r = run_with_ledgers(g, spec, 6, 5);
  const auto referral = static_cast<std::uint8_t>(
      std::find(campaign_channels().begin(), campaign_channels().end(), "referral") - campaign_channels().begin());
  std::size_t referred = 0, silent_customers = 0;
  for (const auto& [replicate, entries] : r.ledgers) {
    std::map<node_t, std::uint8_t> segment_of;
    for (const LedgerEntry& e : entries) segment_of[e.node] = e.segment;
    for (const LedgerEntry& e : entries) {
      silent_customers += e.segment == 0;
      if (e.channel != referral) continue;
      ++referred;
      EXPECT_NE(e.segment, 1) << "a deaf prospect converted through a share";
      ASSERT_TRUE(segment_of.count(e.referrer));
      EXPECT_NE(segment_of[e.referrer], 0) << "a silent customer shared";
    }
  }
  EXPECT_GT(referred, 100u);
  EXPECT_GT(silent_customers, 10u);  // the silent segment has customers who could have shared
}

TEST(Segments, TheCustomersSegmentsRepeatAndChurnAtTheirOwnRates) {
  // Everyone starts a customer (external_rate 1 in step 0): segment `loyal` never churns and
  // buys again every step; the rest churn at once at the first chance and never buy again.
  const Graph g = erdos_renyi_gnp(600, 0.01, 24);
  CampaignSpec spec = quiet({}, 3);
  spec.behaviour.external_rate = 1;
  spec.behaviour.repeat_prob = 0;
  spec.behaviour.churn_prob = 1;
  spec.behaviour.stickiness = spec.behaviour.embeddedness = 0;
  spec = with_segments(spec, {segment("loyal", 0.5, {{"churn_prob", 0.0}, {"repeat_prob", 1.0},
                                                     {"tier_spend_mult.customer", 2.0}, {"tier_spend_mult.fan", 2.0}})});
  const CampaignResult r = run_with_ledgers(g, spec, 3, 5);
  for (const auto& [replicate, entries] : r.ledgers) {
    ASSERT_EQ(entries.size(), g.num_nodes());
    for (const LedgerEntry& e : entries) {
      if (e.segment == 0) {
        EXPECT_EQ(e.churned, -1);
        EXPECT_EQ(e.purchases, 3u);  // steps 0, 1, 2
        EXPECT_DOUBLE_EQ(e.revenue, 100 + 2 * 2 * 100.0);  // repeat baskets of two units (customer, then fan)
      } else {
        EXPECT_EQ(e.churned, 1);  // active from step 1, churns in it
        EXPECT_EQ(e.purchases, 1u);
      }
    }
  }
}

TEST(Segments, AColumnPlacesPeopleAsGiven) {
  const Graph g = erdos_renyi_gnp(500, 0.01, 25);
  CampaignSpec spec = quiet({}, 2);
  spec.behaviour.external_rate = 1;
  spec.behaviour.churn_prob = 0;
  spec = with_segments(spec, {segment("students", 0), segment("retirees", 0)});
  spec.segments.assign = "column";
  // Codes into the names: "" is other, "city" is a segment of its own with the global behaviour.
  spec.segments.column_names = {"retirees", "", "city", "students"};
  auto column = std::make_shared<std::vector<std::uint8_t>>(g.num_nodes());
  for (node_t v = 0; v < g.num_nodes(); ++v) (*column)[v] = static_cast<std::uint8_t>(v % 4);
  spec.segments.column = column;
  const CampaignResult r = run_with_ledgers(g, spec, 2, 5);
  EXPECT_EQ(r.segments, (std::vector<std::string>{"students", "retirees", "city", "other"}));
  const std::uint8_t expected[] = {1, 3, 2, 0};  // code -> segment index
  for (const auto& [replicate, entries] : r.ledgers) {
    ASSERT_EQ(entries.size(), g.num_nodes());
    for (const LedgerEntry& e : entries) EXPECT_EQ(e.segment, expected[e.node % 4]) << "node " << e.node;
  }
  // Results by segment add up to the totals.
  for (std::uint64_t k = 0; k < r.replicates; ++k) {
    double customers = 0, revenue = 0;
    const std::vector<double>& sums = r.lifecycle[k].segments;
    ASSERT_EQ(sums.size(), 4 * kSegmentColumns);
    for (std::size_t s = 0; s < 4; ++s) customers += sums[s * kSegmentColumns], revenue += sums[s * kSegmentColumns + 1];
    EXPECT_EQ(customers, at(r, k, 1, "customers"));
    EXPECT_DOUBLE_EQ(revenue, at(r, k, 1, "revenue"));
  }
  // A column of the wrong length, or a code without a name, is refused.
  CampaignSpec short_column = spec;
  short_column.segments.column = std::make_shared<std::vector<std::uint8_t>>(10, 0);
  EXPECT_THROW(validate(short_column, g), ParameterError);
  CampaignSpec unnamed = spec;
  unnamed.segments.column = std::make_shared<std::vector<std::uint8_t>>(g.num_nodes(), 4);
  EXPECT_THROW(validate(unnamed, g), ParameterError);
  CampaignSpec missing = spec;
  missing.segments.column.reset();
  EXPECT_THROW(validate(missing, g), ParameterError);
}

TEST(Segments, ConfinedAdsLandOnlyOnTheirSegments) {
  const Graph g = erdos_renyi_gnp(3000, 0.002, 26);
  for (const char* target : {"all", "prospects"}) {
    CampaignSpec spec = quiet({}, 10);
    spec.acquisition.ad_spend = 30;
    spec.acquisition.cpm = 10;  // 3,000 impressions a step
    spec.acquisition.ad_conversion = 0.2;
    spec.acquisition.ad_target = target;
    spec = with_segments(spec, {segment("students", 0.2), segment("city", 0.3)});
    spec.acquisition.ad_segments = {"students", "other"};
    const CampaignResult r = run_with_ledgers(g, spec, 3, 5);
    std::size_t customers = 0;
    for (const auto& [replicate, entries] : r.ledgers)
      for (const LedgerEntry& e : entries) {
        EXPECT_NE(e.segment, 1) << target << ": an ad reached the city";
        ++customers;
      }
    EXPECT_GT(customers, 1000u) << target;
  }
}

TEST(Segments, SameResultsForAnyThreadCount) {
  const Graph g = holme_kim(2000, 3, 0.5, 27);
  CampaignSpec spec = busy_part_two();
  spec.behaviour.external_rate = 0.001;
  spec.acquisition.ad_target = "prospects";
  spec = with_segments(spec, {segment("students", 0.3, {{"share_prob", 0.4}, {"discount_elasticity", 6}, {"external_rate", 0.004}}),
                              segment("retirees", 0.2, {{"churn_prob", 0.001}, {"repeat_prob", 0.1}})});
  spec.acquisition.ad_segments = {"students"};
  const CampaignResult one = run_many(g, spec, 6, 1), two = run_many(g, spec, 6, 2);
  EXPECT_TRUE(same_values(one.values, two.values));
}

TEST(Segments, BadSegmentsNameTheKey) {
  const CampaignSpec base = with_segments(CampaignSpec{}, {segment("students", 0.6), segment("city", 0.3)});
  CampaignSpec over = base;
  over.segments.list[1].share = 0.5;
  expect_refused(over, "segments.list");
  CampaignSpec twice = base;
  twice.segments.list[1].name = "students";
  expect_refused(twice, "segments.list[1].name");
  CampaignSpec other = base;
  other.segments.list[0].name = "other";
  expect_refused(other, "segments.list[0].name");
  CampaignSpec range = base;
  range.segments.list[1].behaviour = {{"reach", 1.5}};
  expect_refused(range, "segments.list[1].behaviour.reach");
  CampaignSpec not_allowed = base;
  not_allowed.segments.list[0].behaviour = {{"stickiness", 0.5}};
  expect_refused(not_allowed, "segments.list[0].behaviour.stickiness");
  CampaignSpec ads = base;
  ads.acquisition.ad_segments = {"suburbs"};
  expect_refused(ads, "acquisition.ad_segments");
  CampaignSpec off = CampaignSpec{};
  off.acquisition.ad_segments = {"students"};
  expect_refused(off, "acquisition.ad_segments");
  CampaignSpec assign = base;
  assign.segments.assign = "random";
  expect_refused(assign, "segments.assign");
}

TEST(Segments, ScenarioFilesReadTheListAndNameLinesOfBadEntries) {
  const std::string text =
      "[segments]\n"
      "assign = \"shares\"\n"
      "[[segments.list]]\n"
      "name = \"students\"\n"
      "share = 0.3\n"
      "behaviour = { share_prob = 0.08, discount_elasticity = 5.0, tier_repeat_mult = { fan = 2 } }\n"
      "[[segments.list]]\n"
      "name = \"retirees\"\n"
      "share = 0.2\n"
      "[acquisition]\n"
      "ad_segments = [\"students\"]\n";
  const Scenario s = parse_scenario(text, "layers.toml");
  ASSERT_TRUE(s.spec.segments.enabled);
  ASSERT_EQ(s.spec.segments.list.size(), 2u);
  EXPECT_EQ(s.spec.segments.list[0].name, "students");
  EXPECT_EQ(s.spec.segments.list[0].behaviour,
            (std::vector<std::pair<std::string, double>>{{"discount_elasticity", 5.0}, {"share_prob", 0.08},
                                                         {"tier_repeat_mult.fan", 2.0}}));
  const Behaviour students = segment_behaviour(Behaviour{}, s.spec.segments.list[0]);
  EXPECT_EQ(students.share_prob, 0.08);
  EXPECT_EQ(students.tier_repeat_mult.fan, 2.0);
  EXPECT_EQ(students.tier_repeat_mult.partner, 1.0);  // §18a: the tiers it does not name keep the global table
  EXPECT_EQ(students.reach, Behaviour{}.reach);
  // The JSON form reads back to the same spec.
  EXPECT_EQ(spec_to_json(spec_from_json(spec_to_json(s.spec))), spec_to_json(s.spec));
  // Errors name the file, the entry's line and the key.
  auto error_of = [](const std::string& bad) {
    try {
      parse_scenario(bad, "layers.toml");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("[[segments.list]]\nname = \"a\"\nshare = 0.5\n[[segments.list]]\nname = \"b\"\nshare = 0.7\n")
                .find("layers.toml"),
            std::string::npos);
  const std::string unknown = error_of("[[segments.list]]\nname = \"a\"\n\n[[segments.list]]\nname = \"b\"\nbehaviour = { shares_prob = 0.1 }\n");
  EXPECT_NE(unknown.find("layers.toml:6"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("segments.list[1].behaviour.shares_prob"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("share_prob"), std::string::npos) << unknown;  // the suggestion
  const std::string range = error_of("[[segments.list]]\nname = \"a\"\nbehaviour = { reach = 2 }\n");
  EXPECT_NE(range.find("layers.toml:3"), std::string::npos) << range;
  EXPECT_NE(range.find("must be in [0, 1]"), std::string::npos) << range;
  const std::string key = error_of("[[segments.list]]\nname = \"a\"\nsize = 3\n");
  EXPECT_NE(key.find("layers.toml:3"), std::string::npos) << key;
}

}  // namespace
}  // namespace guanxi::campaign
