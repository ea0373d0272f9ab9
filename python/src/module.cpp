// guanxi._guanxi: wires the submodule registrations and maps C++ exceptions to Python ones
// (InputError/ParseError -> ValueError, IoError -> OSError).
#include <tbb/global_control.h>

#include "bindings.hpp"
#include "guanxi/error.hpp"

namespace py = pybind11;

namespace {
std::unique_ptr<tbb::global_control> thread_limit;
}

PYBIND11_MODULE(_guanxi, m) {
  m.doc() = "guanxi C++ engine (use the guanxi package, not this module)";
  m.attr("__version__") = GUANXI_VERSION;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const guanxi::IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const guanxi::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def(
      "set_max_threads",
      [](int threads) {
        thread_limit.reset();
        if (threads > 0)
          thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                               static_cast<std::size_t>(threads));
      },
      py::arg("threads"));
  m.def("max_threads", [] {
    return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  });
  guanxi::python::register_graph(m);
  guanxi::python::register_generators(m);
  guanxi::python::register_analytics(m);
  guanxi::python::register_simulate(m);
  guanxi::python::register_campaign(m);
  guanxi::python::register_seeding(m);
}
