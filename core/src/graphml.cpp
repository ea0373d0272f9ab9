// GraphML reader: one <graph> with edgedefault, <node id>, <edge source target>, and an edge
// weight from a <key attr.name="weight" for="edge"> (with its <default> when an edge has none).
// Nodes get dense ids in document order and keep their GraphML ids as string labels.
// A small scanner, not a validating XML parser: it tracks lines for error messages.
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "guanxi/io.hpp"
#include "text_input.hpp"

namespace guanxi {
namespace {

struct Tag {
  std::string name;  // "node", "/node", ...
  std::vector<std::pair<std::string, std::string>> attributes;
  bool self_closing = false;
  std::uint64_t line = 0;

  const std::string* attribute(std::string_view key) const {
    for (const auto& [k, v] : attributes)
      if (k == key) return &v;
    return nullptr;
  }
};

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    // Named entities are at most "&quot;": looking further for the ';' would make a text full
    // of '&' quadratic.
    const std::size_t semi = s.substr(0, i + 6).find(';', i);
    const std::string_view entity = s.substr(i + 1, semi == std::string_view::npos ? 0 : semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else {
      out += '&';
      continue;
    }
    i = semi;
  }
  return out;
}

class XmlScanner {
 public:
  XmlScanner(const std::string& file, std::string_view text) : file_(file), text_(text) {}

  // Next tag; the text before it is left in text().
  bool next(Tag& tag) {
    const std::size_t text_begin = pos_;
    for (;;) {
      const std::size_t lt = text_.find('<', pos_);
      if (lt == std::string_view::npos) {
        advance_to(text_.size());
        return false;
      }
      text_between_ = text_.substr(text_begin, lt - text_begin);
      advance_to(lt);
      if (text_.compare(pos_, 4, "<!--") == 0) {
        skip_past("-->", "comment");
      } else if (text_.compare(pos_, 2, "<?") == 0) {
        skip_past("?>", "processing instruction");
      } else if (text_.compare(pos_, 9, "<![CDATA[") == 0) {
        skip_past("]]>", "CDATA section");
      } else if (text_.compare(pos_, 2, "<!") == 0) {
        skip_past(">", "declaration");
      } else {
        read_tag(tag);
        return true;
      }
    }
  }
  std::string_view text() const { return text_between_; }
  std::uint64_t line() const { return line_; }

 private:
  void advance_to(std::size_t to) {
    for (; pos_ < to; ++pos_)
      if (text_[pos_] == '\n') ++line_;
  }
  void skip_past(std::string_view end, const char* what) {
    const std::size_t at = text_.find(end, pos_);
    if (at == std::string_view::npos) throw ParseError(file_, line_, "xml", std::string("unterminated ") + what);
    advance_to(at + end.size());
  }
  void read_tag(Tag& tag) {
    tag = Tag{};
    tag.line = line_;
    advance_to(pos_ + 1);
    auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '.' || c == '-'; };
    const std::size_t name_begin = pos_;
    if (pos_ < text_.size() && text_[pos_] == '/') ++pos_;  // an end tag: "/node"
    while (pos_ < text_.size() && is_name(text_[pos_])) ++pos_;
    tag.name = std::string(text_.substr(name_begin, pos_ - name_begin));
    if (tag.name.empty()) throw ParseError(file_, line_, "xml", "malformed tag");
    for (;;) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) advance_to(pos_ + 1);
      if (pos_ >= text_.size()) throw ParseError(file_, tag.line, "xml", "unterminated <" + tag.name + ">");
      if (text_[pos_] == '>') {
        ++pos_;
        return;
      }
      if (text_.compare(pos_, 2, "/>") == 0) {
        pos_ += 2;
        tag.self_closing = true;
        return;
      }
      const std::size_t key_begin = pos_;
      while (pos_ < text_.size() && is_name(text_[pos_])) ++pos_;
      const std::string key(text_.substr(key_begin, pos_ - key_begin));
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) advance_to(pos_ + 1);
      if (key.empty() || pos_ >= text_.size() || text_[pos_] != '=')
        throw ParseError(file_, line_, "xml", "malformed attribute in <" + tag.name + ">");
      ++pos_;
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) advance_to(pos_ + 1);
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\''))
        throw ParseError(file_, line_, key, "attribute value must be quoted");
      const char quote = text_[pos_];
      const std::size_t value_end = text_.find(quote, pos_ + 1);
      if (value_end == std::string_view::npos) throw ParseError(file_, line_, key, "unterminated attribute value");
      tag.attributes.emplace_back(key, decode_entities(text_.substr(pos_ + 1, value_end - pos_ - 1)));
      advance_to(value_end + 1);
    }
  }

  const std::string& file_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 1;
  std::string_view text_between_;
};

}  // namespace

