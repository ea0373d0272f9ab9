// Campaign specs from data: one reader of the sections (over JSON, which TOML scenario files and
// Python keyword dictionaries both become) and one writer, both driven by the parameter table
// (guanxi/parameters.hpp): every key is checked, and unknown keys are reported with the file,
// the line and the closest valid key. TOML parsing lives in scenario_toml.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include <nlohmann/json.hpp>

#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
#include "guanxi/parameters.hpp"
#include "guanxi/scenario.hpp"
#include "guanxi/seeding.hpp"
#include "scenario_json.hpp"

namespace guanxi {

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    std::vector<std::size_t> row(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        const std::size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (word[i - 1] == c[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    if (row[c.size()] < best_distance) {
      best_distance = row[c.size()];
      best = c;
    }
  }
  return best;
}

namespace detail {

[[noreturn]] void SpecReader::fail(const std::string& path, const std::string& what) const {
  const auto line = lines.find(path);
  if (line != lines.end()) throw ParseError(where, line->second, path, what);
  throw InputError((where.empty() ? "" : where + ": ") + path + ": " + what);
}

namespace {

std::string type_name(const json& v) {
  if (v.is_boolean()) return "true/false";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a table";
  return "nothing";
}

std::string join(const std::string& table, const std::string& key) { return table.empty() ? key : table + "." + key; }

// The keys a table of the spec may hold: the next component of every parameter path under it.
std::vector<std::string> keys_of(const std::string& table) {
  std::vector<std::string> keys;
  const std::string prefix = table.empty() ? "" : table + ".";
  for (const auto& p : campaign_parameters()) {
    if (!p.path.starts_with(prefix)) continue;
    const std::string rest = p.path.substr(prefix.size());
    const std::string key = rest.substr(0, rest.find('.'));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  return keys;
}

// The keys only sweep and study files have at their top level (python/guanxi/studyfile.py).
bool is_study_key(const std::string& key) {
  static const std::vector<std::string> study_keys{"base", "sweep", "uncertain", "space", "constraints", "params",
                                                   "observed"};
  return std::find(study_keys.begin(), study_keys.end(), key) != study_keys.end();
}

// Reads the spec's tables against the parameter table: every key is a parameter or a table of
// them; anything else is an error naming the closest valid key.
class TableReader {
 public:
  TableReader(const SpecReader& reader, CampaignSpec& spec, std::vector<std::string>* seed_labels)
      : reader_(reader), spec_(spec), seed_labels_(seed_labels) {}

  void table(const json& value, const std::string& path, const std::vector<std::string>& extra_keys = {}) {
    if (!value.is_object()) reader_.fail(path, "expected a table, got " + type_name(value));
    // An optional table (group buy, bargain, membership) is switched on by being there, unless
    // it says enabled = false.
    if (const Parameter* enabled = find_parameter(join(path, "enabled")))
      *std::get<bool*>(enabled->field(spec_)) = true;
    const std::vector<std::string> keys = keys_of(path);
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string key = it.key(), full = join(path, key);
      if (it->is_null() || std::find(extra_keys.begin(), extra_keys.end(), key) != extra_keys.end()) continue;
      if (const Parameter* parameter = find_parameter(full)) {
        read(*parameter, *it);
      } else if (full == "segments.list") {
        read_segment_list(*it);
      } else if (full == "policy.target") {
        read_target_list(*it);
      } else if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
        table(*it, full);
      } else if (path.empty() && is_study_key(key)) {
        // A sweep or study file given where a scenario was expected: say which command reads it.
        reader_.fail(full, "a sweep or study file's key, not a scenario's: `guanxi sweep` (or select, optimize, "
                           "calibrate) runs that file; a scenario has no " + key);
      } else {
        std::vector<std::string> candidates = keys;
        candidates.insert(candidates.end(), extra_keys.begin(), extra_keys.end());
        if (path == "segments") candidates.push_back("list");
        if (path == "policy") candidates.push_back("target");
        const std::string hint = closest(key, candidates);
        reader_.fail(full, "unknown key" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
      }
    }
  }

 private:
  // §16 [[policy.target]]: tables of `who` (segment, tier, channel, member, min_degree) and the
  // levers (referral_reward, commission, referee_discount, team_discount, bargain_discount) with
  // an optional budget; keys named "policy.target[i].key" in messages.
  void read_target_list(const json& v) {
    if (!v.is_array()) reader_.fail("policy.target", "expected a list of tables ([[policy.target]]), got " + type_name(v));
    spec_.policy.target.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string at = "policy.target[" + std::to_string(i) + "]";
      const json& entry = v[i];
      if (!entry.is_object()) reader_.fail(at, "expected a table (who and the levers it sets), got " + type_name(entry));
      Target target;
      auto names = [&](const json& x, const std::string& full) {
        std::vector<std::string> out;
        if (x.is_string()) return std::vector<std::string>{x.get<std::string>()};
        if (!x.is_array()) reader_.fail(full, "expected a list of names, got " + type_name(x));
        for (const auto& name : x) {
          if (!name.is_string()) reader_.fail(full, "expected a list of names, found " + name.dump());
          out.push_back(name.get<std::string>());
        }
        return out;
      };
      static const std::vector<std::string> levers{"who", "referral_reward", "commission", "referee_discount",
                                                    "team_discount", "bargain_discount", "budget"};
      static const std::vector<std::string> conditions{"segment", "tier", "channel", "member", "min_degree"};
      for (auto it = entry.begin(); it != entry.end(); ++it) {
        const std::string key = it.key(), full = at + "." + key;
        const json& x = *it;
        if (x.is_null()) continue;
        if (key == "who") {
          if (!x.is_object()) reader_.fail(full, "expected a table of conditions, got " + type_name(x));
          for (auto c = x.begin(); c != x.end(); ++c) {
            const std::string name = c.key(), where = full + "." + name;
            if (c->is_null()) continue;
            if (name == "segment") target.who.segment = names(*c, where);
            else if (name == "tier") target.who.tier = names(*c, where);
            else if (name == "channel") target.who.channel = names(*c, where);
            else if (name == "member") {
              if (!c->is_boolean()) reader_.fail(where, "expected true or false, got " + type_name(*c));
              target.who.member = c->get<bool>();
            } else if (name == "min_degree") {
              if (!c->is_number_integer() || c->get<std::int64_t>() < 0 || c->get<std::int64_t>() > 4294967295LL)
                reader_.fail(where, "expected a non-negative integer, got " + c->dump());
              target.who.min_degree = static_cast<std::uint32_t>(c->get<std::int64_t>());
            } else {
              reader_.fail(where, "unknown condition (MODEL.md §16.1: segment, tier, channel, member, min_degree); "
                                  "did you mean '" + closest(name, conditions) + "'?");
            }
          }
        } else if (key == "referral_reward") {
          target.referral_reward = entry_number(x, full);
        } else if (key == "commission") {
          if (!x.is_array()) reader_.fail(full, "expected a list of numbers, got " + type_name(x));
          std::vector<double> rates;
          for (const auto& r : x) rates.push_back(entry_number(r, full));
          target.commission = rates;
        } else if (key == "referee_discount") {
          target.referee_discount = entry_number(x, full);
        } else if (key == "team_discount") {
          target.team_discount = entry_number(x, full);
        } else if (key == "bargain_discount") {
          target.bargain_discount = entry_number(x, full);
        } else if (key == "budget") {
          if (x.is_string() && x.get<std::string>() == "unlimited") target.budget = std::numeric_limits<double>::infinity();
          else target.budget = entry_number(x, full);
        } else {
          reader_.fail(full, "unknown key (MODEL.md §16.2: who and the levers referral_reward, commission, "
                             "referee_discount, team_discount, bargain_discount, budget); did you mean '" +
                                 closest(key, levers) + "'?");
        }
      }
      spec_.policy.target.push_back(std::move(target));
    }
  }

  // §15 [[segments.list]]: tables of name, share and behaviour (overrides of §15.2's keys). Each
  // entry's keys are named "segments.list[i].key" in messages (the TOML reader records their lines).
  void read_segment_list(const json& v) {
    if (!v.is_array()) reader_.fail("segments.list", "expected a list of tables ([[segments.list]]), got " + type_name(v));
    spec_.segments.list.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string at = "segments.list[" + std::to_string(i) + "]";
      const json& entry = v[i];
      if (!entry.is_object()) reader_.fail(at, "expected a table (name, share, behaviour), got " + type_name(entry));
      Segment segment;
      for (auto it = entry.begin(); it != entry.end(); ++it) {
        const std::string key = it.key(), full = at + "." + key;
        if (it->is_null()) continue;
        if (key == "name") {
          if (!it->is_string()) reader_.fail(full, "expected a string, got " + type_name(*it));
          segment.name = it->get<std::string>();
        } else if (key == "share") {
          segment.share = entry_number(*it, full);
        } else if (key == "behaviour") {
          if (!it->is_object()) reader_.fail(full, "expected a table of behaviour keys, got " + type_name(*it));
          read_overrides(*it, full, "", segment);
        } else {
          reader_.fail(full, "unknown key; a segment has name, share and behaviour (did you mean '" +
                                 closest(key, {"name", "share", "behaviour"}) + "'?)");
        }
      }
      spec_.segments.list.push_back(std::move(segment));
    }
  }

  // A segment's behaviour overrides: §15.2's keys only; a tier table's entries one by one.
  void read_overrides(const json& table, const std::string& at, const std::string& prefix, Segment& segment) {
    const std::vector<std::string>& allowed = segment_behaviour_keys();
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string key = prefix + it.key(), full = at + "." + it.key();
      if (it->is_null()) continue;
      if (it->is_object() && prefix.empty() &&
          std::any_of(allowed.begin(), allowed.end(), [&](const std::string& k) { return k.starts_with(key + "."); })) {
        read_overrides(*it, full, key + ".", segment);
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        const std::string what = find_parameter("behaviour." + key) ? "not a key a segment may override"
                                                                    : "unknown behaviour key";
        reader_.fail(full, what + " (MODEL.md §15.2: " + join_names(allowed) + "); did you mean '" + closest(key, allowed) + "'?");
      }
      segment.behaviour.emplace_back(key, entry_number(*it, full));
    }
  }

  // A number in a list of tables' entry (a target's lever, a segment's share or override): finite.
  double entry_number(const json& x, const std::string& path) const {
    if (!x.is_number() || !std::isfinite(x.get<double>())) reader_.fail(path, "expected a number, got " + type_name(x));
    return x.get<double>();
  }

  static std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  void read(const Parameter& parameter, const json& v) {
    const std::string& path = parameter.path;
    const ParameterField field = parameter.field(spec_);
    switch (parameter.type) {
      case ParameterType::number: {
        if (!v.is_number()) reader_.fail(path, "expected a number, got " + type_name(v));
        const double x = v.get<double>();
        if (!std::isfinite(x)) reader_.fail(path, "must be finite");
        *std::get<double*>(field) = x;
        return;
      }
      case ParameterType::count: {
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
          reader_.fail(path, "expected a non-negative integer, got " + v.dump());
        const auto x = v.get<std::uint64_t>();
        if (auto* narrow = std::get_if<std::uint32_t*>(&field)) {
          if (x > std::numeric_limits<std::uint32_t>::max()) reader_.fail(path, "too large: " + v.dump());
          **narrow = static_cast<std::uint32_t>(x);
        } else {
          *std::get<std::uint64_t*>(field) = x;
        }
        return;
      }
      case ParameterType::flag:
        if (!v.is_boolean()) reader_.fail(path, "expected true or false, got " + type_name(v));
        *std::get<bool*>(field) = v.get<bool>();
        return;
      case ParameterType::text:
        if (!v.is_string()) reader_.fail(path, "expected a string, got " + type_name(v));
        *std::get<std::string*>(field) = v.get<std::string>();
        return;
      case ParameterType::choice: {
        if (!v.is_string()) reader_.fail(path, "expected a string, got " + type_name(v));
        const auto& names = parameter_choices(parameter);
        const auto it = std::find(names.begin(), names.end(), v.get<std::string>());
        if (it == names.end()) {
          std::string list;
          for (std::size_t i = 0; i < names.size(); ++i)
            list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
          reader_.fail(path, "must be " + list + ", not '" + v.get<std::string>() + "'");
        }
        *std::get<TieInit::Kind*>(field) = static_cast<TieInit::Kind>(it - names.begin());
        return;
      }
      case ParameterType::numbers: {
        if (!v.is_array()) reader_.fail(path, "expected a list of numbers, got " + type_name(v));
        auto& target = *std::get<std::vector<double>*>(field);
        target.clear();
        for (const auto& x : v) {
          if (!x.is_number()) reader_.fail(path, "expected a list of numbers, found " + type_name(x));
          target.push_back(x.get<double>());
        }
        return;
      }
      case ParameterType::budget:
        if (v.is_string() && v.get<std::string>() == "unlimited") *std::get<double*>(field) = std::numeric_limits<double>::infinity();
        else if (v.is_number()) *std::get<double*>(field) = v.get<double>();
        else reader_.fail(path, "expected a number or \"unlimited\", got " + v.dump());
        return;
      case ParameterType::names: {
        if (!v.is_array()) reader_.fail(path, "expected a list of names, got " + type_name(v));
        auto& names = *std::get<std::vector<std::string>*>(field);
        names.clear();
        for (const auto& x : v) {
          if (!x.is_string()) reader_.fail(path, "expected a list of names, found " + x.dump());
          names.push_back(x.get<std::string>());
        }
        return;
      }
      case ParameterType::nodes: {
        if (!v.is_array()) reader_.fail(path, "expected a list of nodes, got " + type_name(v));
        auto& nodes = *std::get<std::vector<node_t>*>(field);
        nodes.clear();
        if (seed_labels_) seed_labels_->clear();
        for (const auto& x : v) {
          if (seed_labels_ && (x.is_string() || x.is_number_integer())) {
            seed_labels_->push_back(x.is_string() ? x.get<std::string>() : std::to_string(x.get<std::int64_t>()));
          } else if (x.is_number_integer() && x.get<std::int64_t>() >= 0 && x.get<std::int64_t>() < max_nodes) {
            nodes.push_back(static_cast<node_t>(x.get<std::int64_t>()));
          } else {
            reader_.fail(path, "expected node ids, found " + x.dump());
          }
        }
        return;
      }
    }
  }

  const SpecReader& reader_;
  CampaignSpec& spec_;
  std::vector<std::string>* seed_labels_;
};

}  // namespace

