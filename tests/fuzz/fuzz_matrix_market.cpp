// Fuzz target: the Matrix Market reader (read_matrix_market), with the file's own direction and
// with direction, self-loops and duplicates overridden. A small node limit stands in for the
// machine's memory, so a large size line is refused rather than allocated.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  guanxi::ReadOptions declared;
  declared.max_implied_nodes = 1u << 20;
  return guanxi::fuzz::read_both_ways(data, size, guanxi::read_matrix_market, declared);
}
