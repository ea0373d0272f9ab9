// Scenario files and the spec's JSON (sim/src/campaign/scenario.cpp, scenario_toml.cpp; MODEL.md
// §7): every example loads and runs (parallel: replicates on TBB, every Part II feature), unknown
// keys name file, line and the closest key, seed labels resolve, and the spec's JSON round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
#include "guanxi/scenario.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::TempDir;

TEST(Scenario, ExamplesLoadAndRun) {
  const std::filesystem::path examples = std::filesystem::path(GUANXI_SOURCE_DIR) / "examples";
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    if (entry.path().extension() != ".toml") continue;
    ++found;
    Scenario s = load_scenario(entry.path().string());
    EXPECT_FALSE(s.name.empty()) << entry.path();
    EXPECT_EQ(s.graph.generator, "holme-kim") << entry.path();
    s.spec.run.steps = 5;
    const Graph small = holme_kim(500, 3, 0.5, 1);
    CampaignRunOptions o;
    o.replicates = 2;
    EXPECT_NO_THROW(run_campaign(small, s.spec, o)) << entry.path();
  }
  EXPECT_EQ(found, 15);  // Part I's seven; paid ads, community groups, ads into community, fan club (§8-§10);
                         // segments, targeted rewards, shareholders, the margin promise (§15-§18)
}

TEST(Scenario, UnknownKeysNameFileLineAndSuggest) {
  TempDir dir;
  const auto path = dir.write("bad.toml", "[product]\nprice = 100\n\n[behaviour]\nshare_prob = 0.1\nshar_prb = 0.2\n");
  try {
    load_scenario(path);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 6u);
    EXPECT_NE(std::string(e.what()).find("behaviour.shar_prb"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did you mean 'share_prob'"), std::string::npos) << e.what();
  }
  auto expect_error = [&](const std::string& text, std::uint64_t line, const std::string& words) {
    const auto p = dir.write("case.toml", text);
    try {
      load_scenario(p);
      FAIL() << text;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.line(), line) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_error("[polcy]\nbudget = 5\n", 1, "did you mean 'policy'");
  expect_error("[policy]\nreferral_reward = \"ten\"\n", 2, "expected a number");
  expect_error("[policy.group_buy]\nsize = -3\n", 2, "policy.group_buy.size");
  expect_error("[graph]\ngenerator = \"holme-kym\"\n", 2, "did you mean 'holme-kim'");
  expect_error("[graph]\ngenerator = \"holme-kim\"\nn = 100\nmm = 3\n", 4, "did you mean 'm'");
  expect_error("[run]\nsteps = 10\nsteps = 11\n", 3, "toml");
  EXPECT_THROW(load_scenario(dir.file("missing.toml")), IoError);
}

TEST(Scenario, SeedLabelsResolveAgainstTheGraph) {
  TempDir dir;
  dir.write("g.edges", "10 20\n20 30\n30 40\n");
  const auto path = dir.write("s.toml", "[graph]\nfile = \"g.edges\"\n\n[seeding]\nnodes = [20, \"40\"]\n");
  Scenario s = load_scenario(path);
  const Graph g = load_scenario_graph(s);
  check_scenario(s, g);
  EXPECT_EQ(s.spec.seeding.strategy, "nodes");
  EXPECT_EQ(s.spec.seeding.nodes, (std::vector<node_t>{1, 3}));
  dir.write("s2.toml", "[graph]\nfile = \"g.edges\"\n[seeding]\nnodes = [99]\n");
  Scenario bad = load_scenario(dir.file("s2.toml"));
  EXPECT_THROW(check_scenario(bad, load_scenario_graph(bad)), InputError);
}

// A groups file's errors name the file, the line and the field and quote nothing of the line (a
// path mistyped, or one reaching a private file, is not repeated); a folder, a device or a FIFO
// named as the groups file or the graph file is refused by type before a byte is read.
TEST(Scenario, GroupsAndGraphFilesAreCheckedWithoutQuotingTheirLines) {
  TempDir dir;
  dir.write("g.edges", "10 20\n20 30\n30 40\n");
  const auto scenario = [&](const std::string& groups) {
    dir.write("s.toml", "[graph]\nfile = \"g.edges\"\n\n[seeding]\nk = 1\n\n[community]\ninitial = \"column\"\n"
                        "groups_file = \"" + groups + "\"\n");
    Scenario s = load_scenario(dir.file("s.toml"));
    return std::make_pair(s, load_scenario_graph(s));
  };
  const auto error_of = [&](const std::string& groups) -> std::string {
    auto [s, g] = scenario(groups);
    try {
      check_scenario(s, g);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  dir.write("ok.csv", "label,group\n10,0\n20,0\n30,1\n");
  {
    auto [s, g] = scenario("ok.csv");
    check_scenario(s, g);
    EXPECT_EQ(*s.spec.community.groups, (std::vector<std::int64_t>{0, 0, 1, -1}));
  }
  dir.write("secret.csv", "root:x:0:0:secret-hash\n");
  std::string message = error_of("secret.csv");
  EXPECT_NE(message.find("secret.csv:1: group: expected 'label,group'"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret-hash"), std::string::npos) << message;
  dir.write("other.csv", "name,value\nalice,secret\n");
  message = error_of("other.csv");
  EXPECT_NE(message.find("other.csv:1: label: no node of the graph has this label"), std::string::npos) << message;
  EXPECT_EQ(message.find("name,value"), std::string::npos) << message;
  EXPECT_EQ(message.find("alice"), std::string::npos) << message;
  std::filesystem::create_directory(dir.file("folder"));
  message = error_of("folder");
  EXPECT_NE(message.find("community.groups_file"), std::string::npos) << message;
  EXPECT_NE(message.find("is a folder, not a groups file"), std::string::npos) << message;
  message = error_of("/dev/zero");
  EXPECT_NE(message.find("is a device, not a groups file"), std::string::npos) << message;
  // The graph file: a folder is named as such, not read ("out of memory" before).
  dir.write("f.toml", "[graph]\nfile = \"folder\"\n");
  try {
    load_scenario_graph(load_scenario(dir.file("f.toml")));
    ADD_FAILURE() << "a folder read as a graph";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder, not a graph file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_graph("/dev/zero"), IoError);
}

TEST(Scenario, SpecJsonRoundTripAndKeyChecks) {
  CampaignSpec spec;
  spec.policy.group_buy.enabled = true;
  spec.policy.commission = {0.1};
  spec.behaviour.tier_mult.partner = 4;
  const CampaignSpec back = spec_from_json(spec_to_json(spec));
  EXPECT_EQ(spec_to_json(back), spec_to_json(spec));
  try {
    spec_from_json(R"({"behaviour": {"reech": 0.5}})");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("behaviour.reech: unknown key; did you mean 'reach'?"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(spec_from_json(R"({"run": {"steps": 2.5}})"), InputError);
  EXPECT_TRUE(std::isinf(spec_from_json(R"({"policy": {"budget": "unlimited"}})").policy.budget));
}

}  // namespace
}  // namespace guanxi::campaign
