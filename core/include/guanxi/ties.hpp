// Tie strength initialisation (MODEL.md §2): constant, uniform(a, b), neighbourhood overlap
// (embedded ties are stronger) or the input's weight column.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "guanxi/graph.hpp"

namespace guanxi {

struct TieInit {
  enum class Kind { constant, uniform, overlap, column, graph };  // graph: keep g's strength
  Kind kind = Kind::overlap;
  double value = 0.5;             // constant
  double low = 0.0, high = 1.0;   // uniform
  double s_min = 0.1, s_max = 0.9;  // overlap: s = s_min + (s_max - s_min) * O_uv
  std::uint64_t seed = 0;         // uniform
};

// The kinds' names, in the order of TieInit::Kind: constant, uniform, overlap, column, graph.
const std::vector<std::string>& tie_init_names();
// The kind named `name` (one of tie_init_names()).
TieInit::Kind parse_tie_init(const std::string& name);

// The strength of every tie under `init`, in [0, 1], without changing g. Errors name the
// parameter (or the tie, for a weight column outside [0, 1]).
std::vector<float> initial_strength(const Graph& g, const TieInit& init);
// The same values, memoized on g (graph_memo.hpp), for runs that share a graph: computed once per
// initialisation (the last four kept), from a neighbourhood overlap computed once per graph.
// Kind::graph reads g's strength, which can change, so it is copied on every call.
std::shared_ptr<const std::vector<float>> memoized_initial_strength(const Graph& g, const TieInit& init);
// The tie id of every arc (Graph::arc_ties), memoized on g: the index from arcs into the strengths
// above, shared by the campaign and by its IC equivalent.
std::shared_ptr<const Buffer<tie_t>> memoized_arc_ties(const Graph& g);
// Sets g's strength to initial_strength(g, init).
void init_strength(Graph& g, const TieInit& init);

}  // namespace guanxi
