// Fuzz target: the snapshot loader. Each input is loaded twice: as it is, through
// read_graph(path, Format::snapshot) (checksums verified), and with its header made to agree
// with the file (file size and header checksum set, as a forger would) and the data checksum not
// verified, so that mutations reach the structural checks behind the checksums. Whatever loads
// must be a valid graph.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace guanxi;
  fuzz::one_thread();
  static fuzz::InputFile input;
  input.write(data, size);
  fuzz::expect_answer(input.path(), [&] { fuzz::check_result(read_graph(input.path(), Format::snapshot)); });

  // Header fields (snapshot.cpp): file_bytes at byte 56, header_checksum of bytes [0, 72) at 72.
  constexpr std::size_t kFileBytes = 56, kHeaderChecksum = 72, kHeader = 128;
  if (size < kHeader) return 0;
  std::string forged(reinterpret_cast<const char*>(data), size);
  const std::uint64_t file_bytes = size;
  std::memcpy(forged.data() + kFileBytes, &file_bytes, 8);
  const std::uint64_t sum = checksum_bytes(forged.data(), kHeaderChecksum);
  std::memcpy(forged.data() + kHeaderChecksum, &sum, 8);
  input.write(forged);
  fuzz::expect_answer(input.path(), [&] { fuzz::check_result(load_snapshot(input.path(), false)); });
  return 0;
}
