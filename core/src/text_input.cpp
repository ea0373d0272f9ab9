// Whole-file input and the parallel "u v [w]" line parser shared by the text readers.
// The text is cut into chunks at line starts; each chunk parses on its own and the results are
// joined in file order, so the edge order (and the first error reported) is that of the file.
#include "text_input.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include <sys/stat.h>

#include <zlib.h>

#include "guanxi/io.hpp"
#include "guanxi/parallel.hpp"

namespace guanxi::detail {
namespace {

std::string read_plain(const std::string& path, std::FILE* f) {
  std::string bytes;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) bytes.reserve(static_cast<std::size_t>(size));
    std::rewind(f);
  }
  char block[1 << 16];
  std::size_t got;
  while ((got = std::fread(block, 1, sizeof block, f)) > 0) bytes.append(block, got);
  if (std::ferror(f)) throw IoError(path + ": read error: " + std::strerror(errno));
  return bytes;
}

std::string read_gzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw IoError(path + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<gzFile_s, decltype(&gzclose)> closer(gz, &gzclose);
  gzbuffer(gz, 1 << 17);
  std::string bytes;
  std::vector<char> block(1 << 20);
  for (;;) {
    const int got = gzread(gz, block.data(), static_cast<unsigned>(block.size()));
    if (got < 0) break;
    if (got == 0) break;
    bytes.append(block.data(), static_cast<std::size_t>(got));
  }
  int code = Z_OK;
  const char* message = gzerror(gz, &code);
  if (code != Z_OK && code != Z_STREAM_END)
    throw ParseError(path, last_line(bytes), "gzip",
                     std::string(code == Z_BUF_ERROR ? "truncated compressed data" : message));
  return bytes;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == ','; }

struct Token {
  std::size_t begin, end;
};

// Splits one line into at most 4 tokens (a fourth means "too many columns").
int split(std::string_view text, std::size_t begin, std::size_t end, Token* tokens) {
  int count = 0;
  std::size_t i = begin;
  while (count < 4) {
    while (i < end && is_space(text[i])) ++i;
    if (i >= end) break;
    const std::size_t token_begin = i;
    while (i < end && !is_space(text[i])) ++i;
    tokens[count++] = {token_begin, i};
  }
  return count;
}

enum class LineKind { blank, comment, data };

LineKind classify(std::string_view text, std::size_t begin, std::size_t end) {
  std::size_t i = begin;
  while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
  if (i == end) return LineKind::blank;
  if (text[i] == '#' || text[i] == '%') return LineKind::comment;
  return LineKind::data;
}

