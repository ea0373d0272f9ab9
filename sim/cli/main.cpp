// The guanxi command-line tool: `info`, `generate`, `convert`, `simulate`, `run`, `compare`. Every failure prints one line
// "guanxi: error: ..." and exits with a documented code: 0 ok, 1 bad input (a file, a value out
// of range), 2 usage (an unknown command or option, a missing argument), 130 interrupted.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "guanxi/analytics.hpp"
#include "guanxi/campaign.hpp"
#include "guanxi/diffusion.hpp"
#include "guanxi/scenario.hpp"
#include "guanxi/seeding.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/io.hpp"
#include "guanxi/parallel.hpp"

namespace {

using guanxi::Graph;

struct ReadArgs {
  std::string format;
  bool directed = false, undirected = false;
  std::string self_loops = "drop", duplicates = "merge", merge_weights = "sum";
  bool string_ids = false, keep_ids = false;
};

void add_read_options(CLI::App* cmd, ReadArgs& args) {
  cmd->add_option("--format", args.format, "input format: edgelist, mtx, gml, graphml, snapshot (default: from the suffix)");
  cmd->add_flag("--directed", args.directed, "read as a directed graph");
  cmd->add_flag("--undirected", args.undirected, "read as an undirected graph (merges u->v and v->u)");
  cmd->add_option("--self-loops", args.self_loops, "drop, keep or error")->capture_default_str();
  cmd->add_option("--duplicates", args.duplicates, "merge, keep or error")->capture_default_str();
  cmd->add_option("--merge-weights", args.merge_weights, "sum or max, for merged duplicates")->capture_default_str();
  cmd->add_flag("--string-ids", args.string_ids, "edge lists: node ids are arbitrary tokens");
  cmd->add_flag("--keep-ids", args.keep_ids, "edge lists: use integer ids as node ids (no relabelling)");
}

// Exit codes, documented in --help and docs/cli.md.
constexpr int kExitBadInput = 1, kExitUsage = 2, kExitInterrupted = 130;

// Numeric options are checked as text, before CLI11 converts them: a negative count must not wrap
// around to 18446744073709551615, and "1e12" or "abc" must say what was expected.
CLI::Validator integer_in(std::uint64_t low, std::uint64_t high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        const bool whole = !text.empty() && text[0] != '-' && text[0] != '+' && ec == std::errc() &&
                           end == text.data() + text.size();
        if (!whole || value < low || value > high)
          return "must be an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "], got '" + text + "'";
        return "";
      },
      "INT in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
}

CLI::Validator number_in(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        double value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
            value < low || value > high)
          return "must be a number in [" + guanxi::format_number(low) + ", " + guanxi::format_number(high) + "], got '" +
                 text + "'";
        return "";
      },
      "NUMBER in [" + guanxi::format_number(low) + ", " + guanxi::format_number(high) + "]");
}

constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMaxReplicates = 1'000'000'000'000;  // memory is checked against the machine too
const CLI::Validator probability = number_in(0, 1);

Graph read(const std::string& path, const ReadArgs& args) {
  guanxi::ReadOptions options;
  if (args.directed && args.undirected) throw guanxi::InputError("--directed and --undirected exclude each other");
  if (args.directed) options.directed = true;
  if (args.undirected) options.directed = false;
  options.self_loops = guanxi::parse_self_loops(args.self_loops);
  options.duplicates = guanxi::parse_duplicates(args.duplicates);
  options.merge_weights = guanxi::parse_merge_weights(args.merge_weights);
  options.string_ids = args.string_ids;
  options.relabel = !args.keep_ids;
  std::optional<guanxi::Format> format;
  if (!args.format.empty()) format = guanxi::parse_format(args.format);
  return guanxi::read_graph(path, format, options);
}

std::string fixed(double x, int digits = 4) {
  if (std::isnan(x)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, x);
  return text;
}

// "[low, high]", or "n/a" where the interval is not available (one replicate).
std::string interval(double low, double high, int digits) {
  if (std::isnan(low) || std::isnan(high)) return "n/a (one replicate)";
  return "[" + fixed(low, digits) + ", " + fixed(high, digits) + "]";
}

