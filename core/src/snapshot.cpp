// Binary snapshot writer and memory-mapped loader. Layout (little-endian):
//   128-byte header | offsets | tie_base (undirected) | targets | weights (optional) | strength |
//   labels (int64 per node, or string offsets + characters)
// Every section starts at a multiple of 64 bytes; the checksum covers the sections' bytes.
#include "guanxi/snapshot.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "guanxi/error.hpp"
#include "guanxi/io.hpp"
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

// Whatever Graph's users rely on, checked in full: a checksum tells a damaged file from a good
// one, not a made-up one from a good one, and a graph whose offsets, targets or tie pairing are
// wrong makes algorithms read out of bounds. One sequential pass over the arcs; returns
// "field: what" for the first bad node, or "".
//
// Undirected pairing (every arc u->v, v != u, has as many arcs v->u) is the equality of two
// multisets, the upper arcs and the reversed lower arcs, checked by a keyed sum of a bijective mix
// of each pair (a multiset hash): matching every arc by binary search instead took 45 times the
// checksum's time on 32 million arcs. The key is drawn for each load, so a file cannot be made to
// collide (the clock and where the file is mapped); two different multisets agree with chance
// 2^-64.
std::string structure_problem(const Graph::Parts& p, std::uint64_t num_arcs) {
  const std::uint64_t n = p.num_nodes;
  const arc_t* offsets = p.offsets.data();
  const node_t* targets = p.targets.data();
  if (offsets[0] != 0 || offsets[n] != num_arcs) return "offsets: do not run from 0 to the number of arcs";
  if (!p.directed && (p.tie_base.size() != n + 1 || p.tie_base[0] != 0)) return "tie_base: does not start at 0";
  static const char* const problems[] = {
      "",
      "offsets: out of order or beyond the arcs",
      "targets: node id out of range",
      "targets: not sorted",
      "weights: must be finite and >= 0",
      "tie_base: does not count the ties",
  };
  const auto now = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::uint64_t key = mix(now ^ mix(reinterpret_cast<std::uintptr_t>(offsets)));
  auto pair_hash = [key](std::uint64_t low, std::uint64_t high) { return mix(((low << 32) | high) ^ key); };
  struct Scan {
    std::uint64_t bad;  // first node with a problem, or n
    int problem = 0;
    std::uint64_t upper = 0, lower = 0, loops = 0;  // undirected pairing
  };
  // Per node: 0 when good, else the index of its problem above.
  auto scan_node = [&](std::uint64_t u, Scan& s) -> int {
    if (offsets[u] > offsets[u + 1] || offsets[u + 1] > num_arcs) return 1;
    std::uint64_t upper = 0;
    for (arc_t a = offsets[u]; a < offsets[u + 1]; ++a) {
      const std::uint64_t v = targets[a];
      if (v >= n) return 2;
      if (a > offsets[u] && targets[a - 1] > v) return 3;
      if (p.directed) continue;
      if (v > u) s.upper += pair_hash(u, v);
      else if (v < u) s.lower += pair_hash(v, u);
      else ++s.loops;
      upper += v >= u;
    }
    if (!p.weights.empty())
      for (arc_t a = offsets[u]; a < offsets[u + 1]; ++a)
        if (!(std::isfinite(p.weights[a]) && p.weights[a] >= 0.0f)) return 4;
    if (!p.directed && (p.tie_base[u] > p.tie_base[u + 1] || p.tie_base[u + 1] - p.tie_base[u] != upper)) return 5;
    return 0;
  };
  const Scan sums = parallel_reduce(
      0, n, 1u << 12, Scan{n},
      [&](std::uint64_t lo, std::uint64_t hi) {
        Scan s{n};
        for (std::uint64_t u = lo; u < hi; ++u)
          if ((s.problem = scan_node(u, s)) != 0) {
            s.bad = u;
            break;
          }
        return s;
      },
      [](const Scan& a, const Scan& b) {
        if (a.bad < b.bad) return a;
        if (b.bad < a.bad) return b;
        return Scan{a.bad, a.problem, a.upper + b.upper, a.lower + b.lower, a.loops + b.loops};
      });
  if (sums.bad < n) return std::string(problems[sums.problem]) + " at node " + std::to_string(sums.bad);
  if (p.directed) return "";
  const std::uint64_t ties = p.tie_base[n];  // upper arcs, self-loops included
  if (num_arcs - ties != ties - sums.loops || sums.upper != sums.lower)
    return "targets: an undirected tie is missing its reverse arc";
  return "";
}

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

std::uint64_t graph_fingerprint(const Graph& g) {
  const auto part = [](auto span) { return checksum_bytes(span.data(), span.size_bytes()); };
  std::uint64_t h = mix(static_cast<std::uint64_t>(g.directed()) ^ (std::uint64_t{g.num_nodes()} << 1));
  for (const std::uint64_t x : {part(g.offsets()), part(g.targets()), part(g.weights())})
    h = mix(h ^ x) + 0x9e3779b97f4a7c15ULL;
  return h;
}

std::uint64_t strength_fingerprint(const Graph& g) { return checksum_bytes(g.strength().data(), g.strength().size_bytes()); }

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
  require_regular_file(path, "graph snapshot");
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
  if (h.label_kind > 2) fail("label_kind", "label kind " + std::to_string(h.label_kind) + " is not 0, 1 or 2");
  // Every count is held against the file's size before any size is computed from it, so that
  // no product can overflow and no count can ask for more than the file holds.
  auto at_most = [&](const char* field, std::uint64_t count, std::uint64_t bytes_each, const char* what) {
    if (count > size / bytes_each)
      fail(field, "header says " + std::to_string(count) + " " + what + ", more than a file of " +
                      std::to_string(size) + " bytes holds");
  };
  if (h.num_nodes >= max_nodes)
    fail("num_nodes", "header says " + std::to_string(h.num_nodes) + " nodes, more than 32-bit node ids allow");
  at_most("num_nodes", h.num_nodes, sizeof(arc_t), "nodes");
  at_most("num_arcs", h.num_arcs, sizeof(node_t), "arcs");
  at_most("num_ties", h.num_ties, sizeof(float), "ties");
  at_most("label_chars", h.label_chars, 1, "bytes of labels");
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
  const std::string problem = structure_problem(parts, h.num_arcs);
  if (!problem.empty()) fail(problem.substr(0, problem.find(':')), problem.substr(problem.find(':') + 2));
  try {
    return Graph(std::move(parts));
  } catch (const InputError& e) {
    corrupt(path, "structure", e.what());
  }
}

}  // namespace guanxi
