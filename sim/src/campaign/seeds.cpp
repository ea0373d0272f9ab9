// MODEL.md §7 seeding: who receives the campaign before step 0. The seeds (fixed, or k drawn
// anew in every replicate for strategy random) buy at list price (channel seed) or, while the
// policy pays, open a team under group buy or a bargain under bargain, as external adopters do.
// They are active customers (or pending) when step 0 starts. Also the campaign's IC equivalent
// (§6 read in general), on which strategy imm chooses its seeds; with segments and targets
// (Part III) each arc's probability reads the sharer's and the prospect's own.
// Declares: random stream random_seeds (strategy random); channel seed.
#include <bit>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>

#include "guanxi/graph_memo.hpp"
#include "guanxi/influence.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/seeding.hpp"
#include "guanxi/snapshot.hpp"
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

// Arithmetic modulo the Mersenne prime 2^61 - 1, for the polynomial digest below.
constexpr std::uint64_t kMersenne61 = (std::uint64_t{1} << 61) - 1;
std::uint64_t mul_mod61(std::uint64_t a, std::uint64_t b) {
  const uint128_t x = static_cast<uint128_t>(a) * b;  // < 2^122
  std::uint64_t r = (static_cast<std::uint64_t>(x) & kMersenne61) + static_cast<std::uint64_t>(x >> 61);
  r = (r & kMersenne61) + (r >> 61);
  return r >= kMersenne61 ? r - kMersenne61 : r;
}
std::uint64_t add_mod61(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t r = a + b;
  return r >= kMersenne61 ? r - kMersenne61 : r;
}

// Σ (w_i + 1) r^(L-1-i) mod 2^61 - 1 over the 32-bit words w_i of `words`, r a fixed base: two
// different sequences of L words collide only at a root of their nonzero difference polynomial
// (fewer than L of 2^61 - 1 bases). Blocks hashed in parallel and combined left to right, so the
// value does not depend on the thread count.
std::uint64_t polynomial_digest(std::span<const std::uint32_t> words) {
  constexpr std::uint64_t base = 0x16a09e667f3bcc9ULL;  // fractional bits of √2, < 2^61 - 1
  struct Part {
    std::uint64_t hash, power;  // hash of the part, base^(its length)
  };
  const Part whole = parallel_reduce(
      0, words.size(), std::uint64_t{1} << 16, Part{0, 1},
      [&](std::uint64_t lo, std::uint64_t hi) {
        Part part{0, 1};
        for (std::uint64_t i = lo; i < hi; ++i) {
          part.hash = add_mod61(mul_mod61(part.hash, base), std::uint64_t{words[i]} + 1);
          part.power = mul_mod61(part.power, base);
        }
        return part;
      },
      [](Part left, Part right) {
        return Part{add_mod61(mul_mod61(left.hash, right.power), right.hash), mul_mod61(left.power, right.power)};
      });
  return whole.hash;
}

std::string hex(std::uint64_t x) {
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(x));
  return text;
}

}  // namespace

