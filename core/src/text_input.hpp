// Internal to the readers: whole-file input (gzip detected by magic bytes), line bookkeeping,
// and the parallel parser of "u v [w]" lines shared by edge lists and Matrix Market files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "guanxi/builder.hpp"
#include "guanxi/error.hpp"
#include "guanxi/io.hpp"

namespace guanxi::detail {

// The file's bytes, decompressed when it is gzip. Throws IoError/ParseError naming the file.
std::string read_file_bytes(const std::string& path);

// 1-based line number of a byte offset.
std::uint64_t line_of_offset(std::string_view text, std::size_t offset);
// Number of the last line (1 for an empty text): where end-of-file errors point.
std::uint64_t last_line(std::string_view text);

struct EdgeLines {
  std::vector<std::int64_t> src, dst;        // integer ids
  std::vector<std::string_view> src_s, dst_s;  // string ids (views into the text)
  std::vector<float> weights;                // empty when the lines have two columns
  std::uint64_t size() const { return src.empty() ? src_s.size() : src.size(); }
};

struct EdgeLineFormat {
  bool string_ids = false;
  bool skip_header = false;  // the first data line may be a header of column names (CSV)
};

// Parses data lines "u v" or "u v w" (separators: spaces, tabs, commas) of text[start, end);
// '#' and '%' lines and blank lines are skipped. Every data line must have the same number of
// columns. Weights must be finite and >= 0.
EdgeLines parse_edge_lines(const std::string& file, std::string_view text, std::size_t start,
                           const EdgeLineFormat& format);

// Byte offset of the k-th data line (0-based) after `start`, for turning an edge index into a
// line number. Uses the same rules as parse_edge_lines.
std::size_t data_line_offset(std::string_view text, std::size_t start, std::uint64_t k,
                             const EdgeLineFormat& format);

// Builds the graph and reports an EdgeError as "file:line: field: reason".
Graph build_from_lines(const std::string& file, std::string_view text, std::size_t start,
                       const EdgeLineFormat& format, std::span<const node_t> src,
                       std::span<const node_t> dst, std::span<const float> weights,
                       const BuildOptions& options, NodeLabels labels);

// Same, for readers that know each edge's line (GML, GraphML).
Graph build_with_edge_lines(const std::string& file, std::span<const std::uint64_t> edge_lines,
                            std::span<const node_t> src, std::span<const node_t> dst,
                            std::span<const float> weights, const BuildOptions& options,
                            NodeLabels labels);

BuildOptions build_options(const ReadOptions& options, bool directed_by_default);

// The most nodes a file may imply without listing them (ReadOptions::max_implied_nodes): the
// option when set, else what half of this machine's memory holds while building (about 32
// bytes per node: offsets, tie_base, scatter cursors, de-duplicated offsets), and never more
// than 32-bit node ids allow.
std::uint64_t implied_node_limit(const ReadOptions& options);
// "more than <limit> nodes (<why that limit>)" for a file that asks for `nodes`, for messages.
std::string beyond_node_limit(const ReadOptions& options, std::uint64_t nodes);

}  // namespace guanxi::detail
