// Graph generators. Independent draws (G(n,p), SBM, R-MAT, power-law degrees) are keyed on the
// row, block or edge index and run in parallel; growth models (Barabási–Albert, Holme–Kim,
// Watts–Strogatz rewiring, stub shuffles) are sequential walks along one Philox stream.
#include "guanxi/generators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "guanxi/builder.hpp"
#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/rng.hpp"

namespace guanxi {
namespace {

constexpr std::uint64_t kRowGrain = 1024;

void check_nodes(std::uint64_t n, std::uint64_t at_least = 1) {
  if (n < at_least || n >= max_nodes)
    throw InputError("n: must be in [" + std::to_string(at_least) + ", " + std::to_string(max_nodes - 1) +
                     "], got " + std::to_string(n));
}

// Generators size their output before drawing it: a graph in the making holds about 40 bytes per
// tie (the drawn pairs, the builder's arrays and the finished graph), so a request that cannot
// fit is refused with the parameter that made it too large, not met by an allocation failure.
void check_ties(double ties, const std::string& name) {
  char count[32];
  std::snprintf(count, sizeof count, "%.3g", ties);
  require_memory(40 * ties, name, std::string("about ") + count + " ties");
}

void check_probability(double p, const std::string& name) {
  if (!(p >= 0.0 && p <= 1.0)) throw InputError(name + ": must be a probability in [0, 1], got " + format_number(p));
}

Graph build(std::uint64_t n, const std::vector<node_t>& src, const std::vector<node_t>& dst, bool directed,
            bool simple = true) {
  BuildOptions options;
  options.directed = directed;
  options.num_nodes = n;
  options.self_loops = simple ? SelfLoops::drop : SelfLoops::keep;
  options.duplicates = simple ? Duplicates::merge : Duplicates::keep;
  return build_graph(src, dst, {}, options);
}

// Rows generate their pairs independently; blocks of rows are joined in order.
template <class Row>
EdgeArrays by_rows(std::uint64_t rows, Row&& row) {
  const std::uint64_t blocks = (rows + kRowGrain - 1) / kRowGrain;
  std::vector<EdgeArrays> parts(blocks);
  parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    for (std::uint64_t r = b * kRowGrain; r < std::min(rows, (b + 1) * kRowGrain); ++r) row(r, parts[b]);
  });
  EdgeArrays out;
  std::uint64_t total = 0;
  for (const auto& p : parts) total += p.src.size();
  out.src.reserve(total);
  out.dst.reserve(total);
  for (auto& p : parts) {
    out.src.insert(out.src.end(), p.src.begin(), p.src.end());
    out.dst.insert(out.dst.end(), p.dst.begin(), p.dst.end());
  }
  return out;
}

// Bernoulli(p) over candidates 0..count-1 by geometric skips; emit(index) for each success.
template <class Emit>
void bernoulli_skips(RandomSequence& random, double p, std::uint64_t count, Emit&& emit) {
  if (p <= 0.0 || count == 0) return;
  if (p >= 1.0) {
    for (std::uint64_t i = 0; i < count; ++i) emit(i);
    return;
  }
  const double log1m_p = std::log1p(-p);
  for (std::uint64_t i = random.geometric(log1m_p); i < count; i += 1 + random.geometric(log1m_p)) emit(i);
}

// m distinct uniform picks from a multiset (networkx's _random_subset).
void random_subset(const std::vector<node_t>& pool, std::uint64_t m, RandomSequence& random,
                   std::vector<node_t>& out) {
  out.clear();
  while (out.size() < m) {
    const node_t x = pool[random.below(pool.size())];
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  }
}

std::uint64_t pair_key(node_t u, node_t v) {
  if (v < u) std::swap(u, v);
  return (static_cast<std::uint64_t>(u) << 32) | v;
}

}  // namespace

Graph erdos_renyi_gnp(std::uint64_t n, double p, std::uint64_t seed, bool directed) {
  check_nodes(n);
  check_probability(p, "p");
  const double nodes = static_cast<double>(n);
  check_ties(p * nodes * (nodes - 1) / (directed ? 1 : 2), "p");
  const Random random(seed, stream::gnp);
  // Row v draws its pairs: (v, w < v) when undirected, (v, w != v) when directed.
  EdgeArrays edges = by_rows(n, [&](std::uint64_t v, EdgeArrays& out) {
    RandomSequence row(random, v);
    const std::uint64_t candidates = directed ? n - 1 : v;
    bernoulli_skips(row, p, candidates, [&](std::uint64_t i) {
      out.src.push_back(static_cast<node_t>(v));
      out.dst.push_back(static_cast<node_t>(directed && i >= v ? i + 1 : i));
    });
  });
  return build(n, edges.src, edges.dst, directed);
}

