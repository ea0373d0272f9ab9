// Building graphs from edge arrays: validation, self-loop and duplicate policies, relabelling
// of sparse or non-integer ids to dense ids, and derived graphs (undirected copy, transpose).
// The build is parallel (TBB) and its output does not depend on the thread count: arcs are
// scattered in any order and then each adjacency list is sorted by (target, weight).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "guanxi/graph.hpp"

namespace guanxi {

enum class SelfLoops { drop, keep, error };
enum class Duplicates { merge, keep, error };
enum class MergeWeights { sum, max };  // how merged parallel ties combine their weights

struct BuildOptions {
  bool directed = false;
  SelfLoops self_loops = SelfLoops::drop;
  // Undirected: (u, v) and (v, u) are the same tie, so listing both directions is a duplicate.
  Duplicates duplicates = Duplicates::merge;
  MergeWeights merge_weights = MergeWeights::sum;
  std::optional<std::uint64_t> num_nodes;  // default: largest id + 1
};

// Builds a graph from parallel arrays of endpoints and optional weights (finite, >= 0).
// Strength starts at 1 for every tie. Errors name the offending edge's index (EdgeError).
Graph build_graph(std::span<const node_t> src, std::span<const node_t> dst,
                  std::span<const float> weights, const BuildOptions& options,
                  NodeLabels labels = {});

// Dense ids for arbitrary labels: node ids follow the sorted order of the distinct labels that
// occur. Labels are dropped (identity) when they already are exactly 0..n-1.
struct DenseEdges {
  std::vector<node_t> src, dst;
  NodeLabels labels;
};
DenseEdges relabel(std::span<const std::int64_t> src, std::span<const std::int64_t> dst);
DenseEdges relabel(std::span<const std::string_view> src, std::span<const std::string_view> dst);

// Parse-friendly names of the options, for Python and the CLI ("drop", "merge", "sum", ...).
SelfLoops parse_self_loops(std::string_view name);
Duplicates parse_duplicates(std::string_view name);
MergeWeights parse_merge_weights(std::string_view name);

// The same ties with every arc reversed (directed graphs; an undirected graph is copied).
Graph transpose(const Graph& g);
// An undirected copy: u->v and v->u become one tie (weights merged by max), self-loops dropped.
Graph to_undirected(const Graph& g);
// A copy of the graph, strength and labels included.
Graph copy_graph(const Graph& g);

}  // namespace guanxi
