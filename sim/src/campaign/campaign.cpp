// The campaign runner: validates a CampaignSpec (errors name the parameter), prepares what all
// replicates share (initial tie strengths, arc -> tie ids, seeds, closed-form tie maps) and runs
// the replicates in parallel. A replicate's rows depend only on (seed, replicate).
#include <algorithm>
#include <chrono>
#include <cmath>

#include <tbb/enumerable_thread_specific.h>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/seeding.hpp"
#include "replicate.hpp"

namespace guanxi {

const std::vector<std::string>& campaign_channels() {
  static const std::vector<std::string> names = {"seed", "external", "referral", "team", "bargain", "solo"};
  return names;
}

const std::vector<std::string>& campaign_metrics() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = {"customers", "active", "churned", "pending"};
    for (const auto& c : campaign_channels()) out.push_back("new_customers_" + c);
    for (const char* name :
         {"fans", "partners", "purchases", "repeat_purchases", "revenue", "cost_of_goods", "rewards", "commissions",
          "discounts", "fees", "incentive_spend", "profit", "incentive_roi", "cac", "reaches", "conversion_rate",
          "k_factor", "team_success_rate", "bargain_success_rate", "mean_strength", "strong_tie_fraction",
          "strong_ties_customers", "value_metcalfe", "value_odlyzko", "value_ties", "largest_cascade", "max_depth",
          "structural_virality"})
      out.push_back(name);
    return out;
  }();
  return names;
}

namespace {

void unit(double x, const std::string& name) {
  if (!(x >= 0.0 && x <= 1.0)) throw InputError(name + ": must be in [0, 1], got " + format_number(x));
}
void non_negative(double x, const std::string& name) {
  if (!(x >= 0.0) || !std::isfinite(x)) throw InputError(name + ": must be finite and >= 0, got " + format_number(x));
}
void positive(double x, const std::string& name) {
  if (!(x > 0.0) || !std::isfinite(x)) throw InputError(name + ": must be finite and > 0, got " + format_number(x));
}
void at_least_one(std::uint64_t x, const std::string& name) {
  if (x < 1) throw InputError(name + ": must be >= 1, got " + std::to_string(x));
}

}  // namespace

