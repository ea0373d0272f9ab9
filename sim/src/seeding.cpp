// Seeding strategies: random, top degree, top PageRank, top k-core, and the textual spec.
#include "guanxi/seeding.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <numeric>
#include <unordered_set>

#include "guanxi/analytics.hpp"
#include "guanxi/error.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/influence.hpp"

namespace guanxi {
namespace {

void check_k(const Graph& g, std::uint32_t k) {
  if (k < 1 || k > g.num_nodes())
    throw InputError("k: must be in [1, " + std::to_string(g.num_nodes()) + "], got " + std::to_string(k));
}

// The k best nodes by `better` (a strict order), sorted by rank.
template <class Better>
std::vector<node_t> top(const Graph& g, std::uint32_t k, Better better) {
  check_k(g, k);
  std::vector<node_t> order(g.num_nodes());
  std::iota(order.begin(), order.end(), node_t{0});
  std::partial_sort(order.begin(), order.begin() + k, order.end(), better);
  order.resize(k);
  return order;
}

std::vector<node_t> top_by_pagerank(const Graph& g, std::uint32_t k, const std::vector<double>& rank) {
  return top(g, k, [&](node_t a, node_t b) { return rank[a] != rank[b] ? rank[a] > rank[b] : a < b; });
}

std::vector<node_t> top_by_kcore(const Graph& g, std::uint32_t k, const std::vector<std::uint32_t>& core) {
  return top(g, k, [&](node_t a, node_t b) {
    if (core[a] != core[b]) return core[a] > core[b];
    if (g.degree(a) != g.degree(b)) return g.degree(a) > g.degree(b);
    return a < b;
  });
}

}  // namespace

std::vector<node_t> sample_nodes(node_t n, std::uint32_t k, RandomSequence& draws) {
  std::unordered_set<node_t> chosen;
  std::vector<node_t> out;
  out.reserve(k);
  for (std::uint64_t j = std::uint64_t{n} - k; j < n; ++j) {
    const auto t = static_cast<node_t>(draws.below(j + 1));
    const node_t pick = chosen.count(t) ? static_cast<node_t>(j) : t;
    chosen.insert(pick);
    out.push_back(pick);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<node_t> seeds_random(const Graph& g, std::uint32_t k, std::uint64_t seed) {
  check_k(g, k);
  RandomSequence draws(Random(seed, stream::seeding_random), 0);
  return sample_nodes(g.num_nodes(), k, draws);
}

std::vector<node_t> seeds_top_degree(const Graph& g, std::uint32_t k) {
  return top(g, k, [&](node_t a, node_t b) { return g.degree(a) != g.degree(b) ? g.degree(a) > g.degree(b) : a < b; });
}

std::vector<node_t> seeds_top_pagerank(const Graph& g, std::uint32_t k) {
  check_k(g, k);
  return top_by_pagerank(g, k, pagerank(g));
}

std::vector<node_t> seeds_top_kcore(const Graph& g, std::uint32_t k) {
  check_k(g, k);
  return top_by_kcore(g, k, core_numbers(g));
}

std::shared_ptr<const std::vector<node_t>> memoized_top_seeds(const Graph& g, const std::string& name,
                                                              std::uint32_t k) {
  const std::string strategy = canonical_strategy(name);
  if (strategy == "imm") throw InputError("seeding.strategy: imm needs a diffusion model (memoized_imm_seeds)");
  if (strategy != "top_degree" && strategy != "pagerank" && strategy != "kcore")
    throw InputError("seeding.strategy: no ranking named '" + name + "' (top_degree, pagerank, kcore)");
  check_k(g, k);
  // Seed lists are small: the last 16 (strategy, k) kept. The scores they rank by, one per graph.
  constexpr std::size_t kSeedListsKept = 16;
  GraphMemo& memo = g.memo();
  return memo.get<std::vector<node_t>>("seeding.top", strategy + " " + std::to_string(k), kSeedListsKept, [&] {
    if (strategy == "top_degree") return seeds_top_degree(g, k);
    if (strategy == "pagerank") {
      const auto rank = memo.get<std::vector<double>>("seeding.pagerank", "", 1, [&] { return pagerank(g); });
      return top_by_pagerank(g, k, *rank);
    }
    const auto core = memo.get<std::vector<std::uint32_t>>("seeding.core_numbers", "", 1, [&] { return core_numbers(g); });
    return top_by_kcore(g, k, *core);
  });
}

std::shared_ptr<const std::vector<node_t>> memoized_imm_seeds(const Graph& g, const ModelParams& model,
                                                              std::uint32_t k) {
  check_k(g, k);
  if (model.model != Model::ic && model.model != Model::lt)
    throw InputError("seeds: imm chooses seeds for the ic, wc and lt models, not '" + model_name(model.model) + "'");
  validate(model, g);
  // The key names everything the RR sets read: the model, its probability rule and p.
  char p[32];
  std::snprintf(p, sizeof p, "%.17g", model.p);
  const std::string key = model_name(model.model) + " " + std::to_string(static_cast<int>(model.ic_probability)) + " " +
                          std::to_string(static_cast<int>(model.lt_weights)) + " " + p + " " + std::to_string(k);
  constexpr std::size_t kSeedListsKept = 16;
  return g.memo().get<std::vector<node_t>>("seeding.imm", key, kSeedListsKept, [&] {
    InfluenceOptions options;
    options.k = k;
    return influence_maximization(g, model, options, InfluenceAlgorithm::imm).seeds;
  });
}

std::optional<node_t> find_label(const Graph& g, std::string_view label) {
  const NodeLabels& labels = g.labels();
  if (labels.kind() == NodeLabels::Kind::string) {
    const auto& names = labels.strings();
    for (std::size_t v = 0; v < names.size(); ++v)
      if (names[v] == label) return static_cast<node_t>(v);
    return std::nullopt;
  }
  std::int64_t id;
  const auto [ptr, ec] = std::from_chars(label.data(), label.data() + label.size(), id);
  if (ec != std::errc() || ptr != label.data() + label.size()) return std::nullopt;
  if (labels.kind() == NodeLabels::Kind::identity) {
    if (id < 0 || id >= static_cast<std::int64_t>(g.num_nodes())) return std::nullopt;
    return static_cast<node_t>(id);
  }
  const auto ints = labels.integers();
  for (std::size_t v = 0; v < ints.size(); ++v)
    if (ints[v] == id) return static_cast<node_t>(v);
  return std::nullopt;
}

const std::vector<std::string>& seeding_strategies() {
  static const std::vector<std::string> names = {"top_degree", "pagerank", "kcore", "imm", "random"};
  return names;
}

std::string canonical_strategy(std::string_view name) {
  for (const auto& known : seeding_strategies())
    if (name == known) return known;
  if (name == "top-degree" || name == "degree") return "top_degree";
  if (name == "top_pagerank" || name == "top-pagerank") return "pagerank";
  if (name == "top_kcore" || name == "top-kcore") return "kcore";
  return {};
}

SeedSet parse_seeds(const Graph& g, const std::string& spec, const ModelParams* model) {
  SeedSet out;
  const auto colon = spec.find(':');
  if (colon != std::string::npos) {
    const std::string strategy = spec.substr(0, colon), count = spec.substr(colon + 1);
    std::uint32_t k = 0;
    const auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), k);
    if (ec != std::errc() || ptr != count.data() + count.size() || k == 0)
      throw InputError("seeds: expected a positive count after '" + strategy + ":', got '" + count + "'");
    if (k > g.num_nodes())
      throw InputError("seeds: cannot take " + std::to_string(k) + " of " + std::to_string(g.num_nodes()) + " nodes");
    const std::string name = canonical_strategy(strategy);
    if (name.empty())
      throw InputError("seeds: unknown strategy '" + strategy + "' (top_degree, pagerank, kcore, imm, random)");
    if (name == "random") {
      out.random_k = k;
    } else if (name == "imm") {
      if (!model) throw InputError("seeds: 'imm:" + count + "' needs the diffusion model it maximises spread for");
      out.nodes = *memoized_imm_seeds(g, *model, k);
    } else {
      out.nodes = *memoized_top_seeds(g, name, k);
    }
    return out;
  }
  std::size_t begin = 0;
  while (begin <= spec.size()) {
    std::size_t end = spec.find(',', begin);
    if (end == std::string::npos) end = spec.size();
    const std::string label = spec.substr(begin, end - begin);
    const auto node = find_label(g, label);
    if (!node) throw InputError("seeds: no node labelled '" + label + "' in the graph");
    out.nodes.push_back(*node);
    begin = end + 1;
  }
  return out;
}

}  // namespace guanxi
