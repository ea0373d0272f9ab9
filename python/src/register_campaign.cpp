// Python bindings of the campaign model: specs as JSON text (normalised and checked in C++),
// scenario files, runs in the background with progress, summaries and paired comparisons.
#include <filesystem>

#include "bindings.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"
#include "guanxi/parameters.hpp"
#include "guanxi/scenario.hpp"
#include "guanxi/seeding.hpp"

namespace guanxi::python {
namespace {

using RunPtr = std::shared_ptr<CampaignResult>;

// A run as Python sees it: the C++ result (handle), a read-only (replicates, steps, metrics) view
// of its values, and its warnings, timing and forests.
py::dict run_dict(const RunPtr& result) {
  py::dict out;
  py::object handle = py::cast(result);
  out["handle"] = handle;
  const auto width = static_cast<py::ssize_t>(campaign_metrics().size());
  out["values"] = readonly_view(std::span<const double>(result->values), handle)
                      .reshape({static_cast<py::ssize_t>(result->replicates), static_cast<py::ssize_t>(result->steps), width});
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
  // §11: each replicate's cohort rows (acquired, channel, churned, customers) and channel sums.
  py::list cohorts, channel_sums, segment_sums;
  for (const auto& life : result->lifecycle) {
    std::vector<double> by_segment = life.segments;
    const auto k = static_cast<py::ssize_t>(by_segment.size() / kSegmentColumns);
    segment_sums.append(to_numpy(std::move(by_segment)).reshape({k, static_cast<py::ssize_t>(kSegmentColumns)}));
    std::vector<std::uint32_t> rows = life.cohorts;
    const auto n = static_cast<py::ssize_t>(rows.size() / 4);
    cohorts.append(to_numpy(std::move(rows)).reshape({n, py::ssize_t{4}}));
    std::vector<double> sums = life.channels;
    const auto c = static_cast<py::ssize_t>(sums.size() / kLifecycleColumns);
    channel_sums.append(to_numpy(std::move(sums)).reshape({c, static_cast<py::ssize_t>(kLifecycleColumns)}));
  }
  out["cohorts"] = cohorts;
  out["channel_sums"] = channel_sums;
  out["segment_sums"] = segment_sums;  // §15 per replicate: (segments, kSegmentColumns)
  out["segments"] = result->segments;
  py::dict ledger_dict;
  for (const auto& [r, entries] : result->ledgers) {
    py::dict columns;
    std::vector<std::int64_t> node, referrer, group, churned;
    std::vector<std::uint8_t> channel, tier, segment;
    std::vector<std::uint32_t> acquired, purchases;
    std::vector<double> revenue, margin, incentives, earned;
    for (const auto& e : entries) {
      node.push_back(e.node);
      referrer.push_back(e.referrer == max_nodes ? -1 : static_cast<std::int64_t>(e.referrer));
      channel.push_back(e.channel);
      acquired.push_back(e.acquired);
      group.push_back(e.group);
      purchases.push_back(e.purchases);
      revenue.push_back(e.revenue);
      margin.push_back(e.margin);
      incentives.push_back(e.incentives);
      earned.push_back(e.earned);
      churned.push_back(e.churned);
      tier.push_back(e.tier);
      segment.push_back(e.segment);
    }
    columns["node"] = to_numpy(std::move(node));
    columns["referrer"] = to_numpy(std::move(referrer));
    columns["channel"] = to_numpy(std::move(channel));
    columns["acquired"] = to_numpy(std::move(acquired));
    columns["group"] = to_numpy(std::move(group));
    columns["purchases"] = to_numpy(std::move(purchases));
    columns["revenue"] = to_numpy(std::move(revenue));
    columns["margin"] = to_numpy(std::move(margin));
    columns["incentives"] = to_numpy(std::move(incentives));
    columns["earned"] = to_numpy(std::move(earned));
    columns["churned"] = to_numpy(std::move(churned));
    columns["tier"] = to_numpy(std::move(tier));
    columns["segment"] = to_numpy(std::move(segment));
    ledger_dict[py::int_(r)] = columns;
  }
  out["ledgers"] = ledger_dict;
  return out;
}

// What makes two scenarios' [graph] tables the same graph: the file as it resolves from the
// scenario's folder, with its reading options, or the generator with its parameters.
std::string graph_key(const Scenario& s) {
  const GraphSource& g = s.graph;
  std::string key;
  if (!g.file.empty()) {
    std::filesystem::path file = g.file;
    if (file.is_relative()) file = std::filesystem::path(s.path).parent_path() / file;
    key = "file\n" + std::filesystem::absolute(file).lexically_normal().string() + "\n" + g.format + "\n" +
          (g.directed ? (*g.directed ? "directed" : "undirected") : "");
  } else {
    key = "generator\n" + g.generator;
    for (const auto& [name, value] : g.params) key += "\n" + name + "=" + value;
  }
  return key;
}

}  // namespace

// A spec from JSON with the data it reads per node (Python's Campaign.per_node): None; the groups
// of community.initial = column (an int64 array, Python's groups=); or a dict with "groups" (that
// array, or None) and "segments" (None, or (codes, names): §15.1's column of segments.assign =
// column, one uint8 code per node into the names, "" meaning other).
CampaignSpec spec_with_groups(const std::string& json, const py::object& per_node) {
  CampaignSpec spec = spec_from_json(json);
  py::object groups = per_node, segments = py::none();
  if (py::isinstance<py::dict>(per_node)) {
    const py::dict data = per_node.cast<py::dict>();
    groups = data.contains("groups") ? py::object(data["groups"]) : py::object(py::none());
    segments = data.contains("segments") ? py::object(data["segments"]) : py::object(py::none());
  }
  if (!groups.is_none()) {
    const auto array = groups.cast<Array<std::int64_t>>();
    if (array.ndim() != 1) throw InputError("groups: expected one group id per node (a 1-d array)");
    spec.community.groups = std::make_shared<const std::vector<std::int64_t>>(array.data(), array.data() + array.size());
  }
  if (!segments.is_none()) {
    const auto pair = segments.cast<py::tuple>();
    const auto codes = pair[0].cast<Array<std::uint8_t>>();
    if (codes.ndim() != 1) throw InputError("segments.column: expected one segment per node (a 1-d array)");
    spec.segments.column = std::make_shared<const std::vector<std::uint8_t>>(codes.data(), codes.data() + codes.size());
    spec.segments.column_names = pair[1].cast<std::vector<std::string>>();
  }
  return spec;
}

void register_campaign(py::module_& m) {
  py::class_<CampaignResult, RunPtr>(m, "CampaignRun", "campaign results (wrapped by guanxi.CampaignResult)");
  m.def("campaign_metrics", [] { return campaign_metrics(); });
  m.def("seeding_strategies", [] { return seeding_strategies(); });
  m.def("campaign_channels", [] { return campaign_channels(); });
  m.def("campaign_tiers", [] { return campaign_tiers(); });
  m.def("segment_behaviour_keys", [] { return segment_behaviour_keys(); });
  m.def("campaign_segments", [](const std::string& json, const py::object& per_node) {
    return campaign_segments(spec_with_groups(json, per_node));
  }, py::arg("spec"), py::arg("per_node") = py::none());
  m.def("verify_every_step", [] { return campaign::verify_every_step(); },
        "Whether every replicate checks the model's invariants after every step (GUANXI_VERIFY).");
  m.def("comparison_metrics", [] { return comparison_metrics(); });
  m.def("campaign_spec", [](const std::string& json) { return spec_to_json(spec_from_json(json, "campaign")); });
  m.def("campaign_metric_registry", [] {
    py::list rows;
    for (const auto& info : campaign_metric_info()) {
      py::dict row;
      row["name"] = info.name;
      row["unit"] = std::string(metric_unit_name(info.unit));
      row["kind"] = std::string(metric_kind_name(info.kind));
      row["per_step"] = info.per_step;
      row["section"] = info.section;
      row["description"] = info.description;
      rows.append(row);
    }
    return rows;
  });
  // The parameter table; defaults are those of a default spec (read back by Python from its JSON).
  m.def("campaign_parameters", [] {
    py::list rows;
    for (const auto& p : campaign_parameters()) {
      py::dict row;
      row["path"] = p.path;
      row["type"] = std::string(parameter_type_name(p.type));
      row["range"] = parameter_range_text(p);
      row["unit"] = p.unit;
      row["section"] = p.section;
      row["doc"] = p.doc;
      row["choices"] = parameter_choices(p);
      rows.append(row);
    }
    return rows;
  });
  // Bytes of state per customer (the §11 ledger entry) and per node touched by a replicate.
  m.def("campaign_state_bytes", [] {
    py::dict out;
    const CampaignStateBytes bytes = campaign_state_bytes();
    out["ledger_per_customer"] = bytes.ledger_per_customer;
    out["per_touched_node"] = bytes.per_touched_node;
    return out;
  });
  m.def("lifecycle_columns", [] {
    return std::vector<std::string>{"customers", "margin", "incentives", "incentive_customers", "revenue"};
  });
  m.def("validate_campaign", [](const Graph& g, const std::string& json, py::object groups) {
    std::vector<std::string> warnings;
    for (const auto& w : validate(spec_with_groups(json, groups), g)) warnings.push_back(w.message());
    return warnings;
  }, py::arg("graph"), py::arg("spec"), py::arg("groups") = py::none());
  // A scenario file checked against its graph (its own [graph], or `graph`): errors and warnings
  // name the file, the line and the key. `graphs` (a dict, or None) keeps the graphs read or
  // generated for [graph] tables, so that scenarios naming the same graph share one copy.
  m.def("open_scenario", [](const std::string& path, std::shared_ptr<Graph> graph, py::object graphs) {
    Scenario s = load_scenario(path);
    if (!graph) {
      if (s.graph.empty())
        throw InputError(path + ": [graph] is missing (add one, or pass a graph: graph= in Python, "
                                "--graph FILE on the command line)");
      const py::str key = graph_key(s);
      if (!graphs.is_none() && graphs.contains(key)) {
        graph = graphs[key].cast<std::shared_ptr<Graph>>();
      } else {
        {
          py::gil_scoped_release release;  // reads or generates a graph: no Python objects involved
          graph = std::make_shared<Graph>(load_scenario_graph(s));
        }
        if (!graphs.is_none()) graphs[key] = graph;
      }
    }
    const auto warnings = check_scenario(s, *graph);
    py::dict out;
    out["name"] = s.name;
    out["description"] = s.description;
    out["spec"] = spec_to_json(s.spec);
    out["graph"] = graph;
    out["warnings"] = warnings;
    py::dict source;  // the [graph] table, so that Campaign.to_toml can write it back
    if (!s.graph.file.empty()) source["file"] = s.graph.file;
    if (!s.graph.format.empty()) source["format"] = s.graph.format;
    if (s.graph.directed) source["directed"] = *s.graph.directed;
    if (!s.graph.generator.empty()) source["generator"] = s.graph.generator;
    for (const auto& [key, value] : s.graph.params) source[py::str(key)] = value;
    out["graph_source"] = source;
    out["groups"] = s.spec.community.groups ? py::object(to_numpy(std::vector<std::int64_t>(*s.spec.community.groups)))
                                            : py::object(py::none());
    out["segment_column"] = s.spec.segments.column
                                ? py::object(py::make_tuple(to_numpy(std::vector<std::uint8_t>(*s.spec.segments.column)),
                                                            s.spec.segments.column_names))
                                : py::object(py::none());
    return out;
  }, py::arg("path"), py::arg("graph").none(true), py::arg("graphs") = py::none());
  // A message about `key` of a scenario file, placed as the engine places its own errors.
  m.def("scenario_message", [](const std::string& path, const std::string& key, const std::string& what) {
    return load_scenario(path).message_at(key, what);
  }, py::arg("path"), py::arg("key"), py::arg("what"));
  m.def(
      "run_campaign",
      [](std::shared_ptr<Graph> g, const std::string& json, std::uint64_t replicates, std::uint64_t seed, int threads,
         std::vector<std::uint64_t> forests, py::object progress, std::uint64_t first, py::object groups,
         std::vector<std::uint64_t> ledgers) {
        const CampaignSpec spec = spec_with_groups(json, groups);
        CampaignRunOptions options;
        options.replicates = replicates;
        options.first_replicate = first;
        options.seed = seed;
        options.threads = threads;
        options.forests = std::move(forests);
        options.ledgers = std::move(ledgers);
        auto result = std::make_shared<CampaignResult>(run_in_background(
            [&](RunControl& control) { return run_campaign(*g, spec, options, &control); }, replicates,
            std::move(progress)));
        return run_dict(result);
      },
      py::arg("graph"), py::arg("spec"), py::arg("replicates"), py::arg("seed"), py::arg("threads"),
      py::arg("forests"), py::arg("progress"), py::arg("first") = 0, py::arg("groups") = py::none(),
      py::arg("ledgers") = std::vector<std::uint64_t>{});
  // A run rebuilt from its values (unpickling): (replicates, steps, metrics) of this engine's metrics.
  m.def("campaign_run", [](const Array<double>& values, std::uint64_t first_replicate) {
    if (values.ndim() != 3 || values.shape(2) != static_cast<py::ssize_t>(campaign_metrics().size()))
      throw InputError("values: expected shape (replicates, steps, " + std::to_string(campaign_metrics().size()) + ")");
    auto result = std::make_shared<CampaignResult>();
    result->replicates = static_cast<std::uint64_t>(values.shape(0));
    result->steps = static_cast<std::uint32_t>(values.shape(1));
    result->first_replicate = first_replicate;
    result->values.assign(values.data(), values.data() + values.size());
    return run_dict(result);
  });
}

}  // namespace guanxi::python
