// Campaign specs from data: one reader of the sections (over JSON, which TOML scenario files and
// Python keyword dictionaries both become), with every key checked and unknown keys reported
// with the file, the line and the closest valid key. TOML parsing lives in scenario_toml.cpp.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>

#include <nlohmann/json.hpp>

#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
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

}  // namespace

// One table of the spec: typed reads; every key read is checked off, the rest are errors.
class Section {
 public:
  Section(const SpecReader& reader, const json* table, std::string path)
      : reader_(reader), table_(table), path_(std::move(path)) {
    if (table_ && !table_->is_object()) reader_.fail(path_, "expected a table, got " + type_name(*table_));
  }
  ~Section() = default;

  const json* get(const std::string& key) {
    known_.push_back(key);
    if (!table_) return nullptr;
    const auto it = table_->find(key);
    return it == table_->end() || it->is_null() ? nullptr : &*it;
  }
  std::string path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  void number(const std::string& key, double& target) {
    if (const json* v = get(key)) {
      if (!v->is_number()) reader_.fail(path(key), "expected a number, got " + type_name(*v));
      target = v->get<double>();
      if (!std::isfinite(target)) reader_.fail(path(key), "must be finite");
    }
  }
  template <class Int>
  void count(const std::string& key, Int& target) {
    if (const json* v = get(key)) {
      if (!v->is_number_integer() || v->get<std::int64_t>() < 0)
        reader_.fail(path(key), "expected a non-negative integer, got " + v->dump());
      const auto x = v->get<std::uint64_t>();
      if (x > std::numeric_limits<Int>::max()) reader_.fail(path(key), "too large: " + v->dump());
      target = static_cast<Int>(x);
    }
  }
  void flag(const std::string& key, bool& target) {
    if (const json* v = get(key)) {
      if (!v->is_boolean()) reader_.fail(path(key), "expected true or false, got " + type_name(*v));
      target = v->get<bool>();
    }
  }
  void text(const std::string& key, std::string& target) {
    if (const json* v = get(key)) {
      if (!v->is_string()) reader_.fail(path(key), "expected a string, got " + type_name(*v));
      target = v->get<std::string>();
    }
  }
  void numbers(const std::string& key, std::vector<double>& target) {
    if (const json* v = get(key)) {
      if (!v->is_array()) reader_.fail(path(key), "expected a list of numbers, got " + type_name(*v));
      target.clear();
      for (const auto& x : *v) {
        if (!x.is_number()) reader_.fail(path(key), "expected a list of numbers, found " + type_name(x));
        target.push_back(x.get<double>());
      }
    }
  }
  // A sub-table (absent: nullptr table, defaults stay).
  Section table(const std::string& key) { return Section(reader_, get(key), path(key)); }
  bool has(const std::string& key) {
    const bool present = table_ && table_->contains(key) && !(*table_)[key].is_null();
    return present;
  }

