// Binary snapshot writer and memory-mapped loader. Layout (little-endian):
//   128-byte header | offsets | tie_base (undirected) | targets | weights (optional) | strength |
//   labels (int64 per node, or string offsets + characters)
// Every section starts at a multiple of 64 bytes; the checksum covers the sections' bytes.
#include "guanxi/snapshot.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"

namespace guanxi {
namespace {

constexpr char kMagic[8] = {'G', 'U', 'A', 'N', 'X', 'I', 0x1a, 'S'};
constexpr std::uint64_t kAlign = 64;
constexpr std::uint32_t kDirected = 1, kWeights = 2;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_bytes;
  std::uint32_t flags;
  std::uint32_t label_kind;
  std::uint64_t num_nodes;
  std::uint64_t num_arcs;
  std::uint64_t num_ties;
  std::uint64_t label_chars;  // bytes of string labels
  std::uint64_t file_bytes;
  std::uint64_t checksum;       // of the sections
  std::uint64_t header_checksum;  // of the bytes above
  std::uint8_t reserved[128 - 80];
};
static_assert(sizeof(Header) == 128);

std::uint64_t align_up(std::uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

struct Section {
  std::uint64_t offset, bytes;
};

// Section offsets follow from the counts alone.
struct Layout {
  Section offsets, tie_base, targets, weights, strength, labels, label_chars;
  std::uint64_t file_bytes;
};

Layout layout_of(const Header& h) {
  Layout l{};
  std::uint64_t at = sizeof(Header);
  auto take = [&](std::uint64_t bytes) {
    Section s{at, bytes};
    at = align_up(at + bytes);
    return s;
  };
  const bool directed = h.flags & kDirected;
  l.offsets = take((h.num_nodes + 1) * sizeof(arc_t));
  l.tie_base = take(directed ? 0 : (h.num_nodes + 1) * sizeof(tie_t));
  l.targets = take(h.num_arcs * sizeof(node_t));
  l.weights = take((h.flags & kWeights) ? h.num_arcs * sizeof(float) : 0);
  l.strength = take(h.num_ties * sizeof(float));
  const auto kind = static_cast<NodeLabels::Kind>(h.label_kind);
  l.labels = take(kind == NodeLabels::Kind::integer  ? h.num_nodes * sizeof(std::int64_t)
                  : kind == NodeLabels::Kind::string ? (h.num_nodes + 1) * sizeof(std::uint64_t)
                                                     : 0);
  l.label_chars = take(kind == NodeLabels::Kind::string ? h.label_chars : 0);
  l.file_bytes = at;
  return l;
}

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

std::uint64_t hash_block(const unsigned char* p, std::uint64_t size, std::uint64_t seed) {
  std::uint64_t h = seed ^ (size * 0x9e3779b97f4a7c15ULL);
  std::uint64_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = std::rotl(h ^ (w * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p + i, size - i);
  return mix(h ^ tail);
}

std::uint64_t header_hash(const Header& h) {
  return checksum_bytes(&h, offsetof(Header, header_checksum));
}

// Snapshots are binary: "line" 1 stands for the header.
[[noreturn]] void corrupt(const std::string& path, const std::string& field, const std::string& what) {
  throw ParseError(path, 1, field, what);
}

struct Mapping {
  void* address = MAP_FAILED;
  std::size_t bytes = 0;
  ~Mapping() {
    if (address != MAP_FAILED) munmap(address, bytes);
  }
};

class FileWriter {
 public:
  explicit FileWriter(std::string path) : path_(std::move(path)) {
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) throw IoError(path_ + ": cannot open for writing: " + std::strerror(errno));
  }
  ~FileWriter() {
    if (file_) std::fclose(file_);
  }
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  void write_at(std::uint64_t offset, const void* data, std::uint64_t bytes) {
    static const char zeros[kAlign] = {};
    while (written_ < offset) {
      const std::uint64_t pad = std::min<std::uint64_t>(offset - written_, kAlign);
      put(zeros, pad);
    }
    put(data, bytes);
  }
  void close() {
    const int status = std::fclose(file_);
    file_ = nullptr;
    if (status != 0) throw IoError(path_ + ": write failed on close");
  }

 private:
  void put(const void* data, std::uint64_t bytes) {
    if (bytes && std::fwrite(data, 1, bytes, file_) != bytes)
      throw IoError(path_ + ": write failed: " + std::strerror(errno));
    written_ += bytes;
  }
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t written_ = 0;
};

}  // namespace

std::uint64_t checksum_bytes(const void* data, std::uint64_t size) {
  // Fixed 1 MiB blocks hashed in parallel and combined in order: thread-count independent.
  constexpr std::uint64_t kBlock = 1u << 20;
  const auto* bytes = static_cast<const unsigned char*>(data);
  const std::uint64_t blocks = (size + kBlock - 1) / kBlock;
  return parallel_reduce(
      0, blocks, 1, mix(size),
      [&](std::uint64_t lo, std::uint64_t) {
        const std::uint64_t begin = lo * kBlock;
        return hash_block(bytes + begin, std::min(kBlock, size - begin), lo);
      },
      [](std::uint64_t acc, std::uint64_t block) { return mix(acc ^ block) + 0x9e3779b97f4a7c15ULL; });
}

void save_snapshot(const Graph& g, const std::string& path) {
  const auto& p = g.parts();
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = snapshot_version;
  h.header_bytes = sizeof(Header);
  h.flags = (g.directed() ? kDirected : 0) | (g.has_weights() ? kWeights : 0);
  h.label_kind = static_cast<std::uint32_t>(p.labels.kind());
  h.num_nodes = g.num_nodes();
  h.num_arcs = g.num_arcs();
  h.num_ties = g.num_ties();
  std::vector<std::uint64_t> string_offsets;
  std::string chars;
  if (p.labels.kind() == NodeLabels::Kind::string) {
    string_offsets.reserve(g.num_nodes() + 1);
    string_offsets.push_back(0);
    for (const auto& s : p.labels.strings()) {
      chars += s;
      string_offsets.push_back(chars.size());
    }
  }
  h.label_chars = chars.size();
  const Layout l = layout_of(h);
  h.file_bytes = l.file_bytes;

  struct Piece {
    Section where;
    const void* data;
  };
  const Piece pieces[] = {
      {l.offsets, p.offsets.data()},   {l.tie_base, p.tie_base.data()},
      {l.targets, p.targets.data()},   {l.weights, p.weights.data()},
      {l.strength, p.strength.data()}, {l.labels, string_offsets.empty()
                                                      ? static_cast<const void*>(p.labels.integers().data())
                                                      : string_offsets.data()},
      {l.label_chars, chars.data()},
  };
  std::uint64_t sum = 0;
  for (const auto& piece : pieces) sum = sum * 0x100000001b3ULL ^ checksum_bytes(piece.data, piece.where.bytes);
  h.checksum = sum;
  h.header_checksum = header_hash(h);

  const std::string temporary = path + ".tmp";
  {
    FileWriter out(temporary);
    out.write_at(0, &h, sizeof h);
    for (const auto& piece : pieces) out.write_at(piece.where.offset, piece.data, piece.where.bytes);
    out.write_at(l.file_bytes, nullptr, 0);
    out.close();
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw IoError(path + ": cannot move the snapshot into place: " + std::strerror(errno));
  }
}

Graph load_snapshot(const std::string& path, bool verify_checksum) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw IoError(path + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    throw IoError(path + ": cannot stat: " + std::strerror(errno));
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size < sizeof(Header)) {
    ::close(fd);
    throw ParseError(path, 1, "header", "not a guanxi snapshot (file too short)");
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->bytes = size;
  mapping->address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping->address == MAP_FAILED) throw IoError(path + ": cannot map: " + std::strerror(errno));
  auto* base = static_cast<unsigned char*>(mapping->address);

