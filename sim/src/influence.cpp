// Influence maximisation with reverse-reachable sets: IMM (Tang, Shi & Xiao 2015, with Chen's
// 2018 correction) and OPIM-C (Tang, Tang, Xiao & Yuan 2018) for IC and LT. See influence.hpp for
// the guarantees and the reproducibility rule; the comments here say how the pieces work.
#include "guanxi/influence.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <optional>
#include <queue>
#include <span>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_group.h>

#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/rng.hpp"
#include "kernels.hpp"
#include "zeroed_array.hpp"

namespace guanxi {
namespace {

// Philox stream of RR sets: key of RR set i of collection c = keyed_bits(Philox(seed, stream)(c), i)
// (a bijection of i under the collection's key, so no two sets share their draws). IMM's
// sampling phase is collection 0, its final selection 1; OPIM-C's R1 is 2 and R2 is 3; the
// one-set functions take their collection as given.
constexpr std::uint64_t kRrStream = 0x0351;
constexpr std::uint64_t kImmSampling = 0, kImmFinal = 1, kOpimSelect = 2, kOpimValidate = 3;

// Sets generated per parallel block: fixed, so the collection does not depend on the threads.
constexpr std::uint64_t kSetsPerBlock = 512;

// The draws of one RR set: its key, then a counter mixed under it (keyed_bits).
class SetDraws {
 public:
  explicit SetDraws(std::uint64_t key) : key_(key) {}
  std::uint64_t next() { return keyed_bits(key_, counter_++); }
  double uniform() { return to_unit(next()); }
  std::uint64_t below(std::uint64_t bound) {  // Lemire's multiply and reject: exactly uniform
    uint128_t m = static_cast<uint128_t>(next()) * bound;
    if (static_cast<std::uint64_t>(m) < bound) {
      const std::uint64_t floor = (0 - bound) % bound;
      while (static_cast<std::uint64_t>(m) < floor) m = static_cast<uint128_t>(next()) * bound;
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  std::uint64_t key_, counter_ = 0;
};

// In-arcs of every node, as the sampler walks them: for an undirected graph its own adjacency
// (u -> v and v -> u are both arcs with the tie's weight); for a directed one a reverse CSR
// built once, with each in-arc's weight where the model reads weights.
struct ReverseGraph {
  node_t n = 0;
  std::span<const arc_t> offsets;
  std::span<const node_t> sources;
  std::span<const float> weights;  // per in-arc (empty unless the model reads weights)
  std::vector<arc_t> own_offsets;
  std::vector<node_t> own_sources;
  std::vector<float> own_weights;
  std::vector<double> weight_total;  // LT with graph weights: sum of in-arc weights per node

  std::uint64_t in_degree(node_t v) const { return offsets[v + 1] - offsets[v]; }
  std::uint64_t memory_bytes() const {
    return own_offsets.size() * sizeof(arc_t) + own_sources.size() * sizeof(node_t) +
           own_weights.size() * sizeof(float) + weight_total.size() * sizeof(double);
  }
};

// `arc_weights`: the weight of each arc (the graph's own, or given probabilities).
ReverseGraph reverse_graph(const Graph& g, bool need_weights, bool need_weight_total, std::span<const float> arc_weights,
                           bool own) {
  ReverseGraph r;
  r.n = g.num_nodes();
  if (!g.directed() && !own) {
    r.offsets = g.offsets();
    r.sources = g.targets();
    if (need_weights) r.weights = arc_weights;
  } else {
    // Counting sort of the arcs by target, sources ascending within a target.
    const std::uint64_t n = g.num_nodes(), m = g.num_arcs();
    r.own_offsets.assign(n + 1, 0);
    for (arc_t a = 0; a < m; ++a) ++r.own_offsets[g.target(a) + 1];
    for (std::uint64_t v = 0; v < n; ++v) r.own_offsets[v + 1] += r.own_offsets[v];
    r.own_sources.resize(m);
    if (need_weights) r.own_weights.resize(m);
    std::vector<arc_t> cursor(r.own_offsets.begin(), r.own_offsets.end() - 1);
    for (node_t u = 0; u < n; ++u)
      for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
        const arc_t slot = cursor[g.target(a)]++;
        r.own_sources[slot] = u;
        if (need_weights) r.own_weights[slot] = arc_weights[a];
      }
    r.offsets = r.own_offsets;
    r.sources = r.own_sources;
    r.weights = r.own_weights;
  }
  if (need_weight_total) {
    r.weight_total.assign(r.n, 0.0);
    for (node_t v = 0; v < r.n; ++v)
      for (arc_t j = r.offsets[v]; j < r.offsets[v + 1]; ++j) r.weight_total[v] += std::max(0.0f, r.weights[j]);
  }
  return r;
}

enum class SamplerKind { ic_node_uniform, ic_weighted_cascade, ic_arc_weights, lt_uniform, lt_graph };

SamplerKind sampler_kind(const ModelParams& model) {
  if (model.model == Model::lt) return model.lt_weights == LtWeights::graph ? SamplerKind::lt_graph : SamplerKind::lt_uniform;
  switch (model.ic_probability) {
    case IcProbability::weights: return SamplerKind::ic_arc_weights;
    case IcProbability::weighted_cascade: return SamplerKind::ic_weighted_cascade;
    default: return SamplerKind::ic_node_uniform;
  }
}

void check_model(const Graph& g, const ModelParams& model) {
  if (model.model != Model::ic && model.model != Model::lt)
    throw InputError("model: influence maximisation supports 'ic', 'wc' and 'lt', not '" + model_name(model.model) + "'");
  validate(model, g);
}

// Per-thread scratch: visit stamps (no clearing between sets) and the set being built.
struct Scratch {
  std::vector<std::uint32_t> stamp;
  std::uint32_t epoch = 0;
  // A partial Fisher–Yates shuffle of one node's arc positions: position i holds moved[i] when
  // moved_stamp[i] == shuffle, else i itself, so each shuffle starts in O(1).
  std::vector<std::uint64_t> moved;
  std::vector<std::uint32_t> moved_stamp;
  std::uint32_t shuffle = 0;
  std::uint32_t next_shuffle(std::uint64_t max_degree) {
    if (moved.size() != max_degree) {
      moved.assign(max_degree, 0);
      moved_stamp.assign(max_degree, 0);
      shuffle = 0;
    }
    if (++shuffle == 0) {
      std::fill(moved_stamp.begin(), moved_stamp.end(), 0);
      shuffle = 1;
    }
    return shuffle;
  }
  std::uint32_t next_epoch(node_t n) {
    if (stamp.size() != n) stamp.assign(n, 0);
    if (++epoch == 0) {  // wrapped: clear once every 2^32 sets
      std::fill(stamp.begin(), stamp.end(), 0);
      epoch = 1;
    }
    return epoch;
  }
};

class Sampler {
 public:
  // With `arc_probability` (one per arc), IC with those probabilities, whatever `model` says.
  Sampler(const Graph& g, const ModelParams& model, std::span<const float> arc_probability = {})
      : kind_(arc_probability.empty() ? sampler_kind(model) : SamplerKind::ic_arc_weights),
        reverse_(reverse_graph(g, kind_ == SamplerKind::ic_arc_weights || kind_ == SamplerKind::lt_graph,
                               kind_ == SamplerKind::lt_graph, arc_probability.empty() ? g.weights() : arc_probability,
                               !arc_probability.empty())),
        p_(model.p),
        log1m_p_(std::log1p(-model.p)),
        p_threshold_(model.p >= 1 ? std::numeric_limits<std::uint64_t>::max()
                                  : model.p > 0 ? static_cast<std::uint64_t>(std::ldexp(model.p, 64)) : 0) {
    if (kind_ != SamplerKind::ic_node_uniform && kind_ != SamplerKind::ic_weighted_cascade) return;
    for (node_t v = 0; v < reverse_.n; ++v) max_in_degree_ = std::max(max_in_degree_, reverse_.in_degree(v));
    if (max_in_degree_ >= std::numeric_limits<std::uint32_t>::max())
      throw InputError("graph: a node has 2^32 or more in-arcs, more than the RR sampler handles");
    binomial_.resize(max_in_degree_ + 1);
    for (std::uint64_t d = 0; d <= max_in_degree_; ++d) {
      const double q = kind_ == SamplerKind::ic_weighted_cascade ? (d > 0 ? 1.0 / static_cast<double>(d) : 0.0) : p_;
      binomial_[d].none = d == 0 || q <= 0 ? 1.0 : q >= 1 ? 0.0 : std::exp(static_cast<double>(d) * std::log1p(-q));
      binomial_[d].ratio = q < 1 ? q / (1 - q) : 0.0;
    }
  }