nlohmann::json json_number(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

void info(const std::string& path, const ReadArgs& args, bool json) {
  const auto start = std::chrono::steady_clock::now();
  const Graph g = read(path, args);
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto degrees = guanxi::degree_stats(g);
  const auto components = guanxi::connected_components(g);
  const double clustering = guanxi::average_clustering(g);
  const double transitivity = guanxi::transitivity(g);
  guanxi::IterativeOptions spectral;
  spectral.tolerance = 1e-9;
  std::optional<double> lambda;  // empty when the eigensolver does not converge
  try {
    lambda = guanxi::spectral_radius(g, spectral);
  } catch (const std::runtime_error&) {
  }
  const double threshold = guanxi::percolation_threshold(g);

  nlohmann::ordered_json out;
  out["file"] = path;
  out["directed"] = g.directed();
  out["nodes"] = g.num_nodes();
  out["ties"] = g.num_ties();
  out["weighted"] = g.has_weights();
  out["degree"] = {{"min", degrees.min}, {"mean", degrees.mean}, {"max", degrees.max}, {"std", degrees.std},
                   {"second_moment", degrees.second_moment}, {"isolated", degrees.isolated}};
  out["components"] = {{"count", components.count()}, {"largest", components.largest()},
                       {"largest_fraction", g.num_nodes() ? double(components.largest()) / g.num_nodes() : 0.0}};
  out["average_clustering"] = clustering;
  out["transitivity"] = transitivity;
  out["spectral_radius"] = lambda ? nlohmann::json(*lambda) : nlohmann::json(nullptr);
  out["threshold_spectral"] = lambda && *lambda > 0 ? nlohmann::json(1.0 / *lambda) : nlohmann::json(nullptr);
  out["threshold_degree"] = threshold;
  out["memory_bytes"] = g.memory_bytes();
  out["read_seconds"] = read_seconds;
  if (json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  const char* kind = g.directed() ? "directed" : "undirected";
  std::cout << path << "\n"
            << "  nodes               " << g.num_nodes() << "\n"
            << "  ties                " << g.num_ties() << " (" << kind << (g.has_weights() ? ", weighted" : "") << ")\n"
            << "  degree              min " << degrees.min << "  mean " << fixed(degrees.mean, 2) << "  max "
            << degrees.max << "  std " << fixed(degrees.std, 2) << "  isolated " << degrees.isolated << "\n"
            << "  components          " << components.count() << " (largest " << components.largest() << ", "
            << fixed(100.0 * components.largest() / std::max<guanxi::node_t>(1, g.num_nodes()), 1) << "%)\n"
            << "  clustering          average " << fixed(clustering) << "  transitivity " << fixed(transitivity) << "\n"
            << "  spectral radius     "
            << (lambda ? fixed(*lambda) + "  (epidemic threshold 1/lambda = " +
                             (*lambda > 0 ? fixed(1.0 / *lambda, 5) : std::string("inf")) + ")"
                       : std::string("n/a (eigensolver did not converge)"))
            << "\n"
            << "  threshold estimate  <k>/(<k^2>-<k>) = " << fixed(threshold, 5) << "\n"
            << "  memory              " << fixed(g.memory_bytes() / 1048576.0, 1) << " MiB  (read in "
            << fixed(read_seconds, 2) << " s)\n";
}

struct SimulateArgs {
  std::string path, model = "ic", probability = "uniform", lt_weights = "uniform", seeds = "top-degree:10",
                    kernel = "auto";
  double p = 0.01, beta = 0.1, gamma = 0.1, phi = 0.0, bass_p = 0.01, bass_q = 0.3;
  std::uint32_t k = 2, max_steps = 0;
  std::uint64_t replicates = 1000, seed = 0;
  bool json = false, quiet = false;
};

guanxi::RunControl* active_run = nullptr;  // for the SIGINT handler
extern "C" void on_interrupt(int) {
  if (active_run) active_run->cancel.store(true);
}

// Runs `work` on a worker thread; this thread draws a progress bar on stderr (when it is a
// terminal) and Ctrl-C cancels the run within a step.
template <class Work>
auto run_with_progress(Work work, std::uint64_t total, bool show, const std::string& label = "") {
  guanxi::RunControl control;
  active_run = &control;
  std::signal(SIGINT, on_interrupt);
  decltype(work(control)) result;
  std::exception_ptr failure;
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    try {
      result = work(control);
    } catch (...) {
      failure = std::current_exception();
    }
    finished.store(true);
  });
  const bool bar = show && ::isatty(STDERR_FILENO);
  while (!finished.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (bar) {
      const double done = static_cast<double>(control.replicates_done.load()) / static_cast<double>(total);
      const int width = 40, filled = static_cast<int>(done * width);
      std::fprintf(stderr, "\r  %s [%s%s] %5.1f%%", label.c_str(), std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), 100 * done);
    }
  }
  worker.join();
  if (bar) std::fprintf(stderr, "\r%100s\r", "");
  std::signal(SIGINT, SIG_DFL);
  active_run = nullptr;
  if (failure) std::rethrow_exception(failure);
  return result;
}