  Header h;
  std::memcpy(&h, base, sizeof h);
  auto fail = [&](const std::string& field, const std::string& what) { corrupt(path, field, what); };
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) fail("header", "not a guanxi snapshot");
  if (h.version != snapshot_version)
    fail("version", "snapshot version " + std::to_string(h.version) + " is not supported (this build reads version " +
                        std::to_string(snapshot_version) + ")");
  if (h.header_bytes != sizeof(Header) || header_hash(h) != h.header_checksum)
    fail("header", "header is corrupt (checksum mismatch)");
  if (h.label_kind > 2 || h.num_nodes >= max_nodes) fail("header", "header is corrupt");
  const Layout l = layout_of(h);
  if (l.file_bytes != h.file_bytes || size != h.file_bytes)
    fail("size", "file has " + std::to_string(size) + " bytes, header says " + std::to_string(h.file_bytes) +
                     " (truncated or padded)");
  const Section sections[] = {l.offsets, l.tie_base, l.targets, l.weights, l.strength, l.labels, l.label_chars};
  if (verify_checksum) {
    std::uint64_t sum = 0;
    for (const auto& s : sections) sum = sum * 0x100000001b3ULL ^ checksum_bytes(base + s.offset, s.bytes);
    if (sum != h.checksum) fail("checksum", "data is corrupt (checksum mismatch)");
  }

  auto view = [&](auto* type_tag, Section s) {
    using T = std::remove_pointer_t<decltype(type_tag)>;
    return Buffer<T>(mapping, reinterpret_cast<T*>(base + s.offset), s.bytes / sizeof(T));
  };
  Graph::Parts parts;
  parts.directed = h.flags & kDirected;
  parts.num_nodes = static_cast<node_t>(h.num_nodes);
  parts.offsets = view(static_cast<arc_t*>(nullptr), l.offsets);
  parts.tie_base = view(static_cast<tie_t*>(nullptr), l.tie_base);
  parts.targets = view(static_cast<node_t*>(nullptr), l.targets);
  parts.weights = view(static_cast<float*>(nullptr), l.weights);
  parts.strength = view(static_cast<float*>(nullptr), l.strength);
  const auto kind = static_cast<NodeLabels::Kind>(h.label_kind);
  if (kind == NodeLabels::Kind::integer) {
    parts.labels = NodeLabels::integers(view(static_cast<std::int64_t*>(nullptr), l.labels));
  } else if (kind == NodeLabels::Kind::string) {
    const auto* offsets = reinterpret_cast<const std::uint64_t*>(base + l.labels.offset);
    const auto* chars = reinterpret_cast<const char*>(base + l.label_chars.offset);
    std::vector<std::string> labels(h.num_nodes);
    for (std::uint64_t v = 0; v < h.num_nodes; ++v) {
      if (offsets[v] > offsets[v + 1] || offsets[v + 1] > h.label_chars) fail("labels", "label table is corrupt");
      labels[v].assign(chars + offsets[v], offsets[v + 1] - offsets[v]);
    }
    parts.labels = NodeLabels::strings(std::move(labels));
  }
  // Cheap structural checks; the checksum vouches for the rest.
  if (parts.offsets[0] != 0 || parts.offsets[h.num_nodes] != h.num_arcs)
    fail("offsets", "arc offsets are inconsistent");
  try {
    return Graph(std::move(parts));
  } catch (const InputError& e) {
    corrupt(path, "structure", e.what());
  }
}

}  // namespace guanxi
