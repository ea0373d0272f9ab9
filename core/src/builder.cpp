// Graph construction from edge arrays: count arcs per node, scatter them (atomics, any order),
// sort each adjacency list by (target, weight) so the result is canonical, then merge or
// reject duplicates. Relabelling maps arbitrary ids to dense ones.
#include "guanxi/builder.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include <tbb/parallel_sort.h>

#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"

namespace guanxi {
namespace {

constexpr std::uint64_t kEdgeGrain = 1u << 16;
constexpr std::uint64_t kNodeGrain = 1u << 12;

// Weights travel with targets as one sortable 64-bit key: non-negative floats order like their
// bit patterns (after folding -0 into +0).
std::uint64_t arc_key(node_t target, float weight) {
  if (weight == 0.0f) weight = 0.0f;
  std::uint32_t bits;
  std::memcpy(&bits, &weight, sizeof bits);
  return (static_cast<std::uint64_t>(target) << 32) | bits;
}
node_t key_target(std::uint64_t key) { return static_cast<node_t>(key >> 32); }
float key_weight(std::uint64_t key) {
  const auto bits = static_cast<std::uint32_t>(key);
  float w;
  std::memcpy(&w, &bits, sizeof w);
  return w;
}

template <class T>
void atomic_add(T& counter, T value) {
  std::atomic_ref<T>(counter).fetch_add(value, std::memory_order_relaxed);
}

std::string pair_text(const NodeLabels& labels, node_t u, node_t v, bool directed) {
  return labels.to_string(u) + (directed ? " -> " : " - ") + labels.to_string(v);
}

// The first edge (by index) that repeats an earlier tie, for duplicates='error'.
[[noreturn]] void throw_first_duplicate(std::span<const node_t> src, std::span<const node_t> dst,
                                        bool directed, bool keep_loops, const NodeLabels& labels) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> keyed;  // (pair key, edge index)
  keyed.reserve(src.size());
  for (std::uint64_t i = 0; i < src.size(); ++i) {
    node_t u = src[i], v = dst[i];
    if (u == v && !keep_loops) continue;
    if (!directed && v < u) std::swap(u, v);
    keyed.emplace_back((static_cast<std::uint64_t>(u) << 32) | v, i);
  }
  tbb::parallel_sort(keyed.begin(), keyed.end());
  std::uint64_t best_second = src.size(), best_first = 0;
  for (std::size_t k = 1; k < keyed.size(); ++k) {
    if (keyed[k].first == keyed[k - 1].first && keyed[k].second < best_second &&
        (k < 2 || keyed[k - 2].first != keyed[k].first)) {
      best_second = keyed[k].second;
      best_first = keyed[k - 1].second;
    }
  }
  throw EdgeError(best_second, "dst",
                  "duplicate tie " + pair_text(labels, src[best_second], dst[best_second], directed) +
                      " (duplicates='error')",
                  best_first);
}

std::uint64_t infer_num_nodes(std::span<const node_t> src, std::span<const node_t> dst) {
  if (src.empty()) throw InputError("empty graph: no edges and no number of nodes given");
  const node_t largest = parallel_reduce(
      0, src.size(), kEdgeGrain, node_t{0},
      [&](std::uint64_t lo, std::uint64_t hi) {
        node_t m = 0;
        for (std::uint64_t i = lo; i < hi; ++i) m = std::max({m, src[i], dst[i]});
        return m;
      },
      [](node_t a, node_t b) { return std::max(a, b); });
  if (largest == max_nodes)
    throw InputError("node id " + std::to_string(largest) + " is reserved (ids must be < " +
                     std::to_string(max_nodes) + ")");
  return std::uint64_t{largest} + 1;
}

// Scatters the kept arcs (order within a node is arbitrary), sorts each adjacency list so the
// result is canonical, then merges or rejects repeated targets in place: each list is
// compacted to its front, and the lists are moved left into their final offsets in one
// sequential pass (every destination lies before its source). Returns offsets and arcs.
template <class Arc, class Kept, class Mirrored, class MakeArc, class TargetOf, class Merge>
std::pair<Buffer<arc_t>, Buffer<Arc>> place_arcs(std::span<const node_t> src, std::span<const node_t> dst,
                                                 Buffer<arc_t> offsets, arc_t num_arcs, const BuildOptions& options,
                                                 Kept kept, Mirrored mirrored, const NodeLabels& labels,
                                                 MakeArc make_arc, TargetOf target_of, Merge merge) {
  const std::uint64_t n = offsets.size() - 1;
  auto arcs = Buffer<Arc>::allocate(num_arcs);
  {
    std::vector<arc_t> cursor(offsets.data(), offsets.data() + n);
    parallel_for(0, src.size(), kEdgeGrain, [&](std::uint64_t i) {
      if (!kept(i)) return;
      const arc_t a = std::atomic_ref<arc_t>(cursor[src[i]]).fetch_add(1, std::memory_order_relaxed);
      arcs[a] = make_arc(i, dst[i]);
      if (mirrored(i)) {
        const arc_t b = std::atomic_ref<arc_t>(cursor[dst[i]]).fetch_add(1, std::memory_order_relaxed);
        arcs[b] = make_arc(i, src[i]);
      }
    });
  }
  parallel_blocks(0, n, kNodeGrain, [&](std::uint64_t lo, std::uint64_t hi) {
    for (std::uint64_t u = lo; u < hi; ++u) std::sort(arcs.data() + offsets[u], arcs.data() + offsets[u + 1]);
  });
  if (options.duplicates == Duplicates::keep) return {std::move(offsets), std::move(arcs)};

  auto distinct = Buffer<arc_t>::from_vector(std::vector<arc_t>(n + 1, 0));
  parallel_for(0, n, kNodeGrain, [&](std::uint64_t u) {
    arc_t count = 0;
    for (arc_t a = offsets[u]; a < offsets[u + 1]; ++a)
      count += (a == offsets[u] || target_of(arcs[a]) != target_of(arcs[a - 1]));
    distinct[u] = count;
  });
  const arc_t final_arcs = exclusive_scan_inplace(distinct.data(), n + 1);
  if (final_arcs == num_arcs) return {std::move(offsets), std::move(arcs)};
  if (options.duplicates == Duplicates::error) throw_first_duplicate(src, dst, options.directed, options.self_loops == SelfLoops::keep, labels);
  parallel_for(0, n, kNodeGrain, [&](std::uint64_t u) {
    arc_t out = offsets[u];
    for (arc_t a = offsets[u]; a < offsets[u + 1];) {
      const arc_t run = a;
      while (a < offsets[u + 1] && target_of(arcs[a]) == target_of(arcs[run])) ++a;
      arcs[out++] = merge(arcs[run], arcs.data() + run, arcs.data() + a);
    }
  });
  for (std::uint64_t u = 0; u < n; ++u)
    if (distinct[u] != offsets[u])
      std::memmove(arcs.data() + distinct[u], arcs.data() + offsets[u], (distinct[u + 1] - distinct[u]) * sizeof(Arc));
  // Keep the allocation when little was removed; copy to an exact one otherwise.
  if (final_arcs * 10 >= num_arcs * 9) return {std::move(distinct), Buffer<Arc>(arcs.owner(), arcs.data(), final_arcs)};
  auto exact = Buffer<Arc>::allocate(final_arcs);
  std::copy(arcs.data(), arcs.data() + final_arcs, exact.data());
  return {std::move(distinct), std::move(exact)};
}

}  // namespace

