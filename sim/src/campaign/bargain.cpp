// MODEL.md §3.6 bargain {helpers h, deadline D, discount d_b, solo_fallback φ}. A converted
// prospect opens a bargain instead of buying (seeds and external adopters too). Each step until
// the deadline (t + D - 1) the initiator v asks each neighbour not yet asked in this bargain (a
// later bargain of v may ask the same friends again) with probability `reach`; an asked
// neighbour w helps with probability min(1, trust(s_vw) · help_mult). A helper
// who is a prospect gets one conversion trial with probability trust(s_vw) · aware_mult and,
// converted, opens a bargain of its own (v its referrer). With h helps v buys at P (1 - d_b)
// (channel bargain) at the end of that step; at the deadline without them it buys alone at full
// price with probability φ (channel solo) or returns to prospect. Initiators ask, not share.
// Declares: random purposes ask, help, helper_convert, solo; channels bargain, solo; metric
// bargain_success_rate.
#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::become_pending_bargain(node_t v, node_t referrer, std::uint32_t t, std::uint8_t channel) {
  become_pending(v, referrer, channel, static_cast<std::uint32_t>(bargains_.size()));
  bargains_.push_back({v, t, channel == seed});
}

void Replicate::bargain_asks(std::uint32_t t, Effects& out) const {
  if (!spec_.policy.bargain.enabled) return;
  const Behaviour& b = spec_.behaviour;
  for (std::uint32_t index = 0; index < bargains_.size(); ++index) {
    const BargainState& bargain = bargains_[index];
    if (bargain.closed || (bargain.opened >= t && !bargain.seeded)) continue;  // from the next step
    const node_t v = bargain.initiator;
    // "Not yet asked in this bargain": a later bargain of v is a fresh link and may ask the
    // same friends again. A node has one bargain open at a time, so one mark per arc suffices.
    const std::uint32_t mark = index + 1;
    const double reach = behaviour_of(v).reach;  // §18a the initiator's reach decides whom it asks
    for (arc_t a = graph_.arc_begin(v); a < graph_.arc_end(v); ++a) {
      if (asked()[a] == mark || uniform(Purpose::ask, a) >= reach) continue;
      out.asked.push_back({index, a});
      const node_t w = graph_.target(a);
      const double s = strength(shared_.arc_tie[a], t);
      // §18a the asked neighbour's help_mult, aware_mult and trust(s) with its own conv_weak and conv_strong.
      const Behaviour& asked = segmented_ ? behaviour_of(w) : b;
      if (uniform(Purpose::help, a) >= std::min(1.0, trust(asked, s) * asked.help_mult)) continue;
      out.helped.push_back(index);
      if (nodes()[w].stage == Stage::prospect && uniform(Purpose::helper_convert, a) < trust(asked, s) * asked.aware_mult)
        out.adopt(w, referral, v, bits(Purpose::credit, v, w));
    }
  }
}

void Replicate::close_bargains(std::uint32_t t) {
  if (!spec_.policy.bargain.enabled) return;
  const Bargain& spec = spec_.policy.bargain;
  for (BargainState& bargain : bargains_) {
    if (bargain.closed) continue;
    if (bargain.helps >= spec.helpers) {
      bargain.closed = true;
      ++tally_.bargains_done;
      buy(bargain.initiator, campaign::bargain,
          shared_.targets.empty() ? spec.discount : discount_for(bargain.initiator, DiscountLever::bargain, t));
    } else if (t + 1 >= bargain.opened + spec.deadline) {
      bargain.closed = true;
      ++tally_.bargains_failed;
      fall_back(bargain.initiator, spec.solo_fallback);
    }
  }
}

}  // namespace guanxi::campaign
