// MODEL.md §3.9 tie dynamics, lazily and in closed form. Within a step, in this order: a
// successful referral pulls s toward 1 by alpha_conv; a failed reach while the policy pays
// multiplies s by 1 - beta_spam (U_share - 1); teams add alpha_team (completion) or take
// beta_fail · s (failure, §3.5); then ties between two active customers bond
// (s <- s + alpha_bond (1 - s)) and every tie decays toward s_floor (s <- floor + (s - floor)(1 - decay)).
//
// Between events a tie follows one affine map per step, "free" (decay only) or "bonded" (bond,
// then decay), so after k steps s = fixed + (s0 - fixed) keep^k. Each tie stores its strength at
// the start of some step and is brought up to date only when read, changed or reported; its
// mode changes only when an endpoint becomes or stops being an active customer (O(degree)).
// Metrics need sums over the ties touching a customer ("tracked" ties): per mode, the count,
// the sum of strengths (advanced each step by the same affine map) and the strong ties
// (s >= strong_threshold), kept exact by scheduling each tracked tie's next crossing of the
// threshold in closed form. Cost per step follows activity, never the number of ties.
// §9.7 adds a third mode: a tie between two active customers who are members of the same
// community group also gains alpha_group a_g (1 - s) each step (after the bonding, before the
// decay). a_g changes from step to step, so these ties ("grouped") are advanced explicitly each
// step and their strong flags checked then: their number is at most the ties among customers.
// Declares: no random purpose; metrics mean_strength, strong_tie_fraction, strong_ties_customers,
// value_ties.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "replicate.hpp"

