// Test access to a campaign replicate's internals (ReplicateProbe is a friend of Replicate):
// build one replicate from a spec, step it, and read its state; and the specs and whole runs the
// campaign tests of tests/cpp/campaign/ share (MODEL.md §3, §8, §9).
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "campaign/replicate.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"

namespace guanxi::campaign {

struct ReplicateProbe {
  std::unique_ptr<Graph> owned;  // when built from a temporary graph
  std::unique_ptr<Shared> shared;
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  std::vector<double> values;
  std::unique_ptr<Replicate> replicate;

  ReplicateProbe(Graph&& g, CampaignSpec spec, std::uint64_t replicate_index = 0, std::uint64_t seed = 0)
      : owned(std::make_unique<Graph>(std::move(g))) {
    init(*owned, std::move(spec), replicate_index, seed);
  }
  ReplicateProbe(const Graph& g, CampaignSpec spec, std::uint64_t replicate_index = 0, std::uint64_t seed = 0) {
    init(g, std::move(spec), replicate_index, seed);
  }
  void init(const Graph& g, CampaignSpec spec, std::uint64_t replicate_index, std::uint64_t seed) {
    validate(spec, g);
    shared = std::make_unique<Shared>(prepare_shared(g, spec, seed, replicate_index + 1));
    values.assign((replicate_index + 1) * spec.run.steps * campaign_metrics().size(), 0.0);
    replicate = std::make_unique<Replicate>(*shared, replicate_index, values, nullptr, *scratch, replicate_index);
  }
  Replicate& r() { return *replicate; }
  double metric(std::uint32_t t, const std::string& name) const {
    const auto& names = campaign_metrics();
    const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    const std::size_t row = (replicate->row_ * shared->spec.run.steps + t) * names.size();
    return values[row + k];
  }
  // Private state, for invariant checks.
  const Stamped<Replicate::TieState>& ties() const { return replicate->ties_; }
  const std::array<double, 3>& sums() const { return replicate->tally_.sum_strength; }
  const std::array<std::int64_t, 3>& counts() const { return replicate->tally_.tie_count; }
  const std::array<std::int64_t, 3>& strong() const { return replicate->tally_.strong_count; }
  const std::vector<node_t>& active() const { return replicate->active_; }
  const std::vector<node_t>& pending() const { return replicate->pending_; }
  const std::vector<BargainState>& bargains() const { return replicate->bargains_; }
  void set_neg(node_t v, float neg) { replicate->nodes()[v].neg = neg; }
  double alpha_group() const { return shared->spec.community.enabled ? shared->spec.community.alpha_group : 0.0; }
  std::vector<CommunityGroup>& groups() { return replicate->groups_; }
  const Effects& effects() const { return replicate->effects_; }
  const std::optional<IndexedSet>& prospects() const { return replicate->prospects_; }
  // The recorded metrics row of step t, writable (to plant a violation for Replicate::verify).
  double& row(std::uint32_t t, const std::string& name) {
    const auto& names = campaign_metrics();
    const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    return values[(replicate->row_ * shared->spec.run.steps + t) * names.size() + k];
  }
  void set_strong_active(node_t v, std::uint32_t count) { replicate->nodes()[v].strong_active = count; }
  // The draw of purpose p for id in the last step run (its keys stay until the next step).
  std::uint64_t bits(Purpose p, std::uint64_t id) const { return replicate->bits(p, id); }
  // Opens a bargain for prospect v in step t, as an external adopter would.
  void open_bargain(node_t v, std::uint32_t t) { replicate->become_pending_bargain(v, max_nodes, t, external); }
};

// The specs of the mechanism tests: nothing random unless a test turns it on (certain sharing
// and conversion, no churn, repeat, decay or word of mouth), seeds given by id.
inline CampaignSpec certain(std::vector<node_t> seeds, std::uint32_t steps) {
  CampaignSpec spec;
  spec.behaviour.share_prob = 1;
  spec.behaviour.team_share_prob = 1;
  spec.behaviour.reach = 1;
  spec.behaviour.conv_weak = spec.behaviour.conv_strong = 1;
  spec.behaviour.repeat_prob = 0;
  spec.behaviour.churn_prob = 0;
  spec.ties.init.kind = TieInit::Kind::constant;
  spec.ties.init.value = 0.3;
  spec.ties.decay = 0;
  spec.ties.alpha_conv = spec.ties.alpha_team = spec.ties.alpha_bond = 0;
  spec.seeding.strategy = "nodes";
  spec.seeding.nodes = std::move(seeds);
  spec.run.steps = steps;
  return spec;
}

// A probe of replicate `replicate` of `spec` on `g`, run to the horizon.
inline ReplicateProbe run(Graph&& g, const CampaignSpec& spec, std::uint64_t replicate = 0) {
  ReplicateProbe probe(std::move(g), spec, replicate);
  probe.r().run();
  return probe;
}

// certain() without sharing: nothing converts unless another mechanism (Part II) does.
inline CampaignSpec quiet(std::vector<node_t> seeds, std::uint32_t steps) {
  CampaignSpec spec = certain(std::move(seeds), steps);
  spec.behaviour.share_prob = 0;
  spec.behaviour.team_share_prob = 0;
  if (spec.seeding.nodes.empty()) spec.seeding.strategy = "top_degree", spec.seeding.k = 0;
  return spec;
}

// Community groups that hold still: no joins, invitations, posts, leaving or decay.
inline Community still_groups() {
  Community c;
  c.enabled = true;
  c.join_prob = c.invite_prob = c.post_prob = 0;
  c.leave_prob = c.activity_decay = 0;
  c.alpha_group = 0;
  c.group_conv = 0;
  c.initial_activity = 1;
  return c;
}

// A busy design for small random graphs: every Part II mechanism on (ads with a platform fee,
// groups with invitations, posts, flash sales and red packets, fans spending more) beside
// referral rewards, discounts and commissions.
inline CampaignSpec busy_part_two() {
  CampaignSpec spec;
  spec.seeding.k = 5;
  spec.run.steps = 40;
  spec.behaviour.share_prob = 0.2;
  spec.behaviour.repeat_prob = 0.05;
  spec.behaviour.churn_prob = 0.02;
  spec.policy.referral_reward = 5;
  spec.policy.referee_discount = 0.1;
  spec.policy.commission = {0.05, 0.02};
  spec.acquisition.ad_spend = 6;
  spec.acquisition.ad_conversion = 0.05;
  spec.acquisition.platform_fee = 0.2;
  spec.community.enabled = true;
  spec.community.invite_prob = 0.05;
  spec.community.post_prob = 0.5;
  spec.community.flash_sale.enabled = true;
  spec.community.red_packet.enabled = true;
  spec.behaviour.tier_spend_mult = {1.0, 1.3, 1.3};
  return spec;
}

// ---- whole runs (run_campaign: replicates in parallel) ----

// A busy design with every Part I mechanism at work.
inline CampaignSpec lively() {
  CampaignSpec spec;
  spec.behaviour.share_prob = 0.3;
  spec.behaviour.conv_weak = 0.05;
  spec.behaviour.conv_strong = 0.3;
  spec.behaviour.churn_prob = 0.02;
  spec.behaviour.repeat_prob = 0.05;
  spec.run.steps = 25;
  return spec;
}

inline CampaignResult run_many(const Graph& g, const CampaignSpec& spec, std::uint64_t replicates = 12, int threads = 0,
                               std::uint64_t seed = 3) {
  CampaignRunOptions o;
  o.replicates = replicates;
  o.threads = threads;
  o.seed = seed;
  return run_campaign(g, spec, o);
}

// run_many that keeps the customer ledger of every replicate (MODEL.md §11).
inline CampaignResult run_with_ledgers(const Graph& g, const CampaignSpec& spec, std::uint64_t replicates,
                                       std::uint64_t seed, int threads = 0) {
  CampaignRunOptions o;
  o.replicates = replicates;
  o.threads = threads;
  o.seed = seed;
  for (std::uint64_t r = 0; r < replicates; ++r) o.ledgers.push_back(r);
  return run_campaign(g, spec, o);
}

// check_spec refuses `spec` with a ParameterError naming `key`.
inline void expect_refused(const CampaignSpec& spec, const std::string& key) {
  try {
    check_spec(spec);
    ADD_FAILURE() << "accepted; expected an error about " << key;
  } catch (const ParameterError& e) {
    EXPECT_EQ(e.key(), key) << e.what();
  }
}

// Metric `metric` of replicate `replicate` at step `step`.
inline double at(const CampaignResult& r, std::uint64_t replicate, std::uint32_t step, const std::string& metric) {
  const auto& names = campaign_metrics();
  const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), metric) - names.begin());
  return r.values[(replicate * r.steps + step) * names.size() + k];
}

// Equal bit for bit, NaN equal to NaN.
inline bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

}  // namespace guanxi::campaign
