// Shared helpers of the pybind11 registrations: zero-copy numpy views that keep their owner
// alive, numpy input without silent conversion, and the registration entry points.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "guanxi/campaign.hpp"
#include "guanxi/diffusion.hpp"
#include "guanxi/graph.hpp"

namespace guanxi::python {

namespace py = pybind11;

// A read-only numpy view of memory owned by `owner` (the view keeps the owner alive).
template <class T>
py::array_t<T> readonly_view(std::span<const T> data, py::handle owner) {
  py::array_t<T> view({static_cast<py::ssize_t>(data.size())}, {static_cast<py::ssize_t>(sizeof(T))},
                      data.data(), owner);
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

// Moves a vector into a numpy array without copying its elements.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(owned->size())}, {static_cast<py::ssize_t>(sizeof(T))},
                        owned->data(), free_when_done);
}

// Contiguous numpy input of exactly type T (the Python layer converts with range checks).
template <class T>
using Array = py::array_t<T, py::array::c_style>;

template <class T>
std::span<const T> span_of(const Array<T>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// Runs work(control) on a worker thread while this thread, holding the GIL only briefly, reports
// progress(done, total) and checks for signals every 100 ms: Ctrl-C cancels the work within a
// step and raises KeyboardInterrupt. The work must touch only C++ objects the caller keeps alive.
template <class Work>
auto run_in_background(Work work, std::uint64_t total, py::object progress) {
  RunControl control;
  decltype(work(control)) result;
  std::exception_ptr failure;
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  std::thread worker;
  {
    py::gil_scoped_release release;
    worker = std::thread([&] {
      try {
        result = work(control);
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      finished = true;
      done.notify_one();
    });
  }
  auto join = [&] {
    py::gil_scoped_release release;
    worker.join();
  };
  try {
    std::uint64_t reported = 0;
    for (bool over = false; !over;) {
      {
        py::gil_scoped_release release;
        std::unique_lock<std::mutex> lock(mutex);
        over = done.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; });
      }
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      const std::uint64_t count = control.replicates_done.load();
      if (!progress.is_none() && count != reported) {
        progress(count, total);
        reported = count;
      }
    }
  } catch (...) {
    control.cancel.store(true);
    join();
    throw;
  }
  join();
  if (failure) std::rethrow_exception(failure);
  return result;
}

// A model as the Python layer names it: "wc" is IC with weighted cascade; the probability rule, p
// and the LT weights as gx.simulate takes them (the other models' parameters keep their defaults).
inline ModelParams diffusion_model(const std::string& model, const std::string& probability, double p,
                                   const std::string& lt_weights) {
  ModelParams params;
  params.model = parse_model(model);
  params.ic_probability = model == "wc" ? IcProbability::weighted_cascade : parse_ic_probability(probability);
  params.p = p;
  params.lt_weights = parse_lt_weights(lt_weights);
  return params;
}

// A campaign spec from JSON with the data it reads per node (Python's Campaign.per_node: None,
// the initial community groups, or a dict of them and the segment column), register_campaign.cpp.
CampaignSpec spec_with_groups(const std::string& json, const py::object& per_node);

void register_graph(py::module_& m);
void register_generators(py::module_& m);
void register_analytics(py::module_& m);
void register_simulate(py::module_& m);
void register_campaign(py::module_& m);
void register_seeding(py::module_& m);

}  // namespace guanxi::python