  node_t num_nodes() const { return reverse_.n; }
  std::uint64_t memory_bytes() const { return reverse_.memory_bytes() + binomial_.size() * sizeof(Binomial); }

  // Appends the RR set whose draws start from `key` to `out` (root first, then in visit order).
  void sample(std::uint64_t key, Scratch& scratch, std::vector<node_t>& out) const {
    SetDraws draws(key);
    const std::uint32_t epoch = scratch.next_epoch(reverse_.n);
    std::uint32_t* stamp = scratch.stamp.data();
    const std::size_t first = out.size();
    const auto root = static_cast<node_t>(draws.below(reverse_.n));
    stamp[root] = epoch;
    out.push_back(root);
    auto visit = [&](node_t u) {
      if (stamp[u] == epoch) return;
      stamp[u] = epoch;
      out.push_back(u);
    };
    if (kind_ == SamplerKind::lt_uniform || kind_ == SamplerKind::lt_graph) {
      // LT's live-edge world: each node keeps at most one in-arc, u -> v with probability w_uv.
      // The RR set is the backward walk until it finds no arc or meets itself.
      node_t v = root;
      for (;;) {
        const std::uint64_t d = reverse_.in_degree(v);
        if (d == 0) break;
        const arc_t begin = reverse_.offsets[v];
        node_t u;
        if (kind_ == SamplerKind::lt_uniform) {
          u = reverse_.sources[begin + draws.below(d)];
        } else {
          const double total = reverse_.weight_total[v];
          if (!(total > 0)) break;
          double x = draws.uniform() * total, running = 0;
          arc_t j = begin;
          for (; j + 1 < begin + d; ++j) {
            running += std::max(0.0f, reverse_.weights[j]);
            if (x < running) break;
          }
          u = reverse_.sources[j];
        }
        if (stamp[u] == epoch) break;
        visit(u);
        v = u;
      }
      return;
    }
    // IC: breadth-first over live in-arcs, `out` itself the queue.
    for (std::size_t head = first; head < out.size(); ++head) {
      const node_t v = out[head];
      const std::uint64_t d = reverse_.in_degree(v);
      if (d == 0) continue;
      const arc_t begin = reverse_.offsets[v];
      if (kind_ == SamplerKind::ic_arc_weights) {
        for (arc_t j = begin; j < begin + d; ++j)
          if (draws.uniform() < reverse_.weights[j]) visit(reverse_.sources[j]);
        continue;
      }
      // One probability q for all of v's in-arcs. A large q: a coin per arc (one mixed 64-bit
      // word against q in fixed point). Otherwise, as the sparse IC kernel does forward: the
      // number of live in-arcs K ~ Binomial(d, q) by inverse CDF from one uniform (K = 0, the
      // common case, costs one comparison), then K distinct arcs uniformly, by the first K steps
      // of a Fisher–Yates shuffle of v's arc positions: O(1 + K) draws, whatever d is.
      double q;
      if (kind_ == SamplerKind::ic_weighted_cascade) {
        if (d == 1) {
          visit(reverse_.sources[begin]);
          continue;
        }
        q = 1.0 / static_cast<double>(d);
      } else {
        if (!(p_ > 0)) continue;
        if (p_ >= kCoinProbability) {
          for (arc_t j = begin; j < begin + d; ++j)
            if (p_ >= 1 || draws.next() < p_threshold_) visit(reverse_.sources[j]);
          continue;
        }
        q = p_;
      }
      const double u = draws.uniform();
      const Binomial& b = binomial_[d];
      if (u < b.none) continue;
      std::uint64_t live;
      if (b.none > 1e-250) {
        // The inverse CDF walked up from K = 0: pmf(k + 1) = pmf(k) (q / (1 - q)) (d - k) / (k + 1).
        // The first branch of detail::binomial_quantile, inlined with q / (1 - q) from the table
        // and 1 / (k + 1) multiplied: ~5-10% of a small OPIM-C run against calling it.
        double pmf = b.none, cdf = b.none;
        live = 0;
        while (cdf <= u && live < d) {
          pmf *= b.ratio * static_cast<double>(d - live) *
                 (live + 1 < kInverse.size() ? kInverse[live + 1] : 1.0 / static_cast<double>(live + 1));
          ++live;
          cdf += pmf;
        }
      } else {  // P(K = 0) underflows (d q > ~575): the general quantile, from the mode
        live = detail::binomial_quantile(static_cast<std::uint32_t>(d), q, log1m_p_, b.none, u);
      }
      if (live == 1) {
        visit(reverse_.sources[begin + draws.below(d)]);
        continue;
      }
      const std::uint32_t shuffle = scratch.next_shuffle(max_in_degree_);
      auto at = [&](std::uint64_t i) { return scratch.moved_stamp[i] == shuffle ? scratch.moved[i] : i; };
      for (std::uint64_t i = 0; i < live; ++i) {
        const std::uint64_t j = i + draws.below(d - i);
        const std::uint64_t chosen = at(j);
        scratch.moved[j] = at(i);
        scratch.moved_stamp[j] = shuffle;
        visit(reverse_.sources[begin + chosen]);
      }
    }
  }

