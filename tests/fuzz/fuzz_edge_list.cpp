// Fuzz target: the edge-list reader (read_edge_list) on plain text, under four sets of options:
// the defaults; ids used as they are (relabel=false) with a small node limit, directed, loops and
// duplicates kept; string ids with loops and duplicates as errors; and a ".csv" name (header rule).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

namespace {

using namespace guanxi;

ReadOptions as_is() {
  ReadOptions o;
  o.relabel = false;
  o.directed = true;
  o.self_loops = SelfLoops::keep;
  o.duplicates = Duplicates::keep;
  o.max_implied_nodes = 1u << 20;  // so a large id is refused, not a large allocation
  return o;
}

ReadOptions strict_strings() {
  ReadOptions o;
  o.string_ids = true;
  o.self_loops = SelfLoops::error;
  o.duplicates = Duplicates::error;
  o.merge_weights = MergeWeights::max;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::one_thread();
  static fuzz::InputFile input;
  input.write(data, size);
  const std::string csv = input.named(".csv");
  for (const auto& run : {std::pair{input.path(), ReadOptions{}}, std::pair{input.path(), as_is()},
                          std::pair{input.path(), strict_strings()}, std::pair{csv, ReadOptions{}}})
    fuzz::expect_answer(run.first, [&] { fuzz::check_result(read_edge_list(run.first, run.second)); });
  return 0;
}
