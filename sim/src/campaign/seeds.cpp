// MODEL.md §7 seeding: who receives the campaign before step 0. The seeds (fixed, or k drawn
// anew in every replicate for strategy random) buy at list price (channel seed) or, while the
// policy pays, open a team under group buy or a bargain under bargain, as external adopters do.
// They are active customers (or pending) when step 0 starts.
// Declares: random stream random_seeds (strategy random); channel seed.
#include "guanxi/seeding.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::place_seeds() {
  const Policy& policy = spec_.policy;
  std::vector<node_t> seeds = shared_.seeds;
  if (shared_.random_seeds) {
    RandomSequence draws(Random(spec_.run.seed, stream::random_seeds), replicate_);
    seeds = sample_nodes(graph_.num_nodes(), spec_.seeding.k, draws);
  }
  for (node_t s : seeds) {
    if (pays_ && policy.group_buy.enabled) {
      become_pending_team(s, max_nodes, 0, seed);
    } else if (pays_ && policy.bargain.enabled) {
      become_pending_bargain(s, max_nodes, 0, seed);
    } else {
      buy(s, seed, 0.0);
    }
  }
  placing_seeds_ = true;
  pay(0);  // seeds buy before step 0: they are active customers when it starts
  placing_seeds_ = false;
  commit_new_customers(0);
  refresh_strong(0);
}

}  // namespace guanxi::campaign
