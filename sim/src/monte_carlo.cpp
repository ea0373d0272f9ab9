// The Monte Carlo runner: validates parameters and seeds, prepares per-run tables, runs the
// replicates (in parallel over replicates, or over the frontier of a few fused batches), and
// assembles per-replicate sizes, per-step counts, activation counts and cascades. A
// replicate's outcome is a pure function of (seed, replicate), so the thread count never
// changes the result.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <tuple>

#include <tbb/enumerable_thread_specific.h>

#include "guanxi/analytics.hpp"
#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/seeding.hpp"
#include "kernels.hpp"

namespace guanxi {
namespace detail {

// Only the arrays a model uses are allocated (a workspace per thread on huge graphs).
void Workspace::prepare(node_t n, Model model, std::uint64_t max_degree) {
  if (mark.size() == n) return;
  mark.assign(n, 0);
  parent.assign(n, max_nodes);
  if (model == Model::lt || model == Model::complex || model == Model::bass) touched.assign(n, 0);
  if (model == Model::lt) {
    accumulated.assign(n, 0.0);
    threshold.assign(n, 0.0);
  }
  if (model == Model::complex || model == Model::bass) count.assign(n, 0);
  if (model == Model::si || model == Model::sir || model == Model::sis) state.assign(n, 0);
  if (model == Model::ic) {
    moved.assign(max_degree, 0);
    moved_stamp.assign(max_degree, 0);
  }
  epoch = 0;
  shuffle = 0;
}

std::uint32_t Workspace::next_shuffle() {
  if (++shuffle == 0) {
    std::fill(moved_stamp.begin(), moved_stamp.end(), 0);
    shuffle = 1;
  }
  return shuffle;
}

std::uint32_t Workspace::next_epoch() {
  if (++epoch == 0) {  // wrapped: old stamps could collide
    std::fill(mark.begin(), mark.end(), 0);
    std::fill(touched.begin(), touched.end(), 0);  // empty when the model does not use it
    epoch = 1;
  }
  return epoch;
}

std::vector<std::string> model_states(Model model) {
  switch (model) {
    case Model::sir: return {"susceptible", "infected", "recovered"};
    case Model::si:
    case Model::sis: return {"susceptible", "infected"};
    default: return {"inactive", "active"};
  }
}

Prepared prepare(const Graph& g, const ModelParams& params, std::uint64_t seed, std::uint32_t max_steps,
                 Kernel kernel) {
  Prepared run;
  run.graph = &g;
  run.params = params;
  run.seed = seed;
  run.max_steps = max_steps;
  run.uniform_threshold = fixed_point(params.p);
  const Model model = params.model;
  const bool wc = model == Model::ic && params.ic_probability == IcProbability::weighted_cascade;
  if (wc || model == Model::lt || model == Model::complex) run.in_degree = in_degrees(g);
  if (wc) {
    run.node_threshold.resize(g.num_nodes());
    for (node_t v = 0; v < g.num_nodes(); ++v)
      run.node_threshold[v] = run.in_degree[v] == 0 ? 0 : fixed_point(1.0 / static_cast<double>(run.in_degree[v]));
  }
  if (kernel == Kernel::sparse) {
    std::uint64_t largest = 0;
    for (node_t u = 0; u < g.num_nodes(); ++u) largest = std::max(largest, g.degree(u));
    run.no_live_arc.resize(largest + 1);
    const double log1m_p = std::log1p(-params.p);
    for (std::uint64_t d = 0; d <= largest; ++d) run.no_live_arc[d] = std::exp(static_cast<double>(d) * log1m_p);
  }
  if (model == Model::lt) {
    // In-arcs of each node (counting sort by target), then weights normalised per node.
    const node_t n = g.num_nodes();
    std::vector<arc_t> start(std::uint64_t{n} + 1, 0);
    for (node_t v : g.targets()) ++start[v + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<arc_t> in_arcs(g.num_arcs()), cursor(start.begin(), start.end() - 1);
    for (arc_t a = 0; a < g.num_arcs(); ++a) in_arcs[cursor[g.target(a)]++] = a;
    const bool weighted = params.lt_weights == LtWeights::graph;
    auto weight = [&](arc_t a) { return weighted ? static_cast<double>(g.weights()[a]) : 1.0; };
    const bool fused = kernel != Kernel::scalar;
    if (fused) {
      run.lt_low.assign(g.num_arcs(), 0);
      run.lt_high.assign(g.num_arcs(), 0);
    } else {
      run.lt_weight.assign(g.num_arcs(), 0.0f);
    }
    for (node_t v = 0; v < n; ++v) {
      double total = 0;
      for (arc_t i = start[v]; i < start[v + 1]; ++i) total += weight(in_arcs[i]);
      if (total <= 0) continue;  // no weight in: v can never be activated by neighbours
      double below = 0;
      for (arc_t i = start[v]; i < start[v + 1]; ++i) {
        const arc_t a = in_arcs[i];
        const double w = weight(a) / total;
        if (fused) {
          run.lt_low[a] = fixed_point(below);
          below += w;
          // The last in-arc closes the interval at 1, whatever the rounding.
          run.lt_high[a] = i + 1 == start[v + 1] ? kAlways : fixed_point(below);
        } else {
          run.lt_weight[a] = static_cast<float>(w);
        }
      }
    }
  }
  return run;
}

}  // namespace detail

Model parse_model(const std::string& name) {
  if (name == "ic" || name == "wc") return Model::ic;
  if (name == "lt") return Model::lt;
  if (name == "si") return Model::si;
  if (name == "sir") return Model::sir;
  if (name == "sis") return Model::sis;
  if (name == "complex") return Model::complex;
  if (name == "bass") return Model::bass;
  throw InputError("model: must be one of ic, wc, lt, si, sir, sis, complex, bass; not '" + name + "'");
}

std::string model_name(Model model) {
  switch (model) {
    case Model::ic: return "ic";
    case Model::lt: return "lt";
    case Model::si: return "si";
    case Model::sir: return "sir";
    case Model::sis: return "sis";
    case Model::complex: return "complex";
    case Model::bass: return "bass";
  }
  return "?";
}

Kernel parse_kernel(const std::string& name) {
  if (name == "auto") return Kernel::automatic;
  if (name == "scalar") return Kernel::scalar;
  if (name == "bitparallel" || name == "fused") return Kernel::bit_parallel;
  if (name == "sparse") return Kernel::sparse;
  throw InputError("kernel: must be auto, scalar, sparse or bitparallel; not '" + name + "'");
}

std::string kernel_name(Kernel kernel) {
  switch (kernel) {
    case Kernel::scalar: return "scalar";
    case Kernel::sparse: return "sparse";
    case Kernel::bit_parallel: return "bitparallel";
    default: return "auto";
  }
}

namespace {

void check_probability(double p, const std::string& name) {
  if (!(p >= 0.0 && p <= 1.0)) throw InputError(name + ": must be a probability in [0, 1], got " + format_number(p));
}

}  // namespace

IcProbability parse_ic_probability(const std::string& name) {
  if (name == "uniform") return IcProbability::uniform;
  if (name == "weights") return IcProbability::weights;
  if (name == "wc" || name == "weighted_cascade") return IcProbability::weighted_cascade;
  throw InputError("probability: must be 'uniform', 'weights' or 'wc', not '" + name + "'");
}

LtWeights parse_lt_weights(const std::string& name) {
  if (name == "uniform") return LtWeights::uniform;
  if (name == "graph") return LtWeights::graph;
  throw InputError("weights: must be 'uniform' or 'graph', not '" + name + "'");
}

void validate(const ModelParams& params, const Graph& g) {
  switch (params.model) {
    case Model::ic:
      if (params.ic_probability == IcProbability::uniform) check_probability(params.p, "p");
      if (params.ic_probability == IcProbability::weights) {
        if (!g.has_weights()) throw InputError("probability: 'weights' needs a graph with arc weights");
        for (node_t u = 0; u < g.num_nodes(); ++u)
          for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a)
            if (!(g.weights()[a] <= 1.0f))
              throw InputError("probability: arc weights are IC probabilities and must be in [0, 1]; arc " +
                               g.labels().to_string(u) + " -> " + g.labels().to_string(g.target(a)) + " has " +
                               format_number(g.weights()[a]));
      }
      break;
    case Model::lt:
      if (params.lt_weights == LtWeights::graph && !g.has_weights())
        throw InputError("weights: 'graph' needs a graph with arc weights");
      break;
    case Model::si:
    case Model::sir:
    case Model::sis:
      check_probability(params.beta, "beta");
      if (params.model != Model::si) check_probability(params.gamma, "gamma");
      break;
    case Model::complex:
      if (params.phi > 0) check_probability(params.phi, "phi");
      else if (params.k < 1) throw InputError("k: must be >= 1");
      if (!(params.phi >= 0)) throw InputError("phi: must be in [0, 1]");
      break;
    case Model::bass:
      check_probability(params.bass_p, "p");
      check_probability(params.bass_q, "q");
      break;
  }
}

namespace {

Kernel choose_kernel(const ModelParams& params, Kernel requested) {
  const bool fusable = params.model == Model::ic || params.model == Model::lt;
  const bool sparse_ok = params.model == Model::ic && params.ic_probability == IcProbability::uniform;
  switch (requested) {
    case Kernel::bit_parallel:
      if (!fusable) throw InputError("kernel: 'bitparallel' applies to ic and lt only, not " + model_name(params.model));
      return Kernel::bit_parallel;
    case Kernel::sparse:
      if (!sparse_ok) throw InputError("kernel: 'sparse' applies to ic with a uniform p only");
      return Kernel::sparse;
    case Kernel::scalar: return Kernel::scalar;
    // Measured on facebook_combined (bench/bench_diffusion.py): sparse wins for uniform IC
    // at the p of IC studies, the fused kernel for per-arc IC; scalar LT (no draw per arc)
    // beats the fused live-edge LT.
    default: return sparse_ok ? Kernel::sparse : params.model == Model::ic ? Kernel::bit_parallel : Kernel::scalar;
  }
}

}  // namespace

SimulationResult simulate(const Graph& g, const ModelParams& params, const SeedSet& seeds, const RunOptions& options,
                          RunControl* control) {
  const auto start_time = std::chrono::steady_clock::now();
  const node_t n = g.num_nodes();
  if (n == 0) throw InputError("graph: empty (no nodes)");
  validate(params, g);
  if (options.replicates < 1) throw InputError("replicates: must be >= 1");
  // Per replicate: its trace, final size and last step, before any row is recorded.
  require_memory(static_cast<double>(options.replicates) * (sizeof(detail::Trace) + sizeof(std::uint64_t) + sizeof(std::uint32_t)),
                 "replicates", std::to_string(options.replicates) + " replicates");
  if (seeds.random_k > 0 && !seeds.nodes.empty())
    throw InputError("seeds: give node ids or a random count, not both");
  if (seeds.random_k > n) throw InputError("seeds: cannot draw " + std::to_string(seeds.random_k) + " of " + std::to_string(n) + " nodes");
  if (params.model != Model::bass && seeds.random_k == 0 && seeds.nodes.empty())
    throw InputError("seeds: at least one seed is needed");
  {
    std::vector<node_t> sorted(seeds.nodes);
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] >= n) throw InputError("seeds: node id " + std::to_string(sorted[i]) + " out of range [0, " + std::to_string(n) + ")");
      if (i > 0 && sorted[i] == sorted[i - 1]) throw InputError("seeds: node " + std::to_string(sorted[i]) + " listed twice");
    }
  }
  for (std::uint64_t r : options.cascades)
    if (r >= options.replicates)
      throw InputError("cascades: replicate " + std::to_string(r) + " out of range [0, " + std::to_string(options.replicates) + ")");

  const Kernel kernel = choose_kernel(params, options.kernel);
  std::uint32_t max_steps = options.max_steps;
  if (max_steps == 0) max_steps = params.model == Model::sis ? 100 : params.model == Model::bass ? 10000 : max_nodes;
  detail::Prepared run = detail::prepare(g, params, options.seed, max_steps, kernel);
  if (control) run.cancel = &control->cancel;

  SimulationResult result;
  result.model = params.model;
  result.kernel = kernel;
  result.replicates = options.replicates;
  result.states = {"new", "cumulative"};
  for (auto& s : detail::model_states(params.model)) result.states.push_back(s);
  const std::size_t width = result.states.size();
  for (std::uint64_t r : options.cascades) result.cascades[r];  // created before threads start

  const std::uint64_t replicates = options.replicates;
  std::uint64_t max_degree = 0;
  for (node_t u = 0; u < n; ++u) max_degree = std::max(max_degree, g.degree(u));
  std::vector<detail::Trace> traces(replicates);
  for (std::uint64_t r = 0; r < replicates; ++r) {
    traces[r].width = width;
    const auto it = result.cascades.find(r);
    if (it != result.cascades.end()) traces[r].cascade = &it->second;
  }
  auto seeds_of = [&](std::uint64_t r) {
    if (seeds.random_k == 0) return seeds.nodes;
    RandomSequence draws(Random(options.seed, stream::random_seeds), r);
    return sample_nodes(n, seeds.random_k, draws);
  };
  auto cancelled = [&] { return control && control->cancel.load(std::memory_order_relaxed); };
  auto progress = [&](std::uint64_t done) {
    if (control) control->replicates_done.fetch_add(done, std::memory_order_relaxed);
  };

  result.activation_count.assign(n, 0);
  with_threads(options.threads, [&] {
    const int threads = tbb::this_task_arena::max_concurrency();
    if (kernel == Kernel::bit_parallel) {
      const std::uint64_t batches = (replicates + detail::kFusedLanes - 1) / detail::kFusedLanes;
      const bool frontier_parallel = batches < static_cast<std::uint64_t>(threads);
      tbb::enumerable_thread_specific<std::vector<std::uint64_t>> counts(std::vector<std::uint64_t>(n, 0));
      auto run_batch = [&](std::uint64_t b) {
        if (cancelled()) return;
        detail::FusedBatch batch;
        batch.first = b * detail::kFusedLanes;
        batch.lanes = static_cast<std::uint32_t>(std::min<std::uint64_t>(detail::kFusedLanes, replicates - batch.first));
        for (std::uint32_t lane = 0; lane < batch.lanes; ++lane) batch.seeds.push_back(seeds_of(batch.first + lane));
        std::vector<detail::Trace> lane_traces(batch.lanes);
        for (std::uint32_t lane = 0; lane < batch.lanes; ++lane) {
          lane_traces[lane].width = width;
          lane_traces[lane].cascade = traces[batch.first + lane].cascade;
        }
        batch.traces = &lane_traces;
        batch.frontier_parallel = frontier_parallel;
        batch.cancel = control ? &control->cancel : nullptr;
        detail::run_fused(run, batch, counts.local());
        for (std::uint32_t lane = 0; lane < batch.lanes; ++lane) traces[batch.first + lane].rows.swap(lane_traces[lane].rows);
        progress(batch.lanes);
      };
      if (frontier_parallel) {
        for (std::uint64_t b = 0; b < batches; ++b) run_batch(b);
      } else {
        parallel_for(0, batches, 1, run_batch);
      }
      for (const auto& local : counts)
        for (node_t v = 0; v < n; ++v) result.activation_count[v] += local[v];
      return;
    }
    tbb::enumerable_thread_specific<detail::Workspace> workspaces;
    tbb::enumerable_thread_specific<std::vector<std::uint64_t>> counts(std::vector<std::uint64_t>(n, 0));
    parallel_for(0, replicates, 1, [&](std::uint64_t r) {
      if (cancelled()) return;
      detail::Workspace& w = workspaces.local();
      w.prepare(n, params.model, max_degree);
      const std::vector<node_t> replicate_seeds = seeds_of(r);
      detail::Trace& trace = traces[r];
      switch (params.model) {
        case Model::ic:
          if (kernel == Kernel::sparse) detail::run_ic_sparse(run, r, replicate_seeds, w, trace);
          else detail::run_ic_scalar(run, r, replicate_seeds, w, trace);
          break;
        case Model::lt: detail::run_lt_scalar(run, r, replicate_seeds, w, trace); break;
        case Model::si:
        case Model::sir:
        case Model::sis: detail::run_epidemic(run, r, replicate_seeds, w, trace); break;
        case Model::complex: detail::run_complex(run, r, replicate_seeds, w, trace); break;
        case Model::bass: detail::run_bass(run, r, replicate_seeds, w, trace); break;
      }
      auto& local = counts.local();
      for (node_t v : trace.ever) ++local[v];
      std::vector<node_t>().swap(trace.ever);
      progress(1);
    });
    for (const auto& local : counts)
      for (node_t v = 0; v < n; ++v) result.activation_count[v] += local[v];
  });
  if (cancelled()) throw Cancelled();

  // Cascade records in (step, node) order, whichever kernel or mode produced them.
  for (auto& entry : result.cascades) {
    auto& c = entry.second;  // not a structured binding: clang 14 (make fuzz) cannot capture one
    std::vector<std::size_t> order(c.node.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::tie(c.step[a], c.node[a]) < std::tie(c.step[b], c.node[b]);
    });
    Cascade sorted;
    for (std::size_t i : order) {
      sorted.node.push_back(c.node[i]);
      sorted.parent.push_back(c.parent[i]);
      sorted.step.push_back(c.step[i]);
    }
    c = std::move(sorted);
  }

  // Pad every replicate to the longest: after its end a replicate repeats its final state.
  std::uint64_t steps = 0;
  for (const auto& t : traces) steps = std::max<std::uint64_t>(steps, t.rows.size() / width);
  result.steps = static_cast<std::uint32_t>(steps);
  result.final_size.resize(replicates);
  result.last_step.resize(replicates);
  if (options.record_timeseries) result.counts.resize(replicates * steps * width);
  for (std::uint64_t r = 0; r < replicates; ++r) {
    const auto& rows = traces[r].rows;
    const std::uint64_t own = rows.size() / width;
    const std::uint32_t* last = rows.data() + (own - 1) * width;
    result.final_size[r] = last[1];
    // The last step whose row shows a change: new activations, or any state count moving
    // (recoveries in SIR/SIS).
    std::uint32_t last_change = 0;
    for (std::uint64_t s = 1; s < own; ++s)
      if (rows[s * width] > 0 || !std::equal(rows.begin() + s * width + 2, rows.begin() + (s + 1) * width,
                                             rows.begin() + (s - 1) * width + 2))
        last_change = static_cast<std::uint32_t>(s);
    result.last_step[r] = last_change;
    if (!options.record_timeseries) continue;
    std::uint32_t* out = result.counts.data() + r * steps * width;
    std::copy(rows.begin(), rows.end(), out);
    for (std::uint64_t s = own; s < steps; ++s) {
      std::copy(last, last + width, out + s * width);
      out[s * width] = 0;
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return result;
}

}  // namespace guanxi