 private:
  // Coins per arc from this uniform probability on (see sample()).
  static constexpr double kCoinProbability = 1.0 / 4;
  SamplerKind kind_;
  ReverseGraph reverse_;
  double p_, log1m_p_;
  std::uint64_t p_threshold_;  // floor(p 2^64), p in (0, 1)
  std::uint64_t max_in_degree_ = 0;
  // By in-degree d: P(no live in-arc) = (1 - q)^d and q / (1 - q), with q = p, or 1/d under
  // weighted cascade (whose P(K = 0) >= 1/4 never underflows, so it needs no log(1 - q)).
  struct Binomial {
    double none, ratio;
  };
  std::vector<Binomial> binomial_;
  static constexpr std::array<double, 33> kInverse = [] {  // 1 / k, multiplied rather than divided
    std::array<double, 33> inverse{};
    for (std::size_t k = 1; k < inverse.size(); ++k) inverse[k] = 1.0 / static_cast<double>(k);
    return inverse;
  }();
};

// A collection of RR sets in two flat arrays: set s is nodes[offsets[s] .. offsets[s + 1]).
struct Collection {
  std::uint64_t id = 0;  // the collection number in the RR keys
  std::vector<node_t> nodes;
  std::vector<std::uint64_t> offsets{0};
  std::uint64_t size() const { return offsets.size() - 1; }
  std::uint64_t memory_bytes() const { return nodes.capacity() * sizeof(node_t) + offsets.capacity() * sizeof(std::uint64_t); }
};

// The greedy's per-node arrays, kept for a whole run: calloc'd (a page is touched only when a
// node on it is), all zero between rounds except start[], which is read only where total[] > 0.
struct GreedyArrays {
  ZeroedArray<std::uint64_t> total;  // sets holding each node
  ZeroedArray<std::uint64_t> count;  // uncovered sets holding each node (the fill cursor first)
  ZeroedArray<std::uint64_t> start;  // where each node's sets begin in the inverted index
  ZeroedArray<std::uint8_t> chosen;  // seeds chosen in this round (and those coverage() checks)
};

// What a run shares: the sampler, per-thread scratch, the key stream, progress and peak memory.
struct Context {
  const Sampler& sampler;
  Random keys;
  RunControl* control;
  tbb::enumerable_thread_specific<Scratch> scratch;
  std::uint64_t generated = 0;
  // OPIM-C's greedy on one collection runs beside the extension of the other: both note memory.
  std::atomic<std::uint64_t> peak_bytes = 0;
  void note_memory(std::uint64_t bytes) {
    const std::uint64_t total = bytes + sampler.memory_bytes();
    std::uint64_t seen = peak_bytes.load(std::memory_order_relaxed);
    while (seen < total && !peak_bytes.compare_exchange_weak(seen, total, std::memory_order_relaxed)) {
    }
  }
  bool cancelled() const { return control && control->cancel.load(std::memory_order_relaxed); }
  std::unique_ptr<GreedyArrays> greedy;
  GreedyArrays& greedy_arrays(node_t n) {
    if (!greedy) greedy.reset(new GreedyArrays{ZeroedArray<std::uint64_t>(n), ZeroedArray<std::uint64_t>(n),
                                               ZeroedArray<std::uint64_t>(n), ZeroedArray<std::uint8_t>(n)});
    return *greedy;
  }
};

// Grows `c` to `target` sets (sets keep their indices: set s is always the same set).
void extend(Context& ctx, Collection& c, std::uint64_t target, std::uint64_t other_bytes) {
  const std::uint64_t begin = c.size();
  if (target <= begin) return;
  const std::uint64_t blocks = (target - begin + kSetsPerBlock - 1) / kSetsPerBlock;
  struct Block {
    std::vector<node_t> nodes;
    std::vector<std::uint32_t> sizes;
  };
  std::vector<Block> made(blocks);
  const std::uint64_t collection_key = ctx.keys.bits(c.id);
  const auto make_block = [&](std::uint64_t b) {
    if (ctx.cancelled()) return;
    Scratch& scratch = ctx.scratch.local();
    Block& block = made[b];
    const std::uint64_t lo = begin + b * kSetsPerBlock, hi = std::min(target, lo + kSetsPerBlock);
    block.sizes.reserve(hi - lo);
    for (std::uint64_t s = lo; s < hi; ++s) {
      const std::size_t before = block.nodes.size();
      ctx.sampler.sample(keyed_bits(collection_key, s), scratch, block.nodes);
      block.sizes.push_back(static_cast<std::uint32_t>(block.nodes.size() - before));
    }
    if (ctx.control) ctx.control->replicates_done.fetch_add(hi - lo, std::memory_order_relaxed);
  };
  parallel_for(0, blocks, 1, make_block);
  if (ctx.cancelled()) throw Cancelled();
  std::uint64_t block_bytes = 0;
  std::vector<std::uint64_t> start(blocks + 1, c.nodes.size());
  for (std::uint64_t b = 0; b < blocks; ++b) {
    start[b + 1] = start[b] + made[b].nodes.size();
    block_bytes += made[b].nodes.capacity() * sizeof(node_t) + made[b].sizes.capacity() * sizeof(std::uint32_t);
  }
  c.nodes.reserve(start[blocks]);
  c.nodes.resize(start[blocks]);
  c.offsets.resize(target + 1);
  ctx.note_memory(other_bytes + c.memory_bytes() + block_bytes);
  parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    std::copy(made[b].nodes.begin(), made[b].nodes.end(), c.nodes.begin() + static_cast<std::ptrdiff_t>(start[b]));
    std::uint64_t offset = start[b];
    const std::uint64_t first_set = begin + b * kSetsPerBlock;
    for (std::size_t i = 0; i < made[b].sizes.size(); ++i) {
      offset += made[b].sizes[i];
      c.offsets[first_set + i + 1] = offset;
    }
    std::vector<node_t>().swap(made[b].nodes);
  });
  ctx.generated += target - begin;
}

struct Selection {
  std::vector<node_t> seeds;
  std::vector<std::uint64_t> gains;  // RR sets newly covered by each seed
  std::uint64_t covered = 0;
  std::uint64_t coverage_upper_bound = 0;  // OPIM-C's bound on the best k-set's coverage
};

// Greedy maximum coverage with lazy evaluation. count[v] is the number of uncovered sets that
// hold v, kept exact by decrementing the members of each newly covered set; a max-heap of
// (count, node) may hold stale counts (never below the true one, since counts only fall) and
// refreshes an entry when it surfaces. Ties go to the smaller node id. With `upper_bound`, also
// OPIM-C's bound min_j (covered by S_j + the k largest gains given S_j), from counts of counts.
Selection select_greedy(Context& ctx, const Collection& c, std::uint32_t k, bool upper_bound, std::uint64_t other_bytes) {
  const node_t n = ctx.sampler.num_nodes();
  const std::uint64_t sets = c.size();
  if (sets >= std::uint64_t{1} << 32)
    throw InputError("epsilon: needs " + std::to_string(sets) +
                     " RR sets, more than this implementation indexes (2^32); use a larger epsilon");
  // Counts and the inverted index (the sets holding each node; their order within a node does
  // not matter), over the nodes the sets touch only: the per-node arrays live in the run's
  // GreedyArrays, all zero between rounds, so a round costs O(entries), not O(n) (on a graph of
  // millions of nodes and a few thousand RR sets, O(n) work per round would dominate). Below
  // influence_sequential_entries one plain pass beats atomic increments from several threads.
  GreedyArrays& a = ctx.greedy_arrays(n);
  const bool sequential = c.nodes.size() < influence_sequential_entries;
  std::vector<node_t> touched;  // nodes in at least one set, in any order
  if (sequential) {
    for (node_t v : c.nodes)
      if (a.total[v]++ == 0) touched.push_back(v);
  } else {
    tbb::enumerable_thread_specific<std::vector<node_t>> found;
    parallel_for(0, sets, 4096, [&](std::uint64_t s) {
      auto& mine = found.local();
      for (std::uint64_t j = c.offsets[s]; j < c.offsets[s + 1]; ++j)
        if (std::atomic_ref<std::uint64_t>(a.total[c.nodes[j]]).fetch_add(1, std::memory_order_relaxed) == 0)
          mine.push_back(c.nodes[j]);
    });
    for (const auto& mine : found) touched.insert(touched.end(), mine.begin(), mine.end());
  }
  // The sets of v are index_sets[start[v] .. start[v] + total[v]); count[v] is the cursor while
  // filling, then the uncovered sets holding v.
  std::uint64_t next = 0;
  for (node_t v : touched) {
    a.start[v] = a.count[v] = next;
    next += a.total[v];
  }
  std::vector<std::uint32_t> index_sets(c.nodes.size());
  if (sequential) {
    for (std::uint64_t s = 0; s < sets; ++s)
      for (std::uint64_t j = c.offsets[s]; j < c.offsets[s + 1]; ++j)
        index_sets[a.count[c.nodes[j]]++] = static_cast<std::uint32_t>(s);
  } else {
    parallel_for(0, sets, 4096, [&](std::uint64_t s) {
      for (std::uint64_t j = c.offsets[s]; j < c.offsets[s + 1]; ++j)
        index_sets[std::atomic_ref<std::uint64_t>(a.count[c.nodes[j]]).fetch_add(1, std::memory_order_relaxed)] =
            static_cast<std::uint32_t>(s);
    });
  }
  for (node_t v : touched) a.count[v] = a.total[v];
  ZeroedArray<std::uint64_t>& count = a.count;
  std::vector<std::uint8_t> covered(sets, 0);
  ctx.note_memory(other_bytes + c.memory_bytes() + touched.size() * (3 * 8 + 1 + 4 + 16) + index_sets.size() * 4 +
                  covered.size());

  struct Entry {
    std::uint64_t count;
    node_t node;
  };
  auto lower = [](const Entry& a, const Entry& b) { return a.count != b.count ? a.count < b.count : a.node > b.node; };
  std::vector<Entry> heap_entries;
  heap_entries.reserve(touched.size());
  for (node_t v : touched) heap_entries.push_back({count[v], v});

  // OPIM-C's bound needs the sum of the k largest counts at every step: the number of nodes
  // with each count (nodes_with[c]), kept as counts fall, read from the largest count down.
  std::vector<std::uint64_t> nodes_with;
  std::uint64_t largest = 0;
  if (upper_bound) {  // nodes in no set (count 0) add nothing to a top-k sum: left out
    for (const Entry& e : heap_entries) largest = std::max(largest, e.count);
    nodes_with.assign(largest + 1, 0);
    for (const Entry& e : heap_entries) ++nodes_with[e.count];
  }
  std::priority_queue<Entry, std::vector<Entry>, decltype(lower)> heap(lower, std::move(heap_entries));
  // The entry with the largest current count (smallest id among equals), or none.
  auto pop_best = [&]() -> std::optional<Entry> {
    while (!heap.empty()) {
      const Entry e = heap.top();
      heap.pop();
      if (e.count == count[e.node]) return e;
      if (count[e.node] > 0) heap.push({count[e.node], e.node});  // stale: refresh
    }
    return std::nullopt;
  };
  auto top_k_sum = [&] {
    while (largest > 0 && nodes_with[largest] == 0) --largest;
    std::uint64_t sum = 0, left = k;
    for (std::uint64_t c = largest; c > 0 && left > 0; --c) {
      const std::uint64_t take = std::min(left, nodes_with[c]);
      sum += take * c;
      left -= take;
    }
    return sum;
  };

  Selection out;
  ZeroedArray<std::uint8_t>& chosen = a.chosen;
  std::uint64_t bound = sets;
  for (std::uint32_t step = 0; step <= k; ++step) {
    if (upper_bound) bound = std::min(bound, out.covered + top_k_sum());
    if (step == k) break;
    node_t pick;
    if (const auto best = pop_best()) {
      pick = best->node;
    } else {  // every set covered: the remaining seeds add nothing; take the smallest ids
      pick = 0;
      while (chosen[pick]) ++pick;
    }
    chosen[pick] = 1;
    std::uint64_t gain = 0;
    for (std::uint64_t j = a.start[pick], end = a.start[pick] + a.total[pick]; j < end; ++j) {
      const std::uint32_t s = index_sets[j];
      if (covered[s]) continue;
      covered[s] = 1;
      ++gain;
      if (upper_bound) {
        for (std::uint64_t i = c.offsets[s]; i < c.offsets[s + 1]; ++i) {
          const node_t u = c.nodes[i];
          --nodes_with[count[u]];
          ++nodes_with[--count[u]];
        }
      } else {
        for (std::uint64_t i = c.offsets[s]; i < c.offsets[s + 1]; ++i) --count[c.nodes[i]];
      }
    }
    out.seeds.push_back(pick);
    out.gains.push_back(gain);
    out.covered += gain;
  }
  out.coverage_upper_bound = bound;
  // Back to all zeros for the next round (start[] may keep stale values: it is read only where
  // total[] says a node has sets).
  for (node_t v : touched) a.total[v] = a.count[v] = 0;
  for (node_t v : out.seeds) chosen[v] = 0;
  return out;
}

// Sets of `c` that hold at least one of `seeds`.
std::uint64_t coverage(Context& ctx, const Collection& c, const std::vector<node_t>& seeds) {
  ZeroedArray<std::uint8_t>& marked = ctx.greedy_arrays(ctx.sampler.num_nodes()).chosen;  // zero between rounds
  for (node_t v : seeds) marked[v] = 1;
  const std::uint64_t hits = parallel_reduce(
      0, c.size(), 4096, std::uint64_t{0},
      [&](std::uint64_t lo, std::uint64_t hi) {
        std::uint64_t hit = 0;
        for (std::uint64_t s = lo; s < hi; ++s)
          for (std::uint64_t j = c.offsets[s]; j < c.offsets[s + 1]; ++j)
            if (marked[c.nodes[j]]) {
              ++hit;
              break;
            }
        return hit;
      },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
  for (node_t v : seeds) marked[v] = 0;
  return hits;
}

double log_binomial(double n, double k) { return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1); }

void check_options(const Graph& g, const InfluenceOptions& options) {
  if (g.num_nodes() == 0) throw InputError("graph: has no nodes; there is nobody to seed");
  if (options.k < 1 || options.k > g.num_nodes())
    throw InputError("k: must be in [1, " + std::to_string(g.num_nodes()) + "], got " + std::to_string(options.k));
  if (!(options.epsilon > 0 && options.epsilon < 1))
    throw InputError("epsilon: must be in (0, 1), got " + format_number(options.epsilon));
  if (!(options.ell > 0) || !std::isfinite(options.ell))
    throw InputError("ell: must be a positive number, got " + format_number(options.ell));
}

void fill_result(InfluenceResult& r, const Selection& sel, double n, std::uint64_t sets) {
  r.seeds = sel.seeds;
  r.marginal_gain.clear();
  for (std::uint64_t gain : sel.gains) r.marginal_gain.push_back(n * static_cast<double>(gain) / static_cast<double>(sets));
}

InfluenceResult run_imm(Context& ctx, const Graph& g, const InfluenceOptions& o) {
  const double n = g.num_nodes(), k = o.k, eps = o.epsilon;
  const double log_n = std::log(n), e1 = 1 - 1 / std::numbers::e;
  // ℓ' = ℓ (1 + ln 2 / ln n): both phases fail with probability <= 1/n^ℓ' each, 1/n^ℓ together.
  const double ell = o.ell * (1 + std::numbers::ln2 / log_n);
  const double log_cnk = log_binomial(n, k);
  const double eps1 = std::numbers::sqrt2 * eps;
  const double lambda1 = (2 + 2 * eps1 / 3) * (log_cnk + ell * log_n + std::log(std::log2(n))) * n / (eps1 * eps1);
  InfluenceResult r;
  r.algorithm = "imm";
  double lower = 1;
  Collection sampling;
  sampling.id = kImmSampling;
  for (int i = 1; i < std::log2(n); ++i) {
    const double x = n / std::exp2(i);
    extend(ctx, sampling, static_cast<std::uint64_t>(std::ceil(lambda1 / x)), 0);
    const Selection sel = select_greedy(ctx, sampling, o.k, false, 0);
    ++r.rounds;
    const double estimate = n * static_cast<double>(sel.covered) / static_cast<double>(sampling.size());
    if (estimate >= (1 + eps1) * x) {
      lower = estimate / (1 + eps1);
      break;
    }
  }
  sampling = Collection();  // freed before the final collection grows
  const double alpha = std::sqrt(ell * log_n + std::numbers::ln2);
  const double beta = std::sqrt(e1 * (log_cnk + ell * log_n + std::numbers::ln2));
  const double lambda_star = 2 * n * std::pow(e1 * alpha + beta, 2) / (eps * eps);
  // Chen (2018): the final collection is drawn afresh, independent of the lower bound's sets.
  Collection final_sets;
  final_sets.id = kImmFinal;
  extend(ctx, final_sets, static_cast<std::uint64_t>(std::ceil(lambda_star / lower)), 0);
  const Selection sel = select_greedy(ctx, final_sets, o.k, false, 0);
  fill_result(r, sel, n, final_sets.size());
  r.spread = n * static_cast<double>(sel.covered) / static_cast<double>(final_sets.size());
  r.lower_bound = (e1 - eps) * lower;
  r.optimum_upper_bound = std::nan("");
  r.approximation = std::nan("");
  r.rr_entries = final_sets.nodes.size();
  return r;
}

InfluenceResult run_opim_c(Context& ctx, const Graph& g, const InfluenceOptions& o) {
  const double n = g.num_nodes(), k = o.k, eps = o.epsilon;
  const double e1 = 1 - 1 / std::numbers::e;
  const double log_inv_delta = o.ell * std::log(n);  // δ = 1 / n^ℓ
  const double log6 = std::log(6.0) + log_inv_delta;  // ln(6 / δ)
  const double log_cnk = log_binomial(n, k);
  const double theta_max = 2 * n * std::pow(e1 * std::sqrt(log6) + std::sqrt(e1 * (log_cnk + log6)), 2) / (eps * eps * k);
  const double theta_0 = theta_max * eps * eps * k / n;
  const int i_max = std::max(1, static_cast<int>(std::ceil(std::log2(theta_max / theta_0))));
  const double a = std::log(3.0 * i_max) + log_inv_delta;  // a1 = a2 = ln(3 i_max / δ)
  InfluenceResult r;
  r.algorithm = "opim-c";
  Collection select, validate;
  select.id = kOpimSelect;
  validate.id = kOpimValidate;
  auto theta = static_cast<std::uint64_t>(std::ceil(theta_0));
  for (int i = 1;; ++i) {
    extend(ctx, select, theta, validate.memory_bytes());
    // The greedy on the selection sets is serial, and the validation sets do not depend on it: it
    // runs as a task beside their extension, whose blocks the other threads share (the sets are
    // the same whoever makes them, so results do not depend on the overlap). Each side's memory
    // note counts the other's at its size after the round: validation sets of as many sets as the
    // selection's, and the greedy's index (estimated as in select_greedy).
    const std::uint64_t select_bytes = select.memory_bytes();
    const std::uint64_t validate_bytes = std::max(validate.memory_bytes(), select_bytes);
    const std::uint64_t touched = std::min<std::uint64_t>(select.nodes.size(), g.num_nodes());  // at most
    const std::uint64_t greedy_bytes = touched * (3 * 8 + 1 + 4 + 16) + select.nodes.size() * 4 + select.size();
    Selection sel;
    tbb::task_group greedy;
    greedy.run([&] { sel = select_greedy(ctx, select, o.k, true, validate_bytes); });
    try {
      extend(ctx, validate, theta, select_bytes + greedy_bytes);
    } catch (...) {
      greedy.wait();  // the task reads `select` and `ctx`: never leave while it runs
      throw;
    }
    greedy.wait();
    ++r.rounds;
    const double covered2 = static_cast<double>(coverage(ctx, validate, sel.seeds));
    const double lower = std::pow(std::max(0.0, std::sqrt(covered2 + 2 * a / 9) - std::sqrt(a / 2)), 2) - a / 18;
    const double upper = std::pow(std::sqrt(static_cast<double>(sel.coverage_upper_bound) + a / 2) + std::sqrt(a / 2), 2);
    r.lower_bound = std::max(0.0, lower) * n / static_cast<double>(validate.size());
    r.optimum_upper_bound = std::min(n, upper * n / static_cast<double>(select.size()));
    r.approximation = r.lower_bound / r.optimum_upper_bound;
    r.spread = n * covered2 / static_cast<double>(validate.size());
    fill_result(r, sel, n, select.size());
    if (r.approximation >= e1 - eps || i >= i_max) break;
    theta *= 2;
  }
  r.rr_entries = select.nodes.size() + validate.nodes.size();
  return r;
}

InfluenceResult run(const Graph& g, const ModelParams& model, std::span<const float> arc_probability,
                    const InfluenceOptions& options, InfluenceAlgorithm algorithm, RunControl* control) {
  check_options(g, options);
  const auto start = std::chrono::steady_clock::now();
  return with_threads(options.threads, [&] {
    InfluenceResult r;
    if (g.num_nodes() == 1) {  // the one node is the answer (and ln n = 0 breaks the bounds)
      r.algorithm = algorithm == InfluenceAlgorithm::imm ? "imm" : "opim-c";
      r.seeds = {0};
      r.marginal_gain = {1};
      r.spread = r.lower_bound = r.optimum_upper_bound = r.approximation = 1;
    } else {
      const Sampler sampler(g, model, arc_probability);
      Context ctx{sampler, Random(options.seed, kRrStream), control, {}, 0, 0, nullptr};
      r = algorithm == InfluenceAlgorithm::imm ? run_imm(ctx, g, options) : run_opim_c(ctx, g, options);
      r.rr_sets = ctx.generated;
      std::uint64_t scratch = 0;
      for (const Scratch& s : ctx.scratch)
        scratch += s.stamp.capacity() * sizeof(std::uint32_t) + s.moved.capacity() * sizeof(std::uint64_t) +
                   s.moved_stamp.capacity() * sizeof(std::uint32_t);
      r.memory_bytes = ctx.peak_bytes.load() + scratch;
    }
    r.confidence = 1 - std::exp(-options.ell * std::log(static_cast<double>(g.num_nodes())));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  });
}

}  // namespace

