// Independent Cascade (Goldenberg, Libai & Muller 2001; Kempe, Kleinberg & Tardos 2003).
// Seeds are active at step 0. A node activated at step t-1 gets one chance at step t to
// activate each inactive out-neighbour v, succeeding with probability p_uv: a uniform p, the
// arc's weight, or 1 / in-degree(v) (weighted cascade). Equivalently, each arc is "live" with
// probability p_uv and the final active set is what the seeds reach along live arcs.
//
// Two kernels, equal in distribution:
//  - scalar (the reference): arc a is live in replicate r iff Philox(seed, r, a) < p_a;
//  - sparse (uniform p): samples only the live arcs. For an activated node u of out-degree d,
//    the number of live arcs is K ~ Binomial(d, p), drawn by inverse CDF from one uniform fixed
//    per (r, u), and the live arcs are the first K of a random permutation of u's arcs, also
//    fixed per (r, u). The live set grows with p (same uniform, same permutation), so larger p
//    never gives a smaller cascade in the same replicate. Its draws are mix64(K_r ^ x φ) with a
//    per-replicate Philox key K_r and x = (draw << 32 | u): one multiply chain per draw.
// The activated set does not depend on the order of a frontier, so frontiers are sorted only
// when the cascade is recorded: a node's parent is its smallest-id successful in-neighbour.
#include <algorithm>
#include <cmath>

#include "kernels.hpp"

namespace guanxi::detail {

std::uint32_t binomial_quantile(std::uint32_t d, double p, double log1m_p, double start, double v) {
  if (d == 0 || p <= 0.0) return 0;
  if (p >= 1.0) return d;
  const double ratio = p / (1.0 - p);
  if (start > 1e-250) {
    double pmf = start, cdf = start;
    std::uint32_t k = 0;
    while (cdf <= v && k < d) {
      pmf *= ratio * static_cast<double>(d - k) / static_cast<double>(k + 1);
      ++k;
      cdf += pmf;
    }
    return k;
  }
  // Large d p: P(K = 0) underflows. Start at the mode and sum the lower tail from there.
  const auto mode = std::min(d, static_cast<std::uint32_t>(std::floor((static_cast<double>(d) + 1) * p)));
  const double log_pmf_mode = std::lgamma(d + 1.0) - std::lgamma(mode + 1.0) - std::lgamma(d - mode + 1.0) +
                              mode * std::log(p) + (d - mode) * log1m_p;
  double below_mode = 0, term = std::exp(log_pmf_mode);  // P(K < mode), by pmf(k-1) = pmf(k) k / ((d-k+1) r)
  for (std::uint32_t k = mode; k > 0; --k) {
    term *= static_cast<double>(k) / (static_cast<double>(d - k + 1) * ratio);
    below_mode += term;
    if (term < 1e-18 * below_mode) break;
  }
  double pmf = std::exp(log_pmf_mode), cdf = below_mode + pmf;
  std::uint32_t k = mode;
  if (cdf > v) {  // walk down
    while (k > 0 && cdf - pmf > v) {
      cdf -= pmf;
      pmf *= static_cast<double>(k) / (ratio * static_cast<double>(d - k + 1));
      --k;
    }
    return k;
  }
  while (cdf <= v && k < d) {
    pmf *= ratio * static_cast<double>(d - k) / static_cast<double>(k + 1);
    ++k;
    cdf += pmf;
  }
  return k;
}

void run_ic_scalar(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w,
                   Trace& trace) {
  const Graph& g = *run.graph;
  const Random random(run.seed, stream::ic_arc);
  const std::uint32_t epoch = w.next_epoch();
  begin_activation(run, seeds, w, epoch, trace);
  for (std::uint32_t step = 1; !w.frontier.empty() && step <= run.max_steps && !stopping(run); ++step) {
    for (node_t u : w.frontier) {
      for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
        const node_t v = g.target(a);
        if (w.mark[v] == epoch) continue;
        if (!below(random.bits(replicate, a), ic_threshold(run, a, v))) continue;
        w.mark[v] = epoch;
        w.parent[v] = u;
        w.next.push_back(v);
      }
    }
    end_activation_step(run, w, step, trace, false);
  }
}

// Draws of one (replicate, node): mix64 of a per-replicate Philox key and the draw's index.
class NodeDraws {
 public:
  NodeDraws(std::uint64_t key, node_t u) : key_(key), u_(u) {}
  std::uint64_t next() { return mix64(key_ ^ (((index_++ << 32) | u_) * 0x9e3779b97f4a7c15ULL)); }
  double uniform() { return to_unit(next()); }
  std::uint64_t below(std::uint64_t bound) {  // Lemire's multiply and reject
    std::uint64_t x = next();
    uint128_t m = static_cast<uint128_t>(x) * bound;
    if (static_cast<std::uint64_t>(m) < bound) {
      const std::uint64_t floor = (0 - bound) % bound;
      while (static_cast<std::uint64_t>(m) < floor) m = static_cast<uint128_t>(next()) * bound;
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  std::uint64_t key_, index_ = 0;
  node_t u_;
};

void run_ic_sparse(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w,
                   Trace& trace) {
  const Graph& g = *run.graph;
  const std::uint64_t key = Random(run.seed, stream::ic_sparse).bits(replicate);
  const double p = run.params.p, log1m_p = std::log1p(-p);
  const std::uint32_t epoch = w.next_epoch();
  begin_activation(run, seeds, w, epoch, trace);
  for (std::uint32_t step = 1; !w.frontier.empty() && step <= run.max_steps && !stopping(run); ++step) {
    for (node_t u : w.frontier) {
      const auto d = static_cast<std::uint32_t>(g.degree(u));
      NodeDraws draws(key, u);
      const double v = draws.uniform();
      if (v < run.no_live_arc[d]) continue;  // K = 0, the common case
      const std::uint32_t live = binomial_quantile(d, p, log1m_p, run.no_live_arc[d], v);
      if (live == 0) continue;
      // The first `live` positions of a Fisher–Yates shuffle of u's arcs (positions moved so
      // far are stamped with this shuffle; unstamped positions hold themselves).
      const arc_t first = g.arc_begin(u);
      const std::uint32_t stamp = w.next_shuffle();
      auto value_at = [&](std::uint32_t i) { return w.moved_stamp[i] == stamp ? w.moved[i] : i; };
      auto set_at = [&](std::uint32_t i, std::uint32_t value) {
        w.moved_stamp[i] = stamp;
        w.moved[i] = value;
      };
      for (std::uint32_t i = 0; i < live; ++i) {
        const auto j = i + static_cast<std::uint32_t>(draws.below(d - i));
        const std::uint32_t chosen = value_at(j);
        set_at(j, value_at(i));
        set_at(i, chosen);
        const node_t v = g.target(first + chosen);
        if (w.mark[v] == epoch) continue;
        w.mark[v] = epoch;
        w.parent[v] = u;
        w.next.push_back(v);
      }
    }
    end_activation_step(run, w, step, trace, false);
  }
}

}  // namespace guanxi::detail