void SpecReader::read(const json& root, CampaignSpec& spec, std::vector<std::string>* seed_labels,
                      const std::vector<std::string>& extra_top_level) const {
  TableReader(*this, spec, seed_labels).table(root, "", extra_top_level);
  // Seed nodes without a strategy mean strategy = "nodes".
  const auto seeding = root.find("seeding");
  if (seeding != root.end() && seeding->is_object()) {
    const auto nodes = seeding->find("nodes"), strategy = seeding->find("strategy");
    if (nodes != seeding->end() && !nodes->is_null() && (strategy == seeding->end() || strategy->is_null()))
      spec.seeding.strategy = "nodes";
  }
  // One vocabulary: older spellings of a strategy (top-degree, top_pagerank, ...) are stored by
  // their name in it.
  if (const std::string name = canonical_strategy(spec.seeding.strategy); !name.empty()) spec.seeding.strategy = name;
}

}  // namespace detail

CampaignSpec spec_from_json(const std::string& text, const std::string& where) {
  detail::json root;
  try {
    root = detail::json::parse(text);
  } catch (const detail::json::parse_error& e) {
    throw InputError(where + ": " + e.what());
  }
  CampaignSpec spec;
  detail::SpecReader reader;
  reader.where = where;
  reader.read(root, spec, nullptr, {});
  return spec;
}