  // Unknown keys: an error naming the closest known key.
  void finish() {
    if (!table_) return;
    for (auto it = table_->begin(); it != table_->end(); ++it)
      if (std::find(known_.begin(), known_.end(), it.key()) == known_.end()) {
        const std::string hint = closest(it.key(), known_);
        reader_.fail(path(it.key()), "unknown key" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
      }
  }
  const json* raw() const { return table_; }

 private:
  const SpecReader& reader_;
  const json* table_;
  std::string path_;
  std::vector<std::string> known_;
};

void SpecReader::read(const json& root, CampaignSpec& spec, std::vector<std::string>* seed_labels,
                      const std::vector<std::string>& extra_top_level) const {
  Section top(*this, &root, "");
  for (const auto& key : extra_top_level) top.get(key);
  {
    Section s = top.table("product");
    s.number("price", spec.product.price);
    s.number("unit_cost", spec.product.unit_cost);
    s.finish();
  }
  {
    Section s = top.table("behaviour");
    Behaviour& b = spec.behaviour;
    for (auto [key, target] : std::initializer_list<std::pair<const char*, double*>>{
             {"share_prob", &b.share_prob}, {"team_share_prob", &b.team_share_prob}, {"reach", &b.reach},
             {"conv_weak", &b.conv_weak}, {"conv_strong", &b.conv_strong}, {"external_rate", &b.external_rate},
             {"reward_elasticity", &b.reward_elasticity}, {"reward_curvature", &b.reward_curvature},
             {"discount_elasticity", &b.discount_elasticity}, {"repeat_prob", &b.repeat_prob},
             {"stickiness", &b.stickiness}, {"churn_prob", &b.churn_prob}, {"embeddedness", &b.embeddedness},
             {"neg_prob", &b.neg_prob}, {"neg_weight", &b.neg_weight}, {"help_mult", &b.help_mult},
             {"aware_mult", &b.aware_mult}})
      s.number(key, *target);
    s.count("max_attempts", b.max_attempts);
    s.count("max_shares", b.max_shares);
    s.count("stickiness_cap", b.stickiness_cap);
    Section tiers = s.table("tier_mult");
    tiers.number("customer", b.tier_mult.customer);
    tiers.number("fan", b.tier_mult.fan);
    tiers.number("partner", b.tier_mult.partner);
    tiers.finish();
    s.finish();
  }
  {
    Section s = top.table("ties");
    TieDynamics& t = spec.ties;
    std::string kind;
    s.text("init", kind);
    if (!kind.empty()) {
      try {
        t.init.kind = parse_tie_init(kind);
      } catch (const InputError&) {
        fail(s.path("init"), "must be constant, uniform, overlap, column or graph, not '" + kind + "'");
      }
    }
    s.number("value", t.init.value);
    s.number("low", t.init.low);
    s.number("high", t.init.high);
    s.number("s_min", t.init.s_min);
    s.number("s_max", t.init.s_max);
    s.count("seed", t.init.seed);
    for (auto [key, target] : std::initializer_list<std::pair<const char*, double*>>{
             {"strong_threshold", &t.strong_threshold}, {"alpha_conv", &t.alpha_conv}, {"alpha_team", &t.alpha_team},
             {"alpha_bond", &t.alpha_bond}, {"beta_spam", &t.beta_spam}, {"beta_fail", &t.beta_fail},
             {"decay", &t.decay}, {"s_floor", &t.s_floor}})
      s.number(key, *target);
    s.finish();
  }
  {
    Section s = top.table("ladder");
    s.count("fan_purchases", spec.ladder.fan_purchases);
    s.count("partner_referrals", spec.ladder.partner_referrals);
    s.finish();
  }
  {
    Section s = top.table("policy");
    Policy& p = spec.policy;
    s.number("referral_reward", p.referral_reward);
    s.number("referee_discount", p.referee_discount);
    s.numbers("commission", p.commission);
    if (const json* budget = s.get("budget")) {
      if (budget->is_string() && budget->get<std::string>() == "unlimited") p.budget = std::numeric_limits<double>::infinity();
      else if (budget->is_number()) p.budget = budget->get<double>();
      else fail(s.path("budget"), "expected a number or \"unlimited\", got " + budget->dump());
    }
    // Optional sub-tables: present means on (unless enabled = false).
    auto optional = [&](const char* key, bool& enabled, auto&& read) {
      if (!s.has(key)) {
        s.get(key);
        return;
      }
      enabled = true;
      Section g = s.table(key);
      g.flag("enabled", enabled);
      read(g);
      g.finish();
    };
    optional("group_buy", p.group_buy.enabled, [&](Section& g) {
      g.count("size", p.group_buy.size);
      g.count("deadline", p.group_buy.deadline);
      g.number("discount", p.group_buy.discount);
      g.number("solo_fallback", p.group_buy.solo_fallback);
    });
    optional("bargain", p.bargain.enabled, [&](Section& g) {
      g.count("helpers", p.bargain.helpers);
      g.count("deadline", p.bargain.deadline);
      g.number("discount", p.bargain.discount);
      g.number("solo_fallback", p.bargain.solo_fallback);
    });
    optional("membership", p.membership.enabled, [&](Section& g) {
      g.number("fee", p.membership.fee);
      g.number("take_rate", p.membership.take_rate);
      g.numbers("partner_commission", p.membership.partner_commission);
    });
    s.finish();
  }
  {
    Section s = top.table("seeding");
    Seeding& seeding = spec.seeding;
    s.text("strategy", seeding.strategy);
    s.count("k", seeding.k);
    if (const json* nodes = s.get("nodes")) {
      if (!nodes->is_array()) fail(s.path("nodes"), "expected a list of nodes, got " + type_name(*nodes));
      seeding.nodes.clear();
      if (seed_labels) seed_labels->clear();
      for (const auto& x : *nodes) {
        if (seed_labels && (x.is_string() || x.is_number_integer())) {
          seed_labels->push_back(x.is_string() ? x.get<std::string>() : std::to_string(x.get<std::int64_t>()));
        } else if (x.is_number_integer() && x.get<std::int64_t>() >= 0 && x.get<std::int64_t>() < max_nodes) {
          seeding.nodes.push_back(static_cast<node_t>(x.get<std::int64_t>()));
        } else {
          fail(s.path("nodes"), "expected node ids, found " + x.dump());
        }
      }
      if (!s.has("strategy")) seeding.strategy = "nodes";
    }
    s.finish();
  }
  {
    Section s = top.table("run");
    s.count("steps", spec.run.steps);
    s.count("replicates", spec.run.replicates);
    s.count("seed", spec.run.seed);
    s.finish();
  }
  top.finish();
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
  detail::json j;
  j["product"] = {{"price", spec.product.price}, {"unit_cost", spec.product.unit_cost}};
  const Behaviour& b = spec.behaviour;
  j["behaviour"] = {{"share_prob", b.share_prob}, {"team_share_prob", b.team_share_prob}, {"reach", b.reach},
                    {"max_attempts", b.max_attempts}, {"max_shares", b.max_shares}, {"conv_weak", b.conv_weak},
                    {"conv_strong", b.conv_strong}, {"external_rate", b.external_rate},
                    {"reward_elasticity", b.reward_elasticity}, {"reward_curvature", b.reward_curvature},
                    {"discount_elasticity", b.discount_elasticity}, {"repeat_prob", b.repeat_prob},
                    {"stickiness", b.stickiness}, {"stickiness_cap", b.stickiness_cap}, {"churn_prob", b.churn_prob},
                    {"embeddedness", b.embeddedness}, {"neg_prob", b.neg_prob}, {"neg_weight", b.neg_weight},
                    {"help_mult", b.help_mult}, {"aware_mult", b.aware_mult},
                    {"tier_mult", {{"customer", b.tier_mult.customer}, {"fan", b.tier_mult.fan}, {"partner", b.tier_mult.partner}}}};
  const TieDynamics& t = spec.ties;
  static const char* kinds[] = {"constant", "uniform", "overlap", "column", "graph"};
  j["ties"] = {{"init", kinds[static_cast<int>(t.init.kind)]}, {"value", t.init.value}, {"low", t.init.low},
               {"high", t.init.high}, {"s_min", t.init.s_min}, {"s_max", t.init.s_max}, {"seed", t.init.seed},
               {"strong_threshold", t.strong_threshold}, {"alpha_conv", t.alpha_conv}, {"alpha_team", t.alpha_team},
               {"alpha_bond", t.alpha_bond}, {"beta_spam", t.beta_spam}, {"beta_fail", t.beta_fail},
               {"decay", t.decay}, {"s_floor", t.s_floor}};
  j["ladder"] = {{"fan_purchases", spec.ladder.fan_purchases}, {"partner_referrals", spec.ladder.partner_referrals}};
  const Policy& p = spec.policy;
  detail::json policy = {{"referral_reward", p.referral_reward}, {"referee_discount", p.referee_discount},
                         {"commission", p.commission}};
  if (std::isinf(p.budget)) policy["budget"] = "unlimited";
  else policy["budget"] = p.budget;
  policy["group_buy"] = {{"enabled", p.group_buy.enabled}, {"size", p.group_buy.size}, {"deadline", p.group_buy.deadline},
                         {"discount", p.group_buy.discount}, {"solo_fallback", p.group_buy.solo_fallback}};
  policy["bargain"] = {{"enabled", p.bargain.enabled}, {"helpers", p.bargain.helpers}, {"deadline", p.bargain.deadline},
                       {"discount", p.bargain.discount}, {"solo_fallback", p.bargain.solo_fallback}};
  policy["membership"] = {{"enabled", p.membership.enabled}, {"fee", p.membership.fee},
                          {"take_rate", p.membership.take_rate}, {"partner_commission", p.membership.partner_commission}};
  j["policy"] = policy;
  j["seeding"] = {{"strategy", spec.seeding.strategy}, {"k", spec.seeding.k}, {"nodes", spec.seeding.nodes}};
  j["run"] = {{"steps", spec.run.steps}, {"replicates", spec.run.replicates}, {"seed", spec.run.seed}};
  return j.dump();
}

Scenario::Place Scenario::place(const std::string& key) const {
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

std::vector<std::string> check_scenario(Scenario& scenario, const Graph& g) {
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
