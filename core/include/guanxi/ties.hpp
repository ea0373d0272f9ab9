// Tie strength initialisation (MODEL.md §2): constant, uniform(a, b), neighbourhood overlap
// (embedded ties are stronger) or the input's weight column.
#pragma once

#include <cstdint>
#include <string>

#include "guanxi/graph.hpp"

namespace guanxi {

struct TieInit {
  enum class Kind { constant, uniform, overlap, column };
  Kind kind = Kind::overlap;
  double value = 0.5;             // constant
  double low = 0.0, high = 1.0;   // uniform
  double s_min = 0.1, s_max = 0.9;  // overlap: s = s_min + (s_max - s_min) * O_uv
  std::uint64_t seed = 0;         // uniform
};

TieInit::Kind parse_tie_init(const std::string& name);  // "constant", "uniform", "overlap", "column"

// Sets g's strength for every tie; values land in [0, 1]. Errors name the parameter (or the
// tie, for a weight column outside [0, 1]).
void init_strength(Graph& g, const TieInit& init);

}  // namespace guanxi