std::string spec_to_json(const CampaignSpec& spec) {
  // Every parameter in the table's order, nested by its path.
  detail::json root = detail::json::object();
  auto& mutable_spec = const_cast<CampaignSpec&>(spec);  // the accessors read only
  for (const Parameter& parameter : campaign_parameters()) {
    detail::json* at = &root;
    std::string rest = parameter.path;
    for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
      at = &(*at)[rest.substr(0, dot)];
      rest = rest.substr(dot + 1);
    }
    detail::json& value = (*at)[rest];
    std::visit(
        [&](auto* field) {
          using T = std::remove_pointer_t<decltype(field)>;
          if constexpr (std::is_same_v<T, TieInit::Kind>) {
            value = parameter_choices(parameter)[static_cast<std::size_t>(*field)];
          } else if constexpr (std::is_same_v<T, double>) {
            if (parameter.type == ParameterType::budget && std::isinf(*field)) value = "unlimited";
            else value = *field;
          } else {
            value = *field;
          }
        },
        parameter.field(mutable_spec));
    if (parameter.path == "segments.file") {  // §15 the list, after the table's own keys
      detail::json list = detail::json::array();
      for (const Segment& segment : spec.segments.list) {
        detail::json entry = {{"name", segment.name}, {"share", segment.share}};
        detail::json behaviour = detail::json::object();
        for (const auto& [key, x] : segment.behaviour) {
          const auto dot = key.find('.');
          if (dot == std::string::npos) behaviour[key] = x;
          else behaviour[key.substr(0, dot)][key.substr(dot + 1)] = x;
        }
        entry["behaviour"] = behaviour;
        list.push_back(entry);
      }
      (*at)["list"] = list;
    }
  }
  // §16 the targets: each writes its conditions and the levers it sets, nothing it leaves unset.
  detail::json targets = detail::json::array();
  for (const Target& target : spec.policy.target) {
    detail::json who = detail::json::object();
    if (!target.who.segment.empty()) who["segment"] = target.who.segment;
    if (!target.who.tier.empty()) who["tier"] = target.who.tier;
    if (!target.who.channel.empty()) who["channel"] = target.who.channel;
    if (target.who.member) who["member"] = *target.who.member;
    if (target.who.min_degree) who["min_degree"] = target.who.min_degree;
    detail::json entry = {{"who", who}};
    if (target.referral_reward) entry["referral_reward"] = *target.referral_reward;
    if (target.commission) entry["commission"] = *target.commission;
    if (target.referee_discount) entry["referee_discount"] = *target.referee_discount;
    if (target.team_discount) entry["team_discount"] = *target.team_discount;
    if (target.bargain_discount) entry["bargain_discount"] = *target.bargain_discount;
    if (!std::isinf(target.budget)) entry["budget"] = target.budget;
    targets.push_back(entry);
  }
  root["policy"]["target"] = targets;
  return root.dump();
}