std::vector<std::string> validate(const CampaignSpec& spec, const Graph& g) {
  std::vector<std::string> warnings;
  if (g.num_nodes() == 0) throw InputError("graph: empty (no nodes)");
  const Product& product = spec.product;
  positive(product.price, "product.price");
  non_negative(product.unit_cost, "product.unit_cost");
  const Behaviour& b = spec.behaviour;
  unit(b.share_prob, "behaviour.share_prob");
  unit(b.team_share_prob, "behaviour.team_share_prob");
  unit(b.reach, "behaviour.reach");
  unit(b.conv_weak, "behaviour.conv_weak");
  unit(b.conv_strong, "behaviour.conv_strong");
  unit(b.external_rate, "behaviour.external_rate");
  unit(b.repeat_prob, "behaviour.repeat_prob");
  unit(b.churn_prob, "behaviour.churn_prob");
  unit(b.neg_prob, "behaviour.neg_prob");
  unit(b.neg_weight, "behaviour.neg_weight");
  non_negative(b.reward_elasticity, "behaviour.reward_elasticity");
  non_negative(b.discount_elasticity, "behaviour.discount_elasticity");
  positive(b.reward_curvature, "behaviour.reward_curvature");
  non_negative(b.stickiness, "behaviour.stickiness");
  non_negative(b.embeddedness, "behaviour.embeddedness");
  non_negative(b.help_mult, "behaviour.help_mult");
  non_negative(b.aware_mult, "behaviour.aware_mult");
  non_negative(b.tier_mult.customer, "behaviour.tier_mult.customer");
  non_negative(b.tier_mult.fan, "behaviour.tier_mult.fan");
  non_negative(b.tier_mult.partner, "behaviour.tier_mult.partner");
  if (b.max_attempts > 255) throw InputError("behaviour.max_attempts: must be at most 255 (0: unlimited)");
  const TieDynamics& t = spec.ties;
  unit(t.strong_threshold, "ties.strong_threshold");
  unit(t.alpha_conv, "ties.alpha_conv");
  unit(t.alpha_team, "ties.alpha_team");
  unit(t.alpha_bond, "ties.alpha_bond");
  unit(t.beta_spam, "ties.beta_spam");
  unit(t.beta_fail, "ties.beta_fail");
  unit(t.decay, "ties.decay");
  unit(t.s_floor, "ties.s_floor");
  at_least_one(spec.ladder.fan_purchases, "ladder.fan_purchases");
  at_least_one(spec.ladder.partner_referrals, "ladder.partner_referrals");
  const Policy& p = spec.policy;
  non_negative(p.referral_reward, "policy.referral_reward");
  unit(p.referee_discount, "policy.referee_discount");
  for (std::size_t i = 0; i < p.commission.size(); ++i) unit(p.commission[i], "policy.commission[" + std::to_string(i) + "]");
  if (!(p.budget >= 0)) throw InputError("policy.budget: must be >= 0, got " + format_number(p.budget));
  if (p.group_buy.enabled && p.bargain.enabled)
    throw InputError("policy.group_buy: cannot be on together with policy.bargain (a convert either joins a team or bargains)");
  at_least_one(p.group_buy.size, "policy.group_buy.size");
  at_least_one(p.group_buy.deadline, "policy.group_buy.deadline");
  unit(p.group_buy.discount, "policy.group_buy.discount");
  unit(p.group_buy.solo_fallback, "policy.group_buy.solo_fallback");
  at_least_one(p.bargain.deadline, "policy.bargain.deadline");
  unit(p.bargain.discount, "policy.bargain.discount");
  unit(p.bargain.solo_fallback, "policy.bargain.solo_fallback");
  non_negative(p.membership.fee, "policy.membership.fee");
  unit(p.membership.take_rate, "policy.membership.take_rate");
  for (std::size_t i = 0; i < p.membership.partner_commission.size(); ++i)
    unit(p.membership.partner_commission[i], "policy.membership.partner_commission[" + std::to_string(i) + "]");
  const std::size_t depth =
      std::max(p.commission.size(), p.membership.enabled ? p.membership.partner_commission.size() : std::size_t{0});
  if (depth > 3)
    warnings.push_back("policy.commission: " + std::to_string(depth) +
                       " levels; commission deeper than three levels is treated as pyramid selling in several jurisdictions");
  const Seeding& s = spec.seeding;
  if (s.strategy == "nodes") {
    if (s.nodes.empty()) throw InputError("seeding.nodes: must list at least one node");
    std::vector<node_t> sorted(s.nodes);
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] >= g.num_nodes())
        throw InputError("seeding.nodes: node id " + std::to_string(sorted[i]) + " out of range [0, " +
                         std::to_string(g.num_nodes()) + ")");
      if (i > 0 && sorted[i] == sorted[i - 1]) throw InputError("seeding.nodes: node " + std::to_string(sorted[i]) + " listed twice");
    }
  } else if (s.strategy == "top_degree" || s.strategy == "pagerank" || s.strategy == "kcore" || s.strategy == "random") {
    if (s.k > g.num_nodes())
      throw InputError("seeding.k: must be in [0, " + std::to_string(g.num_nodes()) + "], got " + std::to_string(s.k));
  } else {
    throw InputError("seeding.strategy: must be top_degree, pagerank, kcore, random or nodes, not '" + s.strategy + "'");
  }
  at_least_one(spec.run.steps, "run.steps");
  if (spec.run.steps > 100000) throw InputError("run.steps: must be at most 100000");
  return warnings;
}

