// The campaign's parameters as one declarative table (MODEL.md §7 and the sections that use
// them): key path, type, range, unit, section and one line of doc per row, bound to its field of
// CampaignSpec. The scenario reader (TOML files and Python dictionaries, both as JSON), the
// range checks of check_spec, the JSON writer (from which Campaign.to_toml writes scenario
// files), the Python parameter table and the generated table in docs/model.md all come from it.
// Adding a parameter: its field in CampaignSpec (the typed name the mechanism reads, with its
// default), its row in parameters.cpp, and the mechanism that reads it.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "guanxi/campaign.hpp"

namespace guanxi {

enum class ParameterType {
  number,   // a finite double
  count,    // a non-negative integer
  flag,     // true / false
  text,     // a string (seeding.strategy)
  choice,   // one of a fixed set of names (ties.init)
  numbers,  // a list of numbers (commission rates by level)
  budget,   // a number or "unlimited"
  nodes,    // seed nodes: ids, or labels in scenario files
  names,    // a list of names (acquisition.ad_segments)
};

// The legal values, each with its one error text ("must be in [0, 1], got 1.5").
enum class ParameterRange {
  any,           // no bound beyond the type
  unit,          // [0, 1] (each element, for lists)
  non_negative,  // finite and >= 0
  positive,      // finite and > 0
  at_least_one,  // an integer >= 1
  attempts,      // an integer in [0, 255], 0 meaning unlimited
  steps,         // an integer in [1, 100000]
  spend_cap,     // >= 0, or unlimited
};

// Where a row's value lives in a spec.
using ParameterField = std::variant<double*, std::uint32_t*, std::uint64_t*, bool*, std::string*,
                                    std::vector<double>*, TieInit::Kind*, std::vector<node_t>*,
                                    std::vector<std::string>*>;

struct Parameter {
  std::string path;  // "behaviour.share_prob", "policy.group_buy.size"
  ParameterType type;
  ParameterRange range;
  std::string unit;     // "probability per step", "currency", "steps", ...
  std::string section;  // MODEL.md: "§3.2"
  std::string doc;      // one line
  ParameterField (*field)(CampaignSpec&);
};

// Every parameter, in the order of the spec's JSON form.
const std::vector<Parameter>& campaign_parameters();
// The row of `path`, or nullptr.
const Parameter* find_parameter(const std::string& path);

std::string_view parameter_type_name(ParameterType type);     // "number", "count", ...
std::string parameter_range_text(const Parameter& parameter);  // "[0, 1]", ">= 0", ...
// The names of a choice parameter (ties.init: constant, uniform, overlap, column, graph).
const std::vector<std::string>& parameter_choices(const Parameter& parameter);

// Throws ParameterError(path, ...) unless `parameter`'s value in `spec` is in its range.
void check_parameter_range(const Parameter& parameter, const CampaignSpec& spec);

}  // namespace guanxi