Scenario::Place Scenario::place(const std::string& key) const {
  if (const auto exact = lines.find(key); exact != lines.end()) return {exact->second, true};  // a list of tables' entries
  const std::string own = key.substr(0, key.find('['));
  for (std::string at = own; !at.empty();) {
    const auto line = lines.find(at);
    if (line != lines.end()) return {line->second, at == own};
    const auto dot = at.rfind('.');
    at = dot == std::string::npos ? std::string() : at.substr(0, dot);
  }
  return {};
}

std::string Scenario::message_at(const std::string& key, const std::string& what) const {
  const Place at = place(key);
  return path + (at.line ? ":" + std::to_string(at.line) : "") + ": " + key + ": " + what + (at.set ? "" : " (the default)");
}

void Scenario::fail_at(const std::string& key, const std::string& what) const {
  const Place at = place(key);
  const std::string text = what + (at.set ? "" : " (the default)");
  if (at.line) throw ParseError(path, at.line, key, text);
  throw InputError(path + ": " + key + ": " + text);
}

namespace {

// A scenario's file of "label,value" lines ('#' starts a comment; a first line "label,<what>" is a
// header), relative to the scenario's folder: `set(node, value, line)` takes each line's node and
// value, and throws ParseError naming the line and the field for a bad value. Errors name the
// file, the line and the field, and quote nothing of the line: a file that is not such a file (a
// path mistyped, or one that reaches a private file) is not repeated.
void read_label_file(const Scenario& scenario, const Graph& g, const std::string& key, const std::string& path_text,
                     const std::string& what, const std::function<void(node_t, const std::string&, std::uint64_t,
                                                                     const std::string&)>& set) {
  std::filesystem::path path = path_text;
  if (path.is_relative() && !scenario.path.empty()) path = std::filesystem::path(scenario.path).parent_path() / path;
  const std::string file = path.string();
  try {  // a folder, /dev/zero or a FIFO is refused by its type, before it is opened
    require_regular_file(file, what + "s file");
  } catch (const IoError& e) {
    throw IoError(scenario.message_at(key, e.what()));
  }
  std::unique_ptr<std::FILE, decltype(&std::fclose)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) throw IoError(scenario.message_at(key, "cannot open '" + file + "'"));
  std::vector<bool> seen(g.num_nodes(), false);
  constexpr std::size_t kLongestLine = std::size_t{1} << 16;
  std::string line;
  for (std::uint64_t number = 1;; ++number) {
    line.clear();
    int c = 0;
    while ((c = std::fgetc(in.get())) != EOF && c != '\n') {
      if (line.size() == kLongestLine)
        throw ParseError(file, number, "line", "longer than " + std::to_string(kLongestLine) +
                                                   " characters: not a " + what + "s file of label," + what + " lines");
      line.push_back(static_cast<char>(c));
    }
    if (c == EOF && line.empty()) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    line = line.substr(first, line.find_last_not_of(" \t") + 1 - first);
    const auto comma = line.rfind(',');
    if (comma == std::string::npos)
      throw ParseError(file, number, what, "expected 'label," + what + "': a node's label, a comma and its " + what);
    std::string label = line.substr(0, comma), value = line.substr(comma + 1);
    auto trim = [](std::string& x) {
      const auto a = x.find_first_not_of(" \t"), b = x.find_last_not_of(" \t");
      x = a == std::string::npos ? std::string() : x.substr(a, b + 1 - a);
    };
    trim(label), trim(value);
    if (number == 1 && label == "label" && value == what) continue;  // a header
    const auto node = find_label(g, label);
    if (!node) throw ParseError(file, number, "label", "no node of the graph has this label");
    if (seen[*node]) throw ParseError(file, number, "label", "this node is listed twice");
    seen[*node] = true;
    set(*node, value, number, file);
  }
  if (std::ferror(in.get())) throw IoError(scenario.message_at(key, "cannot read '" + file + "'"));
}

