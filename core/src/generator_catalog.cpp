// The generators by name with string parameters, for the CLI (`guanxi generate KIND --param v`).
#include <charconv>
#include <cmath>

#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"

namespace guanxi {
namespace {

using Params = std::map<std::string, std::string>;

std::uint64_t integer(const Params& p, const std::string& name) {
  const std::string& text = p.at(name);
  std::uint64_t v;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size())
    throw InputError(name + ": expected a non-negative integer, got '" + text + "'");
  return v;
}

double real(const Params& p, const std::string& name) {
  const std::string& text = p.at(name);
  double v;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v))
    throw InputError(name + ": expected a finite number, got '" + text + "'");
  return v;
}

bool flag(const Params& p, const std::string& name) {
  const std::string& text = p.at(name);
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw InputError(name + ": expected true or false, got '" + text + "'");
}

template <class T>
std::vector<T> list(const Params& p, const std::string& name, T (*parse)(const Params&, const std::string&)) {
  std::vector<T> out;
  const std::string& text = p.at(name);
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    Params one{{name, text.substr(begin, end - begin)}};
    out.push_back(parse(one, name));
    begin = end + 1;
  }
  return out;
}

}  // namespace

const std::vector<GeneratorInfo>& generator_catalog() {
  static const std::vector<GeneratorInfo> catalog = {
      {"erdos-renyi", "G(n, p): each pair tied independently with probability p",
       {{"n", "1000", "nodes"}, {"p", "0.01", "tie probability"}, {"directed", "false", "directed graph"}},
       [](const Params& p) { return erdos_renyi_gnp(integer(p, "n"), real(p, "p"), integer(p, "seed"), flag(p, "directed")); }},
      {"gnm", "G(n, m): m distinct pairs chosen uniformly",
       {{"n", "1000", "nodes"}, {"m", "5000", "ties"}, {"directed", "false", "directed graph"}},
       [](const Params& p) { return erdos_renyi_gnm(integer(p, "n"), integer(p, "m"), integer(p, "seed"), flag(p, "directed")); }},
      {"barabasi-albert", "preferential attachment: each new node links to m nodes",
       {{"n", "1000", "nodes"}, {"m", "3", "links per new node"}},
       [](const Params& p) { return barabasi_albert(integer(p, "n"), integer(p, "m"), integer(p, "seed")); }},
      {"watts-strogatz", "small world: ring lattice of degree k, ties rewired with probability p",
       {{"n", "1000", "nodes"}, {"k", "10", "lattice degree (even)"}, {"p", "0.1", "rewiring probability"}},
       [](const Params& p) { return watts_strogatz(integer(p, "n"), integer(p, "k"), real(p, "p"), integer(p, "seed")); }},
      {"holme-kim", "power-law social graph with tunable clustering (triad formation)",
       {{"n", "100000", "nodes"}, {"m", "4", "links per new node"}, {"p", "0.5", "triad formation probability"}},
       [](const Params& p) { return holme_kim(integer(p, "n"), integer(p, "m"), real(p, "p"), integer(p, "seed")); }},
      {"sbm", "stochastic block model",
       {{"sizes", "500,500", "block sizes, comma-separated"},
        {"p", "0.02,0.001,0.001,0.02", "row-major block probability matrix, comma-separated"},
        {"directed", "false", "directed graph"}},
       [](const Params& p) {
         const auto sizes = list<std::uint64_t>(p, "sizes", integer);
         const auto probs = list<double>(p, "p", real);
         return stochastic_block(sizes, probs, integer(p, "seed"), flag(p, "directed"));
       }},
      {"configuration", "configuration model with power-law degrees P(k) ~ k^-gamma",
       {{"n", "10000", "nodes"}, {"gamma", "2.5", "degree exponent"}, {"k-min", "2", "smallest degree"},
        {"k-max", "0", "largest degree (0: n - 1)"}, {"simple", "true", "drop self-loops, merge parallel ties"}},
       [](const Params& p) {
         return configuration_powerlaw(integer(p, "n"), real(p, "gamma"), integer(p, "k-min"), integer(p, "k-max"),
                                       integer(p, "seed"), flag(p, "simple"));
       }},
      {"rmat", "R-MAT: 2^scale nodes, edge-factor * 2^scale edges (recursive quadrants)",
       {{"scale", "16", "log2 of the number of nodes"}, {"edge-factor", "16", "edges per node"},
        {"a", "0.57", "quadrant a"}, {"b", "0.19", "quadrant b"}, {"c", "0.19", "quadrant c"},
        {"directed", "false", "directed graph"}},
       [](const Params& p) {
         return rmat(static_cast<int>(integer(p, "scale")), real(p, "edge-factor"), real(p, "a"), real(p, "b"),
                     real(p, "c"), integer(p, "seed"), flag(p, "directed"));
       }},
      {"complete", "complete graph", {{"n", "100", "nodes"}, {"directed", "false", "directed graph"}},
       [](const Params& p) { return complete_graph(integer(p, "n"), flag(p, "directed")); }},
  };
  return catalog;
}

}  // namespace guanxi
