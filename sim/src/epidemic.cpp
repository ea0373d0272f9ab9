// SI, SIR and SIS epidemics in discrete time (Kermack & McKendrick 1927 on networks; Pastor-
// Satorras et al., Rev. Mod. Phys. 2015). At each step, every node infected at the start of the
// step infects each susceptible out-neighbour with probability β (one trial per contact per
// step) and then recovers with probability γ: SIR to "recovered" (immune), SIS back to
// "susceptible"; SI never recovers. All decisions read the state at the start of the step.
// SIR with γ = 1 is the Independent Cascade with p = β.
// Stops when nothing can change any more (nobody infected; or no recovery possible and no
// infected node with a susceptible neighbour), or at max_steps. "cumulative" counts distinct
// nodes ever infected.
#include <algorithm>

#include "kernels.hpp"

namespace guanxi::detail {
namespace {

enum : std::uint8_t { susceptible = 0, infected = 1, recovered = 2, infected_now = 3 };

}  // namespace

void run_epidemic(const Prepared& run, std::uint64_t replicate, std::span<const node_t> seeds, Workspace& w,
                  Trace& trace) {
  const Graph& g = *run.graph;
  const node_t n = g.num_nodes();
  const Model model = run.params.model;
  const bool sir = model == Model::sir;
  const double gamma = model == Model::si ? 0.0 : run.params.gamma;
  const std::uint64_t beta = fixed_point(run.params.beta);
  const Random infection(run.seed, stream::infection), recovery(run.seed, stream::recovery);
  const std::uint32_t epoch = w.next_epoch();

  std::vector<node_t>& sick = w.frontier;  // infected at the start of the step, sorted
  sick.assign(seeds.begin(), seeds.end());
  std::sort(sick.begin(), sick.end());
  trace.ever.assign(sick.begin(), sick.end());
  std::uint32_t removed = 0;
  for (node_t s : sick) {
    w.state[s] = infected;
    w.mark[s] = epoch;
    if (trace.cascade) {
      trace.cascade->node.push_back(s);
      trace.cascade->parent.push_back(max_nodes);
      trace.cascade->step.push_back(0);
    }
  }
  auto row = [&](std::uint32_t added) {
    const auto now = static_cast<std::uint32_t>(sick.size());
    const auto ever = static_cast<std::uint32_t>(trace.ever.size());
    if (sir) trace.rows.insert(trace.rows.end(), {added, ever, n - now - removed, now, removed});
    else trace.rows.insert(trace.rows.end(), {added, ever, n - now, now});
  };
  row(static_cast<std::uint32_t>(sick.size()));

  std::vector<node_t>& caught = w.next;
  std::vector<node_t>& staying = w.scratch;
  for (std::uint32_t step = 1; !sick.empty() && step <= run.max_steps && !stopping(run); ++step) {
    const std::size_t infected_before = sick.size();
    caught.clear();
    for (node_t u : sick)
      for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
        const node_t v = g.target(a);
        if (w.state[v] != susceptible || !below(infection.bits(replicate, step, a), beta)) continue;
        w.state[v] = infected_now;
        w.parent[v] = u;
        caught.push_back(v);
      }
    staying.clear();
    for (node_t u : sick) {
      if (gamma > 0 && recovery.uniform(replicate, step, u) < gamma) {
        w.state[u] = sir ? recovered : susceptible;
        removed += sir;
      } else {
        staying.push_back(u);
      }
    }
    std::sort(caught.begin(), caught.end());
    for (node_t v : caught) {
      w.state[v] = infected;
      if (w.mark[v] != epoch) {
        w.mark[v] = epoch;
        trace.ever.push_back(v);
      }
      if (trace.cascade) {
        trace.cascade->node.push_back(v);
        trace.cascade->parent.push_back(w.parent[v]);
        trace.cascade->step.push_back(step);
      }
    }
    sick.clear();
    std::merge(staying.begin(), staying.end(), caught.begin(), caught.end(), std::back_inserter(sick));
    row(static_cast<std::uint32_t>(caught.size()));
    if (caught.empty() && staying.size() == infected_before) {
      // A step without change: stop if none can follow (no recovery possible, and no infected
      // node can reach a susceptible one).
      const bool can_recover = gamma > 0 && !sick.empty();
      bool exposed = false;
      for (std::size_t i = 0; i < sick.size() && !exposed && beta > 0 && !can_recover; ++i)
        for (node_t v : g.neighbors(sick[i]))
          if (w.state[v] == susceptible) {
            exposed = true;
            break;
          }
      if (!can_recover && !exposed) break;
    }
  }
  for (node_t v : trace.ever) w.state[v] = susceptible;  // leave the workspace clean
}

}  // namespace guanxi::detail
