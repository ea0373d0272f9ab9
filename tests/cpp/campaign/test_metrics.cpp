// MODEL.md §4–5 and §12 metrics (sim/src/campaign/metrics.cpp): k_factor divides by every
// potential sharer, and the registry defines every column the engine writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;

TEST(Metrics, KFactorDividesByEveryPotentialSharer) {
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

TEST(Metrics, TheRegistryDefinesEveryColumnTheEngineWrites) {
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

}  // namespace
}  // namespace guanxi::campaign
