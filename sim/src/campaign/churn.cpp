// MODEL.md §3.8 churn and negative word of mouth: each active customer churns with probability
// churn_prob · exp(-embeddedness · S_u); a churner speaks ill with probability neg_prob, and each
// neighbour v then gets neg(v) <- 1 - (1 - neg(v)) (1 - neg_weight · s_uv). Decisions read the
// start of the step (a customer of this step cannot churn before t + 1); the churners leave and
// their words land at the end of the step (apply_churn, in the commit).
// Declares: random purposes churn, speak_ill; metrics active, churned.
#include <cmath>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::churn(std::uint32_t /*t: the step's keys are set*/, Effects& out) const {
  const Behaviour& b = spec_.behaviour;
  if (b.churn_prob <= 0) return;
  for (node_t u : active_) {  // customers as of the start of the step
    const double p = b.churn_prob * std::exp(-b.embeddedness * nodes()[u].strong_active);
    if (uniform(Purpose::churn, u) < p) out.churners.push_back({u, uniform(Purpose::speak_ill, u) < b.neg_prob});
  }
}

void Replicate::apply_churn(std::uint32_t t) {
  const Behaviour& b = spec_.behaviour;
  newly_churned_.clear();
  for (const auto& [u, speaks_ill] : effects_.churners) {
    newly_churned_.push_back(u);
    nodes()[u].stage = Stage::churned;
    if (!speaks_ill) continue;
    // Ill words weigh by the tie's strength at the start of the step.
    for (arc_t a = graph_.arc_begin(u); a < graph_.arc_end(u); ++a) {
      Node& v = nodes()[graph_.target(a)];
      const double s = strength(shared_.arc_tie[a], t);
      v.neg = static_cast<float>(1.0 - (1.0 - v.neg) * (1.0 - b.neg_weight * s));
    }
  }
}

}  // namespace guanxi::campaign