Graph erdos_renyi_gnm(std::uint64_t n, std::uint64_t m, std::uint64_t seed, bool directed) {
  check_nodes(n);
  const std::uint64_t pairs = directed ? n * (n - 1) : n * (n - 1) / 2;
  if (m > pairs)
    throw InputError("m: must be at most " + std::to_string(pairs) + " (all pairs of n = " + std::to_string(n) +
                     "), got " + std::to_string(m));
  check_ties(static_cast<double>(m), "m");
  // Draw the smaller of the chosen set and its complement, then list pairs in index order.
  const bool complement = m > pairs / 2;
  const std::uint64_t draws = complement ? pairs - m : m;
  RandomSequence random(Random(seed, stream::gnm), 0);
  std::unordered_set<std::uint64_t> chosen;
  chosen.reserve(draws * 2);
  while (chosen.size() < draws) chosen.insert(random.below(pairs));
  std::vector<std::uint64_t> indices;
  if (complement) {
    indices.reserve(m);
    for (std::uint64_t k = 0; k < pairs; ++k)
      if (!chosen.count(k)) indices.push_back(k);
  } else {
    indices.assign(chosen.begin(), chosen.end());
    std::sort(indices.begin(), indices.end());
  }
  std::vector<node_t> src(indices.size()), dst(indices.size());
  parallel_for(0, indices.size(), 1u << 14, [&](std::uint64_t e) {
    const std::uint64_t k = indices[e];
    if (directed) {
      const std::uint64_t i = k / (n - 1), r = k % (n - 1);
      src[e] = static_cast<node_t>(i);
      dst[e] = static_cast<node_t>(r < i ? r : r + 1);
    } else {
      // k = i(i-1)/2 + j with j < i.
      auto i = static_cast<std::uint64_t>((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(k))) / 2.0);
      while (i * (i - 1) / 2 > k) --i;
      while ((i + 1) * i / 2 <= k) ++i;
      src[e] = static_cast<node_t>(i);
      dst[e] = static_cast<node_t>(k - i * (i - 1) / 2);
    }
  });
  return build(n, src, dst, directed);
}

Graph barabasi_albert(std::uint64_t n, std::uint64_t m, std::uint64_t seed) {
  check_nodes(n);
  if (m < 1 || m >= n) throw InputError("m: must be in [1, n - 1], got " + std::to_string(m));
  check_ties(static_cast<double>(n) * static_cast<double>(m), "n");
  RandomSequence random(Random(seed, stream::barabasi_albert), 0);
  std::vector<node_t> src, dst, pool, targets;
  src.reserve(n * m);
  dst.reserve(n * m);
  pool.reserve(2 * n * m);
  for (node_t leaf = 1; leaf <= m; ++leaf) {  // the initial star
    src.push_back(0);
    dst.push_back(leaf);
    pool.push_back(0);
    pool.push_back(leaf);
  }
  for (std::uint64_t v = m + 1; v < n; ++v) {
    random_subset(pool, m, random, targets);
    for (node_t t : targets) {
      src.push_back(static_cast<node_t>(v));
      dst.push_back(t);
      pool.push_back(t);
      pool.push_back(static_cast<node_t>(v));
    }
  }
  return build(n, src, dst, false);
}

