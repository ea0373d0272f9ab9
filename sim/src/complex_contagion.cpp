// Complex contagion (Centola & Macy 2007): an inactive node activates at step t when at least
// k of its in-neighbours, or at least a fraction φ of them (when φ > 0; at least one), were
// active by step t-1. Deterministic given the seeds; a node's parent is the
// in-neighbour whose activation completed its threshold (frontiers sorted when recorded).
#include <algorithm>
#include <cmath>

#include "kernels.hpp"

namespace guanxi::detail {

void run_complex(const Prepared& run, std::uint64_t, std::span<const node_t> seeds, Workspace& w, Trace& trace) {
  const Graph& g = *run.graph;
  const double phi = run.params.phi;
  // The smallest count x >= 1 with x / in-degree >= phi, compared as fractions (ceil(phi d)
  // alone can overshoot by one through rounding, e.g. 0.28 * 25).
  auto needed = [&](node_t v) -> std::uint64_t {
    if (phi <= 0) return run.params.k;
    const std::uint64_t d = run.in_degree[v];
    if (d == 0) return 1;
    auto x = static_cast<std::uint64_t>(std::ceil(phi * static_cast<double>(d)));
    while (x > 1 && static_cast<double>(x - 1) / static_cast<double>(d) >= phi) --x;
    while (static_cast<double>(x) / static_cast<double>(d) < phi) ++x;
    return std::max<std::uint64_t>(x, 1);
  };
  const std::uint32_t epoch = w.next_epoch();
  begin_activation(run, seeds, w, epoch, trace);
  for (std::uint32_t step = 1; !w.frontier.empty() && step <= run.max_steps && !stopping(run); ++step) {
    for (node_t u : w.frontier)
      for (node_t v : g.neighbors(u)) {
        if (w.mark[v] == epoch) continue;
        if (w.touched[v] != epoch) {
          w.touched[v] = epoch;
          w.count[v] = 0;
        }
        if (++w.count[v] >= needed(v)) {
          w.mark[v] = epoch;
          w.parent[v] = u;
          w.next.push_back(v);
        }
      }
    end_activation_step(run, w, step, trace, false);
  }
}

}  // namespace guanxi::detail