bool parse_int(std::string_view text, Token t, std::int64_t& out) {
  const char* first = text.data() + t.begin;
  const char* last = text.data() + t.end;
  const auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

std::string quoted(std::string_view text, Token t) {
  constexpr std::size_t kMax = 40;
  const std::string_view s = text.substr(t.begin, t.end - t.begin);
  std::string out(1, '\'');
  out.append(s.substr(0, kMax));
  out.append(s.size() > kMax ? "...'" : "'");
  return out;
}

struct ChunkResult {
  EdgeLines lines;
  int columns = 0;                 // columns of the chunk's first data line
  std::size_t first_of[4] = {std::string_view::npos, std::string_view::npos,
                             std::string_view::npos, std::string_view::npos};  // by columns
  std::size_t error_offset = std::string_view::npos;
  std::string error_field, error_what;
};

void parse_chunk(std::string_view text, std::size_t begin, std::size_t end, bool string_ids,
                 std::size_t header_line, ChunkResult& out) {
  Token tokens[4];
  auto fail = [&](std::size_t offset, std::string field, std::string what) {
    out.error_offset = offset;
    out.error_field = std::move(field);
    out.error_what = std::move(what);
  };
  for (std::size_t line = begin; line < end;) {
    const char* nl = static_cast<const char*>(std::memchr(text.data() + line, '\n', end - line));
    const std::size_t line_end = nl ? static_cast<std::size_t>(nl - text.data()) : end;
    const std::size_t next = nl ? line_end + 1 : end;
    if (line == header_line || classify(text, line, line_end) != LineKind::data) {
      line = next;
      continue;
    }
    const int count = split(text, line, line_end, tokens);
    if (count < 2) return fail(line, "dst", "missing column: expected 'src dst' or 'src dst weight'");
    if (count > 3) return fail(line, "line", "too many columns: expected 'src dst' or 'src dst weight'");
    if (out.first_of[count] == std::string_view::npos) out.first_of[count] = line;
    if (out.columns == 0) out.columns = count;
    if (string_ids) {
      out.lines.src_s.push_back(text.substr(tokens[0].begin, tokens[0].end - tokens[0].begin));
      out.lines.dst_s.push_back(text.substr(tokens[1].begin, tokens[1].end - tokens[1].begin));
    } else {
      std::int64_t u, v;
      if (!parse_int(text, tokens[0], u)) return fail(line, "src", "not an integer node id: " + quoted(text, tokens[0]));
      if (!parse_int(text, tokens[1], v)) return fail(line, "dst", "not an integer node id: " + quoted(text, tokens[1]));
      out.lines.src.push_back(u);
      out.lines.dst.push_back(v);
    }
    if (count == 3) {
      float w;
      const char* first = text.data() + tokens[2].begin;
      const char* last = text.data() + tokens[2].end;
      const auto [ptr, ec] = std::from_chars(first, last, w);
      if (ec != std::errc() || ptr != last)
        return fail(line, "weight", "not a number: " + quoted(text, tokens[2]));
      if (!std::isfinite(w) || w < 0.0f)
        return fail(line, "weight", "must be finite and >= 0, got " + quoted(text, tokens[2]));
      out.lines.weights.push_back(w);
    }
    line = next;
  }
}

// Offset of the first data line at or after `start` (npos if none).
std::size_t first_data_line(std::string_view text, std::size_t start) {
  for (std::size_t line = start; line < text.size();) {
    std::size_t line_end = text.find('\n', line);
    if (line_end == std::string_view::npos) line_end = text.size();
    if (classify(text, line, line_end) == LineKind::data) return line;
    line = line_end + 1;
  }
  return std::string_view::npos;
}

// A header line is skipped only when asked and when its first token is not an integer.
std::size_t header_offset(std::string_view text, std::size_t start, const EdgeLineFormat& format) {
  if (!format.skip_header || format.string_ids) return std::string_view::npos;
  const std::size_t line = first_data_line(text, start);
  if (line == std::string_view::npos) return line;
  std::size_t line_end = text.find('\n', line);
  if (line_end == std::string_view::npos) line_end = text.size();
  Token tokens[4];
  std::int64_t ignored;
  if (split(text, line, line_end, tokens) >= 1 && !parse_int(text, tokens[0], ignored)) return line;
  return std::string_view::npos;
}

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
  std::vector<T>().swap(from);
}

}  // namespace

std::string read_file_bytes(const std::string& path) {
  require_regular_file(path, "graph file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw IoError(path + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<std::FILE, decltype(&std::fclose)> closer(f, &std::fclose);
  unsigned char magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, f);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) return read_gzip(path);
  std::rewind(f);
  return read_plain(path, f);
}

std::uint64_t line_of_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::uint64_t last_line(std::string_view text) {
  const bool open_last_line = !text.empty() && text.back() != '\n';
  return std::max<std::uint64_t>(1, line_of_offset(text, text.size()) - (open_last_line ? 0 : 1));
}

