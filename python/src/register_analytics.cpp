// Python bindings of the analytics; results come back as numpy arrays or dicts.
#include "bindings.hpp"
#include "guanxi/analytics.hpp"

namespace guanxi::python {
namespace {

// Runs f without the GIL (analytics read only the immutable graph) and returns its vector
// as a numpy array.
template <class F>
auto numpy_result(F&& f) {
  decltype(f()) values;
  {
    py::gil_scoped_release release;
    values = f();
  }
  return to_numpy(std::move(values));
}

IterativeOptions iterative(double tolerance, int max_iterations, bool weighted) {
  IterativeOptions o;
  o.tolerance = tolerance;
  o.max_iterations = max_iterations;
  o.weighted = weighted;
  return o;
}

}  // namespace

void register_analytics(py::module_& m) {
  m.def("degree_stats", [](const Graph& g) {
    DegreeStats s;
    {
      py::gil_scoped_release release;
      s = degree_stats(g);
    }
    py::dict d;
    d["min"] = s.min;
    d["max"] = s.max;
    d["mean"] = s.mean;
    d["std"] = s.std;
    d["second_moment"] = s.second_moment;
    d["isolated"] = s.isolated;
    return d;
  });
  m.def("in_degrees", [](const Graph& g) { return numpy_result([&] { return in_degrees(g); }); });
  auto components = [](Components c) {
    return py::make_tuple(to_numpy(std::move(c.label)), to_numpy(std::move(c.sizes)));
  };
  m.def("connected_components", [components](const Graph& g) {
    Components c;
    {
      py::gil_scoped_release release;
      c = connected_components(g);
    }
    return components(std::move(c));
  });
  m.def("strongly_connected_components", [components](const Graph& g) {
    Components c;
    {
      py::gil_scoped_release release;
      c = strongly_connected_components(g);
    }
    return components(std::move(c));
  });
  m.def("core_numbers", [](const Graph& g) { return numpy_result([&] { return core_numbers(g); }); });
  m.def("triangles", [](const Graph& g) { return numpy_result([&] { return triangles(g); }); });
  m.def("local_clustering", [](const Graph& g) { return numpy_result([&] { return local_clustering(g); }); });
  m.def("average_clustering", &average_clustering, py::call_guard<py::gil_scoped_release>());
  m.def("transitivity", &transitivity, py::call_guard<py::gil_scoped_release>());
  m.def("common_neighbors", [](const Graph& g) { return numpy_result([&] { return common_neighbors(g); }); });
  m.def("neighborhood_overlap", [](const Graph& g) { return numpy_result([&] { return neighborhood_overlap(g); }); });
  m.def("pagerank", [](const Graph& g, double damping, double tolerance, int max_iterations, bool weighted) {
    return numpy_result([&] { return pagerank(g, damping, iterative(tolerance, max_iterations, weighted)); }); },
    py::arg("graph"), py::arg("damping"), py::arg("tolerance"), py::arg("max_iterations"), py::arg("weighted"));
  m.def("eigenvector_centrality", [](const Graph& g, double tolerance, int max_iterations, bool weighted) {
    return numpy_result([&] { return eigenvector_centrality(g, iterative(tolerance, max_iterations, weighted)); }); },
    py::arg("graph"), py::arg("tolerance"), py::arg("max_iterations"), py::arg("weighted"));
  m.def("spectral_radius", [](const Graph& g, double tolerance, int max_iterations, bool weighted) {
    return spectral_radius(g, iterative(tolerance, max_iterations, weighted)); },
    py::arg("graph"), py::arg("tolerance"), py::arg("max_iterations"), py::arg("weighted"),
    py::call_guard<py::gil_scoped_release>());
  m.def("percolation_threshold", &percolation_threshold, py::call_guard<py::gil_scoped_release>());
}

}  // namespace guanxi::python
