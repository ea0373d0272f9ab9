// Classic diffusion models and their Monte Carlo runner (discrete time). Models: Independent
// Cascade (uniform p, per-arc p from the weights, weighted cascade 1/in-degree), Linear
// Threshold, SI/SIR/SIS, complex contagion and Bass on a network. Every random draw is a pure
// function of (seed, replicate, step, ids) through Philox, so results are bit-identical for
// any thread count, and runs with the same seed share their random numbers.
#pragma once

#include <atomic>
#include <stdexcept>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "guanxi/graph.hpp"

namespace guanxi {

enum class Model { ic, lt, si, sir, sis, complex, bass };
// IC arc probability: one p for all arcs, the arc's weight, or 1 / in-degree of the target.
enum class IcProbability { uniform, weights, weighted_cascade };
// LT in-arc weights: 1 / in-degree, or the arc weights normalised per target node.
enum class LtWeights { uniform, graph };
// scalar: the reference (one Philox draw per decision). sparse: IC with a uniform p, drawing
// only the live arcs. bit_parallel: IC and LT, 256 replicates per fused traversal.
// automatic: sparse for uniform IC, bit_parallel for per-arc and weighted-cascade IC, scalar
// otherwise (LT included: its threshold form needs no draw per arc and is faster).
enum class Kernel { automatic, scalar, sparse, bit_parallel };

Model parse_model(const std::string& name);  // "ic", "wc", "lt", "si", "sir", "sis", "complex", "bass"
std::string model_name(Model model);
Kernel parse_kernel(const std::string& name);  // "auto", "scalar", "sparse", "bitparallel"
std::string kernel_name(Kernel kernel);
IcProbability parse_ic_probability(const std::string& name);  // "uniform", "weights", "wc"
LtWeights parse_lt_weights(const std::string& name);           // "uniform", "graph"

struct ModelParams {
  Model model = Model::ic;
  IcProbability ic_probability = IcProbability::uniform;
  double p = 0.01;  // IC arc probability (uniform)
  LtWeights lt_weights = LtWeights::uniform;
  double beta = 0.1, gamma = 0.1;  // SI/SIR/SIS: infection per contact per step, recovery per step
  std::uint32_t k = 2;             // complex contagion: active in-neighbours needed ...
  double phi = 0.0;                // ... or this fraction of in-neighbours (0: unused)
  double bass_p = 0.01, bass_q = 0.3;  // Bass innovation and imitation
};

// Throws InputError naming the parameter (probabilities in [0, 1], finite, ...).
void validate(const ModelParams& params, const Graph& g);

struct SeedSet {
  std::vector<node_t> nodes;  // the same seeds in every replicate ...
  std::uint32_t random_k = 0;  // ... or k nodes drawn uniformly anew in every replicate
};

// Progress and cancellation shared with the caller's thread (Python's Ctrl-C, the CLI's SIGINT).
struct RunControl {
  std::atomic<std::uint64_t> replicates_done{0};
  std::atomic<bool> cancel{false};
};

struct RunOptions {
  std::uint64_t replicates = 1000;
  std::uint64_t seed = 0;
  int threads = 0;  // 0: all cores
  std::uint32_t max_steps = 0;  // 0: until nothing changes (SIS: 100)
  Kernel kernel = Kernel::automatic;
  bool record_timeseries = true;
  std::vector<std::uint64_t> cascades;  // replicates whose cascade tree is kept
};

// Who activated whom in one replicate, in (step, node) order. Seeds have parent == max_nodes.
struct Cascade {
  std::vector<node_t> node, parent;
  std::vector<std::uint32_t> step;
};

struct SimulationResult {
  Model model = Model::ic;
  Kernel kernel = Kernel::scalar;  // the kernel that ran
  std::uint64_t replicates = 0;
  std::vector<std::string> states;  // "new", "cumulative", then the model's states
  std::uint32_t steps = 0;          // rows per replicate: steps 0 .. steps-1 (step 0: the seeds)
  // counts[(replicate * steps + step) * states.size() + state]; after a replicate ends, its
  // rows repeat its final state (new = 0).
  std::vector<std::uint32_t> counts;
  std::vector<std::uint64_t> final_size;         // ever active, per replicate
  std::vector<std::uint32_t> last_step;          // step of the last change, per replicate
  std::vector<std::uint64_t> activation_count;   // per node: replicates in which it was ever active
  std::map<std::uint64_t, Cascade> cascades;
  double seconds = 0;
};

// Runs `options.replicates` independent replicates. Throws InputError for bad parameters or
// seeds, and Cancelled when control->cancel is set (checked at least every few milliseconds).
SimulationResult simulate(const Graph& g, const ModelParams& params, const SeedSet& seeds,
                          const RunOptions& options, RunControl* control = nullptr);

class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("interrupted") {}
};

}  // namespace guanxi
