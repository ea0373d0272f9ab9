// guanxi's binary snapshot: a versioned header, the graph's arrays at 64-byte-aligned offsets
// and a checksum. Loading maps the file into memory (copy-on-write), so a big graph reloads in
// the time it takes to checksum it, and its arrays are used in place.
#pragma once

#include <cstdint>
#include <string>

#include "guanxi/graph.hpp"

namespace guanxi {

inline constexpr std::uint32_t snapshot_version = 1;

// Writes atomically (a temporary file renamed into place).
void save_snapshot(const Graph& g, const std::string& path);
// Verifies magic, version, sizes and checksum; throws ParseError naming the file otherwise.
Graph load_snapshot(const std::string& path, bool verify_checksum = true);

// 64-bit checksum of a byte range (also used by tests and the benchmark).
std::uint64_t checksum_bytes(const void* data, std::uint64_t size);

// The identity of a graph for results and run stores: a checksum of what simulations read —
// direction, node count, CSR offsets and targets, and arc weights — not the labels (a relabelled
// copy simulates identically) and not the mutable tie strengths (strength_fingerprint, for
// campaigns that start from them). Equal graphs give equal fingerprints on any machine and
// thread count.
std::uint64_t graph_fingerprint(const Graph& g);
std::uint64_t strength_fingerprint(const Graph& g);

}  // namespace guanxi