int simulate_command(const SimulateArgs& args, const ReadArgs& read_args, int threads) {
  const Graph g = read(args.path, read_args);
  guanxi::ModelParams params;
  params.model = guanxi::parse_model(args.model);
  if (args.model == "wc") params.ic_probability = guanxi::IcProbability::weighted_cascade;
  else if (args.probability == "weights") params.ic_probability = guanxi::IcProbability::weights;
  else if (args.probability == "wc") params.ic_probability = guanxi::IcProbability::weighted_cascade;
  else if (args.probability != "uniform")
    throw guanxi::InputError("--probability: must be uniform, weights or wc, not '" + args.probability + "'");
  if (args.lt_weights == "graph") params.lt_weights = guanxi::LtWeights::graph;
  else if (args.lt_weights != "uniform")
    throw guanxi::InputError("--lt-weights: must be uniform or graph, not '" + args.lt_weights + "'");
  params.p = args.p;
  params.beta = args.beta;
  params.gamma = args.gamma;
  params.k = args.k;
  params.phi = args.phi;
  params.bass_p = args.bass_p;
  params.bass_q = args.bass_q;
  guanxi::SeedSet seeds;
  try {
    if (!(params.model == guanxi::Model::bass && args.seeds == "none")) seeds = guanxi::parse_seeds(g, args.seeds);
  } catch (const guanxi::InputError& e) {
    throw guanxi::InputError("--" + std::string(e.what()));  // "seeds: ..." names the option
  }
  guanxi::RunOptions options;
  options.replicates = args.replicates;
  options.seed = args.seed;
  options.threads = threads;
  options.max_steps = args.max_steps;
  options.kernel = guanxi::parse_kernel(args.kernel);
  options.record_timeseries = false;
  const auto result = run_with_progress(
      [&](guanxi::RunControl& control) {
        try {
          return guanxi::simulate(g, params, seeds, options, &control);
        } catch (const guanxi::ParameterError& e) {
          if (e.key() != "replicates") throw;
          throw guanxi::InputError("--replicates: " + e.reason());  // the option that set it
        }
      },
      options.replicates, !args.quiet && !args.json);

  const double R = static_cast<double>(result.replicates);
  double mean = 0, squares = 0, steps = 0;
  for (std::uint64_t r = 0; r < result.replicates; ++r) {
    mean += static_cast<double>(result.final_size[r]);
    steps += result.last_step[r];
  }
  mean /= R;
  steps /= R;
  for (auto s : result.final_size) squares += (static_cast<double>(s) - mean) * (static_cast<double>(s) - mean);
  // One replicate has no spread to estimate: sd and interval are not available (NaN, "n/a").
  const double sd = result.replicates > 1 ? std::sqrt(squares / (R - 1)) : std::nan("");
  // Student t 95% interval of the mean, as gx.simulate's ci().
  const double half = guanxi::student_t_quantile(0.95, result.replicates - 1) * sd / std::sqrt(R);
  nlohmann::ordered_json out;
  out["file"] = args.path;
  out["model"] = args.model;
  out["kernel"] = guanxi::kernel_name(result.kernel);
  out["replicates"] = result.replicates;
  out["seed"] = args.seed;
  out["mean"] = mean;
  out["ci95"] = {json_number(mean - half), json_number(mean + half)};
  out["sd"] = json_number(sd);
  out["mean_fraction"] = mean / g.num_nodes();
  out["mean_last_step"] = steps;
  out["seconds"] = result.seconds;
  out["ms_per_replicate"] = 1e3 * result.seconds / R;
  if (args.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << args.model << " on " << args.path << " (" << g.num_nodes() << " nodes, " << g.num_ties()
            << " ties), " << result.replicates << " replicates, seed " << args.seed << ", kernel "
            << guanxi::kernel_name(result.kernel) << "\n"
            << "  final size   mean " << fixed(mean, 2) << "  95% CI " << interval(mean - half, mean + half, 2)
            << "  sd " << fixed(sd, 2) << "  (" << fixed(100 * mean / g.num_nodes(), 2) << "% of nodes)\n"
            << "  last step    mean " << fixed(steps, 2) << "\n"
            << "  time         " << fixed(result.seconds, 3) << " s  (" << fixed(1e3 * result.seconds / R, 4)
            << " ms per replicate)\n";
  return 0;
}

struct CampaignArgs {
  std::vector<std::string> scenarios;
  std::string graph, out;
  std::optional<std::uint64_t> replicates, seed;
  bool quiet = false, json = false;
};

// Scenarios with their graph: --graph overrides; otherwise each scenario's own [graph] (scenarios
// naming the same graph share one copy). Every scenario is checked against its graph here, before
// anything runs, and its warnings are printed once ("file:line: key: what").
struct LoadedCampaign {
  guanxi::Scenario scenario;
  std::shared_ptr<const Graph> graph;
  std::vector<std::string> warnings;  // "file:line: key: what"
};

std::vector<LoadedCampaign> load_campaigns(const CampaignArgs& args, const ReadArgs& read_args) {
  std::vector<LoadedCampaign> out;
  std::shared_ptr<const Graph> shared;
  if (!args.graph.empty()) shared = std::make_shared<const Graph>(read(args.graph, read_args));
  std::map<std::string, std::shared_ptr<const Graph>> by_source;
  for (const auto& path : args.scenarios) {
    LoadedCampaign c{guanxi::load_scenario(path), shared, {}};
    if (!c.graph) {
      if (c.scenario.graph.empty())
        throw guanxi::InputError(path + ": [graph] is missing (give one, or pass --graph FILE)");
      nlohmann::json key = {{"file", c.scenario.graph.file}, {"generator", c.scenario.graph.generator},
                            {"params", c.scenario.graph.params}, {"dir", std::filesystem::path(path).parent_path().string()}};
      auto& g = by_source[key.dump()];
      if (!g) g = std::make_shared<const Graph>(guanxi::load_scenario_graph(c.scenario));
      c.graph = g;
    }
    c.warnings = guanxi::check_scenario(c.scenario, *c.graph);
    for (const auto& w : c.warnings) std::cerr << "guanxi: warning: " << w << "\n";
    if (c.scenario.name.empty()) c.scenario.name = std::filesystem::path(path).stem().string();
    const std::uint64_t replicates = args.replicates.value_or(c.scenario.spec.run.replicates);
    guanxi::check_result_size(replicates, c.scenario.spec.run.steps, args.replicates ? "--replicates" : "run.replicates");
    out.push_back(std::move(c));
  }
  return out;
}

guanxi::CampaignResult run_loaded(const LoadedCampaign& c, const CampaignArgs& args, int threads) {
  guanxi::CampaignRunOptions options;
  options.replicates = args.replicates.value_or(c.scenario.spec.run.replicates);
  options.seed = args.seed.value_or(c.scenario.spec.run.seed);
  options.threads = threads;
  return run_with_progress(
      [&](guanxi::RunControl& control) { return guanxi::run_campaign(*c.graph, c.scenario.spec, options, &control); },
      options.replicates, !args.quiet && !args.json, c.scenario.name);
}

// --out names a folder: refuse an existing file before a long run rather than fail after it.
void check_out_folder(const std::string& out) {
  if (out.empty()) return;
  std::error_code error;
  const auto status = std::filesystem::status(out, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status))
    throw guanxi::InputError("--out: '" + out + "' exists and is not a folder (--out names a folder for timeseries.csv and summary.json)");
}

