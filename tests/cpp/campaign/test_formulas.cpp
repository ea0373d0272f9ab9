// MODEL.md §3.2–3.3's formulas (sim/src/campaign/formulas.hpp), each against its equation on
// given numbers, and the campaign's IC equivalent (seeds.cpp) built from the same formulas as the
// replicate: σ, U_share, U_conv and p_uv of a paying policy, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "campaign/formulas.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/ties.hpp"

namespace guanxi::campaign {
namespace {

TEST(Formulas, FollowTheModelsEquations) {
  Behaviour b;  // conv_weak 0.01, conv_strong 0.08, reward 2.0 / 0.5, discount_elasticity 3.0
  EXPECT_DOUBLE_EQ(trust(b, 0.5), 0.01 + 0.07 * 0.5);
  EXPECT_DOUBLE_EQ(trust(b, 0.0), 0.01);
  EXPECT_DOUBLE_EQ(trust(b, 1.0), 0.08);
  Policy p;
  p.referee_discount = 0.2;
  EXPECT_EQ(referee_discount(p, true), 0.2);
  EXPECT_EQ(referee_discount(p, false), 0.0);  // nothing is offered once the policy stops paying
  p.group_buy.enabled = true;
  p.group_buy.discount = 0.25;
  EXPECT_EQ(referee_discount(p, true), 0.25);  // every share is a team invitation
  // R_u = reward + c_1 P (1 - d); partners earn partner_commission[1] under membership.
  p.referral_reward = 5;
  p.commission = {0.1, 0.05};
  EXPECT_DOUBLE_EQ(referral_earnings(p, 100, Tier::customer, 0.2), 5 + 0.1 * 100 * 0.8);
  EXPECT_DOUBLE_EQ(referral_earnings(p, 100, Tier::partner, 0.2), 5 + 0.1 * 100 * 0.8);
  p.membership.enabled = true;
  p.membership.partner_commission = {0.3};
  EXPECT_DOUBLE_EQ(referral_earnings(p, 100, Tier::partner, 0.2), 5 + 0.3 * 100 * 0.8);
  EXPECT_DOUBLE_EQ(referral_earnings(p, 100, Tier::fan, 0.2), 5 + 0.1 * 100 * 0.8);
  // U_share = 1 + e (R/P)^c while paying and R > 0.
  EXPECT_DOUBLE_EQ(share_utility(b, true, 25, 100), 1 + 2.0 * 0.5);
  EXPECT_EQ(share_utility(b, false, 25, 100), 1.0);
  EXPECT_EQ(share_utility(b, true, 0, 100), 1.0);
  // σ = min(1, base · tier_mult · U_share).
  EXPECT_DOUBLE_EQ(share_probability(0.05, 1.5, 2.0), 0.15);
  EXPECT_EQ(share_probability(0.5, 3.0, 2.0), 1.0);
  EXPECT_EQ(by_tier(b.tier_mult, Tier::none), 1.0);
  EXPECT_EQ(by_tier(b.tier_mult, Tier::fan), 1.5);
  EXPECT_EQ(by_tier(b.tier_mult, Tier::partner), 3.0);
  // U_conv = 1 + e d; p_uv = min(1, trust · U_conv · (1 - neg)).
  EXPECT_DOUBLE_EQ(conversion_utility(b, 0.2), 1.6);
  EXPECT_EQ(conversion_utility(b, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(conversion_probability(0.5, 1.6, 0.25), 0.5 * 1.6 * 0.75);
  EXPECT_EQ(conversion_probability(0.8, 1.6, 0.0), 1.0);
}

TEST(Formulas, TheIcEquivalentIsBuiltFromThem) {
  // A paying policy (reward, commission, referee discount) on uniform strengths, no caps: the
  // equivalent is 1 - (1 - σ reach c_uv)^steps with σ and c_uv from formulas.hpp, bit for bit.
  const Graph g = holme_kim(300, 3, 0.4, 7);
  CampaignSpec spec;
  spec.ties.init.kind = TieInit::Kind::uniform;
  spec.ties.init.seed = 5;
  spec.behaviour.share_prob = 0.2;
  spec.behaviour.reach = 0.4;
  spec.behaviour.max_attempts = 0;
  spec.behaviour.max_shares = 0;
  spec.policy.referral_reward = 8;
  spec.policy.referee_discount = 0.15;
  spec.policy.commission = {0.1};
  spec.run.steps = 12;
  const Behaviour& b = spec.behaviour;
  const double price = spec.product.price;
  const double d = referee_discount(spec.policy, true);
  const double u_share = share_utility(b, true, referral_earnings(spec.policy, price, Tier::customer, d), price);
  ASSERT_GT(u_share, 1.0);
  const double sigma = share_probability(b.share_prob, by_tier(b.tier_mult, Tier::customer), u_share);
  const double u_conv = conversion_utility(b, d);
  const std::vector<float> strength = initial_strength(g, spec.ties.init);
  const std::vector<tie_t> arc_tie = g.arc_ties();
  const std::vector<float> q = campaign_ic_equivalent(g, spec);
  ASSERT_EQ(q.size(), g.num_arcs());
  for (arc_t a = 0; a < q.size(); ++a) {
    const double c = conversion_probability(trust(b, strength[arc_tie[a]]), u_conv, 0.0);
    const double expected = 1 - std::pow(1 - sigma * b.reach * c, static_cast<double>(spec.run.steps));
    ASSERT_EQ(q[a], static_cast<float>(expected)) << "arc " << a;
  }
}

}  // namespace
}  // namespace guanxi::campaign
