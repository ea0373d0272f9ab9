// Internal to sim/: the per-replicate workspace and trace shared by the diffusion kernels, the
// kernels' entry points, and fixed-point probabilities (live iff a 64-bit uniform < threshold).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "guanxi/diffusion.hpp"
#include "guanxi/rng.hpp"

namespace guanxi::detail {

inline constexpr std::uint64_t kAlways = std::numeric_limits<std::uint64_t>::max();

// floor(p * 2^64); p >= 1 maps to kAlways, which callers treat as "always" (not "< max").
inline std::uint64_t fixed_point(double p) {
  if (!(p > 0.0)) return 0;
  if (p >= 1.0) return kAlways;
  return static_cast<std::uint64_t>(std::ldexp(p, 64));
}
inline bool below(std::uint64_t uniform, std::uint64_t threshold) {
  return threshold == kAlways || uniform < threshold;
}

// Scratch reused across the replicates a thread runs; epoch stamps avoid clearing per replicate.
struct Workspace {
  std::vector<std::uint32_t> mark;  // mark[v] == epoch: v is active (or touched) this replicate
  std::uint32_t epoch = 0;
  std::vector<std::uint32_t> touched;  // second stamp array (LT and complex: first touch)
  std::vector<node_t> frontier, next, ever, scratch;
  std::vector<double> accumulated, threshold;
  std::vector<std::uint32_t> count;
  std::vector<std::uint8_t> state;
  std::vector<node_t> parent;
  // Sparse IC: a partial Fisher–Yates shuffle of one node's arc positions. Position i holds
  // moved[i] when moved_stamp[i] == shuffle, else i, so a shuffle starts in O(1).
  std::vector<std::uint32_t> moved, moved_stamp;
  std::uint32_t shuffle = 0;

  void prepare(node_t n, Model model, std::uint64_t max_degree);
  std::uint32_t next_epoch();
  std::uint32_t next_shuffle();
};

// What one replicate produced: one row of state counts per step (step 0 = the seeds), the
// nodes ever active, and the cascade when asked for.
struct Trace {
  std::size_t width = 0;
  std::vector<std::uint32_t> rows;
  std::vector<node_t> ever;
  Cascade* cascade = nullptr;
  void clear() {
    rows.clear();
    ever.clear();
  }
};

// Shared, read-only run inputs derived once from the graph and parameters.
struct Prepared {
  const Graph* graph = nullptr;
  ModelParams params;
  std::uint64_t seed = 0;
  std::uint32_t max_steps = 0;
  std::vector<std::uint64_t> in_degree;  // IC weighted cascade, LT, complex
  std::vector<float> lt_weight;          // scalar LT: normalised weight per arc
  std::vector<std::uint64_t> lt_low, lt_high;  // fused LT: fixed-point interval per arc
  std::uint64_t uniform_threshold = 0;         // IC: fixed point of p
  std::vector<std::uint64_t> node_threshold;   // IC weighted cascade: 2^64 / in-degree
  std::vector<double> no_live_arc;             // sparse IC: (1 - p)^d by out-degree d
  const std::atomic<bool>* cancel = nullptr;   // checked by kernels at every step
};

// Whether the caller asked to stop; kernels then return early (the result is discarded).
inline bool stopping(const Prepared& run) {
  return run.cancel && run.cancel->load(std::memory_order_relaxed);
}

Prepared prepare(const Graph& g, const ModelParams& params, std::uint64_t seed, std::uint32_t max_steps,
                 Kernel kernel);

// IC success threshold of arc a (u -> v).
inline std::uint64_t ic_threshold(const Prepared& run, arc_t a, node_t v) {
  switch (run.params.ic_probability) {
    case IcProbability::weights: return fixed_point(run.graph->weights()[a]);
    case IcProbability::weighted_cascade: return run.node_threshold[v];
    default: return run.uniform_threshold;
  }
}

// Smallest K with P(Binomial(d, p) <= K) > v (the inverse CDF, nondecreasing in p for fixed v),
// given log(1 - p) and start = P(K = 0) = (1 - p)^d. Sparse IC kernel and the RR-set sampler.
std::uint32_t binomial_quantile(std::uint32_t d, double p, double log1m_p, double start, double v);

// Activation models (IC, LT, complex contagion, Bass) report {new, cumulative, inactive,
// active}. begin: seeds active at step 0 (w.frontier = sorted seeds). end: w.next (activated
// in `step`) is recorded and becomes the frontier, sorted when `sort` (models whose outcome
// depends on the order, and whenever the replicate's cascade is recorded: parents are the
// smallest-id successful in-neighbours).
void begin_activation(const Prepared& run, std::span<const node_t> seeds, Workspace& w, std::uint32_t epoch,
                      Trace& trace);
void end_activation_step(const Prepared& run, Workspace& w, std::uint32_t step, Trace& trace, bool sort);

// Scalar kernels: one replicate each, reading `seeds` (distinct, valid) and writing `trace`.
void run_ic_scalar(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w, Trace& trace);
void run_ic_sparse(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w, Trace& trace);
void run_lt_scalar(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w, Trace& trace);
void run_epidemic(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w, Trace& trace);
void run_complex(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w, Trace& trace);
void run_bass(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w, Trace& trace);

// Fused kernel: replicates [first, first + lanes) (lanes <= kFusedLanes) in one traversal.
inline constexpr std::uint32_t kFusedLanes = 256;
struct FusedBatch {
  std::uint64_t first = 0;
  std::uint32_t lanes = 0;
  std::vector<std::vector<node_t>> seeds;  // per lane
  std::vector<Trace>* traces = nullptr;    // per lane
  bool frontier_parallel = false;
  const std::atomic<bool>* cancel = nullptr;
};
void run_fused(const Prepared& run, FusedBatch& batch, std::vector<std::uint64_t>& activation_count);

// The states a model reports after "new" and "cumulative".
std::vector<std::string> model_states(Model model);

}  // namespace guanxi::detail
