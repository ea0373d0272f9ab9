// Fuzz target: the TOML scenario reader (parse_scenario, from text). Errors must be InputError
// naming the scenario; a scenario that reads must survive its spec's JSON round trip
// (spec_to_json, spec_from_json) unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "guanxi/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace guanxi;
  fuzz::one_thread();
  const std::string path = "fuzz-scenario.toml";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_answer(path, [&] {
    const Scenario scenario = parse_scenario(text, path);
    const std::string json = spec_to_json(scenario.spec);
    std::string again;
    const std::string error = fuzz::expect_answer("round trip", [&] { again = spec_to_json(spec_from_json(json, "round trip")); });
    if (!error.empty()) fuzz::bug("the spec of a scenario that reads does not read back from JSON: " + error);
    if (again != json) fuzz::bug("the spec changes in a JSON round trip:\n" + json + "\n" + again);
  });
  return 0;
}