namespace campaign {

Shared prepare_shared(const Graph& g, const CampaignSpec& spec, std::uint64_t seed, std::uint64_t replicates) {
  campaign::Shared shared;
  shared.graph = &g;
  shared.spec = spec;
  shared.spec.run.seed = seed;
  shared.spec.run.replicates = replicates;
  shared.initial_strength = initial_strength(g, spec.ties.init);
  shared.arc_tie = g.arc_ties();
  if (g.directed()) {
    const node_t n = g.num_nodes();
    shared.in_offsets.assign(std::uint64_t{n} + 1, 0);
    for (node_t v : g.targets()) ++shared.in_offsets[v + 1];
    for (node_t v = 0; v < n; ++v) shared.in_offsets[v + 1] += shared.in_offsets[v];
    shared.in_arcs.resize(g.num_arcs());
    std::vector<arc_t> cursor(shared.in_offsets.begin(), shared.in_offsets.end() - 1);
    for (arc_t a = 0; a < g.num_arcs(); ++a) shared.in_arcs[cursor[g.target(a)]++] = a;
  }
  const Seeding& seeding = spec.seeding;
  if (seeding.strategy == "nodes") shared.seeds = seeding.nodes;
  else if (seeding.k == 0) shared.seeds.clear();
  else if (seeding.strategy == "top_degree") shared.seeds = seeds_top_degree(g, seeding.k);
  else if (seeding.strategy == "pagerank") shared.seeds = seeds_top_pagerank(g, seeding.k);
  else if (seeding.strategy == "kcore") shared.seeds = seeds_top_kcore(g, seeding.k);
  else shared.random_seeds = true;
  const Policy& p = spec.policy;
  const bool commission = std::any_of(p.commission.begin(), p.commission.end(), [](double c) { return c > 0; });
  shared.incentives = p.referral_reward > 0 || p.referee_discount > 0 || commission || p.group_buy.enabled ||
                      p.bargain.enabled || p.membership.enabled;
  shared.commission_levels = static_cast<std::uint32_t>(
      std::max(p.commission.size(), p.membership.enabled ? p.membership.partner_commission.size() : std::size_t{0}));
  // Tie maps: free s' = floor + (s - floor)(1 - decay); bonded: bond, then decay.
  const TieDynamics& t = spec.ties;
  const double free_keep = 1.0 - t.decay;
  const double bonded_keep = (1.0 - t.decay) * (1.0 - t.alpha_bond);
  shared.free_fixed = t.s_floor;
  shared.bonded_fixed = bonded_keep < 1.0 ? ((1.0 - t.decay) * t.alpha_bond + t.decay * t.s_floor) / (1.0 - bonded_keep) : 0.0;
  shared.free_keep_pow.resize(spec.run.steps + 2);
  shared.bonded_keep_pow.resize(spec.run.steps + 2);
  for (std::size_t k = 0; k < shared.free_keep_pow.size(); ++k) {
    shared.free_keep_pow[k] = std::pow(free_keep, static_cast<double>(k));
    shared.bonded_keep_pow[k] = std::pow(bonded_keep, static_cast<double>(k));
  }
  return shared;
}

}  // namespace campaign

CampaignResult run_campaign(const Graph& g, const CampaignSpec& spec, const CampaignRunOptions& options,
                            RunControl* control) {
  const auto start = std::chrono::steady_clock::now();
  CampaignResult result;
  result.warnings = validate(spec, g);
  if (options.replicates < 1) throw InputError("run.replicates: must be >= 1");
  const std::uint64_t first = options.first_replicate, last = first + options.replicates;
  for (std::uint64_t r : options.forests)
    if (r < first || r >= last)
      throw InputError("forests: replicate " + std::to_string(r) + " out of range [" + std::to_string(first) + ", " +
                       std::to_string(last) + ")");

  campaign::Shared shared = campaign::prepare_shared(g, spec, options.seed, options.replicates);
  if (control) shared.cancel = &control->cancel;

  const std::size_t width = campaign_metrics().size();
  result.replicates = options.replicates;
  result.first_replicate = first;
  result.steps = spec.run.steps;
  result.values.assign(options.replicates * spec.run.steps * width, 0.0);
  for (std::uint64_t r : options.forests) result.forests.push_back({r, {}});
  tbb::enumerable_thread_specific<campaign::Scratch> scratch;
  with_threads(options.threads, [&] {
    parallel_for(first, last, 1, [&](std::uint64_t r) {
      if (control && control->cancel.load(std::memory_order_relaxed)) return;
      std::vector<ForestEntry>* forest = nullptr;
      for (auto& [replicate, entries] : result.forests)
        if (replicate == r) forest = &entries;
      campaign::Replicate replicate(shared, r, result.values, forest, scratch.local(), r - first);
      replicate.run();
      if (control) control->replicates_done.fetch_add(1, std::memory_order_relaxed);
    });
  });
  if (control && control->cancel.load()) throw Cancelled();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace guanxi
