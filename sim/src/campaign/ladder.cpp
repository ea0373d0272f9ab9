// MODEL.md §3.10 the relationship ladder: customer -> fan after fan_purchases purchases or one
// successful referral; fan -> partner after partner_referrals successful referrals, or by paying
// membership.fee (each fan pays with probability membership.take_rate per step). Partners share
// with tier_mult.partner and earn membership.partner_commission (§3.2, §3.4). Only the nodes
// whose counts moved this step are examined, plus the fans when membership is on.
// Part III: partners who were partners at the start of the step may buy a stake (§17.1,
// shareholding.cpp): a person climbs at most one rung per step.
// Declares: random purpose fee; metrics fans, partners, fees.
#include <algorithm>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::ladder(std::uint32_t t) {
  const Ladder& rules = spec_.ladder;
  std::sort(ladder_candidates_.begin(), ladder_candidates_.end());
  ladder_candidates_.erase(std::unique(ladder_candidates_.begin(), ladder_candidates_.end()), ladder_candidates_.end());
  for (node_t v : ladder_candidates_) {
    Node& n = nodes()[v];
    if (n.stage != Stage::customer) continue;
    if (n.tier == Tier::customer && (n.purchases >= rules.fan_purchases || n.referrals >= 1)) {
      n.tier = Tier::fan;
      ++tally_.fans;
      fans_list_.push_back(v);
    }
    if (n.tier == Tier::fan && n.referrals >= rules.partner_referrals) {
      n.tier = Tier::partner;
      --tally_.fans;
      ++tally_.partners;
      if (rules.shareholding.enabled) new_partners_.push_back(v);
    }
  }
  ladder_candidates_.clear();
  pay_membership_fees();
  take_stakes(t);
}

void Replicate::pay_membership_fees() {
  const Membership& membership = spec_.policy.membership;
  if (!membership.enabled || membership.take_rate <= 0) return;
  for (node_t v : fans_list_) {
    Node& n = nodes()[v];
    if (n.tier != Tier::fan || n.stage != Stage::customer) continue;
    if (uniform(Purpose::fee, v) >= membership.take_rate) continue;
    tally_.money.fees += membership.fee;
    n.tier = Tier::partner;
    --tally_.fans;
    ++tally_.partners;
    if (spec_.ladder.shareholding.enabled) new_partners_.push_back(v);
  }
  // Keep the list to current fans.
  fans_list_.erase(std::remove_if(fans_list_.begin(), fans_list_.end(),
                                  [&](node_t v) { return nodes()[v].tier != Tier::fan; }),
                   fans_list_.end());
}

}  // namespace guanxi::campaign
