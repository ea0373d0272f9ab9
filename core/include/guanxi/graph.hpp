// The one graph type of guanxi: an immutable compressed-sparse-row (CSR) graph, directed or
// undirected, with a mutable per-tie strength attribute, optional per-arc weights and the
// original node labels. Layout after the GAP Benchmark Suite's CSRGraph (Beamer et al. 2015).
//
// Undirected graphs store both arcs of every tie; each adjacency list is sorted. Tie ids are
// implicit, so a tie costs 12 bytes (two 4-byte targets and one 4-byte strength):
//  - directed: tie id = arc index;
//  - undirected: ties are numbered in order of (u, v) with u <= v, i.e. by the "upper" arcs
//    (target >= source), which close each sorted adjacency list. An upper arc's tie id is O(1);
//    a lower arc finds its twin in the neighbour's list by binary search, O(log degree).
// A kept self-loop is stored as a single arc (it is its own reverse).
//
// Values derived from the structure that several computations share (tie ids per arc, in-arcs,
// the campaign's initial strengths, seed rankings) are kept in the graph's memo, memo(): see
// graph_memo.hpp for why it cannot go stale and how it stays bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "guanxi/buffer.hpp"
#include "guanxi/types.hpp"

namespace guanxi {

class GraphMemo;  // graph_memo.hpp

// Original node ids as the input named them. Identity labels (node id == label) store nothing.
class NodeLabels {
 public:
  enum class Kind : std::uint32_t { identity = 0, integer = 1, string = 2 };

  NodeLabels() = default;
  static NodeLabels integers(Buffer<std::int64_t> labels);
  static NodeLabels strings(std::vector<std::string> labels);

  Kind kind() const noexcept { return kind_; }
  std::span<const std::int64_t> integers() const noexcept { return ints_.span(); }
  const std::vector<std::string>& strings() const noexcept { return strings_; }
  std::size_t size() const noexcept;  // 0 for identity labels
  std::string to_string(node_t v) const;  // the label of v as text

 private:
  Kind kind_ = Kind::identity;
  Buffer<std::int64_t> ints_;
  std::vector<std::string> strings_;
};

class Graph {
 public:
  // The arrays a graph is made of; builders and the snapshot loader fill them.
  struct Parts {
    bool directed = false;
    node_t num_nodes = 0;
    Buffer<arc_t> offsets;    // n + 1 arc offsets
    Buffer<node_t> targets;   // one per arc, sorted within each node's range
    Buffer<tie_t> tie_base;   // undirected only: n + 1 prefix counts of upper arcs
    Buffer<float> weights;    // one per arc, or empty
    Buffer<float> strength;   // one per tie
    NodeLabels labels;
  };

  explicit Graph(Parts parts);  // checks array sizes (O(1)); content is the builder's promise
  Graph(Graph&&) noexcept = default;
  Graph& operator=(Graph&&) noexcept = default;
  Graph(const Graph&) = delete;  // arrays (and the mutable strength) are shared: copy explicitly
  Graph& operator=(const Graph&) = delete;

  bool directed() const noexcept { return parts_.directed; }
  node_t num_nodes() const noexcept { return parts_.num_nodes; }
  arc_t num_arcs() const noexcept { return parts_.targets.size(); }
  tie_t num_ties() const noexcept { return parts_.strength.size(); }
  bool has_weights() const noexcept { return !parts_.weights.empty(); }

  arc_t arc_begin(node_t u) const noexcept { return parts_.offsets[u]; }
  arc_t arc_end(node_t u) const noexcept { return parts_.offsets[u + 1]; }
  arc_t degree(node_t u) const noexcept { return arc_end(u) - arc_begin(u); }  // out-degree
  node_t target(arc_t a) const noexcept { return parts_.targets[a]; }
  std::span<const node_t> neighbors(node_t u) const noexcept {
    return {parts_.targets.data() + arc_begin(u), static_cast<std::size_t>(degree(u))};
  }

  // The tie an arc of u belongs to (see the header comment for the cost).
  tie_t tie_of_arc(node_t u, arc_t a) const noexcept;
  // Endpoints (u, v) of a tie; u <= v for undirected ties. O(log n).
  std::pair<node_t, node_t> tie_endpoints(tie_t t) const noexcept;
  // The arc that carries tie t from its first endpoint (the upper arc when undirected).
  arc_t tie_arc(tie_t t, node_t first_endpoint) const noexcept;

  // Calls f(tie, u, v, arc) for every tie in tie-id order.
  template <class F>
  void for_each_tie(F&& f) const {
    const node_t n = num_nodes();
    for (node_t u = 0; u < n; ++u) {
      arc_t a = directed() ? arc_begin(u) : first_upper_arc(u);
      for (const arc_t end = arc_end(u); a < end; ++a) f(tie_of_upper_arc(u, a), u, target(a), a);
    }
  }

  // Tie id per arc, in parallel (the same for any thread count): for kernels that read tie
  // attributes along every arc and can afford 8 bytes per arc.
  std::vector<tie_t> arc_ties() const;
  // The same into `out` (num_arcs() entries), every entry written once, in parallel: storage
  // left uninitialised is first touched by the threads that fill it.
  void arc_ties(std::span<tie_t> out) const;

  // The arcs into each node of a directed graph: arcs[offsets[v] .. offsets[v + 1]) are the arcs
  // u -> v in increasing arc order. Parallel; empty for an undirected graph (its arcs serve both
  // ways).
  struct InArcs {
    std::vector<arc_t> offsets, arcs;
  };
  InArcs in_arcs() const;

  // Values derived from this graph's structure, computed once and shared (graph_memo.hpp). A new
  // graph, copies included, starts with an empty memo; a moved-from graph has none.
  GraphMemo& memo() const noexcept { return *memo_; }

  std::span<const arc_t> offsets() const noexcept { return parts_.offsets.span(); }
  std::span<const node_t> targets() const noexcept { return parts_.targets.span(); }
  std::span<const tie_t> tie_base() const noexcept { return parts_.tie_base.span(); }
  std::span<const float> weights() const noexcept { return parts_.weights.span(); }
  std::span<const float> strength() const noexcept { return parts_.strength.span(); }
  std::span<float> strength() noexcept { return parts_.strength.span(); }
  const NodeLabels& labels() const noexcept { return parts_.labels; }
  const Parts& parts() const noexcept { return parts_; }

  // Bytes held by the graph's arrays (labels included).
  std::uint64_t memory_bytes() const noexcept;

 private:
  arc_t first_upper_arc(node_t u) const noexcept {
    return arc_end(u) - (parts_.tie_base[u + 1] - parts_.tie_base[u]);
  }
  tie_t tie_of_upper_arc(node_t u, arc_t a) const noexcept {
    return directed() ? a : parts_.tie_base[u + 1] - (arc_end(u) - a);
  }

  Parts parts_;
  std::shared_ptr<GraphMemo> memo_;  // held by pointer: a Graph stays movable, the memo's mutex does not move
};

}  // namespace guanxi
