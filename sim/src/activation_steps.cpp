// Step bookkeeping shared by the activation models (IC, LT, complex contagion, Bass): the seed
// row, each step's row {new, cumulative, inactive, active}, and the cascade records.
#include <algorithm>

#include "kernels.hpp"

namespace guanxi::detail {
namespace {

void record(Trace& trace, std::span<const node_t> nodes, const Workspace& w, std::uint32_t step) {
  if (!trace.cascade) return;
  for (node_t v : nodes) {
    trace.cascade->node.push_back(v);
    trace.cascade->parent.push_back(step == 0 ? max_nodes : w.parent[v]);
    trace.cascade->step.push_back(step);
  }
}

}  // namespace

void begin_activation(const Prepared& run, std::span<const node_t> seeds, Workspace& w, std::uint32_t epoch,
                      Trace& trace) {
  const node_t n = run.graph->num_nodes();
  w.frontier.assign(seeds.begin(), seeds.end());
  std::sort(w.frontier.begin(), w.frontier.end());
  w.next.clear();
  for (node_t s : w.frontier) w.mark[s] = epoch;
  trace.ever.assign(w.frontier.begin(), w.frontier.end());
  const auto k = static_cast<std::uint32_t>(seeds.size());
  trace.rows.insert(trace.rows.end(), {k, k, n - k, k});
  record(trace, w.frontier, w, 0);
}

void end_activation_step(const Prepared& run, Workspace& w, std::uint32_t step, Trace& trace, bool sort) {
  const node_t n = run.graph->num_nodes();
  if (sort || trace.cascade) std::sort(w.next.begin(), w.next.end());
  trace.ever.insert(trace.ever.end(), w.next.begin(), w.next.end());
  const auto added = static_cast<std::uint32_t>(w.next.size());
  const auto total = static_cast<std::uint32_t>(trace.ever.size());
  trace.rows.insert(trace.rows.end(), {added, total, n - total, total});
  record(trace, w.next, w, step);
  w.frontier.swap(w.next);
  w.next.clear();
}

}  // namespace guanxi::detail
