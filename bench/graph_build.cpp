// Benchmarks of the graph engine's bulk paths: building an undirected graph from uniform random
// (src, dst) arrays (ties/s, bytes per tie of the graph and of the build's peak RSS) and reading
// an edge-list file (MB/s). Targets (issue): 10^8 ties built in <= 30 s on 2 cores, <= 16 bytes
// per undirected tie including strength, parsing >= 100 MB/s.
//
// Named baselines in the same binary: "SortBaseline" builds the same CSR the textbook way (one
// tbb::parallel_sort of 64-bit arc keys, parallel dedup, no strength); "ParseBaselineFromChars"
// is a serial fread + std::from_chars loop into two vectors, with no graph built; "ReadFileOnly"
// is the cost of reading the bytes. Run by scripts/bench.sh, one process per size (see PeakRss).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/parallel_sort.h>

#include "guanxi/builder.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
#include "guanxi/parallel.hpp"

namespace {

using guanxi::arc_t;
using guanxi::node_t;

constexpr std::uint64_t kSeed = 20240601;
constexpr std::uint64_t kMeanDegreeDivisor = 10;  // n = ties / 10: mean degree ~20

// --- memory -------------------------------------------------------------------------------------

// A field of /proc/self/status ("VmRSS", "VmHWM") in bytes, or 0 when unavailable.
std::uint64_t status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10) * 1024;  // "NNN kB"
  }
  return 0;
}

// Peak RSS (VmHWM) is per process and only grows. Writing "5" to clear_refs (Linux >= 4.0) resets
// it to the current RSS, so each benchmark measures its own peak even when several share a
// process; without it the peak may belong to an earlier benchmark, which the label then says.
// scripts/bench.sh also runs each size in its own process.
struct PeakRss {
  std::uint64_t before = 0;  // RSS just before the measured work
  bool reset = false;

  void start() {
    malloc_trim(0);  // return freed heap pages so "before" is not inflated by a previous run
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    reset = clear.good();
    before = status_bytes("VmRSS");
  }
  // Bytes the peak rose above `before`.
  std::uint64_t rise() const {
    const std::uint64_t peak = status_bytes("VmHWM");
    return peak > before ? peak - before : 0;
  }
};

// --- inputs -------------------------------------------------------------------------------------

// Random edge arrays, generated once per size per process (outside any measurement).
const guanxi::EdgeArrays& random_edges(std::uint64_t ties) {
  static std::map<std::uint64_t, guanxi::EdgeArrays> cache;
  auto it = cache.find(ties);
  if (it == cache.end()) {
    cache.clear();  // one size at a time: 10^8 ties of input is 800 MB
    it = cache.emplace(ties, guanxi::uniform_random_edges(ties / kMeanDegreeDivisor, ties, kSeed)).first;
  }
  return it->second;
}

// An edge-list file of `lines` random "u v" lines (ids < lines / 10), written once per process
// into $GUANXI_BENCH_DIR (default: the system temp dir) and removed at exit.
struct EdgeFile {
  std::string path;
  std::uint64_t bytes = 0;
  ~EdgeFile() {
    if (!path.empty()) std::filesystem::remove(path);
  }
};

const EdgeFile& edge_file(std::uint64_t lines) {
  static std::map<std::uint64_t, EdgeFile> files;
  auto& file = files[lines];
  if (!file.path.empty()) return file;
  const char* dir = std::getenv("GUANXI_BENCH_DIR");
  const std::filesystem::path folder = dir && *dir ? dir : std::filesystem::temp_directory_path();
  const std::string path = (folder / ("guanxi_bench_" + std::to_string(::getpid()) + "_" +
                                      std::to_string(lines) + ".edges")).string();
  const auto edges = guanxi::uniform_random_edges(lines / kMeanDegreeDivisor, lines, kSeed + 1);
  std::unique_ptr<std::FILE, decltype(&std::fclose)> out(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!out) throw std::runtime_error(path + ": cannot open for writing");
  std::string buffer;
  buffer.reserve((1 << 20) + 64);
  char digits[24];
  for (std::uint64_t i = 0; i < lines; ++i) {
    buffer.append(digits, std::to_chars(digits, digits + sizeof digits, edges.src[i]).ptr);
    buffer.push_back(' ');
    buffer.append(digits, std::to_chars(digits, digits + sizeof digits, edges.dst[i]).ptr);
    buffer.push_back('\n');
    if (buffer.size() >= (1 << 20) || i + 1 == lines) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), out.get()) != buffer.size())
        throw std::runtime_error(path + ": write failed");
      file.bytes += buffer.size();
      buffer.clear();
    }
  }
  file.path = path;
  return file;
}

