// Python bindings of influence maximisation (influence.hpp): IMM and OPIM-C for IC/WC/LT or
// given arc probabilities, one RR set (fast sampler and slow reference) for tests, and a
// campaign's IC equivalent. Runs go through run_in_background: progress, and Ctrl-C.
#include <cmath>
#include <optional>

#include "bindings.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/influence.hpp"
#include "guanxi/scenario.hpp"

namespace guanxi::python {
namespace {

py::dict to_python(InfluenceResult&& r) {
  py::dict out;
  out["algorithm"] = r.algorithm;
  out["seeds"] = to_numpy(std::move(r.seeds));
  out["marginal_gain"] = to_numpy(std::move(r.marginal_gain));
  out["spread"] = r.spread;
  out["lower_bound"] = r.lower_bound;
  out["optimum_upper_bound"] = r.optimum_upper_bound;
  out["approximation"] = r.approximation;
  out["confidence"] = r.confidence;
  out["rr_sets"] = r.rr_sets;
  out["rr_entries"] = r.rr_entries;
  out["memory_bytes"] = r.memory_bytes;
  out["rounds"] = r.rounds;
  out["seconds"] = r.seconds;
  return out;
}

InfluenceAlgorithm parse_algorithm(const std::string& name) {
  if (name == "imm") return InfluenceAlgorithm::imm;
  if (name == "opim" || name == "opim-c" || name == "opim_c") return InfluenceAlgorithm::opim_c;
  throw InputError("algorithm: must be 'imm' or 'opim', not '" + name + "'");
}

}  // namespace

void register_seeding(py::module_& m) {
  m.def(
      "influence_maximization",
      [](const Graph& g, const std::string& algorithm, const std::string& model, const std::string& probability,
         double p, std::optional<Array<float>> arc_p, const std::string& lt_weights, std::uint32_t k, double epsilon,
         double ell, std::uint64_t seed, int threads, py::object progress) {
        const InfluenceAlgorithm which = parse_algorithm(algorithm);
        InfluenceOptions options;
        options.k = k;
        options.epsilon = epsilon;
        options.ell = ell;
        options.seed = seed;
        options.threads = threads;
        // IC with the given arc probabilities, or the named model.
        const std::optional<ModelParams> params =
            arc_p ? std::nullopt : std::optional(diffusion_model(model, probability, p, lt_weights));
        // The total is unknown in advance: progress reports RR sets generated, against 0.
        return to_python(run_in_background(
            [&](RunControl& control) {
              return params ? influence_maximization(g, *params, options, which, &control)
                            : influence_maximization(g, span_of(*arc_p), options, which, &control);
            },
            0, std::move(progress)));
      },
      py::arg("graph"), py::arg("algorithm"), py::arg("model"), py::arg("probability"), py::arg("p"),
      py::arg("arc_p"), py::arg("lt_weights"), py::arg("k"), py::arg("epsilon"), py::arg("ell"), py::arg("seed"),
      py::arg("threads"), py::arg("progress"));

  using NoGil = py::call_guard<py::gil_scoped_release>;
  m.def(
      "rr_set",
      [](const Graph& g, const std::string& model, const std::string& probability, double p,
         const std::string& lt_weights, std::uint64_t seed, std::uint64_t collection, std::uint64_t index,
         bool reference) {
        const ModelParams params = diffusion_model(model, probability, p, lt_weights);
        return reference ? rr_set_reference(g, params, seed, index) : rr_set(g, params, seed, collection, index);
      },
      py::arg("graph"), py::arg("model"), py::arg("probability"), py::arg("p"), py::arg("lt_weights"),
      py::arg("seed"), py::arg("collection"), py::arg("index"), py::arg("reference"), NoGil());
  m.def(
      "campaign_ic_equivalent",
      [](const Graph& g, const std::string& json, const py::object& per_node) {
        const CampaignSpec spec = spec_with_groups(json, per_node);
        std::vector<float> p;
        {
          py::gil_scoped_release release;
          p = campaign_ic_equivalent(g, spec);
        }
        return to_numpy(std::move(p));
      },
      py::arg("graph"), py::arg("spec_json"), py::arg("per_node") = py::none());
}

}  // namespace guanxi::python
