// MODEL.md §3.8 churn and negative word of mouth: each active customer churns with probability
// churn_prob · exp(-embeddedness · S_u), S_u its strong ties to active customers capped at
// stickiness_cap as in §3.7 (MODEL.md §3.8 says so; guanxi read S_u uncapped before: on the
// group-buy example on the facebook graph, 200 replicates, the mean churned customers at the
// horizon went from 93.50 to 99.41 with the cap, docs/model.md "Changes"). A churner speaks ill
// with probability neg_prob, and each neighbour v then gets neg(v) <- 1 - (1 - neg(v)) (1 -
// neg_weight · s_uv). Decisions read the start of the step (a customer of this step cannot churn
// before t + 1); the churners leave and their words land at the end of the step (apply_churn, in
// the commit). §9.7: a member of a community group churns with that probability times
// exp(-group_embeddedness a_g), and its ill words also reach every other member w of its group:
// neg(w) <- 1 - (1 - neg(w)) (1 - group_neg_weight a_g), a_g and the members as of the start of
// the step.
// Declares: random purposes churn, speak_ill; metrics active, churned.
#include <cmath>

#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::churn(std::uint32_t /*t: the step's keys are set*/, Effects& out) const {
  const Behaviour& b = spec_.behaviour;
  if (b.churn_prob <= 0 && !segmented_) return;
  for (node_t u : active_) {  // customers as of the start of the step
    const Behaviour& own = behaviour_of(u);  // §15.2 the customer's churn_prob and neg_prob
    double p = own.churn_prob * std::exp(-b.embeddedness * capped_strong_ties(b, nodes()[u].strong_active));
    if (const CommunityGroup* group = group_of(u)) p *= std::exp(-spec_.community.group_embeddedness * group->activity);
    if (nodes()[u].tier == Tier::shareholder) p *= spec_.ladder.shareholding.churn_mult;  // §17.2
    if (uniform(Purpose::churn, u) < p) out.churners.push_back({u, uniform(Purpose::speak_ill, u) < own.neg_prob});
  }
}

void Replicate::apply_churn(std::uint32_t t) {
  const Behaviour& b = spec_.behaviour;
  newly_churned_.clear();
  for (const auto& [u, speaks_ill] : effects_.churners) {
    newly_churned_.push_back(u);
    nodes()[u].stage = Stage::churned;
    if (nodes()[u].book) ledger_[nodes()[u].book - 1].churned = t;
    if (!speaks_ill) continue;
    if (const CommunityGroup* group = group_of(u)) {
      const double weight = spec_.community.group_neg_weight * group->activity;
      if (weight > 0)
        for (node_t w : group->members) {
          if (w == u) continue;
          Node& member = nodes()[w];
          member.neg = static_cast<float>(1.0 - (1.0 - member.neg) * (1.0 - weight));
        }
    }
    // Ill words weigh by the tie's strength at the start of the step.
    for (arc_t a = graph_.arc_begin(u); a < graph_.arc_end(u); ++a) {
      Node& v = nodes()[graph_.target(a)];
      const double s = strength(shared_.arc_tie[a], t);
      v.neg = static_cast<float>(1.0 - (1.0 - v.neg) * (1.0 - b.neg_weight * s));
    }
  }
}

}  // namespace guanxi::campaign
