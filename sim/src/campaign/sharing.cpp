// MODEL.md §3.2 sharing and §3.3 conversion. A sharer (an active customer, or a pending team
// member) shares with probability σ_u = min(1, base · tier_mult · U_share), base = share_prob or
// team_share_prob; a share reaches each prospect out-neighbour with probability `reach` while
// attempts(u, v) < max_attempts; a reached prospect converts with probability
// min(1, trust(s_uv) · U_conv · (1 - neg(v))). A reach that fails while the policy pays erodes
// the tie (spam, §3.9). When several sharers convert v in one step, the one with the smallest
// hash(seed, replicate, t, u, v) is credited (adoption.cpp resolves the step's adoptions into
// purchases, team joins or new teams (§3.5), or bargains (§3.6)).
// Declares: random purposes share, reach, convert, credit; channel referral;
// metrics reaches, conversion_rate, k_factor.
#include <algorithm>

#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::sharing(std::uint32_t t, Effects& out) const {
  // max_shares, max_attempts and tier_mult are everyone's; §15.2 the sharer's share_prob,
  // team_share_prob, reach and reward response, the prospect's conversion and discount response.
  const Behaviour& b = spec_.behaviour;
  const double discount = offered_discount();
  const double u_conv = conversion_utility(b, discount);
  const bool targeted = !shared_.targets.empty();
  auto share_from = [&](node_t u, bool pending) {
    const Node& sharer = nodes()[u];
    if (b.max_shares > 0 && sharer.shares >= b.max_shares) return;
    const Behaviour& own = behaviour_of(u);
    const double base = pending ? own.team_share_prob : own.share_prob;
    const double u_share = share_utility_of(u, t);
    if (uniform(Purpose::share, u) >= share_probability(base, by_tier(b.tier_mult, sharer.tier), u_share)) return;
    out.sharers.push_back(u);
    for (arc_t a = graph_.arc_begin(u); a < graph_.arc_end(u); ++a) {
      const node_t v = graph_.target(a);
      if (nodes()[v].stage != Stage::prospect) continue;
      if (b.max_attempts > 0 && attempts()[a] >= b.max_attempts) continue;
      if (uniform(Purpose::reach, a) >= own.reach) continue;
      out.reached.push_back(a);
      ++out.reaches;
      const tie_t tie = shared_.arc_tie[a];
      double p = 0;
      if (segmented_ || targeted) {  // §15.2 the prospect's own response, §16.2 to its own target's discount
        const Behaviour& prospect = behaviour_of(v);
        const double offered = targeted ? offered_discount_to(v, t) : discount;
        p = conversion_probability(trust(prospect, strength(tie, t)), conversion_utility(prospect, offered), nodes()[v].neg);
      } else {
        p = conversion_probability(trust(b, strength(tie, t)), u_conv, nodes()[v].neg);
      }
      if (uniform(Purpose::convert, a) < p) {
        out.adopt(v, referral, u, bits(Purpose::credit, u, v));
        ++out.conversion_count;
      } else if (pays_ && u_share > 1.0) {
        out.tie_events.push_back({tie, std::max(0.0, 1.0 - spec_.ties.beta_spam * (u_share - 1.0)), 1});
      }
    }
  };
  // Sharers as of the start of the step (new customers act from t + 1); k_factor divides by all
  // of them, whether or not they share (§5).
  for (node_t u : active_) share_from(u, false);
  out.potential_sharers = active_.size();
  // Pending team members share with urgency; bargain initiators ask instead (§3.6).
  if (spec_.policy.group_buy.enabled)
    for (node_t u : pending_)
      if (nodes()[u].stage == Stage::pending) {
        share_from(u, true);
        ++out.potential_sharers;
      }
}

}  // namespace guanxi::campaign
