// Internal to scenarios: the JSON form of a spec and its reader, which knows where each value
// came from (file and line for TOML, or a name such as "campaign" for Python's dictionaries).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "guanxi/campaign.hpp"

namespace guanxi::detail {

using json = nlohmann::ordered_json;

struct SpecReader {
  std::string where;                            // file name, or an origin such as "campaign"
  std::map<std::string, std::uint64_t> lines;   // "section.key" -> line (TOML)
  [[noreturn]] void fail(const std::string& path, const std::string& what) const;
  // Applies root's sections to spec. With seed_labels, [seeding] nodes are labels (TOML);
  // extra_top_level are further top-level keys the caller reads itself.
  void read(const json& root, CampaignSpec& spec, std::vector<std::string>* seed_labels,
            const std::vector<std::string>& extra_top_level) const;
};

}  // namespace guanxi::detail