InfluenceResult influence_maximization(const Graph& g, const ModelParams& model, const InfluenceOptions& options,
                                       InfluenceAlgorithm algorithm, RunControl* control) {
  check_model(g, model);
  return run(g, model, {}, options, algorithm, control);
}

InfluenceResult influence_maximization(const Graph& g, std::span<const float> arc_probability,
                                       const InfluenceOptions& options, InfluenceAlgorithm algorithm,
                                       RunControl* control) {
  if (arc_probability.size() != g.num_arcs())
    throw InputError("p: needs one probability per arc (" + std::to_string(g.num_arcs()) + "), got " +
                     std::to_string(arc_probability.size()));
  for (arc_t a = 0; a < arc_probability.size(); ++a)
    if (!(arc_probability[a] >= 0.0f && arc_probability[a] <= 1.0f))
      throw InputError("p: arc probabilities must be in [0, 1]; arc " + std::to_string(a) + " has " +
                       format_number(arc_probability[a]));
  ModelParams ic;
  ic.model = Model::ic;
  ic.ic_probability = IcProbability::weights;
  return run(g, ic, arc_probability, options, algorithm, control);
}

std::vector<node_t> rr_set(const Graph& g, const ModelParams& model, std::uint64_t seed, std::uint64_t collection,
                           std::uint64_t index) {
  check_model(g, model);
  if (g.num_nodes() == 0) throw InputError("graph: has no nodes");
  const Sampler sampler(g, model);
  Scratch scratch;
  std::vector<node_t> out;
  sampler.sample(keyed_bits(Random(seed, kRrStream).bits(collection), index), scratch, out);
  return out;
}