// §9.1 a scenario's groups_file: "label,group" lines (group an integer >= -1; -1: no group; a
// node not listed is in no group).
std::shared_ptr<const std::vector<std::int64_t>> read_groups_file(const Scenario& scenario, const Graph& g) {
  auto groups = std::make_shared<std::vector<std::int64_t>>(g.num_nodes(), -1);
  read_label_file(scenario, g, "community.groups_file", scenario.spec.community.groups_file, "group",
                  [&](node_t node, const std::string& value, std::uint64_t number, const std::string& file) {
                    std::int64_t group = 0;
                    std::size_t used = 0;
                    try {
                      group = std::stoll(value, &used);
                    } catch (const std::exception&) {
                      used = 0;
                    }
                    if (used == 0 || used != value.size() || group < -1)
                      throw ParseError(file, number, "group", "expected an integer >= -1 (-1: no group)");
                    (*groups)[node] = group;
                  });
  return groups;
}

// §15.1 a scenario's segments.file: "label,segment" lines (a node not listed, or listed with an
// empty name, is in `other`), into a column of codes and their names.
void read_segments_file(Scenario& scenario, const Graph& g) {
  Segments& segments = scenario.spec.segments;
  auto column = std::make_shared<std::vector<std::uint8_t>>(g.num_nodes(), 0);
  segments.column_names = {""};  // code 0: other
  std::map<std::string, std::uint8_t> codes{{"", 0}};
  read_label_file(scenario, g, "segments.file", segments.file, "segment",
                  [&](node_t node, const std::string& value, std::uint64_t number, const std::string& file) {
                    auto [at, added] = codes.emplace(value, static_cast<std::uint8_t>(codes.size()));
                    if (added) {
                      if (codes.size() > 255)
                        throw ParseError(file, number, "segment", "more than 254 segment names (a one-byte index)");
                      segments.column_names.push_back(value);
                    }
                    (*column)[node] = at->second;
                  });
  segments.column = column;
}

}  // namespace