Graph watts_strogatz(std::uint64_t n, std::uint64_t k, double p, std::uint64_t seed) {
  check_nodes(n, 3);
  if (k < 2 || k % 2 != 0 || k >= n)
    throw InputError("k: must be even and in [2, n - 1], got " + std::to_string(k));
  check_probability(p, "p");
  check_ties(static_cast<double>(n) * static_cast<double>(k) / 2, "n");
  std::unordered_set<std::uint64_t> ties;
  ties.reserve(n * k);
  std::vector<std::uint64_t> degree(n, k);
  for (std::uint64_t j = 1; j <= k / 2; ++j)
    for (std::uint64_t u = 0; u < n; ++u) ties.insert(pair_key(static_cast<node_t>(u), static_cast<node_t>((u + j) % n)));
  RandomSequence random(Random(seed, stream::watts_strogatz), 0);
  for (std::uint64_t j = 1; j <= k / 2; ++j) {
    for (std::uint64_t u = 0; u < n; ++u) {
      if (!random.bernoulli(p)) continue;
      if (degree[u] >= n - 1) continue;  // nowhere to rewire to
      const auto uu = static_cast<node_t>(u);
      node_t w;
      do {
        w = static_cast<node_t>(random.below(n));
      } while (w == uu || ties.count(pair_key(uu, w)));
      const auto v = static_cast<node_t>((u + j) % n);
      ties.erase(pair_key(uu, v));
      ties.insert(pair_key(uu, w));
      --degree[v];
      ++degree[w];
    }
  }
  std::vector<std::uint64_t> keys(ties.begin(), ties.end());
  std::sort(keys.begin(), keys.end());
  std::vector<node_t> src(keys.size()), dst(keys.size());
  for (std::size_t e = 0; e < keys.size(); ++e) {
    src[e] = static_cast<node_t>(keys[e] >> 32);
    dst[e] = static_cast<node_t>(keys[e]);
  }
  return build(n, src, dst, false);
}

Graph holme_kim(std::uint64_t n, std::uint64_t m, double p_triad, std::uint64_t seed) {
  check_nodes(n);
  if (m < 1 || m > n) throw InputError("m: must be in [1, n], got " + std::to_string(m));
  check_probability(p_triad, "p");
  check_ties(static_cast<double>(n) * static_cast<double>(m), "n");
  RandomSequence random(Random(seed, stream::holme_kim), 0);
  std::vector<std::vector<node_t>> adjacency(n);
  std::vector<node_t> src, dst, pool, candidates, eligible;
  src.reserve(n * m);
  dst.reserve(n * m);
  pool.reserve(2 * n * m);
  for (node_t v = 0; v < m; ++v) pool.push_back(v);
  auto link = [&](node_t u, node_t v) {
    src.push_back(u);
    dst.push_back(v);
    adjacency[u].push_back(v);
    adjacency[v].push_back(u);
    pool.push_back(v);
  };
  auto linked = [&](node_t u, node_t w) {  // u is the new node: its list is short
    return std::find(adjacency[u].begin(), adjacency[u].end(), w) != adjacency[u].end();
  };
  for (std::uint64_t s = m; s < n; ++s) {
    const auto source = static_cast<node_t>(s);
    random_subset(pool, m, random, candidates);
    node_t target = candidates.back();
    candidates.pop_back();
    link(source, target);
    for (std::uint64_t count = 1; count < m; ++count) {
      bool closed = false;
      if (random.bernoulli(p_triad)) {
        // A uniform neighbour of target not yet tied to source: try a few draws, then list them.
        const auto& around = adjacency[target];
        auto ok = [&](node_t w) { return w != source && !linked(source, w); };
        node_t chosen = 0;
        for (int attempt = 0; attempt < 8 && !closed; ++attempt) {
          chosen = around[random.below(around.size())];
          closed = ok(chosen);
        }
        if (!closed) {
          eligible.clear();
          for (node_t w : around)
            if (ok(w)) eligible.push_back(w);
          if (!eligible.empty()) {
            chosen = eligible[random.below(eligible.size())];
            closed = true;
          }
        }
        if (closed) link(source, chosen);
      }
      if (!closed) {
        target = candidates.back();
        candidates.pop_back();
        link(source, target);
      }
    }
    for (std::uint64_t i = 0; i < m; ++i) pool.push_back(source);
  }
  return build(n, src, dst, false);
}