// --- counters -----------------------------------------------------------------------------------

void report_build(benchmark::State& state, std::uint64_t ties, std::uint64_t stored_ties,
                  std::uint64_t graph_bytes, const PeakRss& rss) {
  using benchmark::Counter;
  const double iterations = static_cast<double>(state.iterations());
  state.counters["ties_per_second"] = Counter(static_cast<double>(ties) * iterations, Counter::kIsRate);
  state.counters["seconds"] = Counter(iterations, Counter::kIsRate | Counter::kInvert);
  state.counters["stored_ties"] = Counter(static_cast<double>(stored_ties));
  // What the finished graph holds (offsets, tie_base, targets, strength), per input tie.
  state.counters["graph_B_per_tie"] = Counter(static_cast<double>(graph_bytes) / static_cast<double>(ties));
  // Peak RSS of the build above the RSS just before it, per input tie. It includes the finished
  // graph and every temporary buffer of the build (arc keys, merge copy, cursors), and excludes
  // the input arrays (8 B/tie: uint32 src + dst), which are allocated before the measurement.
  state.counters["peak_rss_B_per_tie"] =
      Counter(static_cast<double>(rss.rise()) / static_cast<double>(ties));
  state.counters["threads"] = Counter(static_cast<double>(state.range(1)));
  if (!rss.reset) state.SetLabel("peak RSS not reset (no /proc/self/clear_refs): may be an earlier run's");
}

// --- build --------------------------------------------------------------------------------------

// guanxi::build_graph, undirected, self-loops dropped, duplicates merged (the defaults).
void BM_Build(benchmark::State& state) {
  const auto ties = static_cast<std::uint64_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& edges = random_edges(ties);
  const guanxi::BuildOptions options;
  std::optional<guanxi::Graph> g;
  PeakRss rss;
  rss.start();
  for (auto _ : state) {
    state.PauseTiming();
    g.reset();  // free the previous iteration's graph outside the timing
    state.ResumeTiming();
    g.emplace(guanxi::with_threads(threads, [&] {
      return guanxi::build_graph(edges.src, edges.dst, {}, options);
    }));
  }
  report_build(state, ties, g->num_ties(), g->memory_bytes(), rss);
}

// Baseline: the same CSR (sorted, deduplicated adjacency, self-loops dropped) by sorting all
// 2m arc keys (source << 32 | target) with tbb::parallel_sort. No strength, no tie index.
struct SortedCsr {
  std::vector<arc_t> offsets;
  std::unique_ptr<node_t[]> targets;
  std::uint64_t arcs = 0;
};

SortedCsr sort_baseline(std::span<const node_t> src, std::span<const node_t> dst, std::uint64_t n) {
  constexpr std::uint64_t kGrain = 1u << 16;
  constexpr std::uint64_t kLoop = ~std::uint64_t{0};  // self-loops sort last and are cut off
  const std::uint64_t m = src.size(), size = 2 * m;
  std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[size]);
  guanxi::parallel_for(0, m, kGrain, [&](std::uint64_t i) {
    const std::uint64_t u = src[i], v = dst[i];
    keys[2 * i] = u == v ? kLoop : (u << 32 | v);
    keys[2 * i + 1] = u == v ? kLoop : (v << 32 | u);
  });
  tbb::parallel_sort(keys.get(), keys.get() + size);
  auto head = [&](std::uint64_t i) { return keys[i] != kLoop && (i == 0 || keys[i] != keys[i - 1]); };
  // Distinct arcs per fixed block, a prefix sum over blocks, then a parallel scatter.
  const std::uint64_t blocks = (size + kGrain - 1) / kGrain;
  std::vector<std::uint64_t> block_start(blocks + 1, 0);
  guanxi::parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    std::uint64_t count = 0;
    for (std::uint64_t i = b * kGrain, hi = std::min(size, (b + 1) * kGrain); i < hi; ++i) count += head(i);
    block_start[b] = count;
  });
  SortedCsr csr;
  csr.arcs = guanxi::exclusive_scan_inplace(block_start.data(), blocks + 1);
  csr.targets.reset(new node_t[csr.arcs]);
  csr.offsets.assign(n + 1, 0);
  guanxi::parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    std::uint64_t out = block_start[b];
    for (std::uint64_t i = b * kGrain, hi = std::min(size, (b + 1) * kGrain); i < hi; ++i) {
      if (!head(i)) continue;
      csr.targets[out++] = static_cast<node_t>(keys[i]);
      std::atomic_ref<arc_t>(csr.offsets[keys[i] >> 32]).fetch_add(1, std::memory_order_relaxed);
    }
  });
  guanxi::exclusive_scan_inplace(csr.offsets.data(), n + 1);
  return csr;
}

