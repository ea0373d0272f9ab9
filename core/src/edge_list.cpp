// Edge-list and Matrix Market readers, the edge-list writer, and format dispatch by file name.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include <zlib.h>

#include "guanxi/io.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/snapshot.hpp"
#include "text_input.hpp"

namespace guanxi {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

std::string_view strip_gz(std::string_view path) {
  return ends_with(path, ".gz") ? path.substr(0, path.size() - 3) : path;
}

}  // namespace

Format format_from_path(std::string_view path) {
  const std::string_view name = strip_gz(path);
  if (ends_with(name, ".gx")) return Format::snapshot;
  if (ends_with(name, ".mtx") || ends_with(name, ".mm")) return Format::matrix_market;
  if (ends_with(name, ".gml")) return Format::gml;
  if (ends_with(name, ".graphml") || ends_with(name, ".xml")) return Format::graphml;
  return Format::edge_list;
}

Format parse_format(std::string_view name) {
  if (name == "edgelist" || name == "edges" || name == "csv") return Format::edge_list;
  if (name == "mtx" || name == "matrix_market") return Format::matrix_market;
  if (name == "gml") return Format::gml;
  if (name == "graphml") return Format::graphml;
  if (name == "snapshot" || name == "gx") return Format::snapshot;
  throw InputError("format: must be 'edgelist', 'mtx', 'gml', 'graphml' or 'snapshot', not '" +
                   std::string(name) + "'");
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::edge_list: return "edgelist";
    case Format::matrix_market: return "mtx";
    case Format::gml: return "gml";
    case Format::graphml: return "graphml";
    case Format::snapshot: return "snapshot";
  }
  return "?";
}

Graph read_graph(const std::string& path, std::optional<Format> format, const ReadOptions& options) {
  switch (format.value_or(format_from_path(path))) {
    case Format::edge_list: return read_edge_list(path, options);
    case Format::matrix_market: return read_matrix_market(path, options);
    case Format::gml: return read_gml(path, options);
    case Format::graphml: return read_graphml(path, options);
    case Format::snapshot: return load_snapshot(path);
  }
  throw InputError("format: unknown");
}

Graph read_edge_list(const std::string& path, const ReadOptions& options) {
  const std::string text = detail::read_file_bytes(path);
  detail::EdgeLineFormat format;
  format.string_ids = options.string_ids;
  const std::string_view name = strip_gz(path);
  format.skip_header = ends_with(name, ".csv") || ends_with(name, ".tsv");
  detail::EdgeLines lines = detail::parse_edge_lines(path, text, 0, format);
  const BuildOptions build = detail::build_options(options, false);

  DenseEdges dense;
  if (options.string_ids) {
    dense = relabel(lines.src_s, lines.dst_s);
  } else if (options.relabel) {
    dense = relabel(lines.src, lines.dst);
  } else {
    // Ids used as they are: each must be a valid node id, and the largest makes the node count,
    // which is refused beyond the limit before the builder allocates for it.
    const auto bound = static_cast<std::int64_t>(detail::implied_node_limit(options));
    auto out_of_range = [&](std::int64_t id) { return id < 0 || id >= bound; };
    const std::uint64_t bad = parallel_find_first(0, lines.src.size(), 1u << 16, [&](std::uint64_t i) {
      return out_of_range(lines.src[i]) || out_of_range(lines.dst[i]);
    });
    if (bad < lines.src.size()) {
      const bool src_bad = out_of_range(lines.src[bad]);
      const std::int64_t id = src_bad ? lines.src[bad] : lines.dst[bad];
      throw ParseError(path, detail::line_of_offset(text, detail::data_line_offset(text, 0, bad, format)),
                       src_bad ? "src" : "dst",
                       id < 0 || id >= max_nodes
                           ? "node id " + std::to_string(id) + " out of range [0, " + std::to_string(max_nodes) + ")"
                           : "node id " + std::to_string(id) + " with relabel=false makes " + std::to_string(id + 1) +
                                 " nodes, " + detail::beyond_node_limit(options, static_cast<std::uint64_t>(id) + 1) +
                                 "; relabel=true numbers only the ids that occur");
    }
    dense.src.assign(lines.src.begin(), lines.src.end());
    dense.dst.assign(lines.dst.begin(), lines.dst.end());
  }
  std::vector<std::int64_t>().swap(lines.src);
  std::vector<std::int64_t>().swap(lines.dst);
  return detail::build_from_lines(path, text, 0, format, dense.src, dense.dst, lines.weights, build,
                                  std::move(dense.labels));
}