Graph read_graphml(const std::string& path, const ReadOptions& options) {
  const std::string text = detail::read_file_bytes(path);
  XmlScanner xml(path, text);
  std::string weight_key;
  std::optional<float> weight_default;
  bool in_weight_key_default = false;
  bool seen_graph = false, graph_directed = false, seen_root = false;
  std::vector<std::string> node_ids;
  std::unordered_map<std::string, node_t> dense;
  struct PendingEdge {
    std::string source, target;
    std::optional<float> weight;
    std::uint64_t line;
  };
  std::vector<PendingEdge> edges;
  bool in_edge = false;
  std::string data_key;
  std::uint64_t data_line = 0;

  auto parse_weight = [&](std::string_view raw, std::uint64_t line) {
    const std::string value = decode_entities(raw);
    const auto first = value.find_first_not_of(" \t\r\n");
    const auto last = value.find_last_not_of(" \t\r\n");
    const std::string_view trimmed = first == std::string::npos ? std::string_view{} : std::string_view(value).substr(first, last - first + 1);
    float w;
    const auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), w);
    if (trimmed.empty() || ec != std::errc() || ptr != trimmed.data() + trimmed.size())
      throw ParseError(path, line, "weight", "not a number: '" + value + "'");
    if (!std::isfinite(w) || w < 0.0f)
      throw ParseError(path, line, "weight", "must be finite and >= 0, got '" + value + "'");
    return w;
  };

  Tag tag;
  while (xml.next(tag)) {
    const std::string& name = tag.name;
    if (name == "graphml") {
      seen_root = true;
    } else if (name == "key") {
      const std::string* attr = tag.attribute("attr.name");
      const std::string* for_what = tag.attribute("for");
      const std::string* id = tag.attribute("id");
      if (attr && *attr == "weight" && id && (!for_what || *for_what == "edge" || *for_what == "all")) {
        weight_key = *id;
        in_weight_key_default = !tag.self_closing;
      } else {
        in_weight_key_default = false;
      }
    } else if (name == "/default" && in_weight_key_default) {
      weight_default = parse_weight(xml.text(), xml.line());
    } else if (name == "/key") {
      in_weight_key_default = false;
    } else if (name == "graph") {
      if (seen_graph) throw ParseError(path, tag.line, "graph", "nested or multiple graphs are not supported");
      seen_graph = true;
      const std::string* def = tag.attribute("edgedefault");
      graph_directed = def && *def == "directed";
    } else if (name == "node") {
      const std::string* id = tag.attribute("id");
      if (!id) throw ParseError(path, tag.line, "id", "node without an id");
      if (!dense.emplace(*id, static_cast<node_t>(node_ids.size())).second)
        throw ParseError(path, tag.line, "id", "duplicate node id '" + *id + "'");
      node_ids.push_back(*id);
    } else if (name == "edge") {
      const std::string* source = tag.attribute("source");
      const std::string* target = tag.attribute("target");
      if (!source) throw ParseError(path, tag.line, "source", "edge without a source");
      if (!target) throw ParseError(path, tag.line, "target", "edge without a target");
      edges.push_back({*source, *target, std::nullopt, tag.line});
      in_edge = !tag.self_closing;
    } else if (name == "/edge") {
      in_edge = false;
    } else if (name == "data" && in_edge) {
      const std::string* key = tag.attribute("key");
      data_key = key ? *key : "";
      data_line = tag.line;
    } else if (name == "/data" && in_edge && !weight_key.empty() && data_key == weight_key) {
      edges.back().weight = parse_weight(xml.text(), data_line);
    } else if (name == "hyperedge") {
      throw ParseError(path, tag.line, "hyperedge", "hyperedges are not supported");
    }
  }
  if (!seen_root || !seen_graph) throw ParseError(path, 1, "graph", "not a GraphML file: no <graphml><graph>");
  if (node_ids.empty()) throw ParseError(path, xml.line(), "graph", "empty graph: no nodes");

  std::vector<node_t> src, dst;
  std::vector<float> weights;
  std::vector<std::uint64_t> lines;
  const bool weighted = !weight_key.empty();
  for (const auto& e : edges) {
    const auto s = dense.find(e.source), t = dense.find(e.target);
    if (s == dense.end()) throw ParseError(path, e.line, "source", "unknown node id '" + e.source + "'");
    if (t == dense.end()) throw ParseError(path, e.line, "target", "unknown node id '" + e.target + "'");
    src.push_back(s->second);
    dst.push_back(t->second);
    if (weighted) {
      if (!e.weight && !weight_default)
        throw ParseError(path, e.line, "weight", "edge has no weight and the weight key has no default");
      weights.push_back(e.weight.value_or(weight_default.value_or(0.0f)));
    }
    lines.push_back(e.line);
  }
  BuildOptions build = detail::build_options(options, graph_directed);
  build.num_nodes = node_ids.size();
  return detail::build_with_edge_lines(path, lines, src, dst, weights, build,
                                       NodeLabels::strings(std::move(node_ids)));
}

}  // namespace guanxi
