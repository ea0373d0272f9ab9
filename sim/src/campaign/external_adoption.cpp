// MODEL.md §3.1 external adoption (advertising, the Bass innovation term). Each prospect adopts
// with probability external_rate per step; the adopting nodes are found by geometric skips over
// node ids (cost ~ n · rate per step, the skips depending only on (seed, replicate, step,
// rate), so campaigns share them). An external adopter buys at list price, or — while the
// policy pays — opens a team under group buy or a bargain under bargain, as the seeds do.
// §15.2 (Part III): a prospect's own segment's external_rate (thinning, purpose external_segment).
// Declares: random purposes external; channel external.
#include <cmath>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::external_adoption(std::uint32_t /*t: the step's keys are set*/, Effects& out) const {
  // §15.2 each prospect adopts at its own segment's rate: the skips run at the largest rate and a
  // prospect of a segment with a lower one is kept with probability (its rate) / (the largest),
  // under a purpose of its own (a segment at the largest rate draws nothing more).
  const double rate = segmented_ ? shared_.segments.max_external_rate : spec_.behaviour.external_rate;
  if (rate <= 0) return;
  const node_t n = graph_.num_nodes();
  const double log_keep = std::log1p(-rate);
  std::uint64_t draw = 0;
  for (std::uint64_t v = 0;; ++v) {
    if (rate < 1.0) {  // skip the nodes that do not adopt
      const double u = uniform(Purpose::external, draw++);
      const double skip = std::floor(std::log1p(-u) / log_keep);
      if (skip >= static_cast<double>(n - v)) break;
      v += static_cast<std::uint64_t>(skip);
    }
    if (v >= n) break;
    if (nodes()[v].stage != Stage::prospect) continue;
    if (segmented_) {
      const double own = behaviour_of(static_cast<node_t>(v)).external_rate;
      if (own < rate && !(uniform(Purpose::external_segment, v) < own / rate)) continue;
    }
    out.adopt(static_cast<node_t>(v), external, max_nodes);
  }
}

}  // namespace guanxi::campaign
