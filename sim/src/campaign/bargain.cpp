// MODEL.md §3.6 bargain {helpers h, deadline D, discount d_b, solo_fallback φ}. A converted
// prospect opens a bargain instead of buying (seeds and external adopters too). Each step until
// the deadline (t + D - 1) the initiator v asks each neighbour not yet asked with probability
// `reach`; an asked neighbour w helps with probability min(1, trust(s_vw) · help_mult). A helper
// who is a prospect gets one conversion trial with probability trust(s_vw) · aware_mult and,
// converted, opens a bargain of its own (v its referrer). With h helps v buys at P (1 - d_b)
// (channel bargain) at the end of that step; at the deadline without them it buys alone at full
// price with probability φ (channel solo) or returns to prospect. Initiators ask, not share.
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::become_pending_bargain(node_t v, node_t referrer, std::uint32_t t, std::uint8_t channel) {
  become_pending(v, referrer, channel, static_cast<std::uint32_t>(bargains_.size()));
  bargains_.push_back({v, t, channel == seed});
}

void Replicate::bargain_asks(std::uint32_t t) {
  if (!spec_.policy.bargain.enabled) return;
  const Behaviour& b = spec_.behaviour;
  for (BargainState& bargain : bargains_) {
    if (bargain.closed || (bargain.opened >= t && !bargain.seeded)) continue;  // from the next step
    const node_t v = bargain.initiator;
    for (arc_t a = graph_.arc_begin(v); a < graph_.arc_end(v); ++a) {
      if (asked_[a] || uniform(kAsk, a) >= b.reach) continue;
      asked_[a] = 1;
      const node_t w = graph_.target(a);
      const double s = strength(shared_.arc_tie[a], t);
      if (uniform(kHelp, a) >= std::min(1.0, trust(s) * b.help_mult)) continue;
      ++bargain.helps;
      if (nodes_[w].stage == Stage::prospect && uniform(kHelperConvert, a) < trust(s) * b.aware_mult)
        conversions_.push_back({w, v, bits(kCredit, v, w)});
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
      ++bargains_done_;
      buy(bargain.initiator, campaign::bargain, spec.discount, t);
    } else if (t + 1 >= bargain.opened + spec.deadline) {
      bargain.closed = true;
      ++bargains_failed_;
      if (uniform(kSolo, bargain.initiator) < spec.solo_fallback) {
        nodes_[bargain.initiator].referrer = max_nodes;  // a solo adopter has no referrer (MODEL.md §1)
        buy(bargain.initiator, solo, 0.0, t);
      } else {
        Node& n = nodes_[bargain.initiator];
        n.stage = Stage::prospect;
        n.referrer = max_nodes;
        n.channel = kChannels;
      }
    }
  }
}

}  // namespace guanxi::campaign
