// MODEL.md §9 community groups: brand-run groups (a WeChat group, a fan club) where members see
// the brand's posts and each other's purchases. A person is in at most one group; a group has
// members (at most `capacity`), an activity a_g in [0, 1] and the step it opened.
// - §9.1 initial groups: none, all (one group of every node, ignoring capacity) or column (a group
//   per node, given as data).
// - §9.2 joining: a new customer is invited with join_prob and joins at the end of its step: its
//   referrer's group if there is room, else the newest open group with room, else a new group.
//   Each member who is an active customer invites each prospect out-neighbour outside groups with
//   invite_prob (geometric skips over its arcs, so the cost follows the invitations); an
//   invitee joins the inviter's group if there is room (several inviters: the smallest hash).
// - §9.3 posts: each open group gets a post with post_prob (certainly in a flash sale), costing
//   post_cost; a post reaches each member with probability a_g. A reached prospect converts with
//   min(1, group_conv (1 + social_proof b_g) U_conv (1 - neg)), b_g the members who bought in the
//   previous step; a reached active customer repeats with its §3.7 probability times
//   (1 + repeat_lift) (and 1 + discount_elasticity d_f in a sale). A post lifts activity by
//   post_lift (post_lift + red packet lift with a paid red packet, §9.5), capped at 1.
// - §9.4 flash sales: in steps t with t mod period = period - 1, members' purchases through the
//   group and repeat purchases are at P (1 - d_f), incentive spend under the budget.
// - §9.6 decay and leaving: a_g <- a_g (1 - activity_decay) after the lifts; a member leaves with
//   leave_prob (1 - a_g); churned customers leave. At the end of the step: leavers and churners
//   leave, invitees join, new customers join (each in the order of their hash keys); a group
//   left empty closes.
// - §9.7 ties between customer members of one group bond faster (tie_dynamics.cpp, mode 2), a
//   customer member's churn is multiplied by exp(-group_embeddedness a_g) (churn.cpp), and a
//   member who churns speaking ill reaches every other member (churn.cpp).
// Declares: random purposes post, post_reach, post_convert, join, invite, invite_credit,
// join_order, leave; channel community; metrics groups, group_members, group_customers,
// group_activity, posts, community_cost, red_packets.
#include <algorithm>
#include <cmath>
#include <limits>

#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

bool Replicate::flash_step(std::uint32_t t) const {
  const Community& c = spec_.community;
  return c.enabled && c.flash_sale.enabled && t % c.flash_sale.period == c.flash_sale.period - 1;
}

double Replicate::flash_discount(std::uint32_t t) const { return flash_step(t) && pays_ ? spec_.community.flash_sale.discount : 0.0; }

void Replicate::place_initial_groups() {
  if (!spec_.community.enabled) return;
  for (const auto& members : shared_.initial_groups) {
    const auto g = static_cast<std::uint32_t>(groups_.size());
    groups_.push_back({});
    groups_.back().activity = spec_.community.initial_activity;
    groups_.back().from_step = 0;
    groups_.back().members.reserve(members.size());
    for (node_t v : members) join_group(v, g);
  }
}

void Replicate::join_group(node_t v, std::uint32_t g) {
  CommunityGroup& group = groups_[g];
  Node& n = nodes()[v];
  n.community = g + 1;
  n.member_slot = static_cast<std::uint32_t>(group.members.size());
  group.members.push_back(v);
  if (group.members.size() >= spec_.community.capacity) groups_with_room_.erase(g);
  else groups_with_room_.insert(g);
}

void Replicate::leave_group(node_t v) {
  Node& n = nodes()[v];
  const std::uint32_t g = n.community - 1;
  CommunityGroup& group = groups_[g];
  const node_t last = group.members.back();
  group.members[n.member_slot] = last;
  nodes()[last].member_slot = n.member_slot;
  group.members.pop_back();
  n.community = 0;
  if (group.members.empty()) {  // §9.6 a group with no members closes
    group.open = false;
    groups_with_room_.erase(g);
  } else if (group.members.size() < spec_.community.capacity) {
    groups_with_room_.insert(g);
  }
}

