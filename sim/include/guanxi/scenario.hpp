// Scenario files (TOML) and campaign specs as data. One scenario describes a campaign:
// [graph] (a file, or a generator with parameters), [product], [behaviour], [ties], [ladder],
// [policy] (referral, commission, budget, [policy.group_buy], [policy.bargain],
// [policy.membership]), [seeding], [run]. Every key has MODEL.md's default; an unknown key is an
// error naming the key, the file and line, and the closest valid key. The same rules apply to
// the sections Python passes as keyword dictionaries (as JSON text).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"

namespace guanxi {

// Where the campaign's graph comes from.
struct GraphSource {
  std::string file;       // read with the options below, relative to the scenario's folder
  std::string format;     // "" = from the suffix
  std::optional<bool> directed;
  std::string generator;  // or a generator of generator_catalog() with its parameters
  std::map<std::string, std::string> params;
  bool empty() const { return file.empty() && generator.empty(); }
};

struct Scenario {
  std::string name, description, path;
  GraphSource graph;
  CampaignSpec spec;
  std::vector<std::string> seed_labels;  // [seeding] nodes, as labels, resolved against the graph
  std::map<std::string, std::uint64_t> lines;  // key path ("policy.group_buy.size") -> line in the file

  // Where the file sets `key` ("policy.commission[1]" is placed at its list): its line, else the
  // line of the nearest table around it that the file wrote (the key keeps its default), else 0.
  struct Place {
    std::uint64_t line = 0;
    bool set = false;  // the file sets the key itself
  };
  Place place(const std::string& key) const;
  // "file:line: key: what", "(the default)" appended where the file does not set the key.
  std::string message_at(const std::string& key, const std::string& what) const;
  // Throws ParseError (InputError where no line applies) with message_at's text.
  [[noreturn]] void fail_at(const std::string& key, const std::string& what) const;
};

// Parses a TOML scenario and checks its spec (check_spec); every error names the file, the line
// and the key: ParseError "file:line: section.key: what".
Scenario load_scenario(const std::string& path);
// The same from the text of a scenario; `path` names it in messages and anchors a relative
// [graph] file.
Scenario parse_scenario(std::string_view text, const std::string& path);

// Campaign specs as JSON text: {"product": {...}, "behaviour": {...}, ...}. from_json starts from
// the defaults and applies the given keys (unknown keys are errors with a suggestion; `where`
// names the origin in messages). to_json writes every key.
CampaignSpec spec_from_json(const std::string& json, const std::string& where = "campaign");
std::string spec_to_json(const CampaignSpec& spec);

// Builds the graph of a scenario (file or generator); errors in the [graph] table name its line.
Graph load_scenario_graph(const Scenario& scenario);
// Binds the scenario to its graph: resolves [seeding] nodes given as labels, then checks the spec
// against the graph (validate). Errors name the file, the line and the key; returns the
// warnings as "file:line: key: what".
std::vector<std::string> check_scenario(Scenario& scenario, const Graph& g);

// The closest of `candidates` to `word` (Levenshtein distance), for "did you mean" hints.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace guanxi