// Digits grouped by thousands ("-1,234,567.8"), with a sign on request (differences).
std::string grouped(double x, int decimals, bool sign) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, std::abs(x));
  std::string digits(text), out;
  const auto point = digits.find('.');
  const std::string whole = digits.substr(0, point), fraction = point == std::string::npos ? "" : digits.substr(point);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  const bool zero = std::string(text).find_first_not_of("0.") == std::string::npos;
  const char* prefix = x < 0 && !zero ? "-" : sign && !zero ? "+" : "";
  return prefix + out + fraction;
}

// A metric's value as people read it: money in whole currency units with thousands separators
// (cents only where the whole row is below 100), counts with one decimal (means over
// replicates), shares as percentages (differences of shares in percentage points), ratios with
// three decimals. `scale` is the largest magnitude of the row, so one row has one format.
std::string format_metric(double x, guanxi::MetricUnit unit, double scale, bool difference = false) {
  using enum guanxi::MetricUnit;
  if (std::isnan(x)) return "n/a";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char text[64];
  switch (unit) {
    case money: return grouped(x, scale >= 100 || x == 0 ? 0 : 2, difference);
    case share: return grouped(100 * x, 1, difference) + (difference ? " pp" : "%");
    case ratio:
    case strength:
    case levels:
      std::snprintf(text, sizeof text, difference ? "%+.3f" : "%.3f", x);
      return text;
    default:
      if (scale >= 1e15) {
        std::snprintf(text, sizeof text, difference ? "%+.3e" : "%.3e", x);
        return text;
      }
      return grouped(x, scale >= 1e5 ? 0 : 1, difference);
  }
}

// The largest finite magnitude among a row's values.
double row_scale(std::initializer_list<double> values) {
  double scale = 0;
  for (double v : values)
    if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
  return scale;
}

// "[low, high]" in the row's format, "n/a" where the interval is not available.
std::string format_interval(double low, double high, guanxi::MetricUnit unit, double scale, bool difference = false) {
  if (std::isnan(low) || std::isnan(high)) return "n/a";
  return "[" + format_metric(low, unit, scale, difference) + ", " + format_metric(high, unit, scale, difference) + "]";
}

