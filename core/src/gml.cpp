// GML reader (Himsolt's Graph Modelling Language): `graph [ directed 0|1 node [ id N ... ]
// edge [ source N target M weight|value W ... ] ]`. Nodes get dense ids in the order they are
// declared and keep their GML ids as labels; keys guanxi does not use are skipped.
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "guanxi/io.hpp"
#include "text_input.hpp"

namespace guanxi {
namespace {

struct GmlToken {
  enum Kind { word, number, string, open, close, end } kind;
  std::string_view text;
  std::uint64_t line;
};

class GmlTokenizer {
 public:
  GmlTokenizer(const std::string& file, std::string_view text) : file_(file), text_(text) {}

  GmlToken next() {
    for (;;) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        if (text_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ < text_.size() && text_[pos_] == '#') {  // comment to end of line
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        continue;
      }
      break;
    }
    if (pos_ >= text_.size()) return {GmlToken::end, {}, line_};
    const char c = text_[pos_];
    if (c == '[' || c == ']') {
      ++pos_;
      return {c == '[' ? GmlToken::open : GmlToken::close, text_.substr(pos_ - 1, 1), line_};
    }
    if (c == '"') {
      const std::uint64_t start_line = line_;
      const std::size_t begin = ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ >= text_.size()) throw ParseError(file_, start_line, "string", "unterminated string");
      return {GmlToken::string, text_.substr(begin, pos_++ - begin), start_line};
    }
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) &&
           text_[pos_] != '[' && text_[pos_] != ']')
      ++pos_;
    const std::string_view token = text_.substr(begin, pos_ - begin);
    const bool numeric = std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.';
    return {numeric ? GmlToken::number : GmlToken::word, token, line_};
  }

 private:
  const std::string& file_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 1;
};

class GmlReader {
 public:
  GmlReader(const std::string& file, std::string_view text) : file_(file), tokens_(file, text) {}

  void parse() {
    for (GmlToken key = tokens_.next(); key.kind != GmlToken::end; key = tokens_.next()) {
      expect_key(key);
      if (key.text == "graph") {
        if (seen_graph_) throw ParseError(file_, key.line, "graph", "more than one graph in the file");
        seen_graph_ = true;
        expect_open(tokens_.next(), "graph");
        parse_graph();
      } else {
        skip_value(tokens_.next());
      }
    }
    if (!seen_graph_) throw ParseError(file_, 1, "graph", "no 'graph [ ... ]' found");
  }

  std::vector<std::int64_t> node_ids;
  std::vector<node_t> src, dst;
  std::vector<float> weights;
  std::vector<std::uint64_t> edge_lines;
  bool directed = false;

 private:
  struct PendingEdge {
    std::int64_t source, target;
    bool has_source = false, has_target = false, has_weight = false;
    float weight = 0.0f;
  };

  void expect_key(const GmlToken& t) {
    if (t.kind != GmlToken::word)
      throw ParseError(file_, t.line, "key", "expected a key, got '" + std::string(t.text) + "'");
  }
  void expect_open(const GmlToken& t, const char* what) {
    if (t.kind != GmlToken::open) throw ParseError(file_, t.line, what, "expected '['");
  }
  std::int64_t integer(const GmlToken& t, const char* field) {
    std::int64_t v;
    const auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (t.kind != GmlToken::number || ec != std::errc() || ptr != t.text.data() + t.text.size())
      throw ParseError(file_, t.line, field, "expected an integer, got '" + std::string(t.text) + "'");
    return v;
  }
  float real(const GmlToken& t, const char* field) {
    float v;
    const auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (t.kind != GmlToken::number || ec != std::errc() || ptr != t.text.data() + t.text.size())
      throw ParseError(file_, t.line, field, "expected a number, got '" + std::string(t.text) + "'");
    if (!std::isfinite(v) || v < 0.0f)
      throw ParseError(file_, t.line, field, "must be finite and >= 0, got '" + std::string(t.text) + "'");
    return v;
  }
  void check_value(const GmlToken& t) {
    if (t.kind == GmlToken::end) throw ParseError(file_, t.line, "value", "unexpected end of file");
    if (t.kind == GmlToken::close) throw ParseError(file_, t.line, "value", "unexpected ']'");
  }
  // Skips a value; a list is skipped by counting its depth, not by recursion, so how deeply a
  // file nests is limited by its size, not by the stack.
  void skip_value(const GmlToken& t) {
    check_value(t);
    if (t.kind != GmlToken::open) return;
    for (std::uint64_t depth = 1; depth > 0;) {
      const GmlToken key = tokens_.next();
      if (key.kind == GmlToken::close) {
        --depth;
        continue;
      }
      if (key.kind == GmlToken::end) throw ParseError(file_, key.line, "list", "missing ']'");
      expect_key(key);
      const GmlToken value = tokens_.next();
      check_value(value);
      if (value.kind == GmlToken::open) ++depth;
    }
  }