void Replicate::community_decisions(std::uint32_t t, Effects& out) const {
  const Community& c = spec_.community;
  if (!c.enabled) return;
  const Behaviour& b = spec_.behaviour;
  const bool sale = flash_step(t);
  const double u_conv = conversion_utility(b, flash_discount(t));
  const double log_skip = c.invite_prob > 0 && c.invite_prob < 1 ? std::log1p(-c.invite_prob) : 0.0;
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    const CommunityGroup& group = groups_[g];
    if (!group.open || group.from_step > t) continue;
    const double a = group.activity;
    // §9.3 posts.
    if (sale || uniform(Purpose::post, g) < c.post_prob) {
      out.posts.push_back(g);
      const double convert = c.group_conv * (1.0 + c.social_proof * group.buyers_last) * u_conv;
      for (node_t v : group.members) {
        if (uniform(Purpose::post_reach, v) >= a) continue;
        const Node& n = nodes()[v];
        if (n.stage == Stage::prospect) {
          // §15.2 the prospect's own response to the flash sale's discount.
          const double p = segmented_ ? c.group_conv * (1.0 + c.social_proof * group.buyers_last) *
                                            conversion_utility(behaviour_of(v), flash_discount(t))
                                      : convert;
          if (uniform(Purpose::post_convert, v) < std::min(1.0, p * (1.0 - n.neg))) out.adopt(v, community, n.inviter);
        } else if (n.stage == Stage::customer) {
          out.post_reached_customers.push_back(v);
        }
      }
    }
    // §9.6 leaving, and §9.2 invitations by members who are active customers.
    const double leave = c.leave_prob * (1.0 - a);
    for (node_t u : group.members) {
      if (leave > 0 && uniform(Purpose::leave, u) < leave) out.leavers.push_back(u);
      if (c.invite_prob <= 0 || nodes()[u].stage != Stage::customer) continue;
      const arc_t begin = graph_.arc_begin(u), end = graph_.arc_end(u);
      std::uint64_t draw = 0;
      for (arc_t arc = begin; arc < end; ++arc) {
        if (c.invite_prob < 1) {  // skip the arcs not invited along
          const double skip = std::floor(std::log1p(-uniform_pair(Purpose::invite, u, draw++)) / log_skip);
          if (skip >= static_cast<double>(end - arc)) break;
          arc += static_cast<arc_t>(skip);
        }
        const node_t w = graph_.target(arc);
        const Node& invitee = nodes()[w];
        if (invitee.stage == Stage::prospect && invitee.community == 0 && w != u)
          out.invites.push_back({w, u, bits(Purpose::invite_credit, u, w)});
      }
    }
  }
  std::sort(out.post_reached_customers.begin(), out.post_reached_customers.end());
}

void Replicate::pay_red_packets() {
  const Community& c = spec_.community;
  if (!c.enabled || !c.red_packet.enabled) return;
  for (std::uint32_t g : effects_.posts)
    if (affordable(c.red_packet.amount)) {
      tally_.money.red_packets += c.red_packet.amount;
      groups_[g].packet = true;
    }
}

