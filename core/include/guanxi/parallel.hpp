// The one parallel-loop helper of guanxi, over TBB. Work is cut into fixed blocks that do not
// depend on the thread count, so reductions combine in the same order for any number of threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace guanxi {

// Calls body(lo, hi) on consecutive blocks of at most `grain` indices covering [begin, end).
template <class F>
void parallel_blocks(std::uint64_t begin, std::uint64_t end, std::uint64_t grain, F&& body) {
  if (begin >= end) return;
  grain = std::max<std::uint64_t>(grain, 1);
  const std::uint64_t blocks = (end - begin + grain - 1) / grain;
  if (blocks == 1) {
    body(begin, end);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, blocks, 1),
                    [&](const tbb::blocked_range<std::uint64_t>& r) {
                      for (std::uint64_t b = r.begin(); b != r.end(); ++b)
                        body(begin + b * grain, std::min(end, begin + (b + 1) * grain));
                    });
}

// Calls body(i) for every i in [begin, end).
template <class F>
void parallel_for(std::uint64_t begin, std::uint64_t end, std::uint64_t grain, F&& body) {
  parallel_blocks(begin, end, grain, [&](std::uint64_t lo, std::uint64_t hi) {
    for (std::uint64_t i = lo; i < hi; ++i) body(i);
  });
}

// Reduces map_block(lo, hi) over fixed blocks, combining the block results left to right.
template <class T, class Map, class Combine>
T parallel_reduce(std::uint64_t begin, std::uint64_t end, std::uint64_t grain, T init,
                  Map&& map_block, Combine&& combine) {
  if (begin >= end) return init;
  grain = std::max<std::uint64_t>(grain, 1);
  const std::uint64_t blocks = (end - begin + grain - 1) / grain;
  std::vector<T> partial(blocks, init);
  parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    partial[b] = map_block(begin + b * grain, std::min(end, begin + (b + 1) * grain));
  });
  T result = init;
  for (auto& p : partial) result = combine(result, p);
  return result;
}

// The smallest i in [begin, end) with pred(i), or end.
template <class Pred>
std::uint64_t parallel_find_first(std::uint64_t begin, std::uint64_t end, std::uint64_t grain,
                                  Pred&& pred) {
  return parallel_reduce(
      begin, end, grain, end,
      [&](std::uint64_t lo, std::uint64_t hi) {
        for (std::uint64_t i = lo; i < hi; ++i)
          if (pred(i)) return i;
        return end;
      },
      [](std::uint64_t a, std::uint64_t b) { return std::min(a, b); });
}

// In-place exclusive prefix sum; returns the total.
template <class T>
T exclusive_scan_inplace(T* values, std::uint64_t size, std::uint64_t grain = 1u << 16) {
  if (size == 0) return T{0};
  grain = std::max<std::uint64_t>(grain, 1);
  const std::uint64_t blocks = (size + grain - 1) / grain;
  std::vector<T> block_sum(blocks);
  parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    T s{0};
    for (std::uint64_t i = b * grain, hi = std::min(size, (b + 1) * grain); i < hi; ++i)
      s += values[i];
    block_sum[b] = s;
  });
  T running{0};
  for (auto& s : block_sum) {
    const T next = running + s;
    s = running;
    running = next;
  }
  parallel_for(0, blocks, 1, [&](std::uint64_t b) {
    T s = block_sum[b];
    for (std::uint64_t i = b * grain, hi = std::min(size, (b + 1) * grain); i < hi; ++i) {
      const T v = values[i];
      values[i] = s;
      s += v;
    }
  });
  return running;
}

// Runs f with at most `threads` worker threads (threads <= 0: all available).
template <class F>
decltype(auto) with_threads(int threads, F&& f) {
  if (threads <= 0) return f();
  tbb::task_arena arena(threads);
  return arena.execute(std::forward<F>(f));
}

}  // namespace guanxi
