// The one adoption path (MODEL.md §3.3–3.6, §8.1, §9.3): the step's adoptions, whatever decision
// produced them (external adoption §3.1, ads §8.1, shares §3.3 and bargain helps §3.6, posts
// §9.3), resolve into one per prospect by the channel table's precedence (vocabulary.hpp:
// external, ad, referral, community; among referrals the smallest credit hash, §3.3), are placed
// in a fixed order (referrals first, by their team_order hashes, §3.5: they may join their
// sharer's team; then the others by precedence, in the order produced), and each becomes a
// purchase, a team join or new team (§3.5) or a bargain (§3.6). Seeds (seeds.cpp) adopt the same way.
// Declares: random purpose team_order.
#include <algorithm>
#include <tuple>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::resolve_adoptions(std::uint32_t t) {
  auto& adoptions = effects_.adoptions;
  // One adoption per prospect: the channel of smallest precedence, then the smallest credit.
  std::sort(adoptions.begin(), adoptions.end(), [](const Adoption& x, const Adoption& y) {
    return std::tuple(x.node, channel_info(x.channel).precedence, x.credit, x.produced) <
           std::tuple(y.node, channel_info(y.channel).precedence, y.credit, y.produced);
  });
  adoptions.erase(std::unique(adoptions.begin(), adoptions.end(),
                              [](const Adoption& x, const Adoption& y) { return x.node == y.node; }),
                  adoptions.end());
  // Placement decides team indices and the order of joins (§3.5: the converts' hash keys).
  const auto place = [&](const Adoption& a) {
    const ChannelInfo& c = channel_info(a.channel);
    if (c.joins_sharers_team) return std::tuple(0u, bits(Purpose::team_order, a.node), std::uint64_t{a.node});
    return std::tuple(1u + c.precedence, std::uint64_t{a.produced}, std::uint64_t{0});
  };
  std::sort(adoptions.begin(), adoptions.end(), [&](const Adoption& x, const Adoption& y) { return place(x) < place(y); });
  tally_.referral_conversions = static_cast<std::uint64_t>(
      std::count_if(adoptions.begin(), adoptions.end(), [](const Adoption& a) { return a.channel == referral; }));
  // A direct purchase: referees at the referee discount, post converts at a flash sale's price
  // (§9.4), the others at list price.
  const double referee = offered_discount(), flash = flash_discount(t);
  const bool targeted = !shared_.targets.empty();
  for (const Adoption& a : adoptions) {
    // §16.2 a referee is offered its own target's discount.
    const double offered = targeted && a.channel == referral ? offered_discount_to(a.node, t) : referee;
    adopt(a.node, a.channel, a.referrer, t, a.channel == referral ? offered : a.channel == community ? flash : 0.0);
  }
}

void Replicate::adopt(node_t v, Channel channel, node_t referrer, std::uint32_t t, double discount) {
  const Policy& policy = spec_.policy;
  // §16.3 a prospect whose target can no longer pay buys at list price: no team, no bargain.
  const bool pays = pays_ && !incentives_stopped_for(v, t);
  if (pays && policy.group_buy.enabled) {
    if (channel_info(channel).joins_sharers_team && referrer != max_nodes) {
      const Node& sharer = nodes()[referrer];
      const std::uint32_t team = sharer.group;
      if (sharer.stage == Stage::pending && team < teams_.size() && !teams_[team].closed &&
          teams_[team].members.size() < policy.group_buy.size) {
        become_pending(v, referrer, channel, team);  // the origin; the purchase decides team or solo
        teams_[team].members.push_back(v);
        return;
      }
    }
    become_pending_team(v, referrer, t, channel);
  } else if (pays && policy.bargain.enabled) {
    become_pending_bargain(v, referrer, t, channel);
  } else {
    nodes()[v].referrer = referrer;
    buy(v, channel, discount);
  }
}

}  // namespace guanxi::campaign