void BM_SortBaseline(benchmark::State& state) {
  const auto ties = static_cast<std::uint64_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& edges = random_edges(ties);
  const std::uint64_t n = ties / kMeanDegreeDivisor;
  SortedCsr csr;
  PeakRss rss;
  rss.start();
  for (auto _ : state) {
    state.PauseTiming();
    csr = {};
    state.ResumeTiming();
    csr = guanxi::with_threads(threads, [&] { return sort_baseline(edges.src, edges.dst, n); });
    benchmark::DoNotOptimize(csr.targets.get());
  }
  const std::uint64_t bytes = csr.offsets.size() * sizeof(arc_t) + csr.arcs * sizeof(node_t);
  report_build(state, ties, csr.arcs / 2, bytes, rss);
}

// (ties, threads) for 1 and 2 threads; 10^7 ties: a few iterations, 10^8: one (seconds each).
template <std::int64_t Ties>
void build_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"ties", "threads"})->Args({Ties, 1})->Args({Ties, 2});
  b->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(Ties >= 100'000'000 ? 1 : 3);
}
BENCHMARK(BM_Build)->Apply(build_args<10'000'000>);
BENCHMARK(BM_SortBaseline)->Apply(build_args<10'000'000>);
BENCHMARK(BM_Build)->Apply(build_args<100'000'000>);
BENCHMARK(BM_SortBaseline)->Apply(build_args<100'000'000>);

// --- edge-list parsing --------------------------------------------------------------------------

constexpr std::uint64_t kParseLines = 10'000'000;  // ~150 MB with ids below 10^6

void report_bytes(benchmark::State& state, std::uint64_t bytes) {
  using benchmark::Counter;
  const double iterations = static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["MB_per_second"] = Counter(static_cast<double>(bytes) / 1e6 * iterations, Counter::kIsRate);
  state.counters["MB"] = Counter(static_cast<double>(bytes) / 1e6);
  state.counters["seconds"] = Counter(iterations, Counter::kIsRate | Counter::kInvert);
  state.counters["threads"] = Counter(static_cast<double>(state.range(0)));
}

// guanxi::read_edge_list end to end: read the file, parse, relabel ids, build the graph.
void BM_ReadEdgeList(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const EdgeFile& file = edge_file(kParseLines);
  std::optional<guanxi::Graph> g;
  PeakRss rss;
  rss.start();
  for (auto _ : state) {
    state.PauseTiming();
    g.reset();
    state.ResumeTiming();
    g.emplace(guanxi::with_threads(threads, [&] { return guanxi::read_edge_list(file.path); }));
  }
  report_bytes(state, file.bytes);
  state.counters["stored_ties"] = benchmark::Counter(static_cast<double>(g->num_ties()));
  // Peak RSS of the read above the RSS before it (file text, parsed ids, build buffers, graph).
  state.counters["peak_rss_B_per_line"] =
      benchmark::Counter(static_cast<double>(rss.rise()) / static_cast<double>(kParseLines));
  if (!rss.reset) state.SetLabel("peak RSS not reset (no /proc/self/clear_refs): may be an earlier run's");
}

std::string slurp(const std::string& path) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::string text(std::filesystem::file_size(path), '\0');
  if (std::fread(text.data(), 1, text.size(), in.get()) != text.size())
    throw std::runtime_error(path + ": short read");
  return text;
}

// Baseline: the bytes read into memory and nothing else (the I/O ceiling, warm page cache).
void BM_ReadFileOnly(benchmark::State& state) {
  const EdgeFile& file = edge_file(kParseLines);
  for (auto _ : state) benchmark::DoNotOptimize(slurp(file.path).data());
  report_bytes(state, file.bytes);
}

// Baseline: serial read + std::from_chars of "u v" lines into two int64 vectors (no graph).
void BM_ParseBaselineFromChars(benchmark::State& state) {
  const EdgeFile& file = edge_file(kParseLines);
  for (auto _ : state) {
    const std::string text = slurp(file.path);
    std::vector<std::int64_t> src, dst;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      std::int64_t u = 0, v = 0;
      p = std::from_chars(p, end, u).ptr;
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      p = std::from_chars(p, end, v).ptr;
      while (p < end && *p != '\n') ++p;
      ++p;
      src.push_back(u);
      dst.push_back(v);
    }
    benchmark::DoNotOptimize(src.data());
    benchmark::DoNotOptimize(dst.data());
  }
  report_bytes(state, file.bytes);
}

BENCHMARK(BM_ReadEdgeList)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ReadFileOnly)->ArgName("threads")->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ParseBaselineFromChars)->ArgName("threads")->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
