// The campaign runner: validates a CampaignSpec (errors name the parameter), prepares what all
// replicates share (initial tie strengths, arc -> tie ids, seeds, closed-form tie maps) and runs
// the replicates in parallel. A replicate's rows depend only on (seed, replicate). What depends
// only on the graph and a few parameters comes from the graph's memo (guanxi/graph_memo.hpp), so
// the designs of a comparison or a sweep on one graph object derive it once.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_invoke.h>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/parameters.hpp"
#include "guanxi/seeding.hpp"
#include "replicate.hpp"

namespace guanxi {

const std::vector<std::string>& campaign_channels() {
  static const std::vector<std::string> names = [] {  // from the channel table (vocabulary.hpp)
    std::vector<std::string> out;
    for (const campaign::ChannelInfo& row : campaign::kChannelTable) out.emplace_back(row.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& campaign_tiers() {
  static const std::vector<std::string> names(campaign::kTierNames.begin(), campaign::kTierNames.end());
  return names;
}

namespace {

// Commission rates by level that are legal one by one but suspicious together.
void check_commission_levels(const std::vector<double>& rates, const std::string& name, std::vector<SpecWarning>& warnings) {
  double total = 0;
  for (double r : rates) total += r;
  if (rates.size() > 3)
    warnings.push_back({name, std::to_string(rates.size()) +
                                  " levels; commission deeper than three levels is treated as pyramid selling in several "
                                  "jurisdictions"});
  if (total >= 1.0 - 1e-9) {  // 0.6 + 0.3 + 0.1 is 0.9999999999999999 in floating point
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.4g%%", 100 * total);
    warnings.push_back({name, "the levels pay " + std::string(percent) +
                                  " of the price in total: every sale with a full chain of referrers loses money"});
  }
}

}  // namespace

void check_result_size(std::uint64_t replicates, std::uint32_t steps, const std::string& key) {
  if (replicates < 1) throw ParameterError(key, "must be >= 1, got " + std::to_string(replicates));
  const double bytes = static_cast<double>(replicates) * steps * static_cast<double>(campaign_metrics().size()) * sizeof(double);
  require_memory(bytes, key, std::to_string(replicates) + " replicates x " + std::to_string(steps) + " steps of " +
                                 std::to_string(campaign_metrics().size()) + " metrics");
}

std::vector<SpecWarning> check_spec(const CampaignSpec& spec) {
  // Each parameter's own range (the parameter table), then what depends on several keys.
  for (const Parameter& parameter : campaign_parameters()) check_parameter_range(parameter, spec);
  std::vector<SpecWarning> warnings;
  const Product& product = spec.product;
  if (product.unit_cost >= product.price)
    warnings.push_back({"product.unit_cost", "unit cost " + format_number(product.unit_cost) + " is not below the price " +
                                                 format_number(product.price) + ": every sale loses money"});
  const Policy& p = spec.policy;
  if (p.group_buy.enabled && p.bargain.enabled)
    throw ParameterError("policy.group_buy",
                         "cannot be on together with policy.bargain (a convert either joins a team or bargains)");
  check_commission_levels(p.commission, "policy.commission", warnings);
  if (p.membership.enabled)
    check_commission_levels(p.membership.partner_commission, "policy.membership.partner_commission", warnings);
  const Seeding& s = spec.seeding;
  if (s.strategy == "nodes") {
    if (s.nodes.empty()) throw ParameterError("seeding.nodes", "must list at least one node");
  } else if (canonical_strategy(s.strategy).empty()) {
    throw ParameterError("seeding.strategy", "must be top_degree, pagerank, kcore, imm, random or nodes, not '" + s.strategy + "'");
  } else if (s.k == 0 && spec.behaviour.external_rate == 0 && spec.acquisition.ad_spend == 0 && !spec.community.enabled) {
    warnings.push_back({"seeding.k", "no seeds, no external adoption, ads or community groups: nobody can ever buy"});
  }
  const Acquisition& ads = spec.acquisition;
  if (ads.ad_target != "all" && ads.ad_target != "prospects")
    throw ParameterError("acquisition.ad_target", "must be all or prospects, not '" + ads.ad_target + "'");
  const Community& community = spec.community;
  if (community.initial != "none" && community.initial != "all" && community.initial != "column")
    throw ParameterError("community.initial", "must be none, all or column, not '" + community.initial + "'");
  if (!community.groups_file.empty() && community.initial != "column")
    throw ParameterError("community.groups_file", "is read only with community.initial = \"column\"");
  if (community.groups && community.initial != "column")
    throw ParameterError("community.initial", "must be \"column\" when groups are given per node");
  if (ads.ad_spend > 0 && ads.ad_spend > ads.ad_budget)
    warnings.push_back({"acquisition.ad_budget", "below one step's ad_spend: no ads are ever bought"});
  if (ads.ad_spend > 0 && std::floor(1000.0 * ads.ad_spend / ads.cpm) < 1)
    warnings.push_back({"acquisition.ad_spend", "buys less than one impression per step at this cpm: no ads are shown"});
  campaign::check_segments(spec);
  campaign::check_targets(spec);
  if (spec.ties.init.low > spec.ties.init.high) throw ParameterError("ties.low", "must be <= ties.high");
  if (spec.ties.init.s_min > spec.ties.init.s_max) throw ParameterError("ties.s_min", "must be <= ties.s_max");
  check_result_size(spec.run.replicates, spec.run.steps, "run.replicates");
  return warnings;
}

std::vector<SpecWarning> validate(const CampaignSpec& spec, const Graph& g) {
  if (g.num_nodes() == 0) throw InputError("graph: empty (no nodes)");
  std::vector<SpecWarning> warnings = check_spec(spec);
  const Seeding& s = spec.seeding;
  if (s.strategy == "nodes") {
    std::vector<node_t> sorted(s.nodes);
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] >= g.num_nodes())
        throw ParameterError("seeding.nodes", "node id " + std::to_string(sorted[i]) + " out of range [0, " +
                                                  std::to_string(g.num_nodes()) + ")");
      if (i > 0 && sorted[i] == sorted[i - 1])
        throw ParameterError("seeding.nodes", "node " + std::to_string(sorted[i]) + " listed twice");
    }
  } else if (s.k > g.num_nodes()) {
    throw ParameterError("seeding.k", "must be in [0, " + std::to_string(g.num_nodes()) + "], got " + std::to_string(s.k) +
                                          " (the graph has " + std::to_string(g.num_nodes()) + " nodes)");
  }
  campaign::check_segment_column(spec, g);
  campaign::check_target_segments(spec);
  const Community& community = spec.community;
  if (community.enabled && community.initial == "column") {
    if (!community.groups)
      throw ParameterError("community.initial", "is \"column\" but no groups are given (groups= in Python, "
                                                "community.groups_file in a scenario)");
    if (community.groups->size() != g.num_nodes())
      throw ParameterError("community.groups", "has " + std::to_string(community.groups->size()) +
                                                   " entries; the graph has " + std::to_string(g.num_nodes()) + " nodes");
    for (std::size_t v = 0; v < community.groups->size(); ++v)
      if ((*community.groups)[v] < -1)
        throw ParameterError("community.groups", "node " + std::to_string(v) + ": group " +
                                                     std::to_string((*community.groups)[v]) + " (use -1 for none)");
  }
  return warnings;
}

namespace campaign {

Shared prepare_shared(const Graph& g, const CampaignSpec& spec, std::uint64_t seed, std::uint64_t replicates) {
  campaign::Shared shared;
  shared.graph = &g;
  shared.spec = spec;
  shared.spec.run.seed = seed;
  shared.spec.run.replicates = replicates;
  // The three derivations are independent: run side by side (each is parallel inside as well).
  // Each keeps its own error, so that all three finish (no cancelled half-computed value) and the
  // error reported is the first in this order, whatever the timing. The memo holds, per graph:
  // tie ids (8 bytes per arc), in-arcs when directed (8 per arc and per node), strengths and overlap
  // (ties.cpp) and seed lists (seeding.cpp).
  GraphMemo& memo = g.memo();
  const Seeding& seeding = spec.seeding;
  std::array<std::exception_ptr, 3> failure;
  const auto keeping_error = [&](std::size_t i, auto&& derive) {
    return [&failure, i, &derive] {
      try {
        derive();
      } catch (...) {
        failure[i] = std::current_exception();
      }
    };
  };
  const auto strengths = [&] {
    shared.initial_strength = SharedArray<float>(memoized_initial_strength(g, spec.ties.init));
  };
  const auto arcs = [&] {
    shared.arc_tie = SharedArray<tie_t>(memoized_arc_ties(g));
    if (!g.directed()) return;
    const auto in = memo.get<Graph::InArcs>("graph.in_arcs", "", 1, [&] { return g.in_arcs(); });
    // Views that keep the whole InArcs alive (shared_ptr's aliasing constructor).
    shared.in_offsets = SharedArray<arc_t>(std::shared_ptr<const std::vector<arc_t>>(in, &in->offsets));
    shared.in_arcs = SharedArray<arc_t>(std::shared_ptr<const std::vector<arc_t>>(in, &in->arcs));
  };
  const auto seeds = [&] {
    if (seeding.strategy == "nodes") shared.seeds = seeding.nodes;
    else if (seeding.k == 0) shared.seeds.clear();
    else if (canonical_strategy(seeding.strategy) == "random") shared.random_seeds = true;
    else if (canonical_strategy(seeding.strategy) == "imm") shared.seeds = *memoized_campaign_imm_seeds(g, spec);
    else shared.seeds = *memoized_top_seeds(g, seeding.strategy, seeding.k);
  };
  tbb::parallel_invoke(keeping_error(0, strengths), keeping_error(1, arcs), keeping_error(2, seeds));
  for (const auto& e : failure)
    if (e) std::rethrow_exception(e);
  const Policy& p = spec.policy;
  const bool commission = std::any_of(p.commission.begin(), p.commission.end(), [](double c) { return c > 0; });
  const Community& community = spec.community;
  // §16 a target's own reward, commission or referee discount is an incentive too.
  const bool targeted = std::any_of(p.target.begin(), p.target.end(), [](const Target& x) {
    const bool rates = x.commission && std::any_of(x.commission->begin(), x.commission->end(), [](double c) { return c > 0; });
    return (x.referral_reward && *x.referral_reward > 0) || (x.referee_discount && *x.referee_discount > 0) || rates;
  });
  shared.incentives = p.referral_reward > 0 || p.referee_discount > 0 || commission || p.group_buy.enabled ||
                      p.bargain.enabled || p.membership.enabled || targeted ||
                      (community.enabled && (community.flash_sale.enabled || community.red_packet.enabled));
  // §9.1 initial groups: every node, or the nodes of each group id in increasing order of id.
  if (community.enabled && community.initial == "all") {
    shared.initial_groups.emplace_back(g.num_nodes());
    for (node_t v = 0; v < g.num_nodes(); ++v) shared.initial_groups[0][v] = v;
  } else if (community.enabled && community.initial == "column" && community.groups) {
    std::vector<std::pair<std::int64_t, node_t>> placed;
    for (node_t v = 0; v < community.groups->size(); ++v)
      if ((*community.groups)[v] >= 0) placed.push_back({(*community.groups)[v], v});
    std::sort(placed.begin(), placed.end());
    for (std::size_t i = 0; i < placed.size(); ++i) {
      if (i == 0 || placed[i].first != placed[i - 1].first) shared.initial_groups.emplace_back();
      shared.initial_groups.back().push_back(placed[i].second);
    }
  }
  shared.segments = resolve_segments(spec);
  shared.targets = resolve_targets(spec);
  shared.commission_levels = static_cast<std::uint32_t>(
      std::max(p.commission.size(), p.membership.enabled ? p.membership.partner_commission.size() : std::size_t{0}));
  for (const Target& target : p.target)  // §16.2 a target's own list may be deeper
    if (target.commission)
      shared.commission_levels = std::max(shared.commission_levels, static_cast<std::uint32_t>(target.commission->size()));
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
  for (const auto& w : validate(spec, g)) result.warnings.push_back(w.message());
  check_result_size(options.replicates, spec.run.steps, "replicates");
  const std::uint64_t first = options.first_replicate, last = first + options.replicates;
  for (const auto* asked : {&options.forests, &options.ledgers})
    for (std::uint64_t r : *asked)
      if (r < first || r >= last)
        throw InputError(std::string(asked == &options.forests ? "forests" : "ledgers") + ": replicate " +
                         std::to_string(r) + " out of range [" + std::to_string(first) + ", " + std::to_string(last) + ")");

  const std::size_t width = campaign_metrics().size();
  result.replicates = options.replicates;
  result.first_replicate = first;
  result.steps = spec.run.steps;
  result.values.assign(options.replicates * spec.run.steps * width, 0.0);
  for (std::uint64_t r : options.forests) result.forests.push_back({r, {}});
  for (std::uint64_t r : options.ledgers) result.ledgers.push_back({r, {}});
  result.lifecycle.resize(options.replicates);
  result.segments = campaign::resolve_segment_names(spec);
  tbb::enumerable_thread_specific<campaign::Scratch> scratch;
  // The preparation runs on the run's threads too (its parallel kernels give the same values for
  // any thread count).
  with_threads(options.threads, [&] {
    campaign::Shared shared = campaign::prepare_shared(g, spec, options.seed, options.replicates);
    if (control) shared.cancel = &control->cancel;
    parallel_for(first, last, 1, [&](std::uint64_t r) {
      if (control && control->cancel.load(std::memory_order_relaxed)) return;
      std::vector<ForestEntry>* forest = nullptr;
      for (auto& [replicate, entries] : result.forests)
        if (replicate == r) forest = &entries;
      campaign::Replicate replicate(shared, r, result.values, forest, scratch.local(), r - first);
      replicate.run();
      if (control && control->cancel.load(std::memory_order_relaxed)) return;
      replicate.write_lifecycle(result.lifecycle[r - first]);
      for (auto& [asked, entries] : result.ledgers)
        if (asked == r) replicate.write_ledger(entries);
      if (control) control->replicates_done.fetch_add(1, std::memory_order_relaxed);
    });
  });
  if (control && control->cancel.load()) throw Cancelled();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace guanxi
