// Vocabulary types of the graph engine, named once: node ids, arc offsets and tie ids.
#pragma once

#include <cstdint>
#include <limits>

namespace guanxi {

using node_t = std::uint32_t;  // dense node id 0..n-1
using arc_t = std::uint64_t;   // index into the CSR arc arrays
using tie_t = std::uint64_t;   // id of a tie: one per undirected tie, one per arc when directed

inline constexpr node_t max_nodes = std::numeric_limits<node_t>::max();  // ids stay below this

}  // namespace guanxi