SelfLoops parse_self_loops(std::string_view name) {
  if (name == "drop") return SelfLoops::drop;
  if (name == "keep") return SelfLoops::keep;
  if (name == "error") return SelfLoops::error;
  throw InputError("self_loops: must be 'drop', 'keep' or 'error', not '" + std::string(name) + "'");
}

Duplicates parse_duplicates(std::string_view name) {
  if (name == "merge") return Duplicates::merge;
  if (name == "keep") return Duplicates::keep;
  if (name == "error") return Duplicates::error;
  throw InputError("duplicates: must be 'merge', 'keep' or 'error', not '" + std::string(name) +
                   "'");
}

MergeWeights parse_merge_weights(std::string_view name) {
  if (name == "sum") return MergeWeights::sum;
  if (name == "max") return MergeWeights::max;
  throw InputError("merge_weights: must be 'sum' or 'max', not '" + std::string(name) + "'");
}

Graph build_graph(std::span<const node_t> src, std::span<const node_t> dst,
                  std::span<const float> weights, const BuildOptions& options,
                  NodeLabels labels) {
  if (src.size() != dst.size())
    throw InputError("edges: src and dst must have the same length (" + std::to_string(src.size()) +
                     " != " + std::to_string(dst.size()) + ")");
  const bool weighted = !weights.empty();
  if (!weights.empty() && weights.size() != src.size())
    throw InputError("weights: must have one entry per edge (" + std::to_string(weights.size()) +
                     " != " + std::to_string(src.size()) + ")");
  const std::uint64_t num_edges = src.size();
  const bool directed = options.directed;

  if (!weights.empty()) {
    const auto bad = parallel_find_first(0, num_edges, kEdgeGrain, [&](std::uint64_t i) {
      return !(std::isfinite(weights[i]) && weights[i] >= 0.0f);
    });
    if (bad < num_edges)
      throw EdgeError(bad, "weight", "must be finite and >= 0, got " + format_number(weights[bad]));
  }

  std::uint64_t n;
  if (options.num_nodes) {
    n = *options.num_nodes;
    if (n > max_nodes)
      throw InputError("num_nodes: must be at most " + std::to_string(max_nodes) + ", got " +
                       std::to_string(n));
    const auto bad = parallel_find_first(0, num_edges, kEdgeGrain, [&](std::uint64_t i) {
      return src[i] >= n || dst[i] >= n;
    });
    if (bad < num_edges) {
      const bool src_bad = src[bad] >= n;
      throw EdgeError(bad, src_bad ? "src" : "dst",
                      "node id " + std::to_string(src_bad ? src[bad] : dst[bad]) +
                          " out of range [0, " + std::to_string(n) + ")");
    }
  } else {
    n = infer_num_nodes(src, dst);
  }
  if (labels.kind() != NodeLabels::Kind::identity && labels.size() != n)
    throw InputError("labels: must have one entry per node (" + std::to_string(labels.size()) +
                     " != " + std::to_string(n) + ")");

  if (options.self_loops == SelfLoops::error) {
    const auto loop =
        parallel_find_first(0, num_edges, kEdgeGrain, [&](std::uint64_t i) { return src[i] == dst[i]; });
    if (loop < num_edges)
      throw EdgeError(loop, "dst",
                      "self-loop on node " + labels.to_string(src[loop]) + " (self_loops='error')");
  }
  const bool keep_loops = options.self_loops == SelfLoops::keep;
  auto kept = [&](std::uint64_t i) { return src[i] != dst[i] || keep_loops; };
  auto mirrored = [&](std::uint64_t i) { return !directed && src[i] != dst[i]; };

  // Count arcs per node, then offsets by prefix sum.
  auto offsets = Buffer<arc_t>::from_vector(std::vector<arc_t>(n + 1, 0));
  parallel_for(0, num_edges, kEdgeGrain, [&](std::uint64_t i) {
    if (!kept(i)) return;
    atomic_add<arc_t>(offsets[src[i]], 1);
    if (mirrored(i)) atomic_add<arc_t>(offsets[dst[i]], 1);
  });
  const arc_t num_arcs = exclusive_scan_inplace(offsets.data(), n + 1);

  Graph::Parts parts;
  parts.directed = directed;
  parts.num_nodes = static_cast<node_t>(n);
  arc_t final_arcs;
  if (!weighted) {
    // Unweighted: scatter 32-bit targets straight into the graph's array (12 bytes per tie).
    auto placed = place_arcs<node_t>(
        src, dst, offsets, num_arcs, options, kept, mirrored, labels,
        [&](std::uint64_t, node_t target) { return target; }, [](node_t a) { return a; },
        [](node_t first, const node_t*, const node_t*) { return first; });
    parts.offsets = std::move(placed.first);
    parts.targets = std::move(placed.second);
    final_arcs = parts.targets.size();
  } else {
    // Weighted: (target, weight) travel as one sortable 64-bit key, then split.
    const bool sum = options.merge_weights == MergeWeights::sum;
    auto placed = place_arcs<std::uint64_t>(
        src, dst, offsets, num_arcs, options, kept, mirrored, labels,
        [&](std::uint64_t i, node_t target) { return arc_key(target, weights[i]); }, key_target,
        [sum](std::uint64_t first, const std::uint64_t* begin, const std::uint64_t* end) {
          double total = 0.0;
          float largest = 0.0f;
          for (const std::uint64_t* k = begin; k < end; ++k) {
            total += key_weight(*k);
            largest = std::max(largest, key_weight(*k));
          }
          return arc_key(key_target(first), sum ? static_cast<float>(total) : largest);
        });
    parts.offsets = std::move(placed.first);
    final_arcs = placed.second.size();
    parts.targets = Buffer<node_t>::allocate(final_arcs);
    parts.weights = Buffer<float>::allocate(final_arcs);
    const auto& keys = placed.second;
    parallel_for(0, final_arcs, kEdgeGrain, [&](std::uint64_t a) {
      parts.targets[a] = key_target(keys[a]);
      parts.weights[a] = key_weight(keys[a]);
    });
  }
  const Buffer<arc_t>& final_offsets = parts.offsets;

  tie_t num_ties = final_arcs;
  if (!directed) {
    parts.tie_base = Buffer<tie_t>::from_vector(std::vector<tie_t>(n + 1, 0));
    parallel_for(0, n, kNodeGrain, [&](std::uint64_t u) {
      const node_t* begin = parts.targets.data() + final_offsets[u];
      const node_t* end = parts.targets.data() + final_offsets[u + 1];
      parts.tie_base[u] = static_cast<tie_t>(end - std::lower_bound(begin, end, static_cast<node_t>(u)));
    });
    num_ties = exclusive_scan_inplace(parts.tie_base.data(), n + 1);
  }
  parts.strength = Buffer<float>::allocate(num_ties);
  parallel_for(0, num_ties, kEdgeGrain, [&](std::uint64_t t) { parts.strength[t] = 1.0f; });
  parts.labels = std::move(labels);
  return Graph(std::move(parts));
}

