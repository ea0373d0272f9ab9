// Seeding strategies: which nodes receive the campaign (or the infection) at step 0.
// Ties in a ranking go to the smaller node id, so every strategy is deterministic.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guanxi/diffusion.hpp"
#include "guanxi/graph.hpp"
#include "guanxi/rng.hpp"

namespace guanxi {

// k distinct nodes of [0, n) drawn uniformly (Floyd's algorithm), sorted.
std::vector<node_t> sample_nodes(node_t n, std::uint32_t k, RandomSequence& draws);

std::vector<node_t> seeds_random(const Graph& g, std::uint32_t k, std::uint64_t seed);
std::vector<node_t> seeds_top_degree(const Graph& g, std::uint32_t k);
std::vector<node_t> seeds_top_pagerank(const Graph& g, std::uint32_t k);
// Highest k-core number first, then higher degree, then smaller id.
std::vector<node_t> seeds_top_kcore(const Graph& g, std::uint32_t k);
// seeds_top_degree, seeds_top_pagerank or seeds_top_kcore by strategy name ("top_degree",
// "pagerank", "kcore", or an older spelling below), memoized on g (graph_memo.hpp): PageRank and
// the core numbers are computed once per graph, each top-k list once per (strategy, k). Campaign
// seeding and the "name:k" seed specs both take their seeds here.
std::shared_ptr<const std::vector<node_t>> memoized_top_seeds(const Graph& g, const std::string& strategy,
                                                              std::uint32_t k);

// One vocabulary of strategies everywhere — a scenario's [seeding] strategy, the "name:k" seed
// specs of the command line and gx.simulate, and gx.seeding's functions: top_degree, pagerank,
// kcore, imm (influence maximisation for the run's own model: IMM with ε = 0.1, ℓ = 1, RR seed 0;
// for a campaign, on its IC equivalent) and random (k nodes drawn anew in every replicate).
const std::vector<std::string>& seeding_strategies();
// The strategy's name in that vocabulary, also for the older spellings (top-degree, degree,
// top_pagerank, top-pagerank, top_kcore, top-kcore); empty when it names none.
std::string canonical_strategy(std::string_view name);

// The node whose label is `label` (the input's id), if any.
std::optional<node_t> find_label(const Graph& g, std::string_view label);

// The imm strategy's seeds for an IC or LT model: IMM with ε = 0.1, ℓ = 1 and RR seed 0, all
// threads (the seeds do not depend on them), memoized on g per (model, k).
std::shared_ptr<const std::vector<node_t>> memoized_imm_seeds(const Graph& g, const ModelParams& model,
                                                              std::uint32_t k);

// A seed specification as the CLI and gx.simulate write it: "top_degree:10", "pagerank:10",
// "kcore:10", "imm:10" (for `model`, which must be IC or LT), "random:10" (k nodes drawn anew
// in every replicate), or a comma-separated list of node labels ("1,34"). Errors name the problem.
SeedSet parse_seeds(const Graph& g, const std::string& spec, const ModelParams* model = nullptr);

}  // namespace guanxi
