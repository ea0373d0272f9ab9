// Fuzz target: gzip-compressed edge lists. An input that starts with gzip's magic bytes is read
// as it is (damaged streams); any other input is compressed here and must read exactly like the
// plain text (same graph, or the same error at the same line), and the stream cut in half must
// be refused as an error, never half-read.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "guanxi/io.hpp"

namespace {

using namespace guanxi;

std::string gzip(const std::uint8_t* data, std::size_t size) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fuzz::bug("deflateInit2");
  std::string out(deflateBound(&z, size) + 64, '\0');
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) fuzz::bug("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The error message after its leading file name, for comparing two files' answers.
std::string unnamed(const std::string& what, const std::string& file) {
  return what.compare(0, file.size(), file) == 0 ? what.substr(file.size()) : what;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::one_thread();
  static fuzz::InputFile plain("plain"), packed("packed");
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    packed.write(data, size);
    fuzz::expect_answer(packed.path(), [&] { fuzz::check_result(read_edge_list(packed.path())); });
    return 0;
  }
  plain.write(data, size);
  std::optional<Graph> from_plain, from_packed;
  const std::string plain_error = fuzz::expect_answer(plain.path(), [&] { from_plain.emplace(read_edge_list(plain.path())); });
  const std::string stream = gzip(data, size);
  packed.write(stream);
  const std::string packed_error = fuzz::expect_answer(packed.path(), [&] {
    from_packed.emplace(read_edge_list(packed.path()));
    fuzz::check_result(*from_packed);
  });
  if (unnamed(plain_error, plain.path()) != unnamed(packed_error, packed.path()))
    fuzz::bug("gzip and plain text read differently: '" + plain_error + "' vs '" + packed_error + "'");
  if (from_plain && !(fuzz::same(from_plain->offsets(), from_packed->offsets()) &&
                      fuzz::same(from_plain->targets(), from_packed->targets()) &&
                      fuzz::same(from_plain->weights(), from_packed->weights()) &&
                      from_plain->labels().strings() == from_packed->labels().strings() &&
                      fuzz::same(from_plain->labels().integers(), from_packed->labels().integers())))
    fuzz::bug("gzip and plain text give different graphs");

  packed.write(stream.substr(0, stream.size() / 2));
  const std::string cut_error = fuzz::expect_answer(packed.path(), [&] { read_edge_list(packed.path()); });
  if (cut_error.empty()) fuzz::bug("a gzip stream cut in half was read without an error");
  return 0;
}