namespace guanxi::campaign {
namespace {

constexpr int kFree = 0, kGrouped = 2;

}  // namespace

std::uint8_t Replicate::tie_mode(node_t a, node_t b) const {
  if (a == b || !active_customer(a) || !active_customer(b)) return 0;
  const Community& c = spec_.community;
  const std::uint32_t g = nodes()[a].community;
  return c.enabled && c.alpha_group > 0 && g != 0 && g == nodes()[b].community ? 2 : 1;
}

Replicate::TieState& Replicate::tie_state(tie_t t) {
  TieState& s = ties()[t];
  if (!s.touched) {
    s.touched = true;
    s.value = shared_.initial_strength[t];
    s.stamp = 0;
    std::tie(s.a, s.b) = graph_.tie_endpoints(t);  // once per touched tie
  }
  return s;
}

double Replicate::strength(tie_t t, std::uint32_t at_step) const {
  const TieState& s = ties()[t];
  if (s.touched && s.mode == kGrouped) return s.value;  // advanced explicitly: its stamp is the current step
  const double value = s.touched ? s.value : shared_.initial_strength[t];
  const std::uint32_t from = s.touched ? s.stamp : 0;
  const bool bonded = s.touched && s.mode == 1;
  const double fixed = bonded ? shared_.bonded_fixed : shared_.free_fixed;
  const auto& keep = bonded ? shared_.bonded_keep_pow : shared_.free_keep_pow;
  return fixed + (value - fixed) * keep[at_step - from];
}

double Replicate::settle(tie_t t, std::uint32_t at_step) {
  const double value = strength(t, at_step);
  TieState& s = tie_state(t);
  s.value = value;
  s.stamp = at_step;
  return value;
}

void Replicate::flip_strong(tie_t t, bool strong) {
  TieState& s = tie_state(t);
  if (s.strong == strong) return;
  s.strong = strong;
  const int delta = strong ? 1 : -1;
  tally_.strong_count[s.mode] += delta;
  const auto [a, b] = ends(t);
  if (active_customer(a)) nodes()[b].strong_active += delta;
  if (active_customer(b) && a != b) nodes()[a].strong_active += delta;
}

// Brings a tracked tie's strong flag up to date at its stamp and schedules its next crossing.
void Replicate::reschedule(tie_t t) {
  TieState& s = tie_state(t);
  ++s.version;
  const double theta = spec_.ties.strong_threshold;
  flip_strong(t, s.value >= theta);
  if (s.mode == kGrouped) return;  // checked every step
  const double fixed = s.mode == 1 ? shared_.bonded_fixed : shared_.free_fixed;
  const auto& keep = s.mode == 1 ? shared_.bonded_keep_pow : shared_.free_keep_pow;
  const std::uint32_t last = spec_.run.steps;  // strengths at the start of steps <= last matter
  if (s.stamp >= last) return;
  // The strength moves monotonically toward `fixed`: it crosses only if fixed is across.
  const bool strong = s.strong;
  if (strong ? fixed >= theta : fixed < theta) return;
  auto crossed = [&](std::uint32_t j) {
    const double v = fixed + (s.value - fixed) * keep[j];
    return strong ? v < theta : v >= theta;
  };
  const std::uint32_t span = last - s.stamp;
  // keep^j < (theta - fixed) / (s - fixed): the log gives the step, checked on the exact map.
  const double ratio = (theta - fixed) / (s.value - fixed);
  std::uint32_t j = 1;
  const double log_keep = std::log(keep.size() > 1 ? keep[1] : 1.0);
  if (ratio > 0 && log_keep < 0) {
    const double guess = std::floor(std::log(ratio) / log_keep);
    j = guess < 1 ? 1 : guess > span ? span : static_cast<std::uint32_t>(guess);
  }
  while (j > 1 && crossed(j - 1)) --j;
  while (j <= span && !crossed(j)) ++j;
  if (j <= span) crossings_[s.stamp + j].push_back({t, s.version});
}

// One step of a grouped tie from s (after the step's events): bonding, the group's gain at its
// activity as of the start of the step, then decay toward the floor.
double Replicate::group_step(tie_t tie, double s) {
  const TieDynamics& d = spec_.ties;
  const double activity = groups_[nodes()[tie_state(tie).a].community - 1].activity;
  s += d.alpha_bond * (1.0 - s);
  s += spec_.community.alpha_group * activity * (1.0 - s);
  return d.s_floor + (s - d.s_floor) * (1.0 - d.decay);
}

void Replicate::track_ties_of(node_t v, std::uint32_t from_step) {
  auto track = [&](tie_t t) {
    TieState& s = tie_state(t);
    if (s.tracked) return;
    const double value = settle(t, from_step);
    s.tracked = true;  // untracked ties are free: one end never was a customer
    ++tally_.tie_count[kFree];
    tally_.sum_strength[kFree] += value;
    dirty_.push_back(t);
  };
  for (arc_t a = graph_.arc_begin(v); a < graph_.arc_end(v); ++a) track(shared_.arc_tie[a]);
  for (arc_t i = shared_.in_offsets.empty() ? 0 : shared_.in_offsets[v];
       !shared_.in_offsets.empty() && i < shared_.in_offsets[v + 1]; ++i)
    track(shared_.in_arcs[i]);
}

void Replicate::retune_ties_of(node_t v, std::uint32_t from_step) {
  auto retune = [&](tie_t t) {
    TieState& s = tie_state(t);
    if (!s.tracked) return;
    const auto [a, b] = ends(t);
    const std::uint8_t mode = tie_mode(a, b);
    if (mode == s.mode) return;
    const double value = settle(t, from_step);
    tally_.sum_strength[s.mode] -= value;
    --tally_.tie_count[s.mode];
    if (s.strong) --tally_.strong_count[s.mode];
    s.mode = mode;
    tally_.sum_strength[s.mode] += value;
    ++tally_.tie_count[s.mode];
    if (s.strong) ++tally_.strong_count[s.mode];
    if (mode == kGrouped && !s.listed) {
      s.listed = true;
      grouped_ties_.push_back(t);
    }
    dirty_.push_back(t);
  };
  for (arc_t a = graph_.arc_begin(v); a < graph_.arc_end(v); ++a) retune(shared_.arc_tie[a]);
  for (arc_t i = shared_.in_offsets.empty() ? 0 : shared_.in_offsets[v];
       !shared_.in_offsets.empty() && i < shared_.in_offsets[v + 1]; ++i)
    retune(shared_.in_arcs[i]);
}

// Strong ties of v to or from active customers change v's neighbours' counts S_w.
void Replicate::count_strong_neighbours(node_t v, int delta) {
  auto count = [&](tie_t t) {
    const TieState& s = ties()[t];
    if (!s.touched || !s.tracked || !s.strong) return;
    const auto [a, b] = ends(t);
    if (a == b) return;
    nodes()[a == v ? b : a].strong_active += delta;
  };
  for (arc_t a = graph_.arc_begin(v); a < graph_.arc_end(v); ++a) count(shared_.arc_tie[a]);
  for (arc_t i = shared_.in_offsets.empty() ? 0 : shared_.in_offsets[v];
       !shared_.in_offsets.empty() && i < shared_.in_offsets[v + 1]; ++i)
    count(shared_.in_arcs[i]);
}

void Replicate::commit_new_customers(std::uint32_t from_step) {
  grow_forest(from_step == 0 ? 0 : from_step - 1);
  for (node_t v : newly_active_) {
    active_.push_back(v);
    ++tally_.customers;
    count_strong_neighbours(v, +1);  // v's already-tracked strong ties now touch an active customer
    track_ties_of(v, from_step);
  }
  for (node_t v : newly_active_) retune_ties_of(v, from_step);
  newly_active_.clear();
}

// Strong flags of the ties changed since the last refresh, then the crossings of θ due at the
// start of `at_step` (scheduled in closed form; a tie changed since is rescheduled already).
void Replicate::refresh_strong(std::uint32_t at_step) {
  std::sort(dirty_.begin(), dirty_.end());
  dirty_.erase(std::unique(dirty_.begin(), dirty_.end()), dirty_.end());
  for (tie_t tie : dirty_) {
    settle(tie, at_step);
    reschedule(tie);
  }
  dirty_.clear();
  auto& due = crossings_[at_step];
  std::sort(due.begin(), due.end());
  for (const auto& [tie, version] : due) {
    if (ties()[tie].version != version) continue;  // changed since it was scheduled
    settle(tie, at_step);
    reschedule(tie);
  }
  std::vector<std::pair<tie_t, std::uint32_t>>().swap(due);
}

void Replicate::tie_dynamics(std::uint32_t t) {
  // A successful referral (a referee's first purchase in this step) strengthens the tie it
  // travelled.
  for (node_t v : newly_active_) {
    const node_t referrer = nodes()[v].referrer;
    if (referrer == max_nodes) continue;
    if (const auto arc = arc_between(referrer, v)) effects_.tie_events.push_back({shared_.arc_tie[*arc], spec_.ties.alpha_conv, 0});
  }
  // 1. Events of the step, per tie in the order of §3.9, on the strength at the start of t.
  std::sort(effects_.tie_events.begin(), effects_.tie_events.end(), [](const TieEvent& x, const TieEvent& y) {
    return x.tie != y.tie ? x.tie < y.tie : x.kind < y.kind;
  });
  for (std::size_t i = 0; i < effects_.tie_events.size();) {
    const tie_t tie = effects_.tie_events[i].tie;
    const double before = settle(tie, t);
    double value = before;
    for (; i < effects_.tie_events.size() && effects_.tie_events[i].tie == tie; ++i) {
      const TieEvent& e = effects_.tie_events[i];
      value = (e.kind == 0 || e.kind == 2) ? value + e.factor_or_gain * (1.0 - value) : value * e.factor_or_gain;
    }
    TieState& s = ties()[tie];
    if (s.tracked) tally_.sum_strength[s.mode] += value - before;
    if (s.mode == kGrouped) {
      s.value = group_step(tie, value);
      tally_.sum_strength[kGrouped] += s.value - value;
    } else {
      // The step's bonding and decay, as for every tie: stored at the start of t + 1.
      const double fixed = s.mode == 1 ? shared_.bonded_fixed : shared_.free_fixed;
      const auto& keep = s.mode == 1 ? shared_.bonded_keep_pow : shared_.free_keep_pow;
      s.value = fixed + (value - fixed) * keep[1];
    }
    s.stamp = t + 1;
    if (s.tracked) dirty_.push_back(tie);
  }
  effects_.tie_events.clear();
  // 2. Every tracked tie advances one step: the same affine maps on the sums of the free and
  // bonded ties; the grouped ties one by one.
  const double fixed[2] = {shared_.free_fixed, shared_.bonded_fixed};
  const double keep[2] = {shared_.free_keep_pow[1], shared_.bonded_keep_pow[1]};
  for (int m = 0; m < 2; ++m)
    tally_.sum_strength[m] = fixed[m] * tally_.tie_count[m] + keep[m] * (tally_.sum_strength[m] - fixed[m] * tally_.tie_count[m]);
  std::size_t kept = 0;
  for (tie_t tie : grouped_ties_) {
    TieState& s = ties()[tie];
    if (s.mode != kGrouped) {
      s.listed = false;
      continue;
    }
    grouped_ties_[kept++] = tie;
    if (s.stamp != t) continue;  // an event advanced it already
    const double value = group_step(tie, s.value);
    tally_.sum_strength[kGrouped] += value - s.value;
    s.value = value;
    s.stamp = t + 1;
    dirty_.push_back(tie);
  }
  grouped_ties_.resize(kept);
}

void Replicate::retire_churners(std::uint32_t t) {
  // Churn takes effect from t + 1: the churners' strong ties stop counting in their neighbours'
  // S_u, their ties leave the bonded modes, and they leave the tiers' counts and active_.
  for (node_t u : newly_churned_) {
    count_strong_neighbours(u, -1);
    const Tier tier = nodes()[u].tier;
    if (tier == Tier::fan) --tally_.fans;
    if (tier == Tier::partner) --tally_.partners;
    if (tier == Tier::shareholder) --tally_.shareholders;
    ++tally_.churned;
  }
  for (node_t u : newly_churned_) retune_ties_of(u, t + 1);
  if (!newly_churned_.empty())
    active_.erase(std::remove_if(active_.begin(), active_.end(),
                                 [&](node_t v) { return nodes()[v].stage != Stage::customer; }),
                  active_.end());
}

}  // namespace guanxi::campaign