void Replicate::update_groups(std::uint32_t t) {
  const Community& c = spec_.community;
  if (!c.enabled) {
    first_buyers_.clear();
    return;
  }
  auto by_hash = [&](std::vector<node_t>& list) {
    std::sort(list.begin(), list.end(), [&](node_t x, node_t y) {
      const auto hx = bits(Purpose::join_order, x), hy = bits(Purpose::join_order, y);
      return hx != hy ? hx < hy : x < y;
    });
  };
  std::vector<node_t> changed;  // active customers whose membership changed: their ties' modes
  // Leavers and churners leave.
  std::vector<node_t> leaving = effects_.leavers;
  for (const auto& [u, ill] : effects_.churners)
    if (nodes()[u].community != 0) leaving.push_back(u);
  std::sort(leaving.begin(), leaving.end());
  leaving.erase(std::unique(leaving.begin(), leaving.end()), leaving.end());
  by_hash(leaving);
  for (node_t v : leaving) {
    leave_group(v);
    changed.push_back(v);
  }
  // Invitees join their inviter's group (several inviters: the smallest credit hash).
  auto& invites = effects_.invites;
  std::sort(invites.begin(), invites.end(), [](const Invitation& x, const Invitation& y) {
    return x.v != y.v ? x.v < y.v : x.credit < y.credit;
  });
  std::vector<node_t> invitees;
  for (std::size_t i = 0; i < invites.size(); ++i)
    if (i == 0 || invites[i].v != invites[i - 1].v) invitees.push_back(invites[i].v);
  by_hash(invitees);
  for (node_t v : invitees) {
    const auto it = std::lower_bound(invites.begin(), invites.end(), v, [](const Invitation& x, node_t y) { return x.v < y; });
    const node_t inviter = it->u;
    const std::uint32_t g = nodes()[inviter].community;
    if (g == 0 || nodes()[v].community != 0) continue;  // the inviter left, or v joined already
    const CommunityGroup& group = groups_[g - 1];
    if (!group.open || group.members.size() >= c.capacity) continue;
    join_group(v, g - 1);
    nodes()[v].inviter = inviter;
    changed.push_back(v);
  }
  // New customers (first purchases since the last update; seeds: step 0) are invited with
  // join_prob: the referrer's group, else the newest group with room, else a new group.
  std::vector<node_t> joiners;
  for (node_t v : first_buyers_)
    if (nodes()[v].community == 0 && nodes()[v].stage == Stage::customer && uniform(Purpose::join, v) < c.join_prob)
      joiners.push_back(v);
  first_buyers_.clear();
  by_hash(joiners);
  for (node_t v : joiners) {
    const node_t r = nodes()[v].referrer;
    std::uint32_t g = std::numeric_limits<std::uint32_t>::max();
    if (r != max_nodes && nodes()[r].community != 0) {
      const CommunityGroup& own = groups_[nodes()[r].community - 1];
      if (own.open && own.members.size() < c.capacity) g = nodes()[r].community - 1;
    }
    if (g == std::numeric_limits<std::uint32_t>::max() && !groups_with_room_.empty()) g = *groups_with_room_.rbegin();
    if (g == std::numeric_limits<std::uint32_t>::max()) {
      g = static_cast<std::uint32_t>(groups_.size());
      groups_.push_back({});
      groups_.back().activity = c.initial_activity;
      groups_.back().from_step = t + 1;
    }
    join_group(v, g);
    changed.push_back(v);
  }
  // Ties of active customers whose group changed change mode from t + 1.
  for (node_t v : changed)
    if (nodes()[v].stage == Stage::customer) retune_ties_of(v, t + 1);
}

void Replicate::update_activity(std::uint32_t t) {
  const Community& c = spec_.community;
  if (!c.enabled) return;
  const double packet_lift = c.red_packet.enabled ? c.red_packet.lift : 0.0;
  std::uint64_t open = 0, members = 0, customers = 0;
  double activity = 0;
  for (CommunityGroup& g : groups_) {
    if (g.from_step <= t) {  // groups made at the end of this step start at initial_activity
      if (g.posted) g.activity = std::min(1.0, g.activity + (c.post_lift + (g.packet ? packet_lift : 0.0)) * (1.0 - g.activity));
      g.activity *= 1.0 - c.activity_decay;
    }
    if (!g.open) continue;
    ++open;
    members += g.members.size();
    activity += g.activity;
    for (node_t v : g.members) customers += nodes()[v].stage == Stage::customer;
  }
  tally_.groups = open;
  tally_.group_members = members;
  tally_.group_customers = customers;
  tally_.group_activity = activity;  // the metric divides by the open groups (NaN: none)
}

}  // namespace guanxi::campaign
