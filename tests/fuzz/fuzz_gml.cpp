// Fuzz target: the GML reader (read_gml), with the file's own direction and with direction,
// self-loops and duplicates overridden.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace guanxi;
  fuzz::one_thread();
  static fuzz::InputFile input;
  input.write(data, size);
  ReadOptions overridden;
  overridden.directed = size % 2 == 0;
  overridden.self_loops = SelfLoops::keep;
  overridden.duplicates = Duplicates::error;
  for (const ReadOptions& options : {ReadOptions{}, overridden})
    fuzz::expect_answer(input.path(), [&] { fuzz::check_result(read_gml(input.path(), options)); });
  return 0;
}