Graph stochastic_block(std::span<const std::uint64_t> sizes, std::span<const double> probs, std::uint64_t seed,
                       bool directed) {
  const std::size_t blocks = sizes.size();
  if (blocks == 0) throw InputError("sizes: must list at least one block");
  if (probs.size() != blocks * blocks)
    throw InputError("p: must be a " + std::to_string(blocks) + " x " + std::to_string(blocks) + " matrix, got " +
                     std::to_string(probs.size()) + " entries");
  std::vector<std::uint64_t> start(blocks + 1, 0);
  for (std::size_t r = 0; r < blocks; ++r) {
    if (sizes[r] == 0) throw InputError("sizes[" + std::to_string(r) + "]: must be >= 1");
    start[r + 1] = start[r] + sizes[r];
  }
  check_nodes(start[blocks]);
  for (std::size_t r = 0; r < blocks; ++r)
    for (std::size_t s = 0; s < blocks; ++s) {
      const std::string name = "p[" + std::to_string(r) + "][" + std::to_string(s) + "]";
      check_probability(probs[r * blocks + s], name);
      if (!directed && probs[r * blocks + s] != probs[s * blocks + r])
        throw InputError(name + ": must equal p[" + std::to_string(s) + "][" + std::to_string(r) +
                         "] in an undirected graph");
    }
  double expected = 0;  // ties
  for (std::size_t r = 0; r < blocks; ++r)
    for (std::size_t s = 0; s < blocks; ++s)
      expected += probs[r * blocks + s] * static_cast<double>(sizes[r]) * static_cast<double>(sizes[s]) / (directed ? 1 : 2);
  check_ties(expected, "sizes");
  const Random random(seed, stream::sbm);
  const std::uint64_t n = start[blocks];
  EdgeArrays edges = by_rows(n, [&](std::uint64_t v, EdgeArrays& out) {
    const std::size_t r = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), v) - start.begin() - 1);
    for (std::size_t s = 0; s < blocks; ++s) {
      // Undirected: pairs (v, w < v). Directed: every w != v.
      if (!directed && s > r) break;
      RandomSequence row(random, v, s);
      const std::uint64_t lo = start[s];
      const std::uint64_t hi = (!directed && s == r) ? v : start[s + 1];
      const bool skip_self = directed && s == r;
      const std::uint64_t count = hi - lo - (skip_self ? 1 : 0);
      bernoulli_skips(row, probs[r * blocks + s], count, [&](std::uint64_t i) {
        std::uint64_t w = lo + i;
        if (skip_self && w >= v) ++w;
        out.src.push_back(static_cast<node_t>(v));
        out.dst.push_back(static_cast<node_t>(w));
      });
    }
  });
  return build(n, edges.src, edges.dst, directed);
}

Graph configuration_model(std::span<const std::uint64_t> degrees, std::uint64_t seed, bool simple) {
  check_nodes(degrees.size());
  std::uint64_t stubs_total = 0;
  for (std::size_t v = 0; v < degrees.size(); ++v) stubs_total += degrees[v];
  if (stubs_total % 2 != 0) throw InputError("degrees: must sum to an even number, got " + std::to_string(stubs_total));
  check_ties(static_cast<double>(stubs_total) / 2 + static_cast<double>(degrees.size()), "degrees");
  std::vector<node_t> stubs;
  stubs.reserve(stubs_total);
  for (std::size_t v = 0; v < degrees.size(); ++v) stubs.insert(stubs.end(), degrees[v], static_cast<node_t>(v));
  RandomSequence random(Random(seed, stream::configuration), 0);
  for (std::uint64_t i = stubs.size(); i > 1; --i) std::swap(stubs[i - 1], stubs[random.below(i)]);
  std::vector<node_t> src(stubs_total / 2), dst(stubs_total / 2);
  for (std::uint64_t e = 0; e < src.size(); ++e) {
    src[e] = stubs[2 * e];
    dst[e] = stubs[2 * e + 1];
  }
  return build(degrees.size(), src, dst, false, simple);
}

std::vector<std::uint64_t> powerlaw_degrees(std::uint64_t n, double gamma, std::uint64_t k_min, std::uint64_t k_max,
                                            std::uint64_t seed) {
  check_nodes(n, 2);
  if (!(gamma > 1.0 && std::isfinite(gamma))) throw InputError("gamma: must be > 1, got " + format_number(gamma));
  if (k_min < 1) throw InputError("k_min: must be >= 1");
  if (k_max == 0) k_max = n - 1;
  if (k_max < k_min || k_max >= n)
    throw InputError("k_max: must be in [k_min, n - 1], got " + std::to_string(k_max));
  // Inverse transform on the discrete CDF.
  std::vector<double> cdf(k_max - k_min + 1);
  double total = 0;
  for (std::uint64_t k = k_min; k <= k_max; ++k) cdf[k - k_min] = (total += std::pow(static_cast<double>(k), -gamma));
  for (double& c : cdf) c /= total;
  const Random random(seed, stream::powerlaw_degrees);
  std::vector<std::uint64_t> degrees(n);
  parallel_for(0, n, 1u << 14, [&](std::uint64_t v) {
    const double u = random.uniform(v);
    degrees[v] = k_min + static_cast<std::uint64_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    degrees[v] = std::min(degrees[v], k_max);
  });
  std::uint64_t sum = 0;
  for (auto d : degrees) sum += d;
  if (sum % 2 != 0) {
    // Every degree equals k_min == k_max: no even-sum sequence exists in range.
    if (k_min == k_max) throw InputError("k_max: with k_min == k_max, n * k_min must be even");
    if (degrees.back() < k_max) ++degrees.back();
    else --degrees.back();
  }
  return degrees;
}

