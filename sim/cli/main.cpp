// The guanxi command-line tool: `info`, `generate`, `convert`. Every failure prints one line
// "guanxi: error: ..." and exits with a non-zero code.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "guanxi/analytics.hpp"
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
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, x);
  return text;
}

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
      "  guanxi convert karate.gml karate.edges");
  int threads = 0;
  app.add_option("--threads", threads, "worker threads (default: all cores)");

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
    cmd->add_option("--seed", generate_seed, "random seed")->capture_default_str();
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
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    return guanxi::with_threads(threads, [&]() -> int {
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
  } catch (const std::exception& e) {
    std::cerr << "guanxi: error: " << e.what() << "\n";
    return 1;
  }
}
