// Tie strength initialisation, MODEL.md §2, computed afresh or memoized on the graph.
#include "guanxi/ties.hpp"

#include <bit>
#include <cmath>
#include <cstdio>

#include "guanxi/analytics.hpp"
#include "guanxi/error.hpp"
#include "guanxi/graph_memo.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/rng.hpp"

namespace guanxi {
namespace {

void check_unit(double x, const std::string& name) {
  if (!(x >= 0.0 && x <= 1.0)) throw InputError("ties." + name + ": must be in [0, 1], got " + format_number(x));
}

}  // namespace

const std::vector<std::string>& tie_init_names() {
  static const std::vector<std::string> names = {"constant", "uniform", "overlap", "column", "graph"};
  return names;
}

TieInit::Kind parse_tie_init(const std::string& name) {
  const auto& names = tie_init_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (name == names[i]) return static_cast<TieInit::Kind>(i);
  throw InputError("ties.init: must be 'constant', 'uniform', 'overlap', 'column' or 'graph', not '" + name + "'");
}

void init_strength(Graph& g, const TieInit& init) {
  const std::vector<float> values = initial_strength(g, init);
  std::copy(values.begin(), values.end(), g.strength().begin());
}

namespace {

using SharedOverlap = std::shared_ptr<const std::vector<double>>;

// initial_strength, with the neighbourhood overlap (needed by Kind::overlap only, after its
// parameters are checked) coming from overlap_of(g).
template <class OverlapOf>
std::vector<float> strength_under(const Graph& g, const TieInit& init, OverlapOf&& overlap_of) {
  const std::uint64_t ties = g.num_ties();
  std::vector<float> strength(ties);
  constexpr std::uint64_t kGrain = 1u << 15;
  switch (init.kind) {
    case TieInit::Kind::graph: {
      const auto current = g.strength();
      std::copy(current.begin(), current.end(), strength.begin());
      break;
    }
    case TieInit::Kind::constant: {
      check_unit(init.value, "value");
      const auto value = static_cast<float>(init.value);
      parallel_for(0, ties, kGrain, [&](std::uint64_t t) { strength[t] = value; });
      break;
    }
    case TieInit::Kind::uniform: {
      check_unit(init.low, "low");
      check_unit(init.high, "high");
      if (init.low > init.high) throw InputError("ties.low: must be <= ties.high");
      const Random random(init.seed, stream::tie_uniform);
      parallel_for(0, ties, kGrain, [&](std::uint64_t t) {
        strength[t] = static_cast<float>(init.low + (init.high - init.low) * random.uniform(t));
      });
      break;
    }
    case TieInit::Kind::overlap: {
      check_unit(init.s_min, "s_min");
      check_unit(init.s_max, "s_max");
      if (init.s_min > init.s_max) throw InputError("ties.s_min: must be <= ties.s_max");
      const SharedOverlap shared_overlap = overlap_of(g);
      const std::vector<double>& overlap = *shared_overlap;
      parallel_for(0, ties, kGrain, [&](std::uint64_t t) {
        strength[t] = static_cast<float>(init.s_min + (init.s_max - init.s_min) * overlap[t]);
      });
      break;
    }
    case TieInit::Kind::column: {
      if (!g.has_weights()) throw InputError("ties.init: 'column' needs a graph read with a weight column");
      std::uint64_t bad_tie = ties;
      float bad_value = 0;
      g.for_each_tie([&](tie_t t, node_t, node_t, arc_t a) {
        const float w = g.weights()[a];
        if (!(w >= 0.0f && w <= 1.0f) && bad_tie == ties) {
          bad_tie = t;
          bad_value = w;
        }
        strength[t] = w;
      });
      if (bad_tie < ties) {
        const auto [u, v] = g.tie_endpoints(bad_tie);
        throw InputError("ties.init: column weight of tie " + g.labels().to_string(u) + " - " +
                         g.labels().to_string(v) + " is " + format_number(bad_value) + ", must be in [0, 1]");
      }
      break;
    }
  }
  return strength;
}

}  // namespace

std::vector<float> initial_strength(const Graph& g, const TieInit& init) {
  return strength_under(g, init, [](const Graph& graph) {
    return std::make_shared<const std::vector<double>>(neighborhood_overlap(graph));
  });
}

std::shared_ptr<const Buffer<tie_t>> memoized_arc_ties(const Graph& g) {
  return g.memo().get<Buffer<tie_t>>("graph.arc_ties", "", 1, [&] {
    // Uninitialised storage that the parallel fill touches first (a zero-filled vector would
    // first touch 8 bytes per arc on one thread).
    Buffer<tie_t> ties = Buffer<tie_t>::allocate(g.num_arcs());
    g.arc_ties(std::span<tie_t>(ties.data(), ties.size()));
    return ties;
  });
}

std::shared_ptr<const std::vector<float>> memoized_initial_strength(const Graph& g, const TieInit& init) {
  if (init.kind == TieInit::Kind::graph)  // g's strength can change: a copy every time
    return std::make_shared<const std::vector<float>>(initial_strength(g, init));
  // The key holds exactly the parameters the kind reads, bit for bit (so 0.1 and 0.1 + 1e-17
  // differ, as their strengths may).
  const auto bits = [](double x) {
    char text[24];
    std::snprintf(text, sizeof text, " %016llx", static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(x)));
    return std::string(text);
  };
  std::string key;
  switch (init.kind) {
    case TieInit::Kind::constant: key = "constant" + bits(init.value); break;
    case TieInit::Kind::uniform:
      key = "uniform" + bits(init.low) + bits(init.high) + " " + std::to_string(init.seed);
      break;
    case TieInit::Kind::overlap: key = "overlap" + bits(init.s_min) + bits(init.s_max); break;
    default: key = "column"; break;
  }
  // Strengths: 4 bytes per tie each, the last kStrengthsKept initialisations kept; the overlap
  // they derive from (8 bytes per tie) once, so a sweep over s_min and s_max pays it once.
  constexpr std::size_t kStrengthsKept = 4;
  return g.memo().get<std::vector<float>>("ties.initial_strength", key, kStrengthsKept, [&] {
    return strength_under(g, init, [](const Graph& graph) {
      return graph.memo().get<std::vector<double>>("analytics.neighborhood_overlap", "", 1,
                                                   [&] { return neighborhood_overlap(graph); });
    });
  });
}

}  // namespace guanxi