DenseEdges relabel(std::span<const std::int64_t> src, std::span<const std::int64_t> dst) {
  if (src.size() != dst.size())
    throw InputError("edges: src and dst must have the same length (" + std::to_string(src.size()) +
                     " != " + std::to_string(dst.size()) + ")");
  const std::uint64_t num_edges = src.size();
  DenseEdges out;
  out.src.resize(num_edges);
  out.dst.resize(num_edges);
  if (num_edges == 0) return out;
  using MinMax = std::pair<std::int64_t, std::int64_t>;
  const auto [lowest, highest] = parallel_reduce(
      0, num_edges, kEdgeGrain, MinMax{src[0], src[0]},
      [&](std::uint64_t lo, std::uint64_t hi) {
        MinMax m{src[lo], src[lo]};
        for (std::uint64_t i = lo; i < hi; ++i)
          m = {std::min({m.first, src[i], dst[i]}), std::max({m.second, src[i], dst[i]})};
        return m;
      },
      [](MinMax a, MinMax b) { return MinMax{std::min(a.first, b.first), std::max(a.second, b.second)}; });

  // Dense-ish non-negative ids: a presence table and a prefix sum; otherwise sort the labels.
  const bool table = lowest >= 0 && static_cast<std::uint64_t>(highest) < 8 * num_edges + 1024;
  std::vector<std::int64_t> distinct;
  if (table) {
    std::vector<node_t> dense(static_cast<std::uint64_t>(highest) + 2, 0);
    parallel_for(0, num_edges, kEdgeGrain, [&](std::uint64_t i) {
      std::atomic_ref<node_t>(dense[src[i]]).store(1, std::memory_order_relaxed);
      std::atomic_ref<node_t>(dense[dst[i]]).store(1, std::memory_order_relaxed);
    });
    std::vector<node_t> present(dense);
    const node_t count = exclusive_scan_inplace(dense.data(), dense.size());
    parallel_for(0, num_edges, kEdgeGrain, [&](std::uint64_t i) {
      out.src[i] = dense[src[i]];
      out.dst[i] = dense[dst[i]];
    });
    if (count == static_cast<std::uint64_t>(highest) + 1) return out;  // already 0..n-1
    distinct.reserve(count);
    for (std::uint64_t id = 0; id + 1 < present.size(); ++id)
      if (present[id]) distinct.push_back(static_cast<std::int64_t>(id));
  } else {
    distinct.reserve(2 * num_edges);
    distinct.insert(distinct.end(), src.begin(), src.end());
    distinct.insert(distinct.end(), dst.begin(), dst.end());
    tbb::parallel_sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.size() >= max_nodes) throw InputError("too many distinct node labels");
    parallel_for(0, num_edges, kEdgeGrain, [&](std::uint64_t i) {
      out.src[i] = static_cast<node_t>(std::lower_bound(distinct.begin(), distinct.end(), src[i]) - distinct.begin());
      out.dst[i] = static_cast<node_t>(std::lower_bound(distinct.begin(), distinct.end(), dst[i]) - distinct.begin());
    });
  }
  out.labels = NodeLabels::integers(Buffer<std::int64_t>::from_vector(std::move(distinct)));
  return out;
}