std::vector<double> live_arc_probability(const Graph& g, const ModelParams& model) {
  check_model(g, model);
  std::vector<std::uint64_t> in_degree(g.num_nodes(), 0);
  std::vector<double> in_weight(g.num_nodes(), 0.0);
  for (arc_t a = 0; a < g.num_arcs(); ++a) {
    ++in_degree[g.target(a)];
    if (g.has_weights()) in_weight[g.target(a)] += std::max(0.0f, g.weights()[a]);
  }
  std::vector<double> p(g.num_arcs());
  for (arc_t a = 0; a < g.num_arcs(); ++a) {
    const node_t v = g.target(a);
    if (model.model == Model::lt) {
      p[a] = model.lt_weights == LtWeights::graph
                 ? (in_weight[v] > 0 ? std::max(0.0f, g.weights()[a]) / in_weight[v] : 0.0)
                 : 1.0 / static_cast<double>(in_degree[v]);
    } else if (model.ic_probability == IcProbability::weights) {
      p[a] = std::clamp(static_cast<double>(g.weights()[a]), 0.0, 1.0);
    } else if (model.ic_probability == IcProbability::weighted_cascade) {
      p[a] = 1.0 / static_cast<double>(in_degree[v]);
    } else {
      p[a] = model.p;
    }
  }
  return p;
}

