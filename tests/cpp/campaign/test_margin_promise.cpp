// MODEL.md §18 the margin promise (sim/src/campaign/margin_promise.cpp), with the whole runner
// (parallel: replicates on TBB): §19's rebate identity, the profit left at the promised margin,
// nothing paid below it, rebates at period ends only, and a promise that changes no behaviour
// (trust 0, lift 0) leaving every other metric bit-identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"

namespace guanxi::campaign {
namespace {

// §19: price P, unit cost c, no incentives, ads, groups or fees, Q = steps: the rebate at the
// horizon is ((P - c)/P - r) revenue when (P - c)/P > r, and 0 otherwise.
TEST(MarginPromise, RebatesExactlyTheMarginAboveTheRate) {
  const Graph g = holme_kim(2000, 3, 0.5, 7);
  for (const double rate : {0.0, 0.1, 0.39, 0.41, 0.9}) {
    CampaignSpec spec = lively();
    spec.policy.margin_cap.enabled = true;
    spec.policy.margin_cap.rate = rate;
    spec.policy.margin_cap.period = spec.run.steps;
    const CampaignResult r = run_many(g, spec, 6);
    const double margin = (spec.product.price - spec.product.unit_cost) / spec.product.price;
    for (std::uint64_t k = 0; k < r.replicates; ++k) {
      const double revenue = at(r, k, r.steps - 1, "revenue"), rebates = at(r, k, r.steps - 1, "rebates");
      ASSERT_GT(revenue, 0);
      EXPECT_NEAR(rebates, std::max(margin - rate, 0.0) * revenue, 1e-12 * revenue) << "rate " << rate;
      EXPECT_NEAR(at(r, k, r.steps - 1, "profit"), std::min(margin, rate) * revenue, 1e-9 * revenue);
      EXPECT_EQ(at(r, k, r.steps - 2, "rebates"), 0.0);  // paid when the period ends, not before
    }
  }
}

// Periods of 10 steps: every period's rebate is its own margin above the rate, so the rebates
// grow only at steps 9, 19, 29 ... and each step of growth is (margin - rate) x that period's revenue.
TEST(MarginPromise, EachPeriodRebatesItsOwnRevenue) {
  const Graph g = holme_kim(2000, 3, 0.5, 8);
  CampaignSpec spec = lively();
  spec.run.steps = 40;
  spec.policy.margin_cap.enabled = true;
  spec.policy.margin_cap.rate = 0.1;
  spec.policy.margin_cap.period = 10;
  const CampaignResult r = run_many(g, spec, 4);
  for (std::uint64_t k = 0; k < r.replicates; ++k) {
    double revenue_before = 0, rebates_before = 0;
    for (std::uint32_t t = 0; t < r.steps; ++t) {
      const double rebates = at(r, k, t, "rebates");
      if ((t + 1) % 10 != 0) {
        EXPECT_EQ(rebates, rebates_before) << "step " << t;
        continue;
      }
      const double revenue = at(r, k, t, "revenue");
      EXPECT_NEAR(rebates - rebates_before, 0.3 * (revenue - revenue_before), 1e-9 * revenue) << "step " << t;
      revenue_before = revenue, rebates_before = rebates;
    }
  }
}

// Trust 0 and lift 0: a rebate changes nobody's behaviour and the promise draws no random
// numbers, so every metric but rebates and profit is the run without the promise, bit for bit.
TEST(MarginPromise, WithoutTrustOrLiftOnlyMoneyChanges) {
  const Graph g = holme_kim(2000, 3, 0.5, 9);
  CampaignSpec plain = lively();
  plain.run.steps = 45;
  plain.policy.referral_reward = 5;
  CampaignSpec inert = plain;
  inert.policy.margin_cap = {true, 0.0, 15, 0.0, 0.0};
  const CampaignResult a = run_many(g, plain, 5), b = run_many(g, inert, 5);
  const auto& names = campaign_metrics();
  for (std::uint64_t k = 0; k < a.replicates; ++k)
    for (std::uint32_t t = 0; t < a.steps; ++t)
      for (const std::string& metric : names) {
        if (metric == "rebates" || metric == "profit") continue;
        const double x = at(a, k, t, metric), y = at(b, k, t, metric);
        EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << metric << " at step " << t;
      }
  EXPECT_GT(at(b, 0, b.steps - 1, "rebates"), 0.0);
}

}  // namespace
}  // namespace guanxi::campaign
