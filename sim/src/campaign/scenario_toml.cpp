// TOML scenario files (toml++): the document becomes the JSON form of a spec, keeping each key's
// line for error messages; [graph], name and description are read here. Kept in its own
// translation unit (toml++ is heavy to compile).
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
#include "guanxi/scenario.hpp"
#include "scenario_json.hpp"

namespace guanxi {
namespace {

// TOML -> JSON, recording the line of every key as "a.b.c".
detail::json convert(const toml::node& node, const std::string& path, std::map<std::string, std::uint64_t>& lines) {
  if (const auto* table = node.as_table()) {
    detail::json out = detail::json::object();
    for (auto&& [key, value] : *table) {
      const std::string name(key.str());
      const std::string child = path.empty() ? name : path + "." + name;
      lines[child] = key.source().begin.line ? key.source().begin.line : value.source().begin.line;
      out[name] = convert(value, child, lines);
    }
    return out;
  }
  if (const auto* array = node.as_array()) {
    // The entries of a list of tables ([[segments.list]]) are named by their index, so that an
    // error inside one names its own line: "segments.list[1].share".
    detail::json out = detail::json::array();
    std::size_t index = 0;
    for (auto&& value : *array) {
      const std::string entry = value.is_table() ? path + "[" + std::to_string(index) + "]" : path;
      if (value.is_table() && value.source().begin.line) lines[entry] = value.source().begin.line;
      out.push_back(convert(value, entry, lines));
      ++index;
    }
    return out;
  }
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_string()) return v->get();
  return nullptr;  // dates and times are not used by scenarios
}

// TOML allows characters beyond ASCII only inside strings and comments. toml++ 3.3 (Debian 12)
// has undefined behaviour on some of them where whitespace may stand (upstream issues #190 and
// #295, found by tests/fuzz), so they are refused here, before it reads the text: a scanner of
// comments and the four kinds of strings, skipping the byte after a backslash in basic strings.
void require_ascii_outside_strings(std::string_view text, const std::string& path) {
  std::uint64_t line = 1;
  std::size_t i = text.starts_with("\xef\xbb\xbf") ? 3 : 0;  // a UTF-8 byte order mark
  // Moves i past a string opened at i by `quote` (" ' """ or '''), to its closing quote; an
  // unclosed single-line string stops before its end of line (toml++ then reports it).
  auto skip_string = [&](std::string_view quote) {
    const bool multiline = quote.size() == 3, escapes = quote[0] == '"';
    for (i += quote.size(); i < text.size(); ++i) {
      if (text[i] == '\n') {
        if (!multiline) {
          --i;
          return;
        }
        ++line;
      } else if (escapes && text[i] == '\\') {
        if (i + 1 < text.size() && text[i + 1] == '\n') ++line;
        ++i;  // the escaped character, a quote or a backslash included
      } else if (text.substr(i, quote.size()) == quote) {
        i += quote.size() - 1;
        // A multi-line string may end with one or two quotes of its own: """a""""" is a"".
        for (int extra = 0; multiline && extra < 2 && i + 1 < text.size() && text[i + 1] == quote[0]; ++extra) ++i;
        return;
      }
    }
  };
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      const std::string_view triple = c == '"' ? std::string_view("\"\"\"") : std::string_view("'''");
      skip_string(text.substr(i, 3) == triple ? triple : triple.substr(0, 1));
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      throw ParseError(path, line, "toml", "a character beyond ASCII outside a string or comment");
    }
  }
}

}  // namespace

Scenario load_scenario(const std::string& path) {
  require_regular_file(path, "scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(path + ": read failed");
  return parse_scenario(text.str(), path);
}

Scenario parse_scenario(std::string_view text, const std::string& path) {
  require_ascii_outside_strings(text, path);
  toml::table document;
  try {
    document = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw ParseError(path, e.source().begin.line, "toml", std::string(e.description()));
  }
  Scenario scenario;
  scenario.path = path;
  detail::SpecReader reader;
  reader.where = path;
  const detail::json root = convert(document, "", reader.lines);
  reader.read(root, scenario.spec, &scenario.seed_labels, {"name", "description", "graph"});

  auto line_of = [&](const std::string& key) {
    const auto it = reader.lines.find(key);
    return it == reader.lines.end() ? std::uint64_t{1} : it->second;
  };
  if (root.contains("name")) {
    if (!root["name"].is_string()) throw ParseError(path, line_of("name"), "name", "expected a string");
    scenario.name = root["name"].get<std::string>();
  }
  if (root.contains("description")) {
    if (!root["description"].is_string())
      throw ParseError(path, line_of("description"), "description", "expected a string");
    scenario.description = root["description"].get<std::string>();
  }
  if (root.contains("graph")) {
    const detail::json& graph = root["graph"];
    if (!graph.is_object()) throw ParseError(path, line_of("graph"), "graph", "expected a table");
    GraphSource& source = scenario.graph;
    std::vector<std::string> keys = {"file", "format", "directed", "generator"};
    for (auto it = graph.begin(); it != graph.end(); ++it) {
      const std::string key = it.key(), at = "graph." + key;
      const detail::json& v = it.value();
      if (key == "file" || key == "format" || key == "generator") {
        if (!v.is_string()) throw ParseError(path, line_of(at), at, "expected a string");
        (key == "file" ? source.file : key == "format" ? source.format : source.generator) = v.get<std::string>();
      } else if (key == "directed") {
        if (!v.is_boolean()) throw ParseError(path, line_of(at), at, "expected true or false");
        source.directed = v.get<bool>();
      } else {
        source.params[key] = v.is_string() ? v.get<std::string>() : v.dump();
      }
    }
    if (!source.file.empty() && !source.generator.empty())
      throw ParseError(path, line_of("graph.generator"), "graph", "give a file or a generator, not both");
    if (!source.generator.empty()) {
      const GeneratorInfo* info = nullptr;
      std::vector<std::string> names;
      for (const auto& gen : generator_catalog()) {
        names.push_back(gen.name);
        if (gen.name == source.generator) info = &gen;
      }
      if (!info)
        throw ParseError(path, line_of("graph.generator"), "graph.generator",
                         "unknown generator '" + source.generator + "'; did you mean '" + closest(source.generator, names) + "'?");
      std::vector<std::string> valid{"seed"};
      for (const auto& p : info->params) valid.push_back(p.name);
      for (const auto& [key, value] : source.params)
        if (std::find(valid.begin(), valid.end(), key) == valid.end())
          throw ParseError(path, line_of("graph." + key), "graph." + key,
                           "unknown key for generator " + source.generator + "; did you mean '" + closest(key, valid) + "'?");
    } else {
      for (const auto& [key, value] : source.params)
        throw ParseError(path, line_of("graph." + key), "graph." + key,
                         "unknown key; did you mean '" + closest(key, keys) + "'?");
    }
  }
  scenario.lines = std::move(reader.lines);
  try {
    // The graph-independent checks now, with their lines; seed labels count as seeds until the
    // graph resolves them (check_scenario).
    CampaignSpec spec = scenario.spec;
    if (!scenario.seed_labels.empty()) spec.seeding.nodes.assign(scenario.seed_labels.size(), 0);
    check_spec(spec);
  } catch (const ParameterError& e) {
    scenario.fail_at(e.key(), e.reason());
  }
  return scenario;
}

}  // namespace guanxi