EdgeLines parse_edge_lines(const std::string& file, std::string_view text, std::size_t start,
                           const EdgeLineFormat& format) {
  const std::size_t header = header_offset(text, start, format);
  // Chunks of about 4 MiB, each starting at a line start.
  constexpr std::size_t kChunk = std::size_t{1} << 22;
  std::vector<std::size_t> bounds{start};
  while (bounds.back() < text.size()) {
    std::size_t cut = bounds.back() + kChunk;
    if (cut >= text.size()) {
      cut = text.size();
    } else {
      const std::size_t nl = text.find('\n', cut);
      cut = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    bounds.push_back(cut);
  }
  const std::size_t chunks = bounds.size() - 1;
  std::vector<ChunkResult> results(chunks);
  parallel_for(0, chunks, 1, [&](std::uint64_t c) {
    parse_chunk(text, bounds[c], bounds[c + 1], format.string_ids, header, results[c]);
  });

  int columns = 0;
  for (const auto& r : results) {
    if (r.error_offset != std::string_view::npos)
      throw ParseError(file, line_of_offset(text, r.error_offset), r.error_field, r.error_what);
    if (columns == 0) columns = r.columns;
  }
  if (columns == 0) throw ParseError(file, last_line(text), "", "no edges found");
  for (const auto& r : results) {
    const int other = columns == 2 ? 3 : 2;
    if (r.first_of[other] != std::string_view::npos)
      throw ParseError(file, line_of_offset(text, r.first_of[other]), "line",
                       std::to_string(other) + " columns, but the first edge line has " +
                           std::to_string(columns));
  }
  EdgeLines out;
  std::uint64_t total = 0;
  for (const auto& r : results) total += r.lines.size();
  if (format.string_ids) {
    out.src_s.reserve(total);
    out.dst_s.reserve(total);
  } else {
    out.src.reserve(total);
    out.dst.reserve(total);
  }
  if (columns == 3) out.weights.reserve(total);
  for (auto& r : results) {
    append(out.src, r.lines.src);
    append(out.dst, r.lines.dst);
    append(out.src_s, r.lines.src_s);
    append(out.dst_s, r.lines.dst_s);
    append(out.weights, r.lines.weights);
  }
  return out;
}

std::size_t data_line_offset(std::string_view text, std::size_t start, std::uint64_t k,
                             const EdgeLineFormat& format) {
  const std::size_t header = header_offset(text, start, format);
  for (std::size_t line = start; line < text.size();) {
    std::size_t line_end = text.find('\n', line);
    if (line_end == std::string_view::npos) line_end = text.size();
    if (line != header && classify(text, line, line_end) == LineKind::data && k-- == 0) return line;
    line = line_end + 1;
  }
  return text.size();
}

Graph build_from_lines(const std::string& file, std::string_view text, std::size_t start,
                       const EdgeLineFormat& format, std::span<const node_t> src,
                       std::span<const node_t> dst, std::span<const float> weights,
                       const BuildOptions& options, NodeLabels labels) {
  try {
    return build_graph(src, dst, weights, options, std::move(labels));
  } catch (const EdgeError& e) {
    auto line_of_edge = [&](std::uint64_t index) {
      return line_of_offset(text, data_line_offset(text, start, index, format));
    };
    std::string reason = e.reason();
    if (e.first_index() != EdgeError::none)
      reason += " (first at line " + std::to_string(line_of_edge(e.first_index())) + ")";
    throw ParseError(file, line_of_edge(e.index()), e.field(), reason);
  }
}

Graph build_with_edge_lines(const std::string& file, std::span<const std::uint64_t> edge_lines,
                            std::span<const node_t> src, std::span<const node_t> dst,
                            std::span<const float> weights, const BuildOptions& options,
                            NodeLabels labels) {
  try {
    return build_graph(src, dst, weights, options, std::move(labels));
  } catch (const EdgeError& e) {
    std::string reason = e.reason();
    if (e.first_index() != EdgeError::none)
      reason += " (first at line " + std::to_string(edge_lines[e.first_index()]) + ")";
    throw ParseError(file, edge_lines[e.index()], e.field(), reason);
  }
}

namespace {

constexpr std::uint64_t kBuildBytesPerNode = 32;

std::uint64_t memory_node_limit() {
  const std::uint64_t memory = physical_memory();
  return memory ? memory / 2 / kBuildBytesPerNode : std::uint64_t{max_nodes};
}

}  // namespace

std::uint64_t implied_node_limit(const ReadOptions& options) {
  const std::uint64_t limit = options.max_implied_nodes ? options.max_implied_nodes : memory_node_limit();
  return std::min<std::uint64_t>(limit, max_nodes);
}

std::string beyond_node_limit(const ReadOptions& options, std::uint64_t nodes) {
  const std::uint64_t limit = implied_node_limit(options);
  std::string why;
  if (nodes > max_nodes || limit == max_nodes) why = "the most 32-bit node ids allow";
  else if (options.max_implied_nodes) why = "max_implied_nodes";
  else why = "what half of this machine's memory holds while building, " + std::to_string(kBuildBytesPerNode) + " bytes per node";
  return "more than " + std::to_string(nodes > max_nodes ? std::uint64_t{max_nodes} : limit) + " nodes (" + why + ")";
}

BuildOptions build_options(const ReadOptions& options, bool directed_by_default) {
  BuildOptions out;
  out.directed = options.directed.value_or(directed_by_default);
  out.self_loops = options.self_loops;
  out.duplicates = options.duplicates;
  out.merge_weights = options.merge_weights;
  return out;
}

}  // namespace guanxi::detail

namespace guanxi {

void require_regular_file(const std::string& path, std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return;  // missing or unreachable: opening it names why
  if (S_ISREG(info.st_mode)) return;
  const char* kind = S_ISDIR(info.st_mode)    ? "a folder"
                     : S_ISFIFO(info.st_mode) ? "a FIFO"
                     : S_ISSOCK(info.st_mode) ? "a socket"
                                              : "a device";
  throw IoError(path + ": is " + kind + ", not a " + std::string(what));
}

}  // namespace guanxi
