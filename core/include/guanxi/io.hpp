// Reading and writing graphs: edge lists (whitespace or CSV, '#'/'%' comments, optional weight
// column, gzip detected by its magic bytes), Matrix Market coordinate files, GML, GraphML, and
// guanxi's binary snapshot. Errors name the file, the line and the field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "guanxi/builder.hpp"
#include "guanxi/graph.hpp"

namespace guanxi {

enum class Format { edge_list, matrix_market, gml, graphml, snapshot };

// Format from the file name: .gx snapshot, .mtx Matrix Market, .gml, .graphml, anything else
// (.edges, .txt, .csv, .tsv, ...) an edge list; a trailing .gz is ignored.
Format format_from_path(std::string_view path);
Format parse_format(std::string_view name);  // "edgelist", "mtx", "gml", "graphml", "snapshot"
std::string_view format_name(Format format);

struct ReadOptions {
  // Default: what the file declares (GML, GraphML, Matrix Market symmetric/general), else
  // undirected. Reading a directed file as undirected merges u->v and v->u.
  std::optional<bool> directed;
  SelfLoops self_loops = SelfLoops::drop;
  Duplicates duplicates = Duplicates::merge;
  MergeWeights merge_weights = MergeWeights::sum;
  // Edge lists: node ids are labels mapped to dense ids in sorted order (false: integer ids are
  // used as they are and n = largest id + 1).
  bool relabel = true;
  bool string_ids = false;  // edge lists: ids are arbitrary tokens rather than integers
  // Most nodes a file may ask for without listing them: the rows of a Matrix Market size line,
  // or the largest id + 1 of an edge list read with relabel=false. Beyond it the reader refuses
  // the file (naming the line and field) before taking any memory. 0: as many as half of this
  // machine's memory holds while building (implied_node_limit() in text_input.cpp).
  std::uint64_t max_implied_nodes = 0;
};

Graph read_graph(const std::string& path, std::optional<Format> format = std::nullopt,
                 const ReadOptions& options = {});
Graph read_edge_list(const std::string& path, const ReadOptions& options = {});
Graph read_matrix_market(const std::string& path, const ReadOptions& options = {});
Graph read_gml(const std::string& path, const ReadOptions& options = {});
Graph read_graphml(const std::string& path, const ReadOptions& options = {});

// Refuses anything but a regular file — a folder, a device such as /dev/zero (which reads
// forever), a FIFO (whose opening blocks), a socket — by its type, before it is opened: IoError
// "<path>: is a folder, not a <what>". A missing path passes: the reader names it. Every reader of
// a file the user names (graphs, snapshots, scenarios, groups files) calls it first.
void require_regular_file(const std::string& path, std::string_view what);

// Writes one line per tie, "u v" or "u v w", with the original labels; gzip when the path ends
// in .gz. Isolated nodes are not represented.
void write_edge_list(const Graph& g, const std::string& path);
// Edge list or snapshot by format (other formats are read-only).
void write_graph(const Graph& g, const std::string& path, std::optional<Format> format = std::nullopt);

}  // namespace guanxi