Graph configuration_powerlaw(std::uint64_t n, double gamma, std::uint64_t k_min, std::uint64_t k_max,
                             std::uint64_t seed, bool simple) {
  check_ties(static_cast<double>(n) * static_cast<double>(std::max<std::uint64_t>(k_min, 1)) / 2, "n");
  const auto degrees = powerlaw_degrees(n, gamma, k_min, k_max, seed);
  return configuration_model(degrees, seed, simple);
}

Graph rmat(int scale, double edge_factor, double a, double b, double c, std::uint64_t seed, bool directed) {
  if (scale < 1 || scale > 31) throw InputError("scale: must be in [1, 31], got " + std::to_string(scale));
  if (!(edge_factor > 0 && std::isfinite(edge_factor)))
    throw InputError("edge_factor: must be > 0, got " + format_number(edge_factor));
  check_probability(a, "a");
  check_probability(b, "b");
  check_probability(c, "c");
  if (a + b + c > 1.0 + 1e-12) throw InputError("a + b + c: must be at most 1 (d = 1 - a - b - c)");
  const std::uint64_t n = std::uint64_t{1} << scale;
  check_ties(edge_factor * static_cast<double>(n), "edge_factor");
  const auto m = static_cast<std::uint64_t>(edge_factor * static_cast<double>(n));
  // Quadrant thresholds on 32-bit uniforms.
  const double scale32 = 4294967296.0;
  const auto ta = static_cast<std::uint64_t>(a * scale32);
  const auto tab = static_cast<std::uint64_t>((a + b) * scale32);
  const auto tabc = static_cast<std::uint64_t>((a + b + c) * scale32);
  const Random random(seed, stream::rmat);
  std::vector<node_t> src(m), dst(m);
  parallel_for(0, m, 1u << 14, [&](std::uint64_t e) {
    std::uint64_t u = 0, v = 0;
    Random::Block block{};
    for (int level = 0; level < scale; ++level) {
      if (level % 8 == 0) block = random.block(e, static_cast<std::uint64_t>(level / 8));
      const std::uint64_t r = (block[(level % 8) / 2] >> (32 * (level % 2))) & 0xffffffffu;
      const std::uint64_t bit = std::uint64_t{1} << (scale - 1 - level);
      if (r < ta) continue;
      if (r < tab) v |= bit;
      else if (r < tabc) u |= bit;
      else {
        u |= bit;
        v |= bit;
      }
    }
    src[e] = static_cast<node_t>(u);
    dst[e] = static_cast<node_t>(v);
  });
  return build(n, src, dst, directed);
}

Graph complete_graph(std::uint64_t n, bool directed) {
  check_nodes(n);
  if (n > (1u << 16)) throw InputError("n: a complete graph above 65536 nodes is too large");
  check_ties(static_cast<double>(n) * static_cast<double>(n - 1) / (directed ? 1 : 2), "n");
  std::vector<node_t> src, dst;
  for (std::uint64_t u = 0; u < n; ++u)
    for (std::uint64_t v = directed ? 0 : u + 1; v < n; ++v) {
      if (u == v) continue;
      src.push_back(static_cast<node_t>(u));
      dst.push_back(static_cast<node_t>(v));
    }
  return build(n, src, dst, directed);
}

EdgeArrays uniform_random_edges(std::uint64_t n, std::uint64_t m, std::uint64_t seed) {
  check_nodes(n);
  const Random random(seed, stream::uniform_edges);
  EdgeArrays out;
  out.src.resize(m);
  out.dst.resize(m);
  parallel_for(0, m, 1u << 15, [&](std::uint64_t e) {
    const auto block = random.block(e);
    // Multiply-shift maps 64 random bits to [0, n) with bias below n / 2^64.
    out.src[e] = static_cast<node_t>(mul_high(block[0], n));
    out.dst[e] = static_cast<node_t>(mul_high(block[1], n));
  });
  return out;
}

}  // namespace guanxi