DenseEdges relabel(std::span<const std::string_view> src, std::span<const std::string_view> dst) {
  if (src.size() != dst.size())
    throw InputError("edges: src and dst must have the same length (" + std::to_string(src.size()) +
                     " != " + std::to_string(dst.size()) + ")");
  std::vector<std::string_view> distinct;
  distinct.reserve(src.size() + dst.size());
  distinct.insert(distinct.end(), src.begin(), src.end());
  distinct.insert(distinct.end(), dst.begin(), dst.end());
  tbb::parallel_sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() >= max_nodes) throw InputError("too many distinct node labels");
  DenseEdges out;
  out.src.resize(src.size());
  out.dst.resize(dst.size());
  parallel_for(0, src.size(), kEdgeGrain, [&](std::uint64_t i) {
    out.src[i] = static_cast<node_t>(std::lower_bound(distinct.begin(), distinct.end(), src[i]) - distinct.begin());
    out.dst[i] = static_cast<node_t>(std::lower_bound(distinct.begin(), distinct.end(), dst[i]) - distinct.begin());
  });
  out.labels = NodeLabels::strings(std::vector<std::string>(distinct.begin(), distinct.end()));
  return out;
}

namespace {

template <class T>
Buffer<T> copy_buffer(const Buffer<T>& from) {
  auto to = Buffer<T>::allocate(from.size());
  std::copy(from.data(), from.data() + from.size(), to.data());
  return to;
}

NodeLabels copy_labels(const NodeLabels& labels) {
  switch (labels.kind()) {
    case NodeLabels::Kind::integer:
      return NodeLabels::integers(Buffer<std::int64_t>::from_vector(
          {labels.integers().begin(), labels.integers().end()}));
    case NodeLabels::Kind::string: return NodeLabels::strings(labels.strings());
    default: return {};
  }
}

}  // namespace

