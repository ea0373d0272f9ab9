// Fuzz target: the GML reader (read_gml), with the file's own direction and with direction,
// self-loops and duplicates overridden.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return guanxi::fuzz::read_both_ways(data, size, guanxi::read_gml);
}
