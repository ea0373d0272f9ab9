// MODEL.md §15 segments (Part III): fixed layers of people with their own behaviour. Who is in
// which segment (§15.1): drawn per node per replicate from the list's shares under their own
// random purpose (`segment`, from step 0's key: designs run with one seed share each replicate's
// layers), or given per node as a column of names; what the shares or the column leave over is
// `other`. A segment overrides §15.2's behaviour keys for its members, and every decision reads
// the behaviour of the person whose decision it is (Replicate::behaviour_of). Per-person
// parameters cost no memory per node per parameter: a table of behaviours, one per segment, and
// a one-byte segment index per node for a column (none for shares: the draw is recomputed).
// §15.3 ads confined to segments: the audience's members, sorted, once per replicate.
// Declares: random purposes segment, external_segment (external_adoption.cpp).
#include <algorithm>
#include <set>

#include "guanxi/error.hpp"
#include "guanxi/parameters.hpp"
#include "replicate.hpp"

namespace guanxi {

const std::vector<std::string>& segment_behaviour_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out{"share_prob",       "team_share_prob",   "reach",
                                 "conv_weak",        "conv_strong",       "external_rate",
                                 "reward_elasticity", "reward_curvature", "discount_elasticity",
                                 "repeat_prob",      "churn_prob",        "neg_prob",
                                 "help_mult",        "aware_mult"};
    for (const char* table : {"tier_repeat_mult", "tier_spend_mult"})
      for (const char* tier : {"customer", "fan", "partner", "shareholder"})
        out.push_back(std::string(table) + "." + tier);
    return out;
  }();
  return keys;
}

Behaviour segment_behaviour(const Behaviour& global, const Segment& segment) {
  CampaignSpec spec;  // the parameter table's accessors address a spec
  spec.behaviour = global;
  for (const auto& [key, value] : segment.behaviour) {
    const Parameter* parameter = find_parameter("behaviour." + key);
    if (!parameter) throw ParameterError("segments", "'" + key + "' is not a behaviour key");
    *std::get<double*>(parameter->field(spec)) = value;
  }
  return spec.behaviour;
}

std::vector<std::string> campaign_segments(const CampaignSpec& spec) { return campaign::resolve_segment_names(spec); }

namespace campaign {

// §15's checks that need no graph (check_spec calls it): names, shares, overrides and their
// ranges, and the keys that depend on segments being on.
void check_segments(const CampaignSpec& spec) {
  const Segments& s = spec.segments;
  if (!s.enabled) {
    if (!spec.acquisition.ad_segments.empty())
      throw ParameterError("acquisition.ad_segments", "names segments, but there are none ([segments] is off)");
    return;
  }
  if (s.assign != "shares" && s.assign != "column")
    throw ParameterError("segments.assign", "must be shares or column, not '" + s.assign + "'");
  if (!s.file.empty() && s.assign != "column")
    throw ParameterError("segments.file", "is read only with segments.assign = \"column\"");
  if (s.column && s.assign != "column")
    throw ParameterError("segments.assign", "must be \"column\" when segments are given per node");
  if (s.list.size() > 250) throw ParameterError("segments.list", "at most 250 segments, got " + std::to_string(s.list.size()));
  const std::vector<std::string>& allowed = segment_behaviour_keys();
  std::set<std::string> names;
  double total = 0;
  for (std::size_t i = 0; i < s.list.size(); ++i) {
    const Segment& segment = s.list[i];
    const std::string at = "segments.list[" + std::to_string(i) + "]";
    if (segment.name.empty()) throw ParameterError(at + ".name", "every segment needs a name");
    if (segment.name == "other")
      throw ParameterError(at + ".name", "'other' is the segment of everyone the list leaves over; choose another name");
    if (!names.insert(segment.name).second) throw ParameterError(at + ".name", "'" + segment.name + "' is listed twice");
    if (s.assign == "shares") {
      if (!(segment.share >= 0 && segment.share <= 1))
        throw ParameterError(at + ".share", "must be in [0, 1], got " + format_number(segment.share));
      total += segment.share;
    } else if (segment.share != 0) {
      throw ParameterError(at + ".share", "is read only with segments.assign = \"shares\" (a column says who is in it)");
    }
    CampaignSpec probe;
    for (const auto& [key, value] : segment.behaviour) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        throw ParameterError(at + ".behaviour." + key, "not a key a segment may override (MODEL.md §15.2)");
      const Parameter* parameter = find_parameter("behaviour." + key);
      *std::get<double*>(parameter->field(probe)) = value;
      try {
        check_parameter_range(*parameter, probe);
      } catch (const ParameterError& e) {
        throw ParameterError(at + ".behaviour." + key, e.reason());
      }
    }
  }
  if (total > 1.0 + 1e-9)
    throw ParameterError("segments.list", "the shares add up to " + format_number(total) + ", more than 1");
  if (s.assign == "shares")
    for (const std::string& name : spec.acquisition.ad_segments)
      if (name != "other" && !names.count(name))
        throw ParameterError("acquisition.ad_segments", "no segment is named '" + name + "'");
}