Graph read_matrix_market(const std::string& path, const ReadOptions& options) {
  const std::string text = detail::read_file_bytes(path);
  // Banner: %%MatrixMarket matrix coordinate <real|integer|pattern> <general|symmetric>
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = std::string_view(text).substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line) || line.substr(0, 14) != "%%MatrixMarket")
    throw ParseError(path, 1, "banner", "expected '%%MatrixMarket matrix coordinate ...'");
  std::vector<std::string> words;
  for (std::size_t i = 14; i < line.size();) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) {
      std::string w(line.substr(i, j - i));
      std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
      words.push_back(w);
    }
    i = j;
  }
  if (words.size() != 4 || words[0] != "matrix" || words[1] != "coordinate")
    throw ParseError(path, 1, "banner", "only 'matrix coordinate' files are graphs");
  if (words[2] != "real" && words[2] != "integer" && words[2] != "pattern")
    throw ParseError(path, 1, "banner", "field must be real, integer or pattern, not '" + words[2] + "'");
  if (words[3] != "general" && words[3] != "symmetric")
    throw ParseError(path, 1, "banner", "symmetry must be general or symmetric, not '" + words[3] + "'");
  const bool pattern = words[2] == "pattern";
  const bool symmetric = words[3] == "symmetric";

  // Size line after comments.
  std::uint64_t line_no = 1;
  do {
    ++line_no;
    if (!next_line(line)) throw ParseError(path, line_no, "size", "missing 'rows cols entries' line");
  } while (line.find_first_not_of(" \t\r") == std::string_view::npos || line.front() == '%');
  std::uint64_t dims[3];
  {
    const char* p = line.data();
    const char* end = line.data() + line.size();
    for (int k = 0; k < 3; ++k) {
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      const auto [ptr, ec] = std::from_chars(p, end, dims[k]);
      if (ec != std::errc())
        throw ParseError(path, line_no, "size", "expected 'rows cols entries' as three integers");
      p = ptr;
    }
  }
  if (dims[0] != dims[1])
    throw ParseError(path, line_no, "size", "a graph needs a square matrix, got " +
                                                std::to_string(dims[0]) + " x " + std::to_string(dims[1]));
  if (dims[0] == 0) throw ParseError(path, line_no, "size", "empty graph: 0 rows");
  // The rows become the node count, allocated by the builder: refused beyond the limit first.
  // (The declared entries are only compared with the entries found; nothing is sized by them.)
  if (dims[0] > detail::implied_node_limit(options))
    throw ParseError(path, line_no, "size", std::to_string(dims[0]) + " rows: " + detail::beyond_node_limit(options, dims[0]));
  const std::uint64_t n = dims[0];
  const std::size_t body = std::min(pos, text.size());

  detail::EdgeLineFormat format;
  detail::EdgeLines lines;
  if (dims[2] > 0) {
    lines = detail::parse_edge_lines(path, text, body, format);
  } else if (const std::size_t extra = detail::data_line_offset(text, body, 0, format); extra < text.size()) {
    throw ParseError(path, detail::line_of_offset(text, extra), "entries", "expected 0 entries, found more");
  }
  auto line_of_entry = [&](std::uint64_t k) {
    return detail::line_of_offset(text, detail::data_line_offset(text, body, k, format));
  };
  if (lines.size() != dims[2])
    throw ParseError(path, lines.size() > dims[2] ? line_of_entry(dims[2]) : detail::last_line(text),
                     "entries", "expected " + std::to_string(dims[2]) + " entries, found " +
                                    std::to_string(lines.size()));
  if (pattern && !lines.weights.empty())
    throw ParseError(path, line_of_entry(0), "value", "a pattern matrix has no values");
  if (!pattern && lines.weights.empty() && dims[2] > 0)
    throw ParseError(path, line_of_entry(0), "value", "missing value column");
  std::vector<node_t> src(lines.size()), dst(lines.size());
  for (std::uint64_t k = 0; k < lines.size(); ++k) {
    const std::int64_t i = lines.src[k], j = lines.dst[k];
    if (i < 1 || static_cast<std::uint64_t>(i) > n)
      throw ParseError(path, line_of_entry(k), "row", "index " + std::to_string(i) + " out of range [1, " + std::to_string(n) + "]");
    if (j < 1 || static_cast<std::uint64_t>(j) > n)
      throw ParseError(path, line_of_entry(k), "col", "index " + std::to_string(j) + " out of range [1, " + std::to_string(n) + "]");
    src[k] = static_cast<node_t>(i - 1);
    dst[k] = static_cast<node_t>(j - 1);
  }
  BuildOptions build = detail::build_options(options, !symmetric);
  build.num_nodes = n;
  return detail::build_from_lines(path, text, body, format, src, dst, lines.weights, build, {});
}

