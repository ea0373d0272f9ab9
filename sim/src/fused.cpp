// Fused bit-parallel kernel for the Independent Cascade (uniform, per-arc and weighted-cascade
// probabilities) and the Linear Threshold model: 256 replicates share one traversal, in the
// manner of multi-source BFS (Then et al., VLDB 2015). Each node carries 256-bit masks: the
// replicates where it is active, newly active (the frontier) and activated this step.
//
// Arc liveness is decided for all candidate replicates of an arc at once by a bit-sliced
// comparison: replicate r's uniform U is read most significant bit first from successive
// 64-bit lane words (one bit per replicate), and r is live when U < p (fixed point). Each word
// halves the undecided replicates, so a lane word is settled after a few words. Lane words are
// hash-based: word i of lane word j for id x is mix64(K[j][i] ^ x * φ), with the keys K drawn
// from Philox per batch, so a word costs one multiply chain instead of a Philox block.
//  - IC: x is the arc, so arcs are independent Bernoulli(p_a).
//  - LT: the live-edge form of Kempe, Kleinberg & Tardos (2003), equal in distribution to LT:
//    node v keeps in-arc u -> v with probability w_uv (at most one). x is the target v, and arc
//    u -> v is live when U_v falls in u's interval [lo, hi) of v's in-arcs.
// A replicate's outcome depends only on (seed, replicate). Frontiers are processed in
// ascending order, so a node's parent is its smallest-id successful in-neighbour, as in the
// scalar kernels. In frontier-parallel mode (few batches, huge graphs) masks are updated with
// atomic ORs and parents are chosen after each step from the recorded candidates.
#include <algorithm>
#include <array>
#include <bit>
#include <mutex>

#include <tbb/enumerable_thread_specific.h>

#include "guanxi/parallel.hpp"
#include "kernels.hpp"

namespace guanxi::detail {
namespace {

constexpr int kWords = kFusedLanes / 64;
using Lanes = std::array<std::uint64_t, kWords>;

bool any(const Lanes& x) {
  std::uint64_t acc = 0;
  for (auto w : x) acc |= w;
  return acc != 0;
}

constexpr int kBits = 64;  // a uniform's bits: one lane word per bit position

// Per-batch keys of the lane words: K[j][i] for lane word j and bit position i.
struct LaneKeys {
  std::array<std::array<std::uint64_t, kBits>, kWords> key;
  LaneKeys(const Random& random, std::uint64_t batch) {
    for (int j = 0; j < kWords; ++j)
      for (int i = 0; i < kBits; i += 4) {
        const auto block = random.block(batch, static_cast<std::uint64_t>(j), static_cast<std::uint64_t>(i));
        for (int q = 0; q < 4; ++q) key[j][i + q] = block[q];
      }
  }
  std::uint64_t word(int j, int i, std::uint64_t id) const {
    return mix64(key[j][i] ^ (id * 0x9e3779b97f4a7c15ULL));
  }
};

// Lanes (bits of `candidates`) whose uniform, read from the lane words of `id`, is below
// `threshold`.
std::uint64_t below_threshold(const LaneKeys& keys, std::uint64_t id, int j, std::uint64_t threshold,
                              std::uint64_t candidates) {
  if (threshold == kAlways) return candidates;
  std::uint64_t less = 0, undecided = candidates;
  for (int i = 0; i < kBits && undecided; ++i) {
    const std::uint64_t w = keys.word(j, i, id);
    if ((threshold >> (kBits - 1 - i)) & 1) {
      less |= undecided & ~w;
      undecided &= w;
    } else {
      undecided &= ~w;
    }
  }
  return less;  // still undecided: U's 64 bits equal the threshold, so U >= threshold
}

// Lanes whose uniform lies in [low, high): both comparisons on the same words.
std::uint64_t within_interval(const LaneKeys& keys, std::uint64_t id, int j, std::uint64_t low, std::uint64_t high,
                              std::uint64_t candidates) {
  if (low >= high && high != kAlways) return 0;
  std::uint64_t less_high = high == kAlways ? candidates : 0, undecided_high = high == kAlways ? 0 : candidates;
  std::uint64_t less_low = 0, undecided_low = low == 0 ? 0 : candidates;
  for (int i = 0; i < kBits && (undecided_high | undecided_low); ++i) {
    const std::uint64_t w = keys.word(j, i, id);
    const int bit = kBits - 1 - i;
    if ((high >> bit) & 1) {
      less_high |= undecided_high & ~w;
      undecided_high &= w;
    } else {
      undecided_high &= ~w;
    }
    if ((low >> bit) & 1) {
      less_low |= undecided_low & ~w;
      undecided_low &= w;
    } else {
      undecided_low &= ~w;
    }
  }
  return less_high & ~less_low;
}

struct ParentCandidate {
  node_t v, u;
  std::uint32_t lane;
  friend bool operator<(const ParentCandidate& a, const ParentCandidate& b) {
    return std::tie(a.v, a.lane, a.u) < std::tie(b.v, b.lane, b.u);
  }
};

class Fused {
 public:
  Fused(const Prepared& run, FusedBatch& batch)
      : run_(run),
        g_(*run.graph),
        batch_(batch),
        lt_(run.params.model == Model::lt),
        keys_(Random(run.seed, lt_ ? stream::lt_lanes : stream::ic_lanes), batch.first / kFusedLanes),
        visited_(g_.num_nodes(), Lanes{}),
        fresh_(g_.num_nodes(), Lanes{}),
        next_(g_.num_nodes(), Lanes{}) {
    for (std::uint32_t lane = 0; lane < batch.lanes; ++lane) {
      valid_[lane / 64] |= std::uint64_t{1} << (lane % 64);
      if ((*batch.traces)[lane].cascade) wanted_[lane / 64] |= std::uint64_t{1} << (lane % 64);
    }
  }