// What needs the graph: a column's length, codes and names, and ad_segments against its names.
void check_segment_column(const CampaignSpec& spec, const Graph& g) {
  const Segments& s = spec.segments;
  if (!s.enabled || s.assign != "column") return;
  if (!s.column)
    throw ParameterError("segments.assign", "is \"column\" but no segment is given per node (segments={\"column\": "
                                            "...} in Python, segments.file in a scenario)");
  if (s.column->size() != g.num_nodes())
    throw ParameterError("segments.column", "has " + std::to_string(s.column->size()) + " entries; the graph has " +
                                                std::to_string(g.num_nodes()) + " nodes");
  for (std::size_t v = 0; v < s.column->size(); ++v)
    if ((*s.column)[v] >= s.column_names.size())
      throw ParameterError("segments.column", "node " + std::to_string(v) + ": code " + std::to_string((*s.column)[v]) +
                                                  " has no name (" + std::to_string(s.column_names.size()) + " names)");
  const std::vector<std::string> known = resolve_segment_names(spec);
  if (known.size() > 255)
    throw ParameterError("segments.column", "more than 255 segments in all (the list's, the column's and other)");
  for (const std::string& name : spec.acquisition.ad_segments)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw ParameterError("acquisition.ad_segments", "no segment is named '" + name + "'");
}

// The run's segment names: the list's, the column's names not in it (first seen first), `other`.
std::vector<std::string> resolve_segment_names(const CampaignSpec& spec) {
  std::vector<std::string> names;
  if (!spec.segments.enabled) return {"other"};
  for (const Segment& segment : spec.segments.list) names.push_back(segment.name);
  if (spec.segments.column)
    for (const std::string& name : spec.segments.column_names)
      if (!name.empty() && name != "other" && std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
  names.push_back("other");
  return names;
}

SegmentTable resolve_segments(const CampaignSpec& spec) {
  SegmentTable table;
  const Segments& s = spec.segments;
  if (!s.enabled) return table;
  table.names = resolve_segment_names(spec);
  const std::size_t other = table.names.size() - 1;
  for (std::size_t i = 0; i < table.names.size(); ++i)
    table.behaviour.push_back(i < s.list.size() ? segment_behaviour(spec.behaviour, s.list[i]) : spec.behaviour);
  if (s.assign == "shares") {
    double total = 0;
    for (const Segment& segment : s.list) table.cumulative.push_back(total += segment.share);
  } else {
    for (const std::string& name : s.column_names) {
      const auto at = std::find(table.names.begin(), table.names.end(), name);
      table.from_column.push_back(static_cast<std::uint8_t>(name.empty() || at == table.names.end() ? other : at - table.names.begin()));
    }
  }
  if (!spec.acquisition.ad_segments.empty()) {
    table.audience.assign(table.names.size(), 0);
    for (const std::string& name : spec.acquisition.ad_segments) {
      const auto at = std::find(table.names.begin(), table.names.end(), name);
      if (at != table.names.end()) table.audience[static_cast<std::size_t>(at - table.names.begin())] = 1;
    }
  }
  for (const Behaviour& b : table.behaviour) table.max_external_rate = std::max(table.max_external_rate, b.external_rate);
  return table;
}

std::uint8_t Replicate::segment_of(node_t v) const {
  const SegmentTable& table = shared_.segments;
  if (!table.from_column.empty()) return table.from_column[(*spec_.segments.column)[v]];
  // §15.1 the first segment whose cumulative share exceeds U_v; what the shares leave over is other.
  const double u = to_unit(keyed_bits(segment_key_, v));
  std::uint8_t i = 0;
  while (i < table.cumulative.size() && !(u < table.cumulative[i])) ++i;
  return i;
}

std::optional<std::size_t> Replicate::audience_position(node_t v) const {
  const auto at = std::lower_bound(ad_audience_.begin(), ad_audience_.end(), v);
  if (at == ad_audience_.end() || *at != v) return std::nullopt;
  return static_cast<std::size_t>(at - ad_audience_.begin());
}

}  // namespace campaign
}  // namespace guanxi
