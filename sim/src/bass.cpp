// The Bass diffusion model on a network (Bass 1969; MODEL.md §6): at each step every inactive
// node v activates with probability 1 - (1 - p)(1 - q/N)^a_v, where a_v counts v's active
// in-neighbours at the start of the step and N is the number of nodes. On the complete graph
// the mean adoption follows F_{t+1} = 1 - (1 - F_t)(1 - p)(1 - q/N)^{N F_t}, whose continuous
// limit is the Bass curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
// Every step visits every inactive node (cost O(n) per step); stops when all are active or at
// max_steps. An adopter's parent is its earliest active in-neighbour (smallest id among
// those), or none when no in-neighbour was active.
#include <algorithm>
#include <cmath>

#include "kernels.hpp"

namespace guanxi::detail {

void run_bass(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w,
              Trace& trace) {
  const Graph& g = *run.graph;
  const node_t n = g.num_nodes();
  const double p = run.params.bass_p, log_keep = std::log1p(-run.params.bass_q / n);
  const Random random(run.seed, stream::bass);
  const std::uint32_t epoch = w.next_epoch();
  begin_activation(run, seeds, w, epoch, trace);
  auto add_influence = [&](std::span<const node_t> adopters) {
    for (node_t u : adopters)
      for (node_t v : g.neighbors(u)) {
        if (w.touched[v] != epoch) {
          w.touched[v] = epoch;
          w.count[v] = 0;
          w.parent[v] = u;  // the first to reach v (smallest id when the cascade is recorded)
        }
        ++w.count[v];
      }
  };
  add_influence(w.frontier);
  for (std::uint32_t step = 1; trace.ever.size() < n && step <= run.max_steps && !stopping(run); ++step) {
    for (node_t v = 0; v < n; ++v) {
      if (w.mark[v] == epoch) continue;
      const std::uint32_t active_in = w.touched[v] == epoch ? w.count[v] : 0;
      const double adopt = 1.0 - (1.0 - p) * std::exp(active_in * log_keep);
      if (random.uniform(replicate, step, v) >= adopt) continue;
      w.next.push_back(v);
      if (active_in == 0) w.parent[v] = max_nodes;
    }
    for (node_t v : w.next) w.mark[v] = epoch;
    end_activation_step(run, w, step, trace, false);  // the step's adopters become w.frontier
    add_influence(w.frontier);
  }
}

}  // namespace guanxi::detail
