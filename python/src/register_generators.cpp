// Python bindings of the generators (parameters validated in C++; errors name the parameter), and
// the catalog of generators by name with text parameters that `guanxi generate` and scenario files use.
#include "bindings.hpp"
#include "guanxi/error.hpp"
#include "guanxi/generators.hpp"

namespace guanxi::python {
namespace {
using GraphPtr = std::shared_ptr<Graph>;
GraphPtr share(Graph&& g) { return std::make_shared<Graph>(std::move(g)); }
// Generators touch no Python objects: the GIL is released for their whole run.
using NoGil = py::call_guard<py::gil_scoped_release>;
}  // namespace

void register_generators(py::module_& m) {
  m.def("erdos_renyi", [](std::uint64_t n, double p, std::uint64_t seed, bool directed) {
    return share(erdos_renyi_gnp(n, p, seed, directed)); }, py::arg("n"), py::arg("p"), py::arg("seed"), py::arg("directed"), NoGil());
  m.def("gnm", [](std::uint64_t n, std::uint64_t ties, std::uint64_t seed, bool directed) {
    return share(erdos_renyi_gnm(n, ties, seed, directed)); }, py::arg("n"), py::arg("m"), py::arg("seed"), py::arg("directed"), NoGil());
  m.def("barabasi_albert", [](std::uint64_t n, std::uint64_t links, std::uint64_t seed) {
    return share(barabasi_albert(n, links, seed)); }, py::arg("n"), py::arg("m"), py::arg("seed"), NoGil());
  m.def("watts_strogatz", [](std::uint64_t n, std::uint64_t k, double p, std::uint64_t seed) {
    return share(watts_strogatz(n, k, p, seed)); }, py::arg("n"), py::arg("k"), py::arg("p"), py::arg("seed"), NoGil());
  m.def("holme_kim", [](std::uint64_t n, std::uint64_t links, double p, std::uint64_t seed) {
    return share(holme_kim(n, links, p, seed)); }, py::arg("n"), py::arg("m"), py::arg("p"), py::arg("seed"), NoGil());
  m.def("stochastic_block", [](std::vector<std::uint64_t> sizes, std::vector<double> p, std::uint64_t seed, bool directed) {
    return share(stochastic_block(sizes, p, seed, directed)); }, py::arg("sizes"), py::arg("p"), py::arg("seed"), py::arg("directed"), NoGil());
  m.def("configuration_model", [](std::vector<std::uint64_t> degrees, std::uint64_t seed, bool simple) {
    return share(configuration_model(degrees, seed, simple)); }, py::arg("degrees"), py::arg("seed"), py::arg("simple"), NoGil());
  m.def("powerlaw_degrees", [](std::uint64_t n, double gamma, std::uint64_t k_min, std::uint64_t k_max, std::uint64_t seed) {
    std::vector<std::uint64_t> degrees;
    {
      py::gil_scoped_release release;
      degrees = powerlaw_degrees(n, gamma, k_min, k_max, seed);
    }
    return to_numpy(std::move(degrees)); }, py::arg("n"), py::arg("gamma"), py::arg("k_min"), py::arg("k_max"), py::arg("seed"));
  m.def("configuration_powerlaw", [](std::uint64_t n, double gamma, std::uint64_t k_min, std::uint64_t k_max, std::uint64_t seed, bool simple) {
    return share(configuration_powerlaw(n, gamma, k_min, k_max, seed, simple)); },
    py::arg("n"), py::arg("gamma"), py::arg("k_min"), py::arg("k_max"), py::arg("seed"), py::arg("simple"), NoGil());
  m.def("rmat", [](int scale, double edge_factor, double a, double b, double c, std::uint64_t seed, bool directed) {
    return share(rmat(scale, edge_factor, a, b, c, seed, directed)); },
    py::arg("scale"), py::arg("edge_factor"), py::arg("a"), py::arg("b"), py::arg("c"), py::arg("seed"), py::arg("directed"), NoGil());
  m.def("complete", [](std::uint64_t n, bool directed) { return share(complete_graph(n, directed)); },
    py::arg("n"), py::arg("directed"), NoGil());
  m.def("uniform_random_edges", [](std::uint64_t n, std::uint64_t count, std::uint64_t seed) {
    EdgeArrays edges;
    {
      py::gil_scoped_release release;
      edges = uniform_random_edges(n, count, seed);
    }
    return py::make_tuple(to_numpy(std::move(edges.src)), to_numpy(std::move(edges.dst))); },
    py::arg("n"), py::arg("m"), py::arg("seed"));
  // The catalog as (name, summary, [(parameter, default text, help), ...]) rows.
  m.def("generator_catalog", [] {
    py::list rows;
    for (const auto& gen : generator_catalog()) {
      py::list params;
      for (const auto& p : gen.params) params.append(py::make_tuple(p.name, p.default_value, p.help));
      rows.append(py::make_tuple(gen.name, gen.summary, params));
    }
    return rows;
  });
  // One generator of the catalog by name; `params` holds every parameter of its row and "seed",
  // as text (the Python layer fills in the defaults and refuses unknown names).
  m.def("generate", [](const std::string& name, const std::map<std::string, std::string>& params) {
    for (const auto& gen : generator_catalog())
      if (gen.name == name) return share(gen.make(params));
    throw InputError("unknown generator '" + name + "'");
  }, py::arg("name"), py::arg("params"), NoGil());
}

}  // namespace guanxi::python
