// MODEL.md §7 seeding: who receives the campaign before step 0. The seeds (fixed, or k drawn
// anew in every replicate for strategy random) buy at list price (channel seed) or, while the
// policy pays, open a team under group buy or a bargain under bargain, as external adopters do.
// They are active customers (or pending) when step 0 starts. Also the campaign's IC equivalent
// (§6 read in general), on which strategy imm chooses its seeds.
// Declares: random stream random_seeds (strategy random); channel seed.
#include <cmath>
#include <cstdio>

#include "guanxi/graph_memo.hpp"
#include "guanxi/influence.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/seeding.hpp"
#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi {
namespace {

// log P(Binomial(n, q) = j).
double log_binomial_pmf(std::uint64_t n, double q, std::uint64_t j) {
  if (q <= 0) return j == 0 ? 0.0 : -INFINITY;
  if (q >= 1) return j == n ? 0.0 : -INFINITY;
  return std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) + j * std::log(q) +
         (n - j) * std::log1p(-q);
}

// P(S = s) for the shares S ~ Binomial(steps, σ) capped at `cap` (0: none).
std::vector<double> shares_pmf(std::uint32_t steps, double sigma, std::uint32_t cap) {
  const std::uint64_t top = cap > 0 ? std::min(cap, steps) : steps;
  std::vector<double> pmf(top + 1, 0.0);
  for (std::uint64_t s = 0; s <= steps; ++s) pmf[std::min(s, top)] += std::exp(log_binomial_pmf(steps, sigma, s));
  return pmf;
}

}  // namespace

std::vector<float> campaign_ic_equivalent(const Graph& g, const CampaignSpec& spec) {
  check_spec(spec);
  const Behaviour& b = spec.behaviour;
  const Policy& policy = spec.policy;
  const double price = spec.product.price;
  // While the policy pays (the budget is ignored: the horizon's first steps are what seeds face),
  // for a sharer who has just bought (tier customer), through the replicate's own formulas.
  const bool pays = policy.budget > 0;
  const double discount = campaign::referee_discount(policy, pays);
  const double earned = campaign::referral_earnings(policy, price, campaign::Tier::customer, discount);
  const double u_share = campaign::share_utility(b, pays, earned, price);
  const double u_conv = campaign::conversion_utility(b, discount);
  const double sigma =
      campaign::share_probability(b.share_prob, campaign::by_tier(b.tier_mult, campaign::Tier::customer), u_share);
  const std::uint32_t steps = spec.run.steps;
  const std::vector<double> shares = shares_pmf(steps, sigma, b.max_shares);
  // Reaches N of one pair: Binomial(S, reach) capped at max_attempts. With a cap, P(N = j) for
  // j < cap and P(N >= cap) once; without, E[(1 - c)^N | S] = (1 - reach c)^S per arc.
  const std::uint32_t cap = b.max_attempts;
  std::vector<double> reaches;  // P(N = j), j < cap, then P(N >= cap)
  if (cap > 0) {
    reaches.assign(cap + 1, 0.0);
    for (std::uint64_t s = 0; s < shares.size(); ++s) {
      if (shares[s] == 0) continue;
      double below = 0;
      for (std::uint64_t j = 0; j < cap && j <= s; ++j) {
        const double p = shares[s] * std::exp(log_binomial_pmf(s, b.reach, j));
        reaches[j] += p;
        below += p;
      }
      reaches[cap] += std::max(0.0, shares[s] - below);
    }
  }
  const auto strength = memoized_initial_strength(g, spec.ties.init);
  const auto arc_tie = memoized_arc_ties(g);
  std::vector<float> p(g.num_arcs());
  parallel_for(0, g.num_arcs(), 1 << 14, [&](std::uint64_t a) {
    const double s = (*strength)[(*arc_tie)[a]];
    const double c = campaign::conversion_probability(campaign::trust(b, s), u_conv, 0.0);
    double none = 0;  // E[(1 - c)^N]
    if (cap > 0) {
      double power = 1;
      for (std::uint32_t j = 0; j <= cap; ++j, power *= 1 - c) none += reaches[j] * power;
    } else if (b.max_shares == 0) {
      none = std::pow(1 - sigma * b.reach * c, static_cast<double>(steps));  // shares and reaches both binomial
    } else {
      double power = 1;
      for (std::size_t k = 0; k < shares.size(); ++k, power *= 1 - b.reach * c) none += shares[k] * power;
    }
    p[a] = static_cast<float>(std::clamp(1 - none, 0.0, 1.0));
  });
  return p;
}

std::shared_ptr<const std::vector<node_t>> memoized_campaign_imm_seeds(const Graph& g, const CampaignSpec& spec) {
  auto choose = [&] {
    InfluenceOptions options;
    options.k = spec.seeding.k;
    return influence_maximization(g, campaign_ic_equivalent(g, spec), options, InfluenceAlgorithm::imm).seeds;
  };
  if (spec.ties.init.kind == TieInit::Kind::graph) return std::make_shared<const std::vector<node_t>>(choose());
  // The key: every value the equivalent reads, and k.
  const Behaviour& b = spec.behaviour;
  const Policy& policy = spec.policy;
  const TieInit& t = spec.ties.init;
  std::string key;
  char buffer[40];
  for (double x : {b.share_prob, b.tier_mult.customer, b.reach, b.conv_weak, b.conv_strong, b.reward_elasticity,
                   b.reward_curvature, b.discount_elasticity, spec.product.price, policy.referral_reward,
                   policy.referee_discount, policy.commission.empty() ? 0.0 : policy.commission[0], policy.budget,
                   policy.group_buy.enabled ? policy.group_buy.discount : -1.0, t.value, t.low, t.high, t.s_min,
                   t.s_max, static_cast<double>(t.seed), static_cast<double>(t.kind), static_cast<double>(b.max_shares),
                   static_cast<double>(b.max_attempts), static_cast<double>(spec.run.steps),
                   static_cast<double>(spec.seeding.k)}) {
    std::snprintf(buffer, sizeof buffer, "%.17g ", x);
    key += buffer;
  }
  return g.memo().get<std::vector<node_t>>("seeding.campaign_imm", key, 8, choose);
}

namespace campaign {

void Replicate::place_seeds() {
  const Policy& policy = spec_.policy;
  std::vector<node_t> seeds = shared_.seeds;
  if (shared_.random_seeds) {
    RandomSequence draws(Random(spec_.run.seed, stream::random_seeds), replicate_);
    seeds = sample_nodes(graph_.num_nodes(), spec_.seeding.k, draws);
  }
  for (node_t s : seeds) {
    if (pays_ && policy.group_buy.enabled) {
      become_pending_team(s, max_nodes, 0, seed);
    } else if (pays_ && policy.bargain.enabled) {
      become_pending_bargain(s, max_nodes, 0, seed);
    } else {
      buy(s, seed, 0.0);
    }
  }
  placing_seeds_ = true;
  pay(0);  // seeds buy before step 0: they are active customers when it starts
  placing_seeds_ = false;
  commit_new_customers(0);
  refresh_strong(0);
}

}  // namespace campaign
}  // namespace guanxi