  void run(std::vector<std::uint64_t>& activation_count) {
    const node_t n = g_.num_nodes();
    added_.assign(batch_.lanes, 0);
    total_.assign(batch_.lanes, 0);
    for (std::uint32_t lane = 0; lane < batch_.lanes; ++lane) {
      for (node_t s : batch_.seeds[lane]) {
        set_bit(fresh_[s], lane);
        set_bit(visited_[s], lane);
        record_parent(lane, s, max_nodes, 0);
      }
      total_[lane] = static_cast<std::uint32_t>(batch_.seeds[lane].size());
      added_[lane] = total_[lane];
    }
    for (node_t v = 0; v < n; ++v)
      if (any(fresh_[v])) frontier_.push_back(v);
    Lanes alive = valid_;  // lanes whose previous step activated someone
    append_rows(alive);
    for (std::uint32_t step = 1; !frontier_.empty() && step <= run_.max_steps; ++step) {
      if (batch_.cancel && batch_.cancel->load(std::memory_order_relaxed)) return;
      if (batch_.frontier_parallel) step_parallel(step);
      else step_sequential(step);
      // Count the step's activations per lane; lanes with none end after this row.
      std::fill(added_.begin(), added_.end(), 0);
      std::sort(touched_.begin(), touched_.end());
      for (node_t v : touched_)
        for (int j = 0; j < kWords; ++j)
          for (std::uint64_t bits = next_[v][j]; bits; bits &= bits - 1)
            ++added_[static_cast<std::uint32_t>(j * 64 + std::countr_zero(bits))];
      for (std::uint32_t lane = 0; lane < batch_.lanes; ++lane) total_[lane] += added_[lane];
      append_rows(alive);
      for (std::uint32_t lane = 0; lane < batch_.lanes; ++lane)
        if (added_[lane] == 0) alive[lane / 64] &= ~(std::uint64_t{1} << (lane % 64));
      for (node_t u : frontier_) fresh_[u] = Lanes{};
      for (node_t v : touched_) {
        fresh_[v] = next_[v];
        next_[v] = Lanes{};
      }
      frontier_.swap(touched_);
      touched_.clear();
    }
    for (node_t v = 0; v < n; ++v) {
      std::uint64_t count = 0;
      for (int j = 0; j < kWords; ++j) count += static_cast<std::uint64_t>(std::popcount(visited_[v][j] & valid_[j]));
      activation_count[v] += count;
    }
  }

 private:
  static void set_bit(Lanes& x, std::uint32_t lane) { x[lane / 64] |= std::uint64_t{1} << (lane % 64); }

  void append_rows(const Lanes& alive) {
    const node_t n = g_.num_nodes();
    for (std::uint32_t lane = 0; lane < batch_.lanes; ++lane) {
      if (!((alive[lane / 64] >> (lane % 64)) & 1)) continue;
      auto& rows = (*batch_.traces)[lane].rows;
      rows.insert(rows.end(), {added_[lane], total_[lane], n - total_[lane], total_[lane]});
    }
  }

  void record_parent(std::uint32_t lane, node_t v, node_t u, std::uint32_t step) {
    Cascade* cascade = (*batch_.traces)[lane].cascade;
    if (!cascade) return;
    cascade->node.push_back(v);
    cascade->parent.push_back(u);
    cascade->step.push_back(step);
  }

