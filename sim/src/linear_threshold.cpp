// Linear Threshold (Granovetter 1978; Kempe, Kleinberg & Tardos 2003). Each in-arc u -> v has a
// weight w_uv with sum over u of w_uv = 1 for every v: either 1 / in-degree(v) or the arc weights
// normalised per target. Each node draws a threshold θ_v uniform on (0, 1] per replicate; an
// inactive node activates at step t when the weights of its in-neighbours active by step t-1
// sum to at least θ_v. Scalar reference kernel; the fused kernel samples the equivalent
// live-edge process (each node keeps at most one in-arc, u -> v with probability w_uv).
// A node's parent is the in-neighbour whose weight brought the sum to θ_v (frontiers sorted).
#include <algorithm>

#include "kernels.hpp"

namespace guanxi::detail {

void run_lt_scalar(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w,
                   Trace& trace) {
  const Graph& g = *run.graph;
  const Random random(run.seed, stream::lt_threshold);
  const std::uint32_t epoch = w.next_epoch();
  begin_activation(run, seeds, w, epoch, trace);
  for (std::uint32_t step = 1; !w.frontier.empty() && step <= run.max_steps && !stopping(run); ++step) {
    for (node_t u : w.frontier) {
      for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
        const node_t v = g.target(a);
        if (w.mark[v] == epoch) continue;  // active, or already activated this step
        if (w.touched[v] != epoch) {
          w.touched[v] = epoch;
          w.accumulated[v] = 0.0;
          w.threshold[v] = 1.0 - random.uniform(replicate, v);  // (0, 1]
        }
        w.accumulated[v] += run.lt_weight[a];
        if (w.accumulated[v] >= w.threshold[v]) {
          w.mark[v] = epoch;
          w.parent[v] = u;
          w.next.push_back(v);
        }
      }
    }
    end_activation_step(run, w, step, trace, true);
  }
}

}  // namespace guanxi::detail
