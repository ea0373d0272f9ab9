// Python bindings of the diffusion runner and the seeding strategies (runs go through
// run_in_background: progress, and Ctrl-C within a step).
#include "bindings.hpp"
#include "guanxi/diffusion.hpp"
#include "guanxi/error.hpp"
#include "guanxi/seeding.hpp"

namespace guanxi::python {
namespace {

py::dict to_python(SimulationResult&& r) {
  py::dict out;
  out["model"] = model_name(r.model);
  out["kernel"] = kernel_name(r.kernel);
  out["replicates"] = r.replicates;
  out["states"] = r.states;
  out["steps"] = r.steps;
  out["seconds"] = r.seconds;
  const auto width = static_cast<py::ssize_t>(r.states.size());
  py::array_t<std::uint32_t> counts = to_numpy(std::move(r.counts));
  if (counts.size() > 0)
    counts = counts.reshape({static_cast<py::ssize_t>(r.replicates), static_cast<py::ssize_t>(r.steps), width});
  out["counts"] = counts;
  out["final_size"] = to_numpy(std::move(r.final_size));
  out["last_step"] = to_numpy(std::move(r.last_step));
  out["activation_count"] = to_numpy(std::move(r.activation_count));
  py::dict cascades;
  for (auto& [replicate, c] : r.cascades)
    cascades[py::int_(replicate)] =
        py::make_tuple(to_numpy(std::move(c.node)), to_numpy(std::move(c.parent)), to_numpy(std::move(c.step)));
  out["cascades"] = cascades;
  return out;
}

py::dict run_simulation(const Graph& g, const ModelParams& params, const SeedSet& seeds, const RunOptions& options,
                        py::object progress) {
  return to_python(run_in_background(
      [&](RunControl& control) { return simulate(g, params, seeds, options, &control); }, options.replicates,
      std::move(progress)));
}

}  // namespace

void register_simulate(py::module_& m) {
  m.def(
      "simulate",
      [](const Graph& g, const std::string& model, const std::string& probability, double p,
         const std::string& lt_weights, double beta, double gamma, std::uint32_t k, double phi, double bass_p,
         double bass_q, const Array<node_t>& seed_nodes, std::uint32_t random_k, std::uint64_t replicates,
         std::uint64_t seed, int threads, std::uint32_t max_steps, const std::string& kernel,
         bool record_timeseries, std::vector<std::uint64_t> cascades, py::object progress) {
        ModelParams params = diffusion_model(model, probability, p, lt_weights);
        params.beta = beta;
        params.gamma = gamma;
        params.k = k;
        params.phi = phi;
        params.bass_p = bass_p;
        params.bass_q = bass_q;
        SeedSet seeds;
        seeds.nodes.assign(seed_nodes.data(), seed_nodes.data() + seed_nodes.size());
        seeds.random_k = random_k;
        RunOptions options;
        options.replicates = replicates;
        options.seed = seed;
        options.threads = threads;
        options.max_steps = max_steps;
        options.kernel = parse_kernel(kernel);
        options.record_timeseries = record_timeseries;
        options.cascades = std::move(cascades);
        return run_simulation(g, params, seeds, options, std::move(progress));
      },
      py::arg("graph"), py::arg("model"), py::arg("probability"), py::arg("p"), py::arg("lt_weights"),
      py::arg("beta"), py::arg("gamma"), py::arg("k"), py::arg("phi"), py::arg("bass_p"), py::arg("bass_q"),
      py::arg("seed_nodes"), py::arg("random_k"), py::arg("replicates"), py::arg("seed"), py::arg("threads"),
      py::arg("max_steps"), py::arg("kernel"), py::arg("record_timeseries"), py::arg("cascades"),
      py::arg("progress"));

  // Seeding: rankings read only the immutable graph, so the GIL is released.
  using NoGil = py::call_guard<py::gil_scoped_release>;
  m.def("seeds_random", [](const Graph& g, std::uint32_t k, std::uint64_t seed) { return seeds_random(g, k, seed); },
        NoGil());
  m.def("seeds_top_degree", [](const Graph& g, std::uint32_t k) { return seeds_top_degree(g, k); }, NoGil());
  m.def("seeds_top_pagerank", [](const Graph& g, std::uint32_t k) { return seeds_top_pagerank(g, k); }, NoGil());
  m.def("seeds_top_kcore", [](const Graph& g, std::uint32_t k) { return seeds_top_kcore(g, k); }, NoGil());
  // A seed spec for a run of `model` (imm:K seeds are chosen for that model).
  m.def(
      "parse_seeds",
      [](const Graph& g, const std::string& spec, const std::string& model, const std::string& probability, double p,
         const std::string& lt_weights) {
        const ModelParams params = diffusion_model(model, probability, p, lt_weights);
        SeedSet s;
        {
          py::gil_scoped_release release;
          s = parse_seeds(g, spec, &params);
        }
        return py::make_tuple(s.nodes, s.random_k);
      },
      py::arg("graph"), py::arg("spec"), py::arg("model") = "ic", py::arg("probability") = "uniform",
      py::arg("p") = 0.01, py::arg("lt_weights") = "uniform");
}

}  // namespace guanxi::python
