// Tie strength initialisation, MODEL.md §2.
#include "guanxi/ties.hpp"

#include <cmath>

#include "guanxi/analytics.hpp"
#include "guanxi/error.hpp"
#include "guanxi/parallel.hpp"
#include "guanxi/rng.hpp"

namespace guanxi {
namespace {

void check_unit(double x, const std::string& name) {
  if (!(x >= 0.0 && x <= 1.0)) throw InputError("ties." + name + ": must be in [0, 1], got " + format_number(x));
}

}  // namespace

TieInit::Kind parse_tie_init(const std::string& name) {
  if (name == "constant") return TieInit::Kind::constant;
  if (name == "uniform") return TieInit::Kind::uniform;
  if (name == "overlap") return TieInit::Kind::overlap;
  if (name == "column") return TieInit::Kind::column;
  if (name == "graph") return TieInit::Kind::graph;
  throw InputError("ties.init: must be 'constant', 'uniform', 'overlap', 'column' or 'graph', not '" + name + "'");
}

void init_strength(Graph& g, const TieInit& init) {
  const std::vector<float> values = initial_strength(g, init);
  std::copy(values.begin(), values.end(), g.strength().begin());
}

std::vector<float> initial_strength(const Graph& g, const TieInit& init) {
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
      const std::vector<double> overlap = neighborhood_overlap(g);
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

}  // namespace guanxi
