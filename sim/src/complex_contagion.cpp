// Complex contagion (Centola & Macy 2007): an inactive node activates at step t when at least
// k of its in-neighbours, or at least a fraction φ of them (when φ > 0: ceil(φ · in-degree),
// at least 1), were active by step t-1. Deterministic given the seeds; a node's parent is the
// in-neighbour whose activation completed its threshold (frontiers sorted when recorded).
#include <algorithm>
#include <cmath>

#include "kernels.hpp"

namespace guanxi::detail {

void run_complex(const Prepared& run, std::uint64_t, std::span<const node_t> seeds, Workspace& w, Trace& trace) {
  const Graph& g = *run.graph;
  const double phi = run.params.phi;
  auto needed = [&](node_t v) -> std::uint64_t {
    if (phi > 0) return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(phi * run.in_degree[v])));
    return run.params.k;
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