  void parse_graph() {
    std::vector<std::pair<PendingEdge, std::uint64_t>> edges;
    for (GmlToken key = tokens_.next(); key.kind != GmlToken::close; key = tokens_.next()) {
      if (key.kind == GmlToken::end) throw ParseError(file_, key.line, "graph", "missing ']'");
      expect_key(key);
      if (key.text == "directed") {
        directed = integer(tokens_.next(), "directed") != 0;
      } else if (key.text == "node") {
        expect_open(tokens_.next(), "node");
        parse_node(key.line);
      } else if (key.text == "edge") {
        expect_open(tokens_.next(), "edge");
        edges.emplace_back(parse_edge(key.line), key.line);
      } else {
        skip_value(tokens_.next());
      }
    }
    std::unordered_map<std::int64_t, node_t> dense;
    for (std::size_t i = 0; i < node_ids.size(); ++i) dense.emplace(node_ids[i], static_cast<node_t>(i));
    const bool weighted = !edges.empty() && edges.front().first.has_weight;
    for (const auto& [e, line] : edges) {
      if (e.has_weight != weighted)
        throw ParseError(file_, line, "weight", "some edges have a weight and others do not");
      const auto s = dense.find(e.source), t = dense.find(e.target);
      if (s == dense.end()) throw ParseError(file_, line, "source", "unknown node id " + std::to_string(e.source));
      if (t == dense.end()) throw ParseError(file_, line, "target", "unknown node id " + std::to_string(e.target));
      src.push_back(s->second);
      dst.push_back(t->second);
      if (weighted) weights.push_back(e.weight);
      edge_lines.push_back(line);
    }
  }

  void parse_node(std::uint64_t line) {
    bool has_id = false;
    for (GmlToken key = tokens_.next(); key.kind != GmlToken::close; key = tokens_.next()) {
      if (key.kind == GmlToken::end) throw ParseError(file_, key.line, "node", "missing ']'");
      expect_key(key);
      if (key.text == "id") {
        node_ids.push_back(integer(tokens_.next(), "id"));
        has_id = true;
      } else {
        skip_value(tokens_.next());
      }
    }
    if (!has_id) throw ParseError(file_, line, "id", "node without an id");
    if (!seen_ids_.insert(node_ids.back()).second)
      throw ParseError(file_, line, "id", "duplicate node id " + std::to_string(node_ids.back()));
  }

  PendingEdge parse_edge(std::uint64_t line) {
    PendingEdge e;
    for (GmlToken key = tokens_.next(); key.kind != GmlToken::close; key = tokens_.next()) {
      if (key.kind == GmlToken::end) throw ParseError(file_, key.line, "edge", "missing ']'");
      expect_key(key);
      if (key.text == "source") {
        e.source = integer(tokens_.next(), "source");
        e.has_source = true;
      } else if (key.text == "target") {
        e.target = integer(tokens_.next(), "target");
        e.has_target = true;
      } else if (key.text == "weight" || key.text == "value") {
        e.weight = real(tokens_.next(), "weight");
        e.has_weight = true;
      } else {
        skip_value(tokens_.next());
      }
    }
    if (!e.has_source) throw ParseError(file_, line, "source", "edge without a source");
    if (!e.has_target) throw ParseError(file_, line, "target", "edge without a target");
    return e;
  }

  const std::string& file_;
  GmlTokenizer tokens_;
  bool seen_graph_ = false;
  std::unordered_set<std::int64_t> seen_ids_;
};

}  // namespace

Graph read_gml(const std::string& path, const ReadOptions& options) {
  const std::string text = detail::read_file_bytes(path);
  GmlReader reader(path, text);
  reader.parse();
  if (reader.node_ids.empty()) throw ParseError(path, 1, "graph", "empty graph: no nodes");
  BuildOptions build = detail::build_options(options, reader.directed);
  build.num_nodes = reader.node_ids.size();
  bool identity = true;
  for (std::size_t i = 0; i < reader.node_ids.size() && identity; ++i)
    identity = reader.node_ids[i] == static_cast<std::int64_t>(i);
  NodeLabels labels = identity ? NodeLabels{}
                               : NodeLabels::integers(Buffer<std::int64_t>::from_vector(std::move(reader.node_ids)));
  return detail::build_with_edge_lines(path, reader.edge_lines, reader.src, reader.dst, reader.weights, build,
                                       std::move(labels));
}

}  // namespace guanxi
