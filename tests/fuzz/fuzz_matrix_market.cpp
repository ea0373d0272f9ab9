// Fuzz target: the Matrix Market reader (read_matrix_market), with the file's own direction and
// with direction, self-loops and duplicates overridden. A small node limit stands in for the
// machine's memory, so a large size line is refused rather than allocated.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace guanxi;
  fuzz::one_thread();
  static fuzz::InputFile input;
  input.write(data, size);
  ReadOptions declared;
  declared.max_implied_nodes = 1u << 20;
  ReadOptions overridden = declared;
  overridden.directed = size % 2 == 0;
  overridden.self_loops = SelfLoops::keep;
  overridden.duplicates = Duplicates::error;
  for (const ReadOptions& options : {declared, overridden})
    fuzz::expect_answer(input.path(), [&] { fuzz::check_result(read_matrix_market(input.path(), options)); });
  return 0;
}
