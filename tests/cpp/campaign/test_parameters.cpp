// The campaign parameter table (sim/src/campaign/parameters.cpp, guanxi/parameters.hpp; MODEL.md §7,
// §14) drives the spec's reader, writer and range checks: every row is written and read back,
// every bounded row refuses a value just outside its range with an error naming its path, every
// row refuses a value of the wrong type, and unknown keys at any depth name the closest valid key.
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "guanxi/error.hpp"
#include "guanxi/parameters.hpp"
#include "guanxi/scenario.hpp"

namespace guanxi {
namespace {

using json = nlohmann::ordered_json;

json& at_path(json& root, const std::string& path) {
  json* at = &root;
  std::string rest = path;
  for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    at = &(*at)[rest.substr(0, dot)];
    rest = rest.substr(dot + 1);
  }
  return (*at)[rest];
}

// A legal value other than the default, for each type.
json changed(const Parameter& p, const json& current) {
  switch (p.type) {
    case ParameterType::number: return current.get<double>() == 0.25 ? 0.5 : 0.25;
    case ParameterType::count: return current.get<std::uint64_t>() + 2;
    case ParameterType::flag: return !current.get<bool>();
    case ParameterType::text: return current == "kcore" ? "pagerank" : "kcore";
    case ParameterType::choice: return current == "uniform" ? "constant" : "uniform";
    case ParameterType::numbers: return json::array({0.125, 0.0625});
    case ParameterType::budget: return 1234.5;
    case ParameterType::nodes: return json::array({3, 1});
    case ParameterType::names: return json::array({"students", "retirees"});
  }
  return nullptr;
}

TEST(ParameterTable, EveryRowIsWrittenAndReadBack) {
  const json defaults = json::parse(spec_to_json(CampaignSpec{}));
  std::size_t rows = 0;
  for (const Parameter& p : campaign_parameters()) {
    json spec = defaults;
    json& value = at_path(spec, p.path);
    ASSERT_FALSE(value.is_null()) << p.path << " is not written";
    value = changed(p, value);
    const json back = json::parse(spec_to_json(spec_from_json(spec.dump())));
    EXPECT_EQ(back, spec) << p.path;
    EXPECT_NE(back, defaults) << p.path << " did not change the spec";
    EXPECT_FALSE(p.doc.empty()) << p.path;
    EXPECT_TRUE(p.section.starts_with("§")) << p.path;
    ++rows;
  }
  // The writer writes nothing that is not a row, but for the segments' list (§15) and the
  // targets (§16): lists of tables, read and written beside their tables.
  std::size_t leaves = 0;
  EXPECT_EQ(defaults["segments"]["list"], json::array());
  EXPECT_EQ(defaults["policy"]["target"], json::array());  // §16 the targets, likewise
  std::function<void(const json&)> count = [&](const json& j) {
    if (&j == &defaults["segments"]["list"] || &j == &defaults["policy"]["target"]) return;
    if (j.is_object()) {
      for (const auto& [key, child] : j.items()) count(child);
    } else {
      ++leaves;
    }
  };
  count(defaults);
  EXPECT_EQ(leaves, rows);
}

// A value just outside a row's range, and the text of its error.
std::optional<std::pair<json, std::string>> out_of_range(const Parameter& p) {
  switch (p.range) {
    case ParameterRange::unit:
      return p.type == ParameterType::numbers ? std::pair{json::array({0.5, 1.5}), std::string("must be in [0, 1], got 1.5")}
                                              : std::pair{json(1.5), std::string("must be in [0, 1], got 1.5")};
    case ParameterRange::non_negative: return std::pair{json(-1.0), std::string("must be finite and >= 0, got -1")};
    case ParameterRange::positive: return std::pair{json(0.0), std::string("must be finite and > 0, got 0")};
    case ParameterRange::at_least_one: return std::pair{json(0), std::string("must be >= 1, got 0")};
    case ParameterRange::attempts: return std::pair{json(256), std::string("must be at most 255 (0: unlimited), got 256")};
    case ParameterRange::steps: return std::pair{json(100001), std::string("must be at most 100000, got 100001")};
    case ParameterRange::spend_cap: return std::pair{json(-1.0), std::string("must be >= 0, got -1")};
    case ParameterRange::any: return std::nullopt;
  }
  return std::nullopt;
}

TEST(ParameterTable, EveryBoundedRowRefusesAValueOutsideItsRange) {
  int bounded = 0;
  for (const Parameter& p : campaign_parameters()) {
    const auto bad = out_of_range(p);
    if (!bad) continue;
    ++bounded;
    json spec = json::object();
    at_path(spec, p.path) = bad->first;
    const std::string key = p.type == ParameterType::numbers ? p.path + "[1]" : p.path;
    try {
      check_spec(spec_from_json(spec.dump()));
      ADD_FAILURE() << p.path << ": accepted " << bad->first.dump();
    } catch (const ParameterError& e) {
      EXPECT_EQ(e.key(), key);
      EXPECT_EQ(e.reason(), bad->second) << p.path;
    }
  }
  EXPECT_GT(bounded, 40);
}

TEST(ParameterTable, EveryRowRefusesTheWrongType) {
  for (const Parameter& p : campaign_parameters()) {
    json spec = json::object();
    // A table where a value belongs (a string for the text row).
    at_path(spec, p.path) = p.type == ParameterType::text ? json(json::object({{"x", 1}})) : json("x");
    if (p.type == ParameterType::budget) at_path(spec, p.path) = "lots";
    try {
      spec_from_json(spec.dump(), "campaign");
      ADD_FAILURE() << p.path << ": accepted a value of the wrong type";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("campaign: " + p.path + ": "), std::string::npos) << e.what();
    }
  }
}

TEST(ParameterTable, UnknownKeysNameTheClosestKeyAtAnyDepth) {
  auto message = [](const std::string& text) {
    try {
      spec_from_json(text, "campaign");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(R"({"policy": {"group_buy": {"sise": 2}}})"),
            "campaign: policy.group_buy.sise: unknown key; did you mean 'size'?");
  EXPECT_EQ(message(R"({"behaviour": {"tier_mult": {"fans": 2}}})"),
            "campaign: behaviour.tier_mult.fans: unknown key; did you mean 'fan'?");
  EXPECT_EQ(message(R"({"behavior": {}})"), "campaign: behavior: unknown key; did you mean 'behaviour'?");
  EXPECT_EQ(message(R"({"policy": {"bargain": 3}})"), "campaign: policy.bargain: expected a table, got a number");
}

TEST(ParameterTable, AnOptionalTableIsSwitchedOnByBeingThere) {
  EXPECT_TRUE(spec_from_json(R"({"policy": {"group_buy": {}}})").policy.group_buy.enabled);
  EXPECT_FALSE(spec_from_json(R"({"policy": {"group_buy": {"enabled": false, "size": 2}}})").policy.group_buy.enabled);
  EXPECT_FALSE(spec_from_json(R"({"policy": {}})").policy.bargain.enabled);
  const CampaignSpec nodes = spec_from_json(R"({"seeding": {"nodes": [4, 2]}})");
  EXPECT_EQ(nodes.seeding.strategy, "nodes");
  EXPECT_EQ(nodes.seeding.nodes, (std::vector<node_t>{4, 2}));
}

}  // namespace
}  // namespace guanxi
