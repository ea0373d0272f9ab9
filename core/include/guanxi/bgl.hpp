// Boost.Graph adaptor: graph_traits for guanxi::Graph, so BGL algorithms (BFS, DFS, Dijkstra,
// strong_components, ...) run on the CSR graph itself. An undirected guanxi::Graph is seen as a
// symmetric digraph (both arcs of each tie); algorithms that require undirected_tag
// (connected_components, ...) take the thin view `guanxi::UndirectedView{g}`.
#pragma once

#include <type_traits>

#include <boost/graph/graph_traits.hpp>
#include <boost/graph/properties.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/iterator_facade.hpp>
#include <boost/property_map/property_map.hpp>

#include "guanxi/graph.hpp"

namespace guanxi::bgl {

// An arc, identified by its source and its index in the CSR arrays.
struct Arc {
  node_t source = 0;
  arc_t index = 0;
  friend bool operator==(const Arc& a, const Arc& b) { return a.index == b.index && a.source == b.source; }
  friend bool operator!=(const Arc& a, const Arc& b) { return !(a == b); }
};

class OutArcIterator
    : public boost::iterator_facade<OutArcIterator, Arc, boost::random_access_traversal_tag, Arc> {
 public:
  OutArcIterator() = default;
  OutArcIterator(node_t source, arc_t index) : arc_{source, index} {}

 private:
  friend class boost::iterator_core_access;
  Arc dereference() const { return arc_; }
  bool equal(const OutArcIterator& other) const { return arc_.index == other.arc_.index; }
  void increment() { ++arc_.index; }
  void decrement() { --arc_.index; }
  void advance(std::ptrdiff_t n) { arc_.index += n; }
  std::ptrdiff_t distance_to(const OutArcIterator& other) const {
    return static_cast<std::ptrdiff_t>(other.arc_.index) - static_cast<std::ptrdiff_t>(arc_.index);
  }
  Arc arc_;
};

// Every arc (upper arcs only: one per tie, when `ties_only`), in CSR order.
class AllArcIterator
    : public boost::iterator_facade<AllArcIterator, Arc, boost::forward_traversal_tag, Arc> {
 public:
  AllArcIterator() = default;
  AllArcIterator(const Graph* g, node_t source, arc_t index, bool ties_only)
      : g_(g), arc_{source, index}, ties_only_(ties_only) {
    settle();
  }

 private:
  friend class boost::iterator_core_access;
  Arc dereference() const { return arc_; }
  bool equal(const AllArcIterator& other) const { return arc_.index == other.arc_.index; }
  void increment() {
    ++arc_.index;
    settle();
  }
  // Moves to the next arc to report (skipping nodes without arcs and, for ties, lower arcs).
  void settle() {
    const node_t n = g_->num_nodes();
    while (arc_.source < n) {
      if (arc_.index >= g_->arc_end(arc_.source)) {
        ++arc_.source;
        continue;
      }
      if (ties_only_ && g_->target(arc_.index) < arc_.source) {
        ++arc_.index;
        continue;
      }
      return;
    }
    arc_.index = g_->num_arcs();
  }
  const Graph* g_ = nullptr;
  Arc arc_;
  bool ties_only_ = false;
};

// Arc -> tie id, as a readable property map (for edge_index).
struct TieIndexMap {
  const Graph* g;
};
inline tie_t get(const TieIndexMap& m, const Arc& a) { return m.g->tie_of_arc(a.source, a.index); }

struct TraitsBase {
  using vertex_descriptor = node_t;
  using edge_descriptor = Arc;
  using edge_parallel_category = boost::allow_parallel_edge_tag;
  struct traversal_category : boost::incidence_graph_tag,
                              boost::adjacency_graph_tag,
                              boost::vertex_list_graph_tag,
                              boost::edge_list_graph_tag {};
  using out_edge_iterator = OutArcIterator;
  using adjacency_iterator = const node_t*;
  using vertex_iterator = boost::counting_iterator<node_t>;
  using edge_iterator = AllArcIterator;
  using vertices_size_type = node_t;
  using edges_size_type = std::uint64_t;
  using degree_size_type = std::uint64_t;
  using in_edge_iterator = void;
  static vertex_descriptor null_vertex() { return max_nodes; }
};

}  // namespace guanxi::bgl

