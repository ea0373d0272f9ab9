// The CSR graph: size checks, tie-id lookups, node labels, and the per-arc tables (tie ids,
// in-arcs) that kernels derive from it in parallel.
#include "guanxi/graph.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include <tbb/task_arena.h>

#include "guanxi/error.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/parallel.hpp"

namespace guanxi {
namespace {

constexpr std::uint64_t kNodeGrain = 4096, kArcGrain = 1u << 16;

}  // namespace

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

Graph::Graph(Parts parts) : parts_(std::move(parts)), memo_(std::make_shared<GraphMemo>()) {
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
  arc_ties(ties);
  return ties;
}

void Graph::arc_ties(std::span<tie_t> ties) const {
  if (ties.size() != num_arcs()) throw std::logic_error("Graph::arc_ties: the output must have one entry per arc");
  if (directed()) {
    parallel_for(0, ties.size(), kArcGrain, [&](std::uint64_t a) { ties[a] = a; });
    return;
  }
  // Ties come in (u, v) order, so each node's lower arcs (sources ascending) fill in order from a
  // cursor per node. In parallel, each part owns a range of nodes v and walks the ties in order,
  // filling the arcs of those that end in its range (the upper arc u -> v and the lower v -> u):
  // in each sorted list, one run of upper arcs. The walk is sequential and cheap; the scattered
  // writes, the cost, are split between the parts. Each entry is written by exactly one part, in
  // the serial order, so the result does not depend on the number of parts, which follows the
  // thread count (one part: the serial loop). Parts hold about equal numbers of lower arcs:
  // offsets[v] - tie_base[v] counts those before v.
  const node_t n = num_nodes();
  const auto parts = static_cast<std::uint64_t>(std::clamp(tbb::this_task_arena::max_concurrency(), 1, 16));
  std::vector<node_t> part_begin(parts + 1, n);
  const arc_t lower_arcs = num_arcs() - num_ties();
  for (std::uint64_t p = 0; p < parts; ++p) {
    const arc_t wanted = lower_arcs / parts * p;
    node_t lo = 0, hi = n;  // the first node with at least `wanted` lower arcs before it
    while (lo < hi) {
      const node_t mid = lo + (hi - lo) / 2;
      if (parts_.offsets[mid] - parts_.tie_base[mid] < wanted)
        lo = mid + 1;
      else
        hi = mid;
    }
    part_begin[p] = lo;
  }
  std::vector<arc_t> lower_cursor(parts_.offsets.data(), parts_.offsets.data() + n);
  const node_t* target_of = parts_.targets.data();
  parallel_for(0, parts, 1, [&](std::uint64_t p) {
    const node_t first = part_begin[p], last = part_begin[p + 1];
    for (node_t u = 0; u < last; ++u) {  // v >= u: nodes from `last` on have no tie ending in range
      const arc_t end = arc_end(u);
      auto a = static_cast<arc_t>(std::lower_bound(target_of + first_upper_arc(u), target_of + end, first) - target_of);
      for (; a < end && target_of[a] < last; ++a) {
        const tie_t t = tie_of_upper_arc(u, a);
        const node_t v = target_of[a];
        ties[a] = t;
        if (v != u) ties[lower_cursor[v]++] = t;
      }
    }
  });
}

Graph::InArcs Graph::in_arcs() const {
  InArcs in;
  if (!directed()) return in;
  const std::uint64_t n = num_nodes(), m = num_arcs();
  // In-degrees by atomic increments (a count does not depend on their order), then offsets.
  in.offsets.assign(n + 1, 0);
  parallel_for(0, m, kArcGrain, [&](std::uint64_t a) {
    std::atomic_ref<arc_t>(in.offsets[target(a)]).fetch_add(1, std::memory_order_relaxed);
  });
  exclusive_scan_inplace(in.offsets.data(), n + 1);
  // Scatter through atomic cursors (slots in any order), then sort each node's slots: the same
  // arrays for any thread count.
  in.arcs.resize(m);
  std::vector<arc_t> cursor(in.offsets.begin(), in.offsets.end() - 1);
  parallel_for(0, m, kArcGrain, [&](std::uint64_t a) {
    in.arcs[std::atomic_ref<arc_t>(cursor[target(a)]).fetch_add(1, std::memory_order_relaxed)] = a;
  });
  parallel_for(0, n, kNodeGrain, [&](std::uint64_t v) {
    std::sort(in.arcs.begin() + static_cast<std::ptrdiff_t>(in.offsets[v]),
              in.arcs.begin() + static_cast<std::ptrdiff_t>(in.offsets[v + 1]));
  });
  return in;
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
