// MODEL.md §17 shareholders (sim/src/campaign/shareholding.cpp), with the whole runner (parallel:
// replicates on TBB): take_rate 0 is version 2 bit for bit (§19), stakes turn partners into
// shareholders at stake_price each, churn_mult 0 keeps every shareholder, and dividends fall at
// the ends of their periods as dividend_share of the period's profit.
#include <gtest/gtest.h>

#include <cmath>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"

namespace guanxi::campaign {
namespace {

CampaignSpec climbing() {
  CampaignSpec spec = lively();
  spec.run.steps = 60;
  spec.ladder.partner_referrals = 2;
  spec.policy.referral_reward = 10;
  spec.policy.membership.enabled = true;
  spec.policy.membership.take_rate = 0.05;
  return spec;
}

TEST(Shareholding, TakeRateZeroIsVersionTwo) {
  const Graph g = holme_kim(2000, 3, 0.5, 11);
  const CampaignSpec plain = climbing();
  CampaignSpec idle = plain;
  idle.ladder.shareholding.enabled = true;
  idle.ladder.shareholding.take_rate = 0;
  EXPECT_TRUE(same_values(run_many(g, plain, 4).values, run_many(g, idle, 4).values));
}

TEST(Shareholding, StakesAndDividends) {
  const Graph g = holme_kim(2000, 3, 0.5, 12);
  CampaignSpec spec = climbing();
  spec.behaviour.churn_prob = 0.05;
  Shareholding& s = spec.ladder.shareholding;
  s = {true, 0.1, 250, 0.0, 20, 0.25};  // churn_mult 0: shareholders never churn
  const CampaignResult r = run_many(g, spec, 4);
  for (std::uint64_t k = 0; k < r.replicates; ++k) {
    const std::uint32_t last = r.steps - 1;
    ASSERT_GT(at(r, k, last, "shareholders"), 0);
    EXPECT_EQ(at(r, k, last, "stake_sales"), 250 * at(r, k, last, "shareholders"));
    double before = 0;  // profit after the last dividend
    for (std::uint32_t t = 0; t < r.steps; ++t) {
      const double paid = at(r, k, t, "dividends") - (t ? at(r, k, t - 1, "dividends") : 0.0);
      if ((t + 1) % 20 != 0) {
        EXPECT_EQ(paid, 0.0) << "step " << t;
        continue;
      }
      const double period = at(r, k, t, "profit") + paid - before;
      const bool holders = at(r, k, t, "shareholders") > 0;
      EXPECT_NEAR(paid, period > 0 && holders ? 0.25 * period : 0.0, 1e-9 * std::abs(period)) << "step " << t;
      before = at(r, k, t, "profit");
    }
  }
}

}  // namespace
}  // namespace guanxi::campaign
