// Network analytics on the CSR graph: degrees, components (Boost.Graph), k-cores, triangles and
// clustering, PageRank and eigenvector centrality (Eigen sparse), the spectral radius (Spectra), the
// percolation threshold estimate and neighbourhood overlap. Measures defined on undirected
// graphs (components, cores, triangles, clustering, overlap) use the undirected version of a
// directed graph; self-loops and repeated ties are ignored by triangle-based measures.
#pragma once

#include <cstdint>
#include <vector>

#include "guanxi/graph.hpp"

namespace guanxi {

struct DegreeStats {
  std::uint64_t min = 0, max = 0, isolated = 0;
  double mean = 0, std = 0, second_moment = 0;  // over out-degrees; std is the population std
};
DegreeStats degree_stats(const Graph& g);
std::vector<std::uint64_t> in_degrees(const Graph& g);

struct Components {
  std::vector<node_t> label;  // component id per node, numbered by their smallest node
  std::vector<std::uint64_t> sizes;
  std::uint64_t count() const { return sizes.size(); }
  std::uint64_t largest() const;
};
Components connected_components(const Graph& g);         // weakly connected when directed
Components strongly_connected_components(const Graph& g);  // directed graphs

std::vector<std::uint32_t> core_numbers(const Graph& g);
std::vector<std::uint64_t> triangles(const Graph& g);  // per node
std::vector<double> local_clustering(const Graph& g);
double average_clustering(const Graph& g);   // mean of local clustering, zeros included
double transitivity(const Graph& g);         // 3 * triangles / connected triples

// Common neighbours and neighbourhood overlap per tie (tie-id order):
// O_uv = |N(u) ∩ N(v)| / (k_u - 1 + k_v - 1 - |N(u) ∩ N(v)|), 0 when the denominator is 0.
std::vector<std::uint32_t> common_neighbors(const Graph& g);
std::vector<double> neighborhood_overlap(const Graph& g);

struct IterativeOptions {
  double tolerance = 1e-10;  // on the L1 change of the normalised vector
  int max_iterations = 1000;
  bool weighted = false;     // use arc weights
};
// PageRank with damping d; dangling nodes spread their rank uniformly. Sums to 1.
std::vector<double> pagerank(const Graph& g, double damping = 0.85, const IterativeOptions& options = {});
// Eigenvector centrality x ∝ Aᵀx (in-links count when directed), unit Euclidean norm.
std::vector<double> eigenvector_centrality(const Graph& g, const IterativeOptions& options = {});
// Spectral radius λ_max of the adjacency matrix: Lanczos when undirected, Arnoldi on each
// strongly connected component when directed (Spectra); dense solvers below 64 nodes.
// tolerance is relative; throws std::runtime_error without convergence.
double spectral_radius(const Graph& g, const IterativeOptions& options = {});
// Bond-percolation / epidemic threshold estimate <k> / (<k²> - <k>) (infinite if <k²> <= <k>).
double percolation_threshold(const Graph& g);

}  // namespace guanxi
