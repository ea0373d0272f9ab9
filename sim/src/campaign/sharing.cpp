// MODEL.md §3.2 sharing and §3.3 conversion. A sharer (an active customer, or a pending team
// member) shares with probability σ_u = min(1, base · tier_mult · U_share), base = share_prob or
// team_share_prob; a share reaches each prospect out-neighbour with probability `reach` while
// attempts(u, v) < max_attempts; a reached prospect converts with probability
// min(1, trust(s_uv) · U_conv · (1 - neg(v))). A reach that fails while the policy pays erodes
// the tie (spam, §3.9). When several sharers convert v in one step, the one with the smallest
// hash(seed, replicate, t, u, v) is credited. Conversions then resolve into purchases, team
// joins or new teams (§3.5), or bargains (§3.6).
// Declares: random purposes share, reach, convert, credit, team_order; channel referral;
// metrics reaches, conversion_rate, k_factor.
#include <algorithm>

#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::sharing(std::uint32_t t, Effects& out) const {
  const Behaviour& b = spec_.behaviour;
  const double u_conv = conversion_utility(b, offered_discount());
  auto share_from = [&](node_t u, double base) {
    const Node& sharer = nodes()[u];
    if (b.max_shares > 0 && sharer.shares >= b.max_shares) return;
    const double u_share = share_utility_of(u);
    if (uniform(Purpose::share, u) >= share_probability(base, by_tier(b.tier_mult, sharer.tier), u_share)) return;
    out.sharers.push_back(u);
    for (arc_t a = graph_.arc_begin(u); a < graph_.arc_end(u); ++a) {
      const node_t v = graph_.target(a);
      if (nodes()[v].stage != Stage::prospect) continue;
      if (b.max_attempts > 0 && attempts()[a] >= b.max_attempts) continue;
      if (uniform(Purpose::reach, a) >= b.reach) continue;
      out.reached.push_back(a);
      ++out.reaches;
      const tie_t tie = shared_.arc_tie[a];
      const double p = conversion_probability(trust(b, strength(tie, t)), u_conv, nodes()[v].neg);
      if (uniform(Purpose::convert, a) < p) {
        out.conversions.push_back({v, u, bits(Purpose::credit, u, v)});
        ++out.conversion_count;
      } else if (pays_ && u_share > 1.0) {
        out.tie_events.push_back({tie, std::max(0.0, 1.0 - spec_.ties.beta_spam * (u_share - 1.0)), 1});
      }
    }
  };
  // Sharers as of the start of the step (new customers act from t + 1); k_factor divides by all
  // of them, whether or not they share (§5).
  for (node_t u : active_) share_from(u, b.share_prob);
  out.potential_sharers = active_.size();
  // Pending team members share with urgency; bargain initiators ask instead (§3.6).
  if (spec_.policy.group_buy.enabled)
    for (node_t u : pending_)
      if (nodes()[u].stage == Stage::pending) {
        share_from(u, b.team_share_prob);
        ++out.potential_sharers;
      }
}

void Replicate::resolve_conversions(std::uint32_t t) {
  // Credit each converted prospect to the sharer with the smallest hash.
  auto& conversions = effects_.conversions;
  auto& adopters = effects_.external;
  std::sort(conversions.begin(), conversions.end(), [](const Conversion& x, const Conversion& y) {
    return x.v != y.v ? x.v < y.v : x.credit < y.credit;
  });
  std::vector<Conversion> credited;
  for (std::size_t i = 0; i < conversions.size(); ++i)
    if (i == 0 || conversions[i].v != conversions[i - 1].v) credited.push_back(conversions[i]);
  // External adopters took their decision first: a referral in the same step does not count.
  // Precedence (§8.1, §9.3): external adoption, ads, shares and bargains, posts.
  std::sort(adopters.begin(), adopters.end());
  auto& ad_adopters = effects_.ad_adopters;
  auto taken = [](const std::vector<node_t>& sorted, node_t v) { return std::binary_search(sorted.begin(), sorted.end(), v); };
  ad_adopters.erase(std::remove_if(ad_adopters.begin(), ad_adopters.end(), [&](node_t v) { return taken(adopters, v); }),
                    ad_adopters.end());
  credited.erase(std::remove_if(credited.begin(), credited.end(),
                                [&](const Conversion& c) {
                                  return taken(adopters, c.v) || taken(ad_adopters, c.v);
                                }),
                 credited.end());
  auto& post_converts = effects_.post_converts;
  if (!post_converts.empty()) {
    std::vector<node_t> referred;
    for (const Conversion& c : credited) referred.push_back(c.v);
    std::sort(referred.begin(), referred.end());
    post_converts.erase(std::remove_if(post_converts.begin(), post_converts.end(),
                                       [&](node_t v) {
                                         return taken(adopters, v) || taken(ad_adopters, v) || taken(referred, v);
                                       }),
                        post_converts.end());
  }
  tally_.referral_conversions = credited.size();
  // Team joins go in the order of the converts' hash keys (MODEL.md §3.5).
  std::sort(credited.begin(), credited.end(), [&](const Conversion& x, const Conversion& y) {
    const auto hx = bits(Purpose::team_order, x.v), hy = bits(Purpose::team_order, y.v);
    return hx != hy ? hx < hy : x.v < y.v;
  });
  const Policy& policy = spec_.policy;
  for (const Conversion& c : credited) {
    if (pays_ && policy.group_buy.enabled) {
      const Node& sharer = nodes()[c.u];
      const bool sharer_in_team = sharer.stage == Stage::pending && sharer.group < teams_.size() &&
                                  !teams_[sharer.group].closed;
      if (sharer_in_team && teams_[sharer.group].members.size() < policy.group_buy.size) {
        // The origin is referral; the purchase decides team or solo.
        become_pending(c.v, c.u, referral, sharer.group);
        teams_[sharer.group].members.push_back(c.v);
      } else {
        become_pending_team(c.v, c.u, t, referral);
      }
    } else if (pays_ && policy.bargain.enabled) {
      become_pending_bargain(c.v, c.u, t, referral);
    } else {
      nodes()[c.v].referrer = c.u;
      buy(c.v, referral, offered_discount());
    }
  }
  for (node_t v : adopters) {
    if (pays_ && policy.group_buy.enabled) become_pending_team(v, max_nodes, t, external);
    else if (pays_ && policy.bargain.enabled) become_pending_bargain(v, max_nodes, t, external);
    else buy(v, external, 0.0);
  }
  // Ad adopters act as external adopters do (§8.1); so do post converts (§9.3), whose referrer
  // is their inviter and whose first purchase through the group is at a flash sale's price.
  for (node_t v : ad_adopters) {
    if (pays_ && policy.group_buy.enabled) become_pending_team(v, max_nodes, t, ad);
    else if (pays_ && policy.bargain.enabled) become_pending_bargain(v, max_nodes, t, ad);
    else buy(v, ad, 0.0);
  }
  const double flash = flash_discount(t);
  for (node_t v : post_converts) {
    const node_t inviter = nodes()[v].inviter;
    if (pays_ && policy.group_buy.enabled) {
      become_pending_team(v, inviter, t, community);
    } else if (pays_ && policy.bargain.enabled) {
      become_pending_bargain(v, inviter, t, community);
    } else {
      nodes()[v].referrer = inviter;
      buy(v, community, flash);
    }
  }
}

}  // namespace guanxi::campaign
