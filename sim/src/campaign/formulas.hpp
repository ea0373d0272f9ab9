// MODEL.md §3.2–3.3's formulas, one home each: trust(s), the referee's discount, what a sharer
// earns per conversion (R_u), the share utility U_share, the share probability σ_u, the
// conversion utility U_conv and the conversion probability p_uv; and §3.7–3.8's capped S_u. The
// replicate (sharing.cpp, bargain.cpp, community.cpp, repeat_purchase.cpp, churn.cpp) and the
// campaign's IC equivalent (seeds.cpp) both call them, so a parameter that feeds sharing or
// conversion is added in one place.
// Each is written in the evaluation order the results were made with: reordering a product
// changes the last bit of results.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "guanxi/campaign.hpp"
#include "vocabulary.hpp"

namespace guanxi::campaign {

// A tier's entry in a table of tier multipliers (§3.2 tier_mult, §10); people without a tier
// (pending team members) read the customer entry.
inline double by_tier(const TierMultipliers& m, Tier tier) {
  switch (tier) {
    case Tier::shareholder: return m.shareholder;
    case Tier::partner: return m.partner;
    case Tier::fan: return m.fan;
    default: return m.customer;
  }
}

// §3.10, §17.2: partners and shareholders earn membership.partner_commission (when membership is on).
inline bool earns_partner_commission(const Policy& p, Tier tier) {
  return p.membership.enabled && (tier == Tier::partner || tier == Tier::shareholder);
}

// §3.7–3.8 S_u as repeat purchase and churn read it: the strong ties from u to active customers
// (Node::strong_active), capped at stickiness_cap.
inline double capped_strong_ties(const Behaviour& b, std::uint32_t strong_active) {
  return std::min<std::uint32_t>(strong_active, b.stickiness_cap);
}

// §3.3 trust(s) = conv_weak + (conv_strong − conv_weak)·s.
inline double trust(const Behaviour& b, double s) { return b.conv_weak + (b.conv_strong - b.conv_weak) * s; }

// §3.3–3.5 d_referee: the discount a referee is offered while the policy pays (under group buy
// every share is a team invitation, so d_g), 0 otherwise.
inline double referee_discount(const Policy& p, bool pays) {
  if (!pays) return 0.0;
  return p.group_buy.enabled ? p.group_buy.discount : p.referee_discount;
}

// §3.2 R_u: what a sharer of tier `tier` earns per conversion, the reward plus the level-1
// commission on what a referee with discount d pays (partners: membership.partner_commission).
inline double referral_earnings(const Policy& p, double price, Tier tier, double d) {
  double commission = p.commission.empty() ? 0.0 : p.commission[0];
  if (earns_partner_commission(p, tier))
    commission = p.membership.partner_commission.empty() ? 0.0 : p.membership.partner_commission[0];
  return p.referral_reward + commission * price * (1.0 - d);
}

// §3.2 U_share = 1 + reward_elasticity·(R_u/P)^reward_curvature while the policy pays and R_u > 0,
// else 1.
inline double share_utility(const Behaviour& b, bool pays, double earned, double price) {
  if (!pays || earned <= 0 || !(price > 0)) return 1.0;
  return 1.0 + b.reward_elasticity * std::pow(earned / price, b.reward_curvature);
}

// §3.2 σ_u = min(1, base·tier_mult·U_share), base = share_prob (team_share_prob when pending).
inline double share_probability(double base, double tier_mult, double u_share) {
  return std::min(1.0, base * tier_mult * u_share);
}

// §3.3 U_conv = 1 + discount_elasticity·d (d: the referee's discount; §9.3–9.4: the flash sale's).
inline double conversion_utility(const Behaviour& b, double d) { return 1.0 + b.discount_elasticity * d; }

// §3.3 p_uv = min(1, trust(s_uv)·U_conv·(1 − neg(v))).
inline double conversion_probability(double trust_uv, double u_conv, double neg) {
  return std::min(1.0, trust_uv * u_conv * (1.0 - neg));
}

}  // namespace guanxi::campaign
