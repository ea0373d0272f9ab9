// MODEL.md §3.9 tie dynamics and §9.7 grouped ties as implemented lazily
// (sim/src/campaign/tie_dynamics.cpp): the closed form equals step-by-step iteration of the maps;
// after every step the aggregates the metrics read (sums and counts by mode, strong ties, each
// node's strong ties to active customers) equal a brute-force recount from every tie's current
// strength; strengths stay in [0, 1]; ties between customer members of a group strengthen with
// its activity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;

TEST(TieDynamics, ClosedFormEqualsIteratedMaps) {
  const Graph g = complete_graph(5);
  CampaignSpec spec;
  spec.ties.decay = 0.03;
  spec.ties.s_floor = 0.07;
  spec.ties.alpha_bond = 0.02;
  spec.run.steps = 40;
  spec.seeding.k = 1;
  const Shared shared = prepare_shared(g, spec, 0, 1);
  for (double s0 : {0.0, 0.33, 0.9}) {
    double free = s0, bonded = s0;
    for (std::uint32_t k = 1; k <= 40; ++k) {
      free = 0.07 + (free - 0.07) * (1 - 0.03);
      bonded = 0.07 + ((bonded + 0.02 * (1 - bonded)) - 0.07) * (1 - 0.03);
      EXPECT_NEAR(shared.free_fixed + (s0 - shared.free_fixed) * shared.free_keep_pow[k], free, 1e-12);
      EXPECT_NEAR(shared.bonded_fixed + (s0 - shared.bonded_fixed) * shared.bonded_keep_pow[k], bonded, 1e-12);
    }
  }
}

// Recounts what the tracked-tie aggregates should hold at the start of step `at`.
void expect_aggregates(ReplicateProbe& probe, const Graph& g, std::uint32_t at, double theta) {
  std::array<double, 3> sums{};
  std::array<std::int64_t, 3> counts{}, strong{};
  std::vector<std::uint32_t> strong_active(g.num_nodes(), 0);
  for (tie_t t = 0; t < g.num_ties(); ++t) {
    const auto& state = probe.ties()[t];
    if (!state.touched || !state.tracked) continue;
    const double s = probe.r().strength(t, at);
    const auto [a, b] = g.tie_endpoints(t);
    const bool bonded = a != b && probe.r().node(a).stage == Stage::customer && probe.r().node(b).stage == Stage::customer;
    // Mode 2 (§9.7): both ends in the same community group (with alpha_group > 0).
    const bool grouped = bonded && probe.r().node(a).community != 0 && probe.r().node(a).community == probe.r().node(b).community &&
                         probe.alpha_group() > 0;
    const int mode = grouped ? 2 : bonded ? 1 : 0;
    ASSERT_EQ(state.mode, mode) << "tie " << t;
    sums[mode] += s;
    ++counts[mode];
    if (s >= theta) {
      ++strong[mode];
      ASSERT_TRUE(state.strong) << "tie " << t << " s=" << s << " at step " << at;
      if (probe.r().node(a).stage == Stage::customer) ++strong_active[b];
      if (probe.r().node(b).stage == Stage::customer) ++strong_active[a];
    } else {
      ASSERT_FALSE(state.strong) << "tie " << t << " s=" << s << " at step " << at;
    }
  }
  for (int m = 0; m < 3; ++m) {
    EXPECT_NEAR(probe.sums()[m], sums[m], 1e-9 * (1 + sums[m])) << "mode " << m << " at step " << at;
    EXPECT_EQ(probe.counts()[m], counts[m]) << "mode " << m;
    EXPECT_EQ(probe.strong()[m], strong[m]) << "mode " << m << " at step " << at;
  }
  for (node_t v = 0; v < g.num_nodes(); ++v) EXPECT_EQ(probe.r().node(v).strong_active, strong_active[v]) << "node " << v;
}

// Busy campaigns (referrals, spam, teams, churn, strong bonding) exercise every kind of event.
// Returns the most ties seen in mode 2 (between customer members of one group, §9.7).
std::int64_t run_and_check(const Graph& g, CampaignSpec spec) {
  ReplicateProbe probe(g, spec, 3, 11);
  probe.r().begin();
  expect_aggregates(probe, g, 0, spec.ties.strong_threshold);
  std::int64_t most_strong_bonded = 0, most_grouped = 0;
  for (std::uint32_t t = 0; t < spec.run.steps; ++t) {
    probe.r().step(t);
    expect_aggregates(probe, g, t + 1, spec.ties.strong_threshold);
    if (::testing::Test::HasFailure()) return most_grouped;
    most_grouped = std::max(most_grouped, probe.counts()[2]);
    most_strong_bonded = std::max(most_strong_bonded, probe.strong()[1] + probe.strong()[2]);
  }
  // Bonded ties climb toward 0.675 > threshold here: crossings were exercised.
  EXPECT_GT(most_strong_bonded, 0);
  return most_grouped;
}