Graph copy_graph(const Graph& g) {
  const auto& from = g.parts();
  Graph::Parts parts;
  parts.directed = from.directed;
  parts.num_nodes = from.num_nodes;
  parts.offsets = copy_buffer(from.offsets);
  parts.targets = copy_buffer(from.targets);
  parts.tie_base = copy_buffer(from.tie_base);
  parts.weights = copy_buffer(from.weights);
  parts.strength = copy_buffer(from.strength);
  parts.labels = copy_labels(from.labels);
  return Graph(std::move(parts));
}

Graph transpose(const Graph& g) {
  if (!g.directed()) return copy_graph(g);
  // Counting sort by target; visiting sources in ascending order keeps every list sorted by
  // (source, weight), the canonical order. Tie id = arc index, so strength follows its arc.
  const node_t n = g.num_nodes();
  Graph::Parts parts;
  parts.directed = true;
  parts.num_nodes = n;
  parts.offsets = Buffer<arc_t>::from_vector(std::vector<arc_t>(std::uint64_t{n} + 1, 0));
  for (node_t v : g.targets()) ++parts.offsets[v];
  exclusive_scan_inplace(parts.offsets.data(), std::uint64_t{n} + 1);
  std::vector<arc_t> cursor(parts.offsets.data(), parts.offsets.data() + n);
  parts.targets = Buffer<node_t>::allocate(g.num_arcs());
  if (g.has_weights()) parts.weights = Buffer<float>::allocate(g.num_arcs());
  parts.strength = Buffer<float>::allocate(g.num_arcs());
  for (node_t u = 0; u < n; ++u) {
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
      const arc_t b = cursor[g.target(a)]++;
      parts.targets[b] = u;
      if (g.has_weights()) parts.weights[b] = g.weights()[a];
      parts.strength[b] = g.strength()[a];
    }
  }
  parts.labels = copy_labels(g.labels());
  return Graph(std::move(parts));
}

Graph to_undirected(const Graph& g) {
  if (!g.directed()) return copy_graph(g);
  std::vector<node_t> src(g.num_arcs());
  for (node_t u = 0; u < g.num_nodes(); ++u)
    std::fill(src.begin() + static_cast<std::ptrdiff_t>(g.arc_begin(u)),
              src.begin() + static_cast<std::ptrdiff_t>(g.arc_end(u)), u);
  BuildOptions options;
  options.directed = false;
  options.merge_weights = MergeWeights::max;
  options.num_nodes = g.num_nodes();
  return build_graph(src, g.targets(), g.weights(), options, copy_labels(g.labels()));
}

}  // namespace guanxi
