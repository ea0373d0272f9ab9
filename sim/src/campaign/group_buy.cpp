// MODEL.md §3.5 group buy {size k, deadline D, discount d_g, solo_fallback φ}. A converted
// prospect joins its sharer's open team while it has a free slot, or opens a team of its own;
// seeds and external adopters open teams. A team opened in step t can fill through step
// t + D - 1. A team with k members completes at the end of the step: everyone buys at
// P (1 - d_g) (channel team), paid out as in §3.4, and every tie between two members gains
// alpha_team. A team whose deadline passes unfilled fails: each member buys alone at full price
// with probability φ (channel solo), otherwise returns to prospect, and the tie between the
// initiator and each member loses beta_fail · s.
// Declares: random purpose solo; channels team, solo; metrics pending, team_success_rate.
#include <algorithm>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::become_pending_team(node_t v, node_t referrer, std::uint32_t t, std::uint8_t channel) {
  become_pending(v, referrer, channel, static_cast<std::uint32_t>(teams_.size()));
  teams_.push_back({v, t, {v}, false});
}

void Replicate::close_teams(std::uint32_t t) {
  if (!spec_.policy.group_buy.enabled) return;
  const GroupBuy& gb = spec_.policy.group_buy;
  for (std::uint32_t i = 0; i < teams_.size(); ++i) {
    Team& team = teams_[i];
    if (team.closed) continue;
    if (team.members.size() >= gb.size) {
      team.closed = true;
      ++tally_.teams_done;
      // §16.2 each member pays its own target's team discount (the base d_g without targets).
      for (node_t m : team.members)
        buy(m, campaign::team, shared_.targets.empty() ? gb.discount : discount_for(m, DiscountLever::team, t));
      // Shared purchases bond every pair of members tied in G.
      for (node_t m : team.members)
        for (arc_t a = graph_.arc_begin(m); a < graph_.arc_end(m); ++a) {
          const node_t w = graph_.target(a);
          if (nodes()[w].group != i || nodes()[w].stage != Stage::pending) continue;
          if (!graph_.directed() && w < m) continue;  // each undirected tie once
          effects_.tie_events.push_back({shared_.arc_tie[a], spec_.ties.alpha_team, 2});
        }
    } else if (t + 1 >= team.opened + gb.deadline) {
      team.closed = true;
      ++tally_.teams_failed;
      for (node_t m : team.members) {
        fall_back(m, gb.solo_fallback);
        if (m == team.initiator) continue;
        if (const auto arc = arc_between(team.initiator, m))
          effects_.tie_events.push_back({shared_.arc_tie[*arc], 1.0 - spec_.ties.beta_fail, 3});
      }
    }
  }
}

}  // namespace guanxi::campaign
