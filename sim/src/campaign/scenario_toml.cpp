// TOML scenario files (toml++): the document becomes the JSON form of a spec, keeping each key's
// line for error messages; [graph], name and description are read here. Kept in its own
// translation unit (toml++ is heavy to compile).
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
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
    detail::json out = detail::json::array();
    for (auto&& value : *array) out.push_back(convert(value, path, lines));
    return out;
  }
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_string()) return v->get();
  return nullptr;  // dates and times are not used by scenarios
}

}  // namespace

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(path + ": read failed");
  return parse_scenario(text.str(), path);
}

Scenario parse_scenario(std::string_view text, const std::string& path) {
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