guanxi::MetricUnit unit_of(const std::string& metric) {
  for (const auto& info : guanxi::campaign_metric_info())
    if (info.name == metric) return info.unit;
  return guanxi::MetricUnit::ratio;  // incremental_roi, a comparison row
}

// The run summary's groups. new_customers_<channel> count one step only, so the table shows the
// cumulative customers_<channel> instead (both are in timeseries.csv and summary.json).
std::string summary_group(const guanxi::MetricInfo& m) {
  using enum guanxi::MetricUnit;
  if (m.name.starts_with("new_customers_")) return "";
  if (m.name.starts_with("customers_")) return "customers by channel (cumulative)";
  if (m.name == "largest_cascade" || m.name == "max_depth" || m.name == "structural_virality") return "referral cascades";
  if (m.unit == people) return "people";
  if (m.unit == purchases || m.unit == money || m.name == "incentive_roi") return "sales and money (currency units)";
  if (m.per_step || m.name.ends_with("success_rate")) return "referral (reaches, conversion rate and k-factor: the last day)";
  return "trust and network value";
}

int run_command(const CampaignArgs& args, const ReadArgs& read_args, int threads) {
  check_out_folder(args.out);
  const auto campaigns = load_campaigns(args, read_args);
  const LoadedCampaign& c = campaigns.front();
  const auto result = run_loaded(c, args, threads);
  const auto summary = guanxi::summarize(result);
  const auto& names = guanxi::campaign_metrics();
  if (!args.out.empty()) {
    std::filesystem::create_directories(args.out);
    std::ofstream csv(std::filesystem::path(args.out) / "timeseries.csv");
    csv << "replicate,step,metric,value\n";
    for (std::uint64_t r = 0; r < result.replicates; ++r)
      for (std::uint32_t t = 0; t < result.steps; ++t)
        for (std::size_t k = 0; k < names.size(); ++k) {
          const double v = result.values[(r * result.steps + t) * names.size() + k];
          csv << r << ',' << t << ',' << names[k] << ',';
          if (std::isnan(v)) {
            csv << "nan";
          } else {
            char text[32];  // shortest text that reads back as the same double
            const auto [end, ec] = std::to_chars(text, text + sizeof text, v);
            csv.write(text, end - text);
          }
          csv << '\n';
        }
    if (!csv) throw guanxi::IoError(args.out + "/timeseries.csv: write failed");
  }
  nlohmann::ordered_json out;
  out["scenario"] = c.scenario.path;
  out["name"] = c.scenario.name;
  out["replicates"] = result.replicates;
  out["steps"] = result.steps;
  out["seed"] = args.seed.value_or(c.scenario.spec.run.seed);
  out["seconds"] = result.seconds;
  out["warnings"] = c.warnings;
  for (const auto& m : summary)
    out["metrics"][m.metric] = {{"mean", json_number(m.mean)}, {"ci95", {json_number(m.ci_low), json_number(m.ci_high)}},
                                {"sd", json_number(m.sd)}, {"replicates", m.n}};
  if (!args.out.empty()) {
    std::ofstream json(std::filesystem::path(args.out) / "summary.json");
    json << out.dump(2) << "\n";
    if (!json) throw guanxi::IoError(args.out + "/summary.json: write failed");
  }
  if (args.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << c.scenario.name << ": " << result.replicates << " replicates x " << result.steps << " days, seed "
            << out["seed"] << " (" << fixed(result.seconds, 2) << " s)\n"
            << "means at day " << result.steps - 1 << " (the horizon) with 95% confidence intervals"
            << (result.replicates < 2 ? " (not available from one replicate)" : "") << "\n";
  const auto& info = guanxi::campaign_metric_info();
  std::vector<std::string> groups;
  for (const auto& m : info) {
    const std::string group = summary_group(m);
    if (!group.empty() && std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
  }
  for (const auto& group : groups) {
    std::printf("\n%s\n", group.c_str());
    for (std::size_t k = 0; k < info.size(); ++k) {
      if (summary_group(info[k]) != group) continue;
      const auto& m = summary[k];
      const double scale = row_scale({m.mean, m.ci_low, m.ci_high});
      std::printf("  %-26s %16s   %s\n", m.metric.c_str(), format_metric(m.mean, info[k].unit, scale).c_str(),
                  format_interval(m.ci_low, m.ci_high, info[k].unit, scale).c_str());
    }
  }
  if (!args.out.empty()) std::cout << "\nwrote " << args.out << "/timeseries.csv and summary.json\n";
  return 0;
}

int compare_command(const CampaignArgs& args, const ReadArgs& read_args, int threads) {
  if (args.scenarios.size() < 2) throw guanxi::InputError("compare: give at least two scenarios (the first is the baseline)");
  auto campaigns = load_campaigns(args, read_args);
  const LoadedCampaign& baseline = campaigns.front();
  for (const auto& c : campaigns) {
    if (c.scenario.spec.run.steps != baseline.scenario.spec.run.steps)
      c.scenario.fail_at("run.steps", "differs from the baseline's (" + std::to_string(baseline.scenario.spec.run.steps) +
                                          " in " + baseline.scenario.path + "); compared designs share the horizon");
    if (c.graph->num_nodes() != baseline.graph->num_nodes())
      std::cerr << "guanxi: warning: " << c.scenario.path << ": its graph has " << c.graph->num_nodes()
                << " nodes and the baseline's (" << baseline.scenario.path << ") " << baseline.graph->num_nodes()
                << ": paired differences then compare different populations\n";
  }
  std::vector<guanxi::CampaignResult> results;
  CampaignArgs same = args;  // every campaign shares the baseline's replicates, steps and seed
  same.replicates = args.replicates.value_or(baseline.scenario.spec.run.replicates);
  same.seed = args.seed.value_or(baseline.scenario.spec.run.seed);
  for (auto& c : campaigns) results.push_back(run_loaded(c, same, threads));
  nlohmann::ordered_json out;
  out["baseline"] = baseline.scenario.name;
  out["replicates"] = *same.replicates;
  out["seed"] = *same.seed;
  if (!args.json)
    std::cout << "paired differences against \"" << baseline.scenario.name << "\" (" << *same.replicates
              << " replicates, seed " << *same.seed << ", common random numbers; means at day "
              << results.front().steps - 1 << ", 95% confidence intervals"
              << (*same.replicates < 2 ? ", not available from one replicate" : "") << ")\n";
  for (std::size_t i = 1; i < campaigns.size(); ++i) {
    const auto rows = guanxi::compare_to_baseline(results.front(), results[i], guanxi::comparison_metrics());
    const std::string& name = campaigns[i].scenario.name;
    if (!args.json) {
      std::printf("\n%s\n  %-24s %14s %14s %14s   %-30s %7s\n", name.c_str(), "metric", "baseline", "design",
                  "difference", "95% CI of the difference", "higher");
    }
    for (const auto& r : rows) {
      out["designs"][name][r.metric] = {{"baseline", json_number(r.baseline_mean)}, {"design", json_number(r.design_mean)},
                                        {"difference", json_number(r.mean_difference)},
                                        {"ci95", {json_number(r.ci_low), json_number(r.ci_high)}},
                                        {"share_higher", json_number(r.share_higher)}};
      if (args.json) continue;
      const guanxi::MetricUnit unit = unit_of(r.metric);
      const double scale = row_scale({r.baseline_mean, r.design_mean, r.mean_difference, r.ci_low, r.ci_high});
      const std::string higher = std::isnan(r.share_higher) ? "n/a" : fixed(100 * r.share_higher, 0) + "%";
      std::printf("  %-24s %14s %14s %14s   %-30s %7s\n", r.metric.c_str(), format_metric(r.baseline_mean, unit, scale).c_str(),
                  format_metric(r.design_mean, unit, scale).c_str(), format_metric(r.mean_difference, unit, scale, true).c_str(),
                  format_interval(r.ci_low, r.ci_high, unit, scale, true).c_str(), higher.c_str());
    }
  }
  if (args.json) std::cout << out.dump(2) << "\n";
  return 0;
}

// CLI11 reports a misspelt subcommand as "A subcommand is required"; name it instead. Checks
// the first word after `skip` that is not an option (options taking a value are listed).
void check_subcommand(const CLI::App& cmd, const std::vector<std::string>& args, std::size_t from,
                      const std::vector<std::string>& options_with_value, const std::string& what) {
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (std::find(options_with_value.begin(), options_with_value.end(), word) != options_with_value.end()) {
      ++i;
      continue;
    }
    if (!word.empty() && word[0] == '-') continue;
    std::string names;
    for (const auto* sub : cmd.get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->get_name() == word) return;
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    throw guanxi::InputError("unknown " + what + " '" + word + "' (choose from " + names + ")");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"guanxi: product diffusion on social networks — graph tools.", "guanxi"};
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) { return std::string("guanxi: error: ") + e.what() + "\n"; });
  app.footer(
      "Examples:\n"
      "  guanxi generate holme-kim --n 100000 --m 4 --p 0.5 --seed 1 -o social.gx\n"
      "  guanxi info social.gx\n"
      "  guanxi info ../shared/data/facebook_combined.edges --json\n"
      "  guanxi convert karate.gml karate.edges\n"
      "  guanxi simulate facebook_combined.edges --model ic --p 0.01 --seeds top-degree:10 --replicates 10000 --seed 1\n"
      "  guanxi run examples/05_group_buy.toml --replicates 50 --out results/\n"
      "  guanxi compare examples/01_no_incentive.toml examples/02_one_sided_referral.toml examples/05_group_buy.toml\n"
      "\n"
      "Exit codes: 0 ok; 1 bad input (a file that cannot be read, a value out of range, a scenario error);\n"
      "2 usage (unknown command or option, missing argument); 130 interrupted (Ctrl-C).");
  int threads = 0;
  app.fallthrough();  // subcommands inherit it: `guanxi run x.toml --threads 2` reaches --threads
  app.add_option("--threads", threads, "worker threads (default: all cores; results do not depend on it)")
      ->check(integer_in(0, 4096));
  app.set_version_flag("--version", std::string("guanxi ") + GUANXI_VERSION, "print the version and exit");

  ReadArgs info_args;
  bool json = false;
  std::string info_path;
  auto* info_cmd = app.add_subcommand("info", "print size, degrees, components, clustering and thresholds of a graph");
  info_cmd->add_option("FILE", info_path, "graph file (.edges/.txt/.csv[.gz], .mtx, .gml, .graphml, .gx)")->required();
  info_cmd->add_flag("--json", json, "print JSON");
  add_read_options(info_cmd, info_args);

  std::string convert_in, convert_out;
  ReadArgs convert_args;
  auto* convert_cmd = app.add_subcommand("convert", "convert a graph file (output: edge list [.gz] or .gx snapshot)");
  convert_cmd->add_option("IN", convert_in, "input graph file")->required();
  convert_cmd->add_option("OUT", convert_out, "output file: .gx snapshot, otherwise an edge list (.gz compresses)")->required();
  add_read_options(convert_cmd, convert_args);

  SimulateArgs sim;
  ReadArgs sim_read;
  auto* simulate_cmd = app.add_subcommand("simulate", "Monte Carlo of a classic diffusion model: IC, WC, LT, SI, SIR, SIS, complex, Bass");
  simulate_cmd->add_option("FILE", sim.path, "graph file")->required();
  simulate_cmd->add_option("--model", sim.model, "ic, wc (IC with p = 1/in-degree), lt, si, sir, sis, complex, bass")->capture_default_str();
  simulate_cmd->add_option("--p", sim.p, "IC: arc probability; Bass: innovation p")->capture_default_str()->check(probability);
  simulate_cmd->add_option("--probability", sim.probability, "IC arc probability: uniform (--p), weights (the graph's), wc (1/in-degree)")->capture_default_str();
  simulate_cmd->add_option("--lt-weights", sim.lt_weights, "LT in-arc weights: uniform (1/in-degree) or graph (normalised)")->capture_default_str();
  simulate_cmd->add_option("--beta", sim.beta, "SI/SIR/SIS infection probability per contact per step")->capture_default_str()->check(probability);
  simulate_cmd->add_option("--gamma", sim.gamma, "SIR/SIS recovery probability per step")->capture_default_str()->check(probability);
  simulate_cmd->add_option("--k", sim.k, "complex contagion: active in-neighbours needed")->capture_default_str()->check(integer_in(1, guanxi::max_nodes - 1));
  simulate_cmd->add_option("--phi", sim.phi, "complex contagion: fraction of in-neighbours needed (overrides --k)")->capture_default_str()->check(probability);
  simulate_cmd->add_option("--bass-q", sim.bass_q, "Bass imitation q")->capture_default_str()->check(probability);
  simulate_cmd->add_option("--seeds", sim.seeds, "top-degree:K, pagerank:K, kcore:K, random:K (per replicate), node labels '1,2,3', or none (Bass)")->capture_default_str();
  simulate_cmd->add_option("--replicates", sim.replicates, "Monte Carlo replicates")->capture_default_str()->check(integer_in(1, kMaxReplicates));
  simulate_cmd->add_option("--seed", sim.seed, "random seed")->capture_default_str()->check(integer_in(0, kMaxSeed));
  simulate_cmd->add_option("--max-steps", sim.max_steps, "stop after this many steps (0: until nothing changes; SIS 100)")->capture_default_str()->check(integer_in(0, guanxi::max_nodes - 1));
  simulate_cmd->add_option("--kernel", sim.kernel, "auto, scalar (reference), sparse (IC, uniform p), bitparallel (IC, LT)")->capture_default_str();
  simulate_cmd->add_flag("--json", sim.json, "print JSON");
  simulate_cmd->add_flag("--quiet", sim.quiet, "no progress bar");
  add_read_options(simulate_cmd, sim_read);

  CampaignArgs run_args, compare_args;
  ReadArgs run_read, compare_read;
  auto add_campaign_options = [&](CLI::App* cmd, CampaignArgs& a, ReadArgs& r) {
    cmd->add_option("--graph", a.graph, "graph file overriding the scenarios' [graph]");
    cmd->add_option("--replicates", a.replicates, "Monte Carlo replicates (default: the scenario's [run])")
        ->check(integer_in(1, kMaxReplicates));
    cmd->add_option("--seed", a.seed, "random seed (default: the scenario's [run])")->check(integer_in(0, kMaxSeed));
    cmd->add_flag("--json", a.json, "print JSON");
    cmd->add_flag("--quiet", a.quiet, "no progress bar");
    add_read_options(cmd, r);
  };
  auto* run_cmd = app.add_subcommand("run", "run a campaign scenario (TOML) and print its summary at the horizon");
  run_cmd->add_option("SCENARIO", run_args.scenarios, "scenario file (.toml)")->required()->expected(1);
  run_cmd->add_option("--out", run_args.out, "write timeseries.csv and summary.json into this folder");
  add_campaign_options(run_cmd, run_args, run_read);
  auto* compare_cmd = app.add_subcommand("compare", "compare campaign scenarios with common random numbers (paired differences against the first)");
  compare_cmd->add_option("SCENARIOS", compare_args.scenarios, "scenario files (.toml); the first is the baseline")->required();
  add_campaign_options(compare_cmd, compare_args, compare_read);

  auto* generate_cmd = app.add_subcommand("generate", "generate a graph: guanxi generate KIND [--param value ...] -o FILE");
  generate_cmd->require_subcommand(1);
  std::string generate_out;
  std::uint64_t generate_seed = 0;
  std::map<std::string, std::map<std::string, std::string>> generator_params;
  for (const auto& gen : guanxi::generator_catalog()) {
    auto* cmd = generate_cmd->add_subcommand(gen.name, gen.summary);
    auto& params = generator_params[gen.name];
    for (const auto& p : gen.params) {
      params[p.name] = p.default_value;
      cmd->add_option("--" + p.name, params[p.name], p.help)->capture_default_str();
    }
    cmd->add_option("--seed", generate_seed, "random seed")->capture_default_str()->check(integer_in(0, kMaxSeed));
    cmd->add_option("-o,--output", generate_out, "output file: .gx snapshot, otherwise an edge list")->required();
  }

  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    check_subcommand(app, args, 0, {"--threads"}, "command");
    const auto generate_at = std::find(args.begin(), args.end(), "generate");
    if (generate_at != args.end())
      check_subcommand(*generate_cmd, args, static_cast<std::size_t>(generate_at - args.begin()) + 1, {}, "generator");
  } catch (const guanxi::InputError& e) {
    std::cerr << "guanxi: error: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or the one-line error
    if (code == 0) return 0;
    // A value that does not convert or is out of range is bad input; the rest is usage.
    const bool bad_value = dynamic_cast<const CLI::ValidationError*>(&e) || dynamic_cast<const CLI::ConversionError*>(&e);
    return bad_value ? kExitBadInput : kExitUsage;
  }

  try {
    return guanxi::with_threads(threads, [&]() -> int {
      if (*run_cmd) return run_command(run_args, run_read, threads);
      if (*compare_cmd) return compare_command(compare_args, compare_read, threads);
      if (*simulate_cmd) {
        if (sim.model == "bass") sim.bass_p = sim.p;
        return simulate_command(sim, sim_read, threads);
      }
      if (*info_cmd) {
        info(info_path, info_args, json);
      } else if (*convert_cmd) {
        const Graph g = read(convert_in, convert_args);
        guanxi::write_graph(g, convert_out);
        std::cout << "wrote " << convert_out << ": " << g.num_nodes() << " nodes, " << g.num_ties() << " ties\n";
      } else {
        for (const auto& gen : guanxi::generator_catalog()) {
          if (!generate_cmd->got_subcommand(gen.name)) continue;
          auto params = generator_params[gen.name];
          params["seed"] = std::to_string(generate_seed);
          const auto start = std::chrono::steady_clock::now();
          const Graph g = gen.make(params);
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          guanxi::write_graph(g, generate_out);
          std::cout << "wrote " << generate_out << ": " << gen.name << ", " << g.num_nodes() << " nodes, "
                    << g.num_ties() << " ties (generated in " << fixed(seconds, 2) << " s)\n";
        }
      }
      return 0;
    });
  } catch (const guanxi::Cancelled&) {
    std::cerr << "guanxi: interrupted\n";
    return kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "guanxi: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}