namespace {

// What the IC equivalent needs of a sharer: its share probability σ and reach, the pmf of its
// shares S over the horizon (capped by max_shares), and with max_attempts the distribution of the
// reaches N of one pair (P(N = j), j < cap, then P(N >= cap)).
struct SharerProfile {
  double sigma = 0, reach = 0;
  std::vector<double> shares, reaches;
};

SharerProfile sharer_profile(double sigma, double reach, std::uint32_t steps, const Behaviour& b) {
  SharerProfile out{sigma, reach, shares_pmf(steps, sigma, b.max_shares), {}};
  // Reaches N of one pair: Binomial(S, reach) capped at max_attempts. With a cap, P(N = j) for
  // j < cap and P(N >= cap) once; without, E[(1 - c)^N | S] = (1 - reach c)^S per arc.
  const std::uint32_t cap = b.max_attempts;
  if (cap > 0) {
    out.reaches.assign(cap + 1, 0.0);
    for (std::uint64_t s = 0; s < out.shares.size(); ++s) {
      if (out.shares[s] == 0) continue;
      double below = 0;
      for (std::uint64_t j = 0; j < cap && j <= s; ++j) {
        const double p = out.shares[s] * std::exp(log_binomial_pmf(s, reach, j));
        out.reaches[j] += p;
        below += p;
      }
      out.reaches[cap] += std::max(0.0, out.shares[s] - below);
    }
  }
  return out;
}

// E[(1 - c)^N]: the probability that the sharer's reaches of one pair convert nobody.
double no_conversion(const SharerProfile& sharer, double c, const Behaviour& b, std::uint32_t steps) {
  const std::uint32_t cap = b.max_attempts;
  double none = 0;
  if (cap > 0) {
    double power = 1;
    for (std::uint32_t j = 0; j <= cap; ++j, power *= 1 - c) none += sharer.reaches[j] * power;
  } else if (b.max_shares == 0) {
    none = std::pow(1 - sharer.sigma * sharer.reach * c, static_cast<double>(steps));  // shares and reaches both binomial
  } else {
    double power = 1;
    for (std::size_t k = 0; k < sharer.shares.size(); ++k, power *= 1 - sharer.reach * c) none += sharer.shares[k] * power;
  }
  return none;
}

// §15–§16 (Part III): each end's own segment and target. A sharer is read as a seed candidate (a
// customer of tier customer, channel seed), a prospect as a prospect (no tier, no channel); both
// with their degree and their initial community group. Segments drawn from shares are a mixture:
// P(no conversion) averages over the pairs of segments, weighted by their shares.
std::vector<float> layered_ic_equivalent(const Graph& g, const CampaignSpec& spec) {
  const Behaviour& global = spec.behaviour;
  const Policy& policy = spec.policy;
  const double price = spec.product.price;
  const std::uint32_t steps = spec.run.steps;
  const bool pays = policy.budget > 0;
  const double base_discount = campaign::referee_discount(policy, pays);
  const campaign::SegmentTable segments = campaign::resolve_segments(spec);
  const std::vector<campaign::TargetConditions> targets = campaign::resolve_targets(spec);
  const std::size_t kinds = segments.on() ? segments.names.size() : 1, levers = targets.size() + 1;
  auto behaviour = [&](std::size_t k) -> const Behaviour& { return segments.on() ? segments.behaviour[k] : global; };
  auto target = [&](std::uint32_t t) -> const Target* { return t ? &policy.target[t - 1] : nullptr; };
  std::vector<double> weight(kinds, 1.0);  // assign = shares: the segments' shares, other last
  if (segments.on() && segments.from_column.empty()) {
    double total = 0;
    for (std::size_t k = 0; k + 1 < kinds; ++k) total += weight[k] = spec.segments.list[k].share;
    weight[kinds - 1] = std::max(0.0, 1.0 - total);
  }
  // By (segment, target): the sharer's profile and the prospect's U_conv.
  std::vector<SharerProfile> sharers(kinds * levers);
  std::vector<double> u_conv(kinds * levers);
  for (std::size_t k = 0; k < kinds; ++k)
    for (std::uint32_t t = 0; t < levers; ++t) {
      const Behaviour& b = behaviour(k);
      const Target* own = target(t);
      const double reward = own && own->referral_reward ? *own->referral_reward : policy.referral_reward;
      const std::vector<double>& rates = own && own->commission ? *own->commission : policy.commission;
      const double earned = reward + (rates.empty() ? 0.0 : rates[0]) * price * (1.0 - base_discount);
      const double u_share = campaign::share_utility(b, pays, earned, price);
      const double sigma =
          campaign::share_probability(b.share_prob, campaign::by_tier(global.tier_mult, campaign::Tier::customer), u_share);
      sharers[k * levers + t] = sharer_profile(sigma, b.reach, steps, global);
      double offered = 0;
      if (pays) {
        if (policy.group_buy.enabled) offered = own && own->team_discount ? *own->team_discount : policy.group_buy.discount;
        else offered = own && own->referee_discount ? *own->referee_discount : policy.referee_discount;
      }
      u_conv[k * levers + t] = campaign::conversion_utility(b, offered);
    }
  const Community& community = spec.community;
  auto member = [&](node_t v) {
    if (!community.enabled) return false;
    if (community.initial == "all") return true;
    return community.initial == "column" && community.groups && (*community.groups)[v] >= 0;
  };
  auto own_segment = [&](node_t v) -> std::uint8_t {
    return segments.from_column.empty() ? 0 : segments.from_column[(*spec.segments.column)[v]];
  };
  const bool drawn = segments.on() && segments.from_column.empty();
  const auto strength = memoized_initial_strength(g, spec.ties.init);
  const auto arc_tie = memoized_arc_ties(g);
  std::vector<float> p(g.num_arcs());
  parallel_for(0, g.num_nodes(), 1 << 10, [&](std::uint64_t node) {
    const auto u = static_cast<node_t>(node);
    const std::uint64_t degree_u = g.arc_end(u) - g.arc_begin(u);
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
      const node_t v = g.target(a);
      const double s = (*strength)[(*arc_tie)[a]];
      const std::uint64_t degree_v = g.arc_end(v) - g.arc_begin(v);
      double none = 0;
      for (std::size_t ku = 0; ku < kinds; ++ku) {
        if (!drawn && ku != own_segment(u)) continue;
        const std::uint32_t tu = first_target(targets, static_cast<std::uint8_t>(ku), true, campaign::Tier::customer,
                                              campaign::seed, member(u), degree_u);
        const SharerProfile& sharer = sharers[ku * levers + tu];
        double given_u = 0;
        for (std::size_t kv = 0; kv < kinds; ++kv) {
          if (!drawn && kv != own_segment(v)) continue;
          const std::uint32_t tv = first_target(targets, static_cast<std::uint8_t>(kv), false, campaign::Tier::none,
                                                campaign::kChannels, member(v), degree_v);
          const double c = campaign::conversion_probability(campaign::trust(behaviour(kv), s), u_conv[kv * levers + tv], 0.0);
          given_u += (drawn ? weight[kv] : 1.0) * no_conversion(sharer, c, global, steps);
        }
        none += (drawn ? weight[ku] : 1.0) * given_u;
      }
      p[a] = static_cast<float>(std::clamp(1 - none, 0.0, 1.0));
    }
  });
  return p;
}

}  // namespace