namespace {

// Buffered text output, plain or gzip.
class TextSink {
 public:
  explicit TextSink(const std::string& path) : path_(path) {
    if (ends_with(path, ".gz")) {
      gz_ = gzopen(path.c_str(), "wb6");
      if (!gz_) throw IoError(path + ": cannot open for writing: " + std::strerror(errno));
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      if (!file_) throw IoError(path + ": cannot open for writing: " + std::strerror(errno));
    }
    buffer_.reserve(kFlush + 256);
  }
  ~TextSink() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
  }
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  void put(std::string_view s) {
    buffer_.append(s);
    if (buffer_.size() >= kFlush) flush();
  }
  template <class T>
  void number(T value) {
    char digits[64];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.append(digits, end);
  }
  void flush() {
    if (buffer_.empty()) return;
    const bool ok = gz_ ? gzwrite(gz_, buffer_.data(), static_cast<unsigned>(buffer_.size())) ==
                              static_cast<int>(buffer_.size())
                        : std::fwrite(buffer_.data(), 1, buffer_.size(), file_) == buffer_.size();
    if (!ok) throw IoError(path_ + ": write failed");
    buffer_.clear();
  }
  void close() {
    flush();
    const int status = gz_ ? gzclose(gz_) : std::fclose(file_);
    gz_ = nullptr;
    file_ = nullptr;
    if (status != 0) throw IoError(path_ + ": write failed on close");
  }

 private:
  static constexpr std::size_t kFlush = 1 << 20;
  std::string path_;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

}  // namespace

void write_edge_list(const Graph& g, const std::string& path) {
  TextSink out(path);
  out.put("# guanxi edge list: ");
  out.number(g.num_nodes());
  out.put(" nodes, ");
  out.number(g.num_ties());
  out.put(g.directed() ? " directed ties\n" : " undirected ties\n");
  const NodeLabels& labels = g.labels();
  auto label = [&](node_t v) {
    switch (labels.kind()) {
      case NodeLabels::Kind::integer: out.number(labels.integers()[v]); break;
      case NodeLabels::Kind::string: out.put(labels.strings()[v]); break;
      default: out.number(v);
    }
  };
  g.for_each_tie([&](tie_t, node_t u, node_t v, arc_t a) {
    label(u);
    out.put(" ");
    label(v);
    if (g.has_weights()) {
      out.put(" ");
      out.number(g.weights()[a]);
    }
    out.put("\n");
  });
  out.close();
}

void write_graph(const Graph& g, const std::string& path, std::optional<Format> format) {
  switch (format.value_or(format_from_path(path))) {
    case Format::edge_list: return write_edge_list(g, path);
    case Format::snapshot: return save_snapshot(g, path);
    default:
      throw InputError(path + ": writing " + std::string(format_name(format.value_or(format_from_path(path)))) +
                       " is not supported; write an edge list or a .gx snapshot");
  }
}

}  // namespace guanxi
