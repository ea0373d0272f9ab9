// Random and deterministic graph generators. Each is a pure function of its parameters and
// seed: randomness comes from Philox keyed on (seed, generator, index) and never on threads.
// Parameters are validated; errors name the parameter.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "guanxi/graph.hpp"

namespace guanxi {

// Erdős–Rényi G(n, p): every pair independently with probability p (Batagelj–Brandes skipping).
Graph erdos_renyi_gnp(std::uint64_t n, double p, std::uint64_t seed, bool directed = false);
// Erdős–Rényi G(n, m): m distinct pairs, uniformly.
Graph erdos_renyi_gnm(std::uint64_t n, std::uint64_t m, std::uint64_t seed, bool directed = false);
// Barabási–Albert: a star on m + 1 nodes, then each new node links to m distinct nodes chosen
// with probability proportional to degree (networkx's barabasi_albert_graph).
Graph barabasi_albert(std::uint64_t n, std::uint64_t m, std::uint64_t seed);
// Watts–Strogatz: ring of n nodes each tied to its k nearest neighbours (k even), each tie's
// far end rewired with probability p, avoiding self-loops and duplicates (as networkx).
Graph watts_strogatz(std::uint64_t n, std::uint64_t k, double p, std::uint64_t seed);
// Holme–Kim (2002): preferential attachment with triad formation; after each preferential
// link, with probability p_triad the next link closes a triangle. Power-law degrees with
// tunable clustering (networkx's powerlaw_cluster_graph, but candidates used in draw order).
Graph holme_kim(std::uint64_t n, std::uint64_t m, double p_triad, std::uint64_t seed);
// Stochastic block model: blocks of the given sizes; a pair in blocks (r, s) is tied with
// probability probs[r * K + s] (symmetric when undirected).
Graph stochastic_block(std::span<const std::uint64_t> sizes, std::span<const double> probs,
                       std::uint64_t seed, bool directed = false);
// Configuration model: stubs matched uniformly at random. simple: self-loops dropped and
// parallel ties merged (the erased configuration model).
Graph configuration_model(std::span<const std::uint64_t> degrees, std::uint64_t seed, bool simple = true);
// Degrees drawn from P(k) ∝ k^-gamma on [k_min, k_max]; the last node's degree is adjusted
// by one when needed to make the sum even.
std::vector<std::uint64_t> powerlaw_degrees(std::uint64_t n, double gamma, std::uint64_t k_min,
                                            std::uint64_t k_max, std::uint64_t seed);
Graph configuration_powerlaw(std::uint64_t n, double gamma, std::uint64_t k_min, std::uint64_t k_max,
                             std::uint64_t seed, bool simple = true);
// R-MAT (Chakrabarti, Zhan, Faloutsos 2004): 2^scale nodes, edge_factor * 2^scale edges, each
// placed by recursive quadrant choice with probabilities (a, b, c, 1 - a - b - c).
Graph rmat(int scale, double edge_factor, double a, double b, double c, std::uint64_t seed,
           bool directed = false);
Graph complete_graph(std::uint64_t n, bool directed = false);

// Uniform random endpoint pairs (duplicates and self-loops possible): raw input for builders
// and benchmarks.
struct EdgeArrays {
  std::vector<node_t> src, dst;
};
EdgeArrays uniform_random_edges(std::uint64_t n, std::uint64_t m, std::uint64_t seed);

// The generators by name, for the CLI: each takes string parameters (validated and defaulted).
struct GeneratorParam {
  std::string name, default_value, help;
};
struct GeneratorInfo {
  std::string name, summary;
  std::vector<GeneratorParam> params;
  std::function<Graph(const std::map<std::string, std::string>&)> make;
};
const std::vector<GeneratorInfo>& generator_catalog();

}  // namespace guanxi