namespace guanxi {
// The undirected view required by BGL algorithms that check for undirected_tag.
struct UndirectedView {
  const Graph& graph;
};
}  // namespace guanxi

namespace boost {

template <>
struct graph_traits<guanxi::Graph> : guanxi::bgl::TraitsBase {
  using directed_category = directed_tag;
};
template <>
struct graph_traits<guanxi::UndirectedView> : guanxi::bgl::TraitsBase {
  using directed_category = undirected_tag;
};

template <>
struct property_map<guanxi::Graph, vertex_index_t> {
  using type = typed_identity_property_map<guanxi::node_t>;
  using const_type = type;
};
template <>
struct property_map<guanxi::UndirectedView, vertex_index_t> {
  using type = typed_identity_property_map<guanxi::node_t>;
  using const_type = type;
};
template <>
struct property_map<guanxi::Graph, edge_index_t> {
  using type = guanxi::bgl::TieIndexMap;
  using const_type = type;
};
template <>
struct property_traits<guanxi::bgl::TieIndexMap> {
  using value_type = guanxi::tie_t;
  using reference = guanxi::tie_t;
  using key_type = guanxi::bgl::Arc;
  using category = readable_property_map_tag;
};

}  // namespace boost

// Free functions found by argument-dependent lookup, for the graph and its undirected view.
namespace guanxi {
namespace bgl {
inline const Graph& graph_of(const Graph& g) { return g; }
inline const Graph& graph_of(const UndirectedView& g) { return g.graph; }
template <class G>
concept View = std::is_same_v<G, Graph> || std::is_same_v<G, UndirectedView>;
}  // namespace bgl

template <bgl::View G>
std::pair<bgl::OutArcIterator, bgl::OutArcIterator> out_edges(node_t u, const G& g) {
  const Graph& h = bgl::graph_of(g);
  return {bgl::OutArcIterator(u, h.arc_begin(u)), bgl::OutArcIterator(u, h.arc_end(u))};
}
template <bgl::View G>
std::uint64_t out_degree(node_t u, const G& g) {
  return bgl::graph_of(g).degree(u);
}
template <bgl::View G>
std::pair<const node_t*, const node_t*> adjacent_vertices(node_t u, const G& g) {
  const auto around = bgl::graph_of(g).neighbors(u);
  return {around.data(), around.data() + around.size()};
}
template <bgl::View G>
node_t source(const bgl::Arc& a, const G&) {
  return a.source;
}
template <bgl::View G>
node_t target(const bgl::Arc& a, const G& g) {
  return bgl::graph_of(g).target(a.index);
}
template <bgl::View G>
std::pair<boost::counting_iterator<node_t>, boost::counting_iterator<node_t>> vertices(const G& g) {
  return {boost::counting_iterator<node_t>(0), boost::counting_iterator<node_t>(bgl::graph_of(g).num_nodes())};
}
template <bgl::View G>
node_t num_vertices(const G& g) {
  return bgl::graph_of(g).num_nodes();
}
template <bgl::View G>
boost::typed_identity_property_map<node_t> get(boost::vertex_index_t, const G&) {
  return {};
}
// Edges: every arc for the directed view, every tie once for the undirected view.
template <bgl::View G>
std::pair<bgl::AllArcIterator, bgl::AllArcIterator> edges(const G& g) {
  const Graph& h = bgl::graph_of(g);
  constexpr bool ties_only = std::is_same_v<G, UndirectedView>;
  return {bgl::AllArcIterator(&h, 0, 0, ties_only), bgl::AllArcIterator(&h, h.num_nodes(), h.num_arcs(), ties_only)};
}
template <bgl::View G>
std::uint64_t num_edges(const G& g) {
  return std::is_same_v<G, UndirectedView> ? bgl::graph_of(g).num_ties() : bgl::graph_of(g).num_arcs();
}
inline bgl::TieIndexMap get(boost::edge_index_t, const Graph& g) { return {&g}; }

}  // namespace guanxi