std::vector<float> campaign_ic_equivalent(const Graph& g, const CampaignSpec& spec) {
  check_spec(spec);
  if (spec.segments.enabled || !spec.policy.target.empty()) {
    if (spec.segments.enabled && spec.segments.assign == "column") {
      campaign::check_segment_column(spec, g);
      campaign::check_target_segments(spec);
    }
    return layered_ic_equivalent(g, spec);
  }
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
  const SharerProfile sharer = sharer_profile(sigma, b.reach, steps, b);
  const auto strength = memoized_initial_strength(g, spec.ties.init);
  const auto arc_tie = memoized_arc_ties(g);
  std::vector<float> p(g.num_arcs());
  parallel_for(0, g.num_arcs(), 1 << 14, [&](std::uint64_t a) {
    const double s = (*strength)[(*arc_tie)[a]];
    const double c = campaign::conversion_probability(campaign::trust(b, s), u_conv, 0.0);
    const double none = no_conversion(sharer, c, b, steps);  // E[(1 - c)^N]
    p[a] = static_cast<float>(std::clamp(1 - none, 0.0, 1.0));
  });
  return p;
}

std::shared_ptr<const std::vector<node_t>> memoized_campaign_imm_seeds(const Graph& g, const CampaignSpec& spec) {
  // Keyed by IMM's actual input, the equivalent's probabilities bit for bit, with k and IMM's
  // options: a parameter that changes them (one added to formulas.hpp tomorrow, or the tie
  // strengths under ties.init = graph) changes the key by construction, and a sweep over
  // parameters the equivalent does not read reuses the seeds.
  const std::vector<float> probabilities = campaign_ic_equivalent(g, spec);
  InfluenceOptions options;  // the documented choice: ε = 0.1, ℓ = 1, RR seed 0
  options.k = spec.seeding.k;
  return g.memo().get<std::vector<node_t>>("seeding.campaign_imm", campaign::imm_seeds_key(probabilities, options), 8, [&] {
    return influence_maximization(g, probabilities, options, InfluenceAlgorithm::imm).seeds;
  });
}

namespace campaign {

std::string imm_seeds_key(std::span<const float> probabilities, const InfluenceOptions& options) {
  // Two independent 64-bit digests of the probabilities' bytes (core's block checksum and a
  // polynomial hash modulo 2^61 - 1), their count, k and every IMM option that changes its
  // choice (not threads, which does not). Inputs are not adversarial; an accidental collision
  // needs both digests to collide at once, about 2^-64 · L/2^61 for L arcs, against a memo that
  // holds 8 entries.
  const std::span<const std::uint32_t> words(reinterpret_cast<const std::uint32_t*>(probabilities.data()),
                                             probabilities.size());
  static_assert(sizeof(float) == sizeof(std::uint32_t));
  return "ic " + hex(checksum_bytes(probabilities.data(), probabilities.size_bytes())) + " " +
         hex(polynomial_digest(words)) + " arcs " + std::to_string(probabilities.size()) + " k " +
         std::to_string(options.k) + " epsilon " + hex(std::bit_cast<std::uint64_t>(options.epsilon)) + " ell " +
         hex(std::bit_cast<std::uint64_t>(options.ell)) + " rr_seed " + std::to_string(options.seed);
}

void Replicate::place_seeds() {
  std::vector<node_t> seeds = shared_.seeds;
  if (shared_.random_seeds) {
    RandomSequence draws(Random(spec_.run.seed, stream::random_seeds), replicate_);
    seeds = sample_nodes(graph_.num_nodes(), spec_.seeding.k, draws);
  }
  for (node_t s : seeds) adopt(s, seed, max_nodes, 0, 0.0);  // list price, or a team or bargain
  placing_seeds_ = true;
  pay(0);  // seeds buy before step 0: they are active customers when it starts
  placing_seeds_ = false;
  commit_new_customers(0);
  refresh_strong(0);
}

}  // namespace campaign
}  // namespace guanxi