// The slow reference: the in-arcs of every node examined one by one with one Philox draw each
// (IC), or the LT walk choosing its in-arc by the cumulative weights of live_arc_probability.
std::vector<node_t> rr_set_reference(const Graph& g, const ModelParams& model, std::uint64_t seed,
                                     std::uint64_t index) {
  check_model(g, model);
  if (g.num_nodes() == 0) throw InputError("graph: has no nodes");
  const std::vector<double> p = live_arc_probability(g, model);
  // In-arcs of each node as (source, arc), by scanning every arc: slow and obviously right.
  std::vector<std::vector<std::pair<node_t, arc_t>>> in(g.num_nodes());
  for (node_t u = 0; u < g.num_nodes(); ++u)
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) in[g.target(a)].push_back({u, a});
  RandomSequence draws(Random(seed, kRrStream ^ 0xffff), index);
  std::vector<char> seen(g.num_nodes(), 0);
  const auto root = static_cast<node_t>(draws.below(g.num_nodes()));
  std::vector<node_t> out{root};
  seen[root] = 1;
  if (model.model == Model::lt) {
    for (node_t v = root;;) {
      double x = draws.uniform(), running = 0;
      node_t pick = max_nodes;
      for (const auto& [u, a] : in[v]) {
        running += p[a];
        if (x < running) {
          pick = u;
          break;
        }
      }
      if (pick == max_nodes || seen[pick]) break;
      seen[pick] = 1;
      out.push_back(pick);
      v = pick;
    }
    return out;
  }
  for (std::size_t head = 0; head < out.size(); ++head)
    for (const auto& [u, a] : in[out[head]])
      if (draws.uniform() < p[a] && !seen[u]) {
        seen[u] = 1;
        out.push_back(u);
      }
  return out;
}

}  // namespace guanxi
