// Shared by the fuzz targets of tests/fuzz/: the bytes under test as a file the readers can open
// (a memfd, so no disk), the contract every reader is held to (InputError and IoError naming the
// file are answers; any other exception is a bug) and the invariants of any graph a reader
// returns, checked in full, plus a round trip through the snapshot writer.
// The same sources build for libFuzzer (clang, `make fuzz`) and, with replay_main.cpp, as plain
// programs that CTest runs over the seed corpus and the regressions.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>

#include <tbb/global_control.h>

#include "guanxi/error.hpp"
#include "guanxi/graph.hpp"
#include "guanxi/io.hpp"
#include "guanxi/snapshot.hpp"

namespace guanxi::fuzz {

// A failed check: prints what and where, then aborts, which libFuzzer (and CTest) report.
[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "guanxi fuzz contract violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool condition, const char* what) {
  if (!condition) bug(what);
}

// One worker thread: inputs are small (one parse chunk), and the machines that run the fuzzers
// are shared, so CPU time per target is what the run says it is.
inline void one_thread() {
  static tbb::global_control control(tbb::global_control::max_allowed_parallelism, 1);
}

// A private folder for files that need a real name: a ".csv" name for the header rule, and the
// snapshot round trip (save_snapshot writes "<path>.tmp" and renames it). In /dev/shm when it
// exists, so rewriting it for every input does not touch a disk. Removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    const std::filesystem::path base =
        ::access("/dev/shm", W_OK) == 0 ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
    std::string pattern = (base / "guanxi-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) bug("cannot create a scratch folder");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline ScratchDir& scratch() {
  static ScratchDir dir;
  return dir;
}

// The input as a file: a memfd rewritten for each input; "/proc/self/fd/N" opens it afresh at
// offset 0 (fopen, gzopen and open+mmap all see the current bytes). named(".csv") is a symlink
// to it with that suffix, for readers whose rules depend on the file name.
class InputFile {
 public:
  explicit InputFile(const char* name = "guanxi-fuzz-input") {
    fd_ = ::memfd_create(name, 0);
    if (fd_ < 0) bug("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~InputFile() { ::close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  void write(const void* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) bug("ftruncate failed");
    const auto* p = static_cast<const char*>(data);
    for (std::size_t done = 0; done < size;) {
      const ssize_t got = ::pwrite(fd_, p + done, size - done, static_cast<off_t>(done));
      if (got <= 0) bug("pwrite failed");
      done += static_cast<std::size_t>(got);
    }
  }
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  const std::string& path() const { return path_; }

  // A name ending in `suffix` for the same bytes (made once per suffix).
  std::string named(const std::string& suffix) const {
    const std::string link = scratch().file("input" + std::to_string(fd_) + suffix);
    std::error_code exists;
    if (!std::filesystem::is_symlink(link, exists)) std::filesystem::create_symlink(path_, link);
    return link;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

// The contract of a reader given `file`: it returns, or throws InputError (ParseError, EdgeError
// included) or IoError whose message names the file. Returns the error message, or "" when f
// returned. Anything else thrown is a bug.
inline std::string expect_answer(const std::string& file, const std::function<void()>& f) {
  auto named = [&](const std::exception& e, const char* kind) {
    const std::string what = e.what();
    if (what.find(file) == std::string::npos)
      bug(std::string(kind) + " does not name the file '" + file + "': " + what);
    if (const auto* parse = dynamic_cast<const ParseError*>(&e)) {
      if (parse->file() != file) bug("ParseError names another file: " + what);
      if (parse->line() == 0) bug("ParseError at line 0: " + what);
    }
    return what;
  };
  try {
    f();
    return "";
  } catch (const InputError& e) {
    return named(e, "InputError");
  } catch (const IoError& e) {
    return named(e, "IoError");
  } catch (const std::exception& e) {
    bug(std::string("unexpected exception ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    bug("unexpected exception of a non-standard type");
  }
}

// Every invariant Graph's users rely on, checked in full (inputs are small).
inline void check_graph(const Graph& g) {
  const std::uint64_t n = g.num_nodes();
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  check(offsets.size() == n + 1, "offsets: n + 1 entries");
  check(offsets[0] == 0 && offsets[n] == targets.size(), "offsets: from 0 to the number of arcs");
  for (std::uint64_t u = 0; u < n; ++u) {
    check(offsets[u] <= offsets[u + 1], "offsets: non-decreasing");
    for (arc_t a = offsets[u]; a < offsets[u + 1]; ++a) {
      check(targets[a] < n, "targets: below n");
      check(a == offsets[u] || targets[a - 1] <= targets[a], "targets: sorted within each node");
    }
  }
  const auto weights = g.weights();
  check(weights.empty() || weights.size() == targets.size(), "weights: one per arc");
  for (float w : weights) check(std::isfinite(w) && w >= 0.0f, "weights: finite and >= 0");
  check(g.labels().kind() == NodeLabels::Kind::identity || g.labels().size() == n, "labels: one per node");
  if (g.directed()) {
    check(g.tie_base().empty(), "tie_base: none when directed");
    check(g.num_ties() == g.num_arcs(), "directed: one tie per arc");
  } else {
    const auto base = g.tie_base();
    check(base.size() == n + 1 && base[0] == 0 && base[n] == g.num_ties(), "tie_base: n + 1 prefix counts");
    for (node_t u = 0; u < n; ++u) {
      const auto list = g.neighbors(u);
      const auto upper = static_cast<std::uint64_t>(list.end() - std::lower_bound(list.begin(), list.end(), u));
      check(base[u + 1] - base[u] == upper, "tie_base: counts the upper arcs");
      for (node_t v : list) {  // each tie has both arcs, the same number of times
        if (v == u) continue;
        const auto back = g.neighbors(v);
        const auto there = std::equal_range(back.begin(), back.end(), u);
        const auto here = std::equal_range(list.begin(), list.end(), v);
        check(there.second - there.first == here.second - here.first, "undirected: arcs come in pairs");
      }
    }
  }
  // Tie ids: for_each_tie numbers ties 0.., and every arc maps back into range.
  tie_t next = 0;
  g.for_each_tie([&](tie_t t, node_t u, node_t v, arc_t a) {
    check(t == next++, "ties: visited in id order");
    check(g.target(a) == v && g.tie_of_arc(u, a) == t, "ties: the arc of a tie maps back to it");
    check(g.tie_endpoints(t) == std::make_pair(u, v), "ties: endpoints");
  });
  check(next == g.num_ties(), "ties: every tie visited");
  for (node_t u = 0; u < n; ++u)
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) check(g.tie_of_arc(u, a) < g.num_ties(), "ties: arc in range");
}

template <class T>
bool same(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
}

// save_snapshot then load_snapshot gives back the same graph, bit for bit.
inline void check_snapshot_round_trip(const Graph& g) {
  const std::string path = scratch().file("round-trip.gx");
  save_snapshot(g, path);
  const Graph h = load_snapshot(path);
  check(h.directed() == g.directed() && h.num_nodes() == g.num_nodes(), "round trip: header");
  check(same(h.offsets(), g.offsets()) && same(h.targets(), g.targets()) && same(h.tie_base(), g.tie_base()) &&
            same(h.weights(), g.weights()) && same(h.strength(), g.strength()),
        "round trip: arrays");
  check(h.labels().kind() == g.labels().kind() && same(h.labels().integers(), g.labels().integers()) &&
            h.labels().strings() == g.labels().strings(),
        "round trip: labels");
}

inline void check_result(const Graph& g) {
  check_graph(g);
  check_snapshot_round_trip(g);
}

// The body of a target for a reader of self-describing files (GML, GraphML, Matrix Market): the
// input read with `declared` (the file's own direction), then with direction (from the input's
// size), self-loops and duplicates overridden.
template <class Reader>
int read_both_ways(const std::uint8_t* data, std::size_t size, Reader read, const ReadOptions& declared = {}) {
  one_thread();
  static InputFile input;
  input.write(data, size);
  ReadOptions overridden = declared;
  overridden.directed = size % 2 == 0;
  overridden.self_loops = SelfLoops::keep;
  overridden.duplicates = Duplicates::error;
  for (const ReadOptions& options : {declared, overridden})
    expect_answer(input.path(), [&] { check_result(read(input.path(), options)); });
  return 0;
}

}  // namespace guanxi::fuzz
