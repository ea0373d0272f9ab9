// Python bindings of the graph: construction from arrays, readers, snapshot, zero-copy views of
// the CSR arrays, labels and strength.
#include <cmath>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "guanxi/builder.hpp"
#include "guanxi/error.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/io.hpp"
#include "guanxi/snapshot.hpp"
#include "guanxi/ties.hpp"

namespace guanxi::python {
namespace {

using GraphPtr = std::shared_ptr<Graph>;

GraphPtr share(Graph&& g) { return std::make_shared<Graph>(std::move(g)); }

const char* label_kind(const Graph& g) {
  switch (g.labels().kind()) {
    case NodeLabels::Kind::integer: return "integer";
    case NodeLabels::Kind::string: return "string";
    default: return "identity";
  }
}

}  // namespace

void register_graph(py::module_& m) {
  py::class_<Graph, GraphPtr>(m, "Graph", "CSR graph (wrapped by guanxi.Graph)")
      .def_property_readonly("num_nodes", &Graph::num_nodes)
      .def_property_readonly("num_ties", &Graph::num_ties)
      .def_property_readonly("num_arcs", &Graph::num_arcs)
      .def_property_readonly("directed", &Graph::directed)
      .def_property_readonly("has_weights", &Graph::has_weights)
      .def_property_readonly("memory_bytes", &Graph::memory_bytes)
      .def("fingerprint", [](const Graph& g) { return graph_fingerprint(g); })
      .def("strength_fingerprint", [](const Graph& g) { return strength_fingerprint(g); })
      .def_property_readonly("offsets", [](py::object self) { return readonly_view(self.cast<Graph&>().offsets(), self); })
      .def_property_readonly("targets", [](py::object self) { return readonly_view(self.cast<Graph&>().targets(), self); })
      .def_property_readonly("tie_base", [](py::object self) { return readonly_view(self.cast<Graph&>().tie_base(), self); })
      .def_property_readonly("weights",
                             [](py::object self) -> py::object {
                               const Graph& g = self.cast<Graph&>();
                               if (!g.has_weights()) return py::none();
                               return readonly_view(g.weights(), self);
                             })
      .def_property_readonly("strength",
                             [](py::object self) {
                               const Graph& g = self.cast<Graph&>();
                               return readonly_view(g.strength(), self);
                             })
      .def(
          "set_strength",
          [](Graph& g, const Array<float>& values) {
            if (static_cast<std::uint64_t>(values.size()) != g.num_ties())
              throw InputError("strength: must have one value per tie (" + std::to_string(values.size()) +
                               " != " + std::to_string(g.num_ties()) + ")");
            const float* v = values.data();
            for (std::uint64_t t = 0; t < g.num_ties(); ++t)
              if (!(v[t] >= 0.0f && v[t] <= 1.0f))
                throw InputError("strength[" + std::to_string(t) + "]: must be in [0, 1], got " + format_number(v[t]));
            std::copy(v, v + g.num_ties(), g.strength().begin());
          },
          py::arg("values"))
      .def_property_readonly("label_kind", &label_kind)
      .def_property_readonly("int_labels",
                             [](py::object self) { return readonly_view(self.cast<Graph&>().labels().integers(), self); })
      .def_property_readonly("str_labels", [](const Graph& g) { return g.labels().strings(); })
      .def("tie_endpoints",
           [](const Graph& g) {
             std::vector<node_t> src(g.num_ties()), dst(g.num_ties());
             {
               py::gil_scoped_release release;  // reads only the immutable structure
               g.for_each_tie([&](tie_t t, node_t u, node_t v, arc_t) {
                 src[t] = u;
                 dst[t] = v;
               });
             }
             return py::make_tuple(to_numpy(std::move(src)), to_numpy(std::move(dst)));
           })
      .def("arc_ties",
           [](const Graph& g) {
             std::vector<tie_t> ties;
             {
               py::gil_scoped_release release;  // reads only the immutable structure
               ties = g.arc_ties();
             }
             return to_numpy(std::move(ties));
           })
      // The graph's memo (guanxi/graph_memo.hpp), which campaigns on this object share: its
      // counters, and a way to drop what it holds.
      .def("memo_stats",
           [](const Graph& g) {
             const GraphMemo::Stats s = g.memo().stats();
             py::dict out;
             out["entries"] = s.entries;
             out["hits"] = s.hits;
             out["misses"] = s.misses;
             return out;
           })
      .def("clear_memo", [](const Graph& g) { g.memo().clear(); })
      .def("save", [](const Graph& g, const std::string& path) { save_snapshot(g, path); }, py::arg("path"),
           py::call_guard<py::gil_scoped_release>())
      .def(
          "write",
          [](const Graph& g, const std::string& path, std::optional<std::string> format) {
            std::optional<Format> f;
            if (format) f = parse_format(*format);
            write_graph(g, path, f);
          },
          py::arg("path"), py::arg("format") = py::none(), py::call_guard<py::gil_scoped_release>())
      .def("copy", [](const Graph& g) { return share(copy_graph(g)); }, py::call_guard<py::gil_scoped_release>())
      .def("transpose", [](const Graph& g) { return share(transpose(g)); }, py::call_guard<py::gil_scoped_release>())
      .def("to_undirected", [](const Graph& g) { return share(to_undirected(g)); },
           py::call_guard<py::gil_scoped_release>());

  m.def(
      "build",
      [](const Array<node_t>& src, const Array<node_t>& dst, std::optional<Array<float>> weights,
         std::optional<std::uint64_t> n, bool directed, const std::string& self_loops, const std::string& duplicates,
         const std::string& merge_weights, std::optional<Array<std::int64_t>> int_labels,
         std::optional<std::vector<std::string>> str_labels) {
        BuildOptions options;
        options.directed = directed;
        options.self_loops = parse_self_loops(self_loops);
        options.duplicates = parse_duplicates(duplicates);
        options.merge_weights = parse_merge_weights(merge_weights);
        options.num_nodes = n;
        NodeLabels labels;
        if (int_labels)
          labels = NodeLabels::integers(Buffer<std::int64_t>::from_vector({int_labels->data(), int_labels->data() + int_labels->size()}));
        else if (str_labels)
          labels = NodeLabels::strings(std::move(*str_labels));
        const std::span<const float> w = weights ? span_of(*weights) : std::span<const float>{};
        // The arrays are held by the caller's frame; C++ only reads them.
        py::gil_scoped_release release;
        return share(build_graph(span_of(src), span_of(dst), w, options, std::move(labels)));
      },
      py::arg("src"), py::arg("dst"), py::arg("weights"), py::arg("n"), py::arg("directed"), py::arg("self_loops"),
      py::arg("duplicates"), py::arg("merge_weights"), py::arg("int_labels") = py::none(),
      py::arg("str_labels") = py::none());

  m.def(
      "relabel",
      [](const Array<std::int64_t>& src, const Array<std::int64_t>& dst) {
        DenseEdges dense;
        {
          py::gil_scoped_release release;  // reads the caller's arrays only
          dense = relabel(span_of(src), span_of(dst));
        }
        py::object labels = py::none();
        if (dense.labels.kind() == NodeLabels::Kind::integer) {
          const auto ints = dense.labels.integers();
          labels = to_numpy(std::vector<std::int64_t>(ints.begin(), ints.end()));
        }
        return py::make_tuple(to_numpy(std::move(dense.src)), to_numpy(std::move(dense.dst)), labels);
      },
      py::arg("src"), py::arg("dst"));

  m.def(
      "read",
      [](const std::string& path, std::optional<std::string> format, std::optional<bool> directed,
         const std::string& self_loops, const std::string& duplicates, const std::string& merge_weights, bool relabel,
         bool string_ids) {
        ReadOptions options;
        options.directed = directed;
        options.self_loops = parse_self_loops(self_loops);
        options.duplicates = parse_duplicates(duplicates);
        options.merge_weights = parse_merge_weights(merge_weights);
        options.relabel = relabel;
        options.string_ids = string_ids;
        std::optional<Format> f;
        if (format) f = parse_format(*format);
        return share(read_graph(path, f, options));
      },
      py::arg("path"), py::arg("format"), py::arg("directed"), py::arg("self_loops"), py::arg("duplicates"),
      py::arg("merge_weights"), py::arg("relabel"), py::arg("string_ids"), py::call_guard<py::gil_scoped_release>());

  m.def(
      "load", [](const std::string& path, bool verify) { return share(load_snapshot(path, verify)); }, py::arg("path"),
      py::arg("verify") = true, py::call_guard<py::gil_scoped_release>());

  m.def(
      "init_strength",
      [](Graph& g, const std::string& kind, double value, double low, double high, double s_min, double s_max,
         std::uint64_t seed) {
        TieInit init;
        init.kind = parse_tie_init(kind);
        init.value = value;
        init.low = low;
        init.high = high;
        init.s_min = s_min;
        init.s_max = s_max;
        init.seed = seed;
        init_strength(g, init);
      },
      py::arg("graph"), py::arg("kind"), py::arg("value"), py::arg("low"), py::arg("high"), py::arg("s_min"),
      py::arg("s_max"), py::arg("seed"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace guanxi::python
