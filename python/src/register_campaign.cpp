// Python bindings of the campaign model: specs as JSON text (normalised and checked in C++),
// scenario files, runs in the background with progress, summaries and paired comparisons.
#include "bindings.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/scenario.hpp"
#include "guanxi/seeding.hpp"

namespace guanxi::python {
namespace {

using RunPtr = std::shared_ptr<CampaignResult>;

py::list summary_rows(const CampaignResult& r, double level) {
  py::list rows;
  for (const auto& m : summarize(r, level)) rows.append(py::make_tuple(m.metric, m.mean, m.ci_low, m.ci_high, m.sd, m.n));
  return rows;
}

}  // namespace

void register_campaign(py::module_& m) {
  py::class_<CampaignResult, RunPtr>(m, "CampaignRun", "campaign results (wrapped by guanxi.CampaignResult)");
  m.def("campaign_metrics", [] { return campaign_metrics(); });
  m.def("campaign_channels", [] { return campaign_channels(); });
  m.def("comparison_metrics", [] { return comparison_metrics(); });
  m.def("campaign_spec", [](const std::string& json) { return spec_to_json(spec_from_json(json, "campaign")); });
  m.def("validate_campaign", [](const Graph& g, const std::string& json) { return validate(spec_from_json(json), g); });
  m.def("load_scenario", [](const std::string& path) {
    const Scenario s = load_scenario(path);
    py::dict out;
    out["name"] = s.name;
    out["description"] = s.description;
    out["spec"] = spec_to_json(s.spec);
    out["seed_labels"] = s.seed_labels;
    return out;
  });
  m.def("load_scenario_graph", [](const std::string& path) {
    const Scenario s = load_scenario(path);
    if (s.graph.empty()) throw InputError(path + ": [graph] is missing (pass graph=)");
    py::gil_scoped_release release;  // reads or generates a graph: no Python objects involved
    return std::make_shared<Graph>(load_scenario_graph(s));
  });
  m.def("resolve_labels", [](const Graph& g, const std::vector<std::string>& labels, const std::string& where) {
    std::vector<node_t> out;
    for (const auto& label : labels) {
      const auto node = find_label(g, label);
      if (!node) throw InputError(where + ": seeding.nodes: no node labelled '" + label + "' in the graph");
      out.push_back(*node);
    }
    return out;
  });
  m.def(
      "run_campaign",
      [](std::shared_ptr<Graph> g, const std::string& json, std::uint64_t replicates, std::uint64_t seed, int threads,
         std::vector<std::uint64_t> forests, py::object progress, std::uint64_t first) {
        const CampaignSpec spec = spec_from_json(json);
        CampaignRunOptions options;
        options.replicates = replicates;
        options.first_replicate = first;
        options.seed = seed;
        options.threads = threads;
        options.forests = std::move(forests);
        auto result = std::make_shared<CampaignResult>(run_in_background(
            [&](RunControl& control) { return run_campaign(*g, spec, options, &control); }, replicates,
            std::move(progress)));
        py::dict out;
        py::object handle = py::cast(result);
        out["handle"] = handle;
        const auto width = static_cast<py::ssize_t>(campaign_metrics().size());
        out["values"] = readonly_view(std::span<const double>(result->values), handle)
                            .reshape({static_cast<py::ssize_t>(result->replicates),
                                      static_cast<py::ssize_t>(result->steps), width});
        out["metrics"] = campaign_metrics();
        out["warnings"] = result->warnings;
        out["seconds"] = result->seconds;
        py::dict forest_dict;
        for (const auto& [r, entries] : result->forests) {
          std::vector<node_t> node, referrer;
          std::vector<std::uint8_t> channel;
          std::vector<std::uint32_t> step, depth;
          for (const auto& e : entries) {
            node.push_back(e.node);
            referrer.push_back(e.referrer);
            channel.push_back(e.channel);
            step.push_back(e.step);
            depth.push_back(e.depth);
          }
          forest_dict[py::int_(r)] = py::make_tuple(to_numpy(std::move(node)), to_numpy(std::move(referrer)),
                                                    to_numpy(std::move(channel)), to_numpy(std::move(step)),
                                                    to_numpy(std::move(depth)));
        }
        out["forests"] = forest_dict;
        return out;
      },
      py::arg("graph"), py::arg("spec"), py::arg("replicates"), py::arg("seed"), py::arg("threads"),
      py::arg("forests"), py::arg("progress"), py::arg("first") = 0);
  m.def("summarize_campaign", [](const CampaignResult& r, double level) { return summary_rows(r, level); });
  m.def("compare_campaigns", [](const CampaignResult& base, const CampaignResult& design,
                                const std::vector<std::string>& metrics, double level) {
    py::list rows;
    for (const auto& d : compare_to_baseline(base, design, metrics, level))
      rows.append(py::make_tuple(d.metric, d.baseline_mean, d.design_mean, d.mean_difference, d.ci_low, d.ci_high,
                                 d.share_higher));
    return rows;
  });
}

}  // namespace guanxi::python
