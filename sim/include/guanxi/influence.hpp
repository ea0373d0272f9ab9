// Influence maximisation with reverse-reachable (RR) sets for the classic models: IMM (Tang, Shi
// & Xiao, SIGMOD 2015, with Chen's 2018 correction: the final selection uses RR sets generated
// afresh, not those of the sampling phase) and OPIM-C (Tang, Tang, Xiao & Yuan, SIGMOD 2018).
//
// An RR set is the set of nodes that reach a uniformly chosen root along the live arcs of one
// random live-edge world (Borgs, Brautbar, Chayes & Lucier 2014): for any seed set S,
// n · P(S meets an RR set) is S's expected spread. Both algorithms pick S by greedy maximum
// coverage over a collection of RR sets, sized so that with probability at least 1 - 1/n^ℓ the
// spread of S is at least (1 - 1/e - ε) times the best possible.
//
// Models (the ModelParams of diffusion.hpp): IC with a uniform p, the arcs' weights, or weighted
// cascade (1 / in-degree), and LT (in-arc weights 1 / in-degree or the weights normalised per
// node). Where all in-arcs of a node share one probability q (uniform p, weighted cascade) the
// sampler draws how many are live, K ~ Binomial(d, q), by inverse CDF, then which, by a partial
// Fisher–Yates shuffle (the idea of SUBSIM, Guo et al. SIGMOD 2020: sample the live arcs, not
// every arc), so a node costs O(1 + its live in-arcs) rather than O(in-degree).
//
// Reproducibility: RR set i of collection c is a pure function of (seed, c, i) — its own Philox
// key, then a counter — and collections are built in fixed blocks concatenated in index order,
// so the RR sets, the greedy choice (ties to the smaller node id) and the seeds are identical
// for any thread count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "guanxi/diffusion.hpp"
#include "guanxi/graph.hpp"

namespace guanxi {

enum class InfluenceAlgorithm { imm, opim_c };

struct InfluenceOptions {
  std::uint32_t k = 50;     // seeds wanted, 1 <= k <= n
  double epsilon = 0.1;     // approximation slack, (0, 1)
  double ell = 1.0;         // failure probability 1 / n^ell, ell > 0
  std::uint64_t seed = 0;   // RR sets are a function of (seed, collection, index)
  int threads = 0;          // 0: all cores; the result does not depend on it
};

struct InfluenceResult {
  std::string algorithm;              // "imm" or "opim-c"
  std::vector<node_t> seeds;          // in greedy order
  std::vector<double> marginal_gain;  // per seed: its greedy gain, in expected nodes (RR estimate)
  // RR estimate of the seeds' expected spread: n · covered / sets. OPIM-C: on its validation
  // collection, independent of the choice (unbiased); IMM: on the selection collection.
  double spread = 0;
  // A lower bound on the seeds' expected spread holding with probability >= confidence.
  // OPIM-C: its martingale bound on the validation collection. IMM: (1 - 1/e - ε) times the
  // sampling phase's lower bound on the optimum (IMM's guarantee; usually far looser).
  double lower_bound = 0;
  double optimum_upper_bound = 0;   // OPIM-C: an upper bound on the best spread (IMM: NaN)
  double approximation = 0;         // OPIM-C: lower_bound / optimum_upper_bound (IMM: NaN)
  double confidence = 0;            // 1 - 1/n^ell
  std::uint64_t rr_sets = 0;        // RR sets generated, all collections and rounds
  std::uint64_t rr_entries = 0;     // node ids held in the final collections
  std::uint64_t memory_bytes = 0;   // peak bytes of RR storage, inverted index and scratch
  std::uint32_t rounds = 0;         // IMM: sampling-phase rounds; OPIM-C: doublings
  double seconds = 0;
};

// Throws InputError for a model other than IC/LT, bad model parameters, k outside [1, n],
// ε outside (0, 1) or ℓ <= 0; Cancelled when control->cancel is set. control->replicates_done
// counts RR sets generated so far (for progress bars).
InfluenceResult influence_maximization(const Graph& g, const ModelParams& model, const InfluenceOptions& options,
                                       InfluenceAlgorithm algorithm, RunControl* control = nullptr);
// IC with the given probability of each arc (arc ids of g; each in [0, 1]), e.g. a campaign's IC
// equivalent (campaign.hpp).
InfluenceResult influence_maximization(const Graph& g, std::span<const float> arc_probability,
                                       const InfluenceOptions& options, InfluenceAlgorithm algorithm,
                                       RunControl* control = nullptr);

// Node ids held by a collection below which the greedy counts them in one plain pass, above
// which it counts with atomic increments from all threads (both give the same result; tests
// lower it to run the parallel pass on small graphs).
inline std::uint64_t influence_sequential_entries = std::uint64_t{1} << 22;

// One RR set, as the algorithms draw it (root first): the fast sampler, and the slow reference
// that decides every in-arc (IC) or walks every in-arc's cumulative weight (LT) with its own
// Philox draw. The two agree in distribution, not set by set. For tests and teaching.
std::vector<node_t> rr_set(const Graph& g, const ModelParams& model, std::uint64_t seed, std::uint64_t collection,
                           std::uint64_t index);
std::vector<node_t> rr_set_reference(const Graph& g, const ModelParams& model, std::uint64_t seed,
                                     std::uint64_t index);

// The model's arc probabilities in "live-edge" form, for exact enumeration on tiny graphs:
// IC: P(arc a live); LT: the weight of arc a (u -> v) among v's in-arcs.
std::vector<double> live_arc_probability(const Graph& g, const ModelParams& model);

}  // namespace guanxi