std::vector<std::string> check_scenario(Scenario& scenario, const Graph& g) {
  if (!scenario.spec.community.groups_file.empty() && scenario.spec.community.initial == "column")
    scenario.spec.community.groups = read_groups_file(scenario, g);
  const Segments& segments = scenario.spec.segments;
  if (segments.enabled && segments.assign == "column" && !segments.file.empty()) read_segments_file(scenario, g);
  if (!scenario.seed_labels.empty()) {
    scenario.spec.seeding.nodes.clear();
    for (const auto& label : scenario.seed_labels) {
      const auto node = find_label(g, label);
      if (!node) scenario.fail_at("seeding.nodes", "no node labelled '" + label + "' in the graph");
      scenario.spec.seeding.nodes.push_back(*node);
    }
  }
  std::vector<std::string> out;
  try {
    for (const auto& w : validate(scenario.spec, g)) out.push_back(scenario.message_at(w.key, w.text));
  } catch (const ParameterError& e) {
    scenario.fail_at(e.key(), e.reason());
  }
  return out;
}

Graph load_scenario_graph(const Scenario& scenario) {
  const GraphSource& source = scenario.graph;
  if (!source.file.empty()) {
    std::filesystem::path path = source.file;
    if (path.is_relative() && !scenario.path.empty())
      path = std::filesystem::path(scenario.path).parent_path() / path;
    ReadOptions options;
    options.directed = source.directed;
    std::optional<Format> format;
    try {
      if (!source.format.empty()) format = parse_format(source.format);
    } catch (const InputError& e) {
      scenario.fail_at("graph.format", e.what());
    }
    try {
      return read_graph(path.string(), format, options);
    } catch (const IoError& e) {  // errors inside the file name their own line; a missing file, the scenario's
      throw IoError(scenario.message_at("graph.file", e.what()));
    }
  }
  for (const auto& gen : generator_catalog()) {
    if (gen.name != source.generator) continue;
    std::map<std::string, std::string> params{{"seed", "0"}};
    for (const auto& p : gen.params) params[p.name] = p.default_value;
    for (const auto& [key, value] : source.params) params[key] = value;
    try {
      return gen.make(params);
    } catch (const InputError& e) {
      // Generators name the parameter first ("n: must be ..."): place it at its key when the
      // file sets it, otherwise at the generator.
      const std::string message = e.what();
      const auto colon = message.find(": ");
      const std::string key = "graph." + message.substr(0, colon);
      if (colon != std::string::npos && scenario.lines.count(key)) scenario.fail_at(key, message.substr(colon + 2));
      scenario.fail_at("graph.generator", source.generator + ": " + message);
    }
  }
  scenario.fail_at("graph.generator", "unknown generator '" + source.generator + "'");
}

}  // namespace guanxi
