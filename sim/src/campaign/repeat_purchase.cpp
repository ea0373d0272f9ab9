// MODEL.md §3.7 repeat purchase: each active customer buys again, at list price, with
// probability repeat_prob · m_tier · (1 + stickiness · S_u), S_u = strong ties from u to active
// customers capped at stickiness_cap, m_tier its tier's tier_repeat_mult (§10: fans buy more; its
// basket, tier_spend_mult, is paid in §3.4). Repeat purchases pay commissions (§3.4). §9.3: a
// customer member reached by a post this step multiplies it by 1 + repeat_lift, and by
// 1 + discount_elasticity d_f more in a flash sale. §18: a customer rebated at the end of the last
// margin-promise period multiplies it by 1 + lift.
// Declares: random purpose repeat; metric repeat_purchases.
#include <algorithm>

#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::repeat_purchases(std::uint32_t t, Effects& out) const {
  const Behaviour& b = spec_.behaviour;
  if (b.repeat_prob <= 0 && !segmented_) return;
  const auto& reached = out.post_reached_customers;  // sorted
  const double post_lift = (1.0 + spec_.community.repeat_lift) * conversion_utility(b, flash_discount(t));
  const MarginCap& cap = spec_.policy.margin_cap;
  for (node_t u : active_) {
    const Behaviour& own = behaviour_of(u);  // §15.2 the customer's repeat_prob and tier_repeat_mult
    const double strong = capped_strong_ties(b, nodes()[u].strong_active);
    double p = own.repeat_prob * by_tier(own.tier_repeat_mult, nodes()[u].tier) * (1.0 + b.stickiness * strong);
    if (!reached.empty() && std::binary_search(reached.begin(), reached.end(), u))
      p *= segmented_ ? (1.0 + spec_.community.repeat_lift) * conversion_utility(own, flash_discount(t)) : post_lift;
    // §18: a rebate lifts the whole repeat probability for the period after it.
    if (cap.enabled && t < ledger_[nodes()[u].book - 1].lift_until) p *= 1.0 + cap.lift;
    if (uniform(Purpose::repeat, u) < p)
      out.repeat_buyers.push_back(u);
  }
}

void Replicate::queue_repeat_purchases(std::uint32_t t) {
  // §9.4 repeat purchases of members in a flash sale are at its discount.
  const double flash = flash_discount(t);
  for (node_t u : effects_.repeat_buyers)
    buy(u, referral, flash > 0 && nodes()[u].community != 0 ? flash : 0.0, true);
}

}  // namespace guanxi::campaign
