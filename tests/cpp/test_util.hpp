// Helpers shared by the C++ tests: temporary files, real-data lookup (skipping when absent),
// and small graph builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "guanxi/builder.hpp"
#include "guanxi/graph.hpp"

namespace guanxi::testing {

// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "guanxi-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

// Path of a file in ../shared/data (or $GUANXI_DATA_DIR), or "" when absent.
inline std::string data_file(const std::string& name) {
  const char* env = std::getenv("GUANXI_DATA_DIR");
  const std::filesystem::path dir = env ? env : GUANXI_DATA_DIR;
  const auto path = dir / name;
  return std::filesystem::exists(path) ? path.string() : std::string();
}

#define GUANXI_DATA_OR_SKIP(var, name)                              \
  const std::string var = ::guanxi::testing::data_file(name);       \
  if (var.empty()) GTEST_SKIP() << "data file " << name << " absent"

inline Graph edges(std::vector<node_t> src, std::vector<node_t> dst, BuildOptions options = {},
                   std::vector<float> weights = {}) {
  return build_graph(src, dst, weights, options);
}

// A path 0-1-...-(n-1) and a star with centre 0, undirected.
inline Graph path(node_t n) {
  std::vector<node_t> src, dst;
  for (node_t v = 0; v + 1 < n; ++v) {
    src.push_back(v);
    dst.push_back(v + 1);
  }
  return edges(src, dst);
}

inline Graph star(node_t leaves) {
  std::vector<node_t> src(leaves, 0), dst;
  for (node_t v = 1; v <= leaves; ++v) dst.push_back(v);
  return edges(src, dst);
}

inline BuildOptions directed() {
  BuildOptions o;
  o.directed = true;
  return o;
}

inline std::vector<node_t> neighbors(const Graph& g, node_t u) {
  const auto n = g.neighbors(u);
  return {n.begin(), n.end()};
}

}  // namespace guanxi::testing
