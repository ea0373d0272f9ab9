// The campaign's per-thread state container (sim/src/campaign/replicate.hpp, Stamped): entries
// read as fresh after each prepare(), in both its dense and its sparse (hash table) form, and
// the sparse form keeps every entry through growth, against a std::map reference; whole
// campaigns (parallel: replicates on TBB) give the same results with sparse state.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "campaign/replicate.hpp"
#include "guanxi/generators.hpp"
#include "guanxi/rng.hpp"

namespace guanxi::campaign {
namespace {

struct Big {
  std::uint64_t x = 7;
  char padding[1 << 12];  // makes the sparse form kick in at small sizes
};

TEST(Stamped, DenseEntriesResetPerReplicate) {
  Stamped<int> a;
  a.prepare(100);
  a[3] = 5;
  EXPECT_EQ(a[3], 5);
  EXPECT_EQ(std::as_const(a)[4], 0);
  a.prepare(100);
  EXPECT_EQ(std::as_const(a)[3], 0);
  EXPECT_EQ(a[3], 0);
}

TEST(Stamped, SparseFormMatchesAMapThroughGrowthAndReplicates) {
  Stamped<Big> sparse;
  const std::size_t size = 200000;  // 200000 entries of 4 KiB: far above the dense limit
  RandomSequence draws(Random(1, 99), 0);
  for (int replicate = 0; replicate < 3; ++replicate) {
    sparse.prepare(size);
    std::map<std::size_t, std::uint64_t> reference;
    for (int op = 0; op < 5000; ++op) {
      const std::size_t i = draws.below(size);
      if (draws.below(2) == 0) {
        const std::uint64_t value = draws.next();
        sparse[i].x = value;
        reference[i] = value;
      } else {
        const auto it = reference.find(i);
        EXPECT_EQ(std::as_const(sparse)[i].x, it == reference.end() ? 7u : it->second);
      }
    }
    for (const auto& [i, value] : reference) EXPECT_EQ(std::as_const(sparse)[i].x, value);
  }
}

TEST(Stamped, CampaignsGiveTheSameResultsWithSparseState) {
  const Graph g = holme_kim(3000, 3, 0.5, 2);
  CampaignSpec spec;
  spec.behaviour.share_prob = 0.3;
  spec.behaviour.conv_weak = 0.05;
  spec.behaviour.conv_strong = 0.3;
  spec.behaviour.churn_prob = 0.02;
  spec.behaviour.repeat_prob = 0.05;
  spec.policy.referral_reward = 10;
  spec.policy.group_buy.enabled = true;
  spec.run.steps = 25;
  CampaignRunOptions o;
  o.replicates = 6;
  o.seed = 5;
  const auto dense = run_campaign(g, spec, o);
  const std::size_t saved = stamped_dense_limit;
  stamped_dense_limit = 0;  // every per-thread array in its sparse form
  const auto sparse = run_campaign(g, spec, o);
  stamped_dense_limit = saved;
  ASSERT_EQ(dense.values.size(), sparse.values.size());
  for (std::size_t i = 0; i < dense.values.size(); ++i)
    ASSERT_TRUE(dense.values[i] == sparse.values[i] || (std::isnan(dense.values[i]) && std::isnan(sparse.values[i])))
        << "value " << i;
}

}  // namespace
}  // namespace guanxi::campaign
