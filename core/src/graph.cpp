// The CSR graph: size checks, tie-id lookups and node labels.
#include "guanxi/graph.hpp"

#include <algorithm>

#include "guanxi/error.hpp"

namespace guanxi {

NodeLabels NodeLabels::integers(Buffer<std::int64_t> labels) {
  NodeLabels out;
  out.kind_ = Kind::integer;
  out.ints_ = std::move(labels);
  return out;
}

NodeLabels NodeLabels::strings(std::vector<std::string> labels) {
  NodeLabels out;
  out.kind_ = Kind::string;
  out.strings_ = std::move(labels);
  return out;
}

std::size_t NodeLabels::size() const noexcept {
  switch (kind_) {
    case Kind::integer: return ints_.size();
    case Kind::string: return strings_.size();
    default: return 0;
  }
}

std::string NodeLabels::to_string(node_t v) const {
  switch (kind_) {
    case Kind::integer: return std::to_string(ints_[v]);
    case Kind::string: return strings_[v];
    default: return std::to_string(v);
  }
}

Graph::Graph(Parts parts) : parts_(std::move(parts)) {
  const auto n = static_cast<std::uint64_t>(parts_.num_nodes);
  if (parts_.offsets.size() != n + 1) throw InputError("graph: offsets must have n + 1 entries");
  if (parts_.offsets[0] != 0 || parts_.offsets[n] != parts_.targets.size())
    throw InputError("graph: offsets must start at 0 and end at the number of arcs");
  if (!parts_.weights.empty() && parts_.weights.size() != parts_.targets.size())
    throw InputError("graph: weights must have one entry per arc");
  if (parts_.directed) {
    if (!parts_.tie_base.empty()) throw InputError("graph: a directed graph has no tie_base");
    if (parts_.strength.size() != parts_.targets.size())
      throw InputError("graph: strength must have one entry per arc of a directed graph");
  } else {
    if (parts_.tie_base.size() != n + 1 || parts_.tie_base[0] != 0 ||
        parts_.tie_base[n] != parts_.strength.size())
      throw InputError("graph: tie_base must have n + 1 entries ending at the number of ties");
  }
  if (parts_.labels.kind() != NodeLabels::Kind::identity && parts_.labels.size() != n)
    throw InputError("graph: labels must have one entry per node");
}

tie_t Graph::tie_of_arc(node_t u, arc_t a) const noexcept {
  const node_t v = target(a);
  if (directed() || v >= u) return tie_of_upper_arc(u, a);
  // Lower arc u->v: its tie is the upper arc v->u. With parallel ties, the k-th copy of v in
  // u's list pairs with the k-th copy of u in v's list (both lists sort copies alike).
  const node_t* u_list = parts_.targets.data();
  const arc_t copy = a - static_cast<arc_t>(std::lower_bound(u_list + arc_begin(u), u_list + a, v) -
                                            u_list);
  const node_t* first = std::lower_bound(u_list + arc_begin(v), u_list + arc_end(v), u);
  const arc_t twin = static_cast<arc_t>(first - u_list) + copy;
  return tie_of_upper_arc(v, twin);
}

std::pair<node_t, node_t> Graph::tie_endpoints(tie_t t) const noexcept {
  if (directed()) {
    const auto& off = parts_.offsets;
    const arc_t* it = std::upper_bound(off.data(), off.data() + off.size(), static_cast<arc_t>(t));
    const auto u = static_cast<node_t>(it - off.data() - 1);
    return {u, target(t)};
  }
  const auto& base = parts_.tie_base;
  const tie_t* it = std::upper_bound(base.data(), base.data() + base.size(), t);
  const auto u = static_cast<node_t>(it - base.data() - 1);
  return {u, target(tie_arc(t, u))};
}

arc_t Graph::tie_arc(tie_t t, node_t first_endpoint) const noexcept {
  if (directed()) return t;
  return arc_end(first_endpoint) - (parts_.tie_base[first_endpoint + 1] - t);
}

std::vector<tie_t> Graph::arc_ties() const {
  std::vector<tie_t> ties(num_arcs());
  if (directed()) {
    for (arc_t a = 0; a < ties.size(); ++a) ties[a] = a;
    return ties;
  }
  // Ties come in (u, v) order, so each node's lower arcs (sources ascending) fill in order.
  std::vector<arc_t> lower_cursor(parts_.offsets.data(), parts_.offsets.data() + num_nodes());
  for_each_tie([&](tie_t t, node_t u, node_t v, arc_t a) {
    ties[a] = t;
    if (v != u) ties[lower_cursor[v]++] = t;
  });
  return ties;
}

std::uint64_t Graph::memory_bytes() const noexcept {
  std::uint64_t bytes = parts_.offsets.size() * sizeof(arc_t) +
                        parts_.targets.size() * sizeof(node_t) +
                        parts_.tie_base.size() * sizeof(tie_t) +
                        parts_.weights.size() * sizeof(float) +
                        parts_.strength.size() * sizeof(float);
  bytes += parts_.labels.integers().size() * sizeof(std::int64_t);
  for (const auto& s : parts_.labels.strings()) bytes += sizeof(std::string) + s.capacity();
  return bytes;
}

}  // namespace guanxi