  // Live lanes of arc a (u -> v) among `candidates`.
  Lanes live(arc_t a, node_t v, const Lanes& candidates) const {
    Lanes out{};
    for (int j = 0; j < kWords; ++j) {
      if (!candidates[j]) continue;
      out[j] = lt_ ? within_interval(keys_, v, j, run_.lt_low[a], run_.lt_high[a], candidates[j])
                   : below_threshold(keys_, a, j, ic_threshold(run_, a, v), candidates[j]);
    }
    return out;
  }

  void step_sequential(std::uint32_t step) {
    for (node_t u : frontier_) {
      const Lanes& from = fresh_[u];
      for (arc_t a = g_.arc_begin(u); a < g_.arc_end(u); ++a) {
        const node_t v = g_.target(a);
        Lanes candidates;
        for (int j = 0; j < kWords; ++j) candidates[j] = from[j] & ~visited_[v][j];
        if (!any(candidates)) continue;
        const Lanes gained = live(a, v, candidates);
        if (!any(gained)) continue;
        if (!any(next_[v])) touched_.push_back(v);
        for (int j = 0; j < kWords; ++j) {
          visited_[v][j] |= gained[j];
          next_[v][j] |= gained[j];
          for (std::uint64_t bits = gained[j] & wanted_[j]; bits; bits &= bits - 1)
            record_parent(static_cast<std::uint32_t>(j * 64 + std::countr_zero(bits)), v, u, step);
        }
      }
    }
  }

  // Frontier nodes in parallel: masks by atomic OR (next before visited, so a bit seen in
  // visited but not in next was set in an earlier step); parents from candidates.
  void step_parallel(std::uint32_t step) {
    tbb::enumerable_thread_specific<std::vector<node_t>> local_touched;
    tbb::enumerable_thread_specific<std::vector<ParentCandidate>> local_parents;
    const bool cascades = any(wanted_);
    parallel_for(0, frontier_.size(), 64, [&](std::uint64_t i) {
      const node_t u = frontier_[i];
      const Lanes& from = fresh_[u];  // read-only during the step
      auto& touched = local_touched.local();
      for (arc_t a = g_.arc_begin(u); a < g_.arc_end(u); ++a) {
        const node_t v = g_.target(a);
        Lanes candidates, earlier;
        for (int j = 0; j < kWords; ++j) {
          const std::uint64_t seen = std::atomic_ref<std::uint64_t>(visited_[v][j]).load(std::memory_order_acquire);
          const std::uint64_t now = std::atomic_ref<std::uint64_t>(next_[v][j]).load(std::memory_order_acquire);
          earlier[j] = seen & ~now;
          // Lanes claimed this step need no decision, except for cascades (parent candidates).
          candidates[j] = from[j] & ~(cascades ? earlier[j] : seen);
        }
        if (!any(candidates)) continue;
        const Lanes gained = live(a, v, candidates);
        if (!any(gained)) continue;
        bool first = false;
        for (int j = 0; j < kWords; ++j) {
          if (!gained[j]) continue;
          const std::uint64_t before =
              std::atomic_ref<std::uint64_t>(next_[v][j]).fetch_or(gained[j], std::memory_order_acq_rel);
          std::atomic_ref<std::uint64_t>(visited_[v][j]).fetch_or(gained[j], std::memory_order_release);
          // The thread that first sets a word lists v (duplicates are removed after the step).
          first = first || before == 0;
          for (std::uint64_t bits = gained[j] & wanted_[j]; bits; bits &= bits - 1)
            local_parents.local().push_back({v, u, static_cast<std::uint32_t>(j * 64 + std::countr_zero(bits))});
        }
        if (first) touched.push_back(v);
      }
    });
    // Touched nodes: every node with next bits, found once (dedupe across threads).
    for (auto& list : local_touched) touched_.insert(touched_.end(), list.begin(), list.end());
    std::sort(touched_.begin(), touched_.end());
    touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
    if (cascades) {
      std::vector<ParentCandidate> all;
      for (auto& list : local_parents) all.insert(all.end(), list.begin(), list.end());
      std::sort(all.begin(), all.end());
      for (std::size_t i = 0; i < all.size(); ++i)
        if (i == 0 || all[i].v != all[i - 1].v || all[i].lane != all[i - 1].lane)
          record_parent(all[i].lane, all[i].v, all[i].u, step);
    }
  }

  const Prepared& run_;
  const Graph& g_;
  FusedBatch& batch_;
  bool lt_;
  LaneKeys keys_;
  std::vector<Lanes> visited_, fresh_, next_;
  std::vector<node_t> frontier_, touched_;
  Lanes valid_{}, wanted_{};
  std::vector<std::uint32_t> added_, total_;
};

}  // namespace

void run_fused(const Prepared& run, FusedBatch& batch, std::vector<std::uint64_t>& activation_count) {
  Fused(run, batch).run(activation_count);
}

}  // namespace guanxi::detail