CampaignSpec busy() {
  CampaignSpec spec;
  spec.behaviour.share_prob = 0.5;
  spec.behaviour.conv_weak = 0.1;
  spec.behaviour.conv_strong = 0.6;
  spec.behaviour.churn_prob = 0.03;
  spec.behaviour.repeat_prob = 0.1;
  spec.ties.alpha_bond = 0.08;  // bonded ties climb past the threshold
  spec.ties.decay = 0.04;
  spec.ties.beta_spam = 0.2;
  spec.policy.referral_reward = 20;
  spec.run.steps = 30;
  return spec;
}

TEST(TieDynamics, AggregatesMatchARecountEveryStep) {
  run_and_check(holme_kim(600, 3, 0.6, 2), busy());
}

TEST(TieDynamics, AggregatesMatchWithTeamsAndADirectedGraph) {
  CampaignSpec teams = busy();
  teams.policy.group_buy.enabled = true;
  teams.policy.group_buy.size = 3;
  teams.policy.group_buy.deadline = 4;
  run_and_check(holme_kim(600, 3, 0.6, 3), teams);
  run_and_check(erdos_renyi_gnp(400, 0.02, 4, true), busy());
}

TEST(TieDynamics, AggregatesMatchWithCommunityGroups) {
  // §9.7: ties between customer members of one group (mode 2) are advanced one by one; members
  // join, are invited, leave and churn, so ties move between all three modes.
  CampaignSpec groups = busy();
  groups.community.enabled = true;
  groups.community.join_prob = 0.8;
  groups.community.invite_prob = 0.05;
  groups.community.post_prob = 0.5;
  groups.community.leave_prob = 0.1;
  groups.community.alpha_group = 0.15;
  groups.community.capacity = 25;
  ReplicateProbe probe(holme_kim(600, 3, 0.6, 6), groups, 3, 11);
  EXPECT_GT(run_and_check(*probe.shared->graph, groups), 50);
  groups.acquisition.ad_spend = 3;
  groups.acquisition.ad_conversion = 0.05;
  groups.community.initial = "all";
  EXPECT_GT(run_and_check(erdos_renyi_gnp(400, 0.02, 7, true), groups), 50);
}

TEST(TieDynamics, StrengthsStayInUnitIntervalAndDecayTowardTheFloor) {
  const Graph g = holme_kim(300, 3, 0.5, 5);
  CampaignSpec spec = busy();
  ReplicateProbe probe(g, spec);
  probe.r().begin();
  for (std::uint32_t t = 0; t < spec.run.steps; ++t) probe.r().step(t);
  for (tie_t t = 0; t < g.num_ties(); ++t) {
    const double s = probe.r().strength(t, spec.run.steps);
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
    if (!probe.ties()[t].touched) {  // untouched ties only decayed: floor + (s0 - floor) keep^T
      const double s0 = probe.shared->initial_strength[t];
      EXPECT_NEAR(s, spec.ties.s_floor + (s0 - spec.ties.s_floor) * std::pow(1 - spec.ties.decay, spec.run.steps), 1e-9);
    }
  }
}

TEST(TieDynamics, TiesBetweenCustomerMembersStrengthenWithActivity) {
  // Two seeds tied, one group at activity 1: s <- s + alpha_group a (1 - s) each step.
  CampaignSpec spec = quiet({0, 1}, 3);
  spec.community = still_groups();
  spec.community.initial = "all";
  spec.community.alpha_group = 0.5;
  auto probe = run(path(2), spec);
  double s = static_cast<float>(0.3);  // initial strengths are stored as float
  for (std::uint32_t t = 0; t < 3; ++t) {
    s += 0.5 * (1 - s);
    EXPECT_NEAR(probe.metric(t, "mean_strength"), s, 1e-12) << t;
    EXPECT_NEAR(probe.metric(t, "value_ties"), s, 1e-12) << t;
    EXPECT_EQ(probe.metric(t, "strong_ties_customers"), s >= 0.5 ? 1 : 0) << t;
  }
  // Not in a group: the tie holds still (no bonding or decay here).
  spec.community.initial = "none";
  EXPECT_EQ(run(path(2), spec).metric(2, "mean_strength"), static_cast<float>(0.3));
}

}  // namespace
}  // namespace guanxi::campaign
