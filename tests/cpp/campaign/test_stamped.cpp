// The campaign's per-thread state containers (sim/src/campaign/replicate.hpp: Stamped, IndexedSet;
// MODEL.md §8.1's prospects): entries read as fresh after each prepare(), in the dense and the
// sparse (hash table) form, the sparse form keeping every entry through growth against a
// std::map reference; whole campaigns (parallel: replicates on TBB) give the same results with
// sparse state; the indexed set of prospects against a std::set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "campaign_probe.hpp"
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
  CampaignSpec spec = lively();
  spec.policy.referral_reward = 10;
  spec.policy.group_buy.enabled = true;
  const auto dense = run_many(g, spec, 6, 0, 5);
  const std::size_t saved = stamped_dense_limit;
  stamped_dense_limit = 0;  // every per-thread array in its sparse form
  const auto sparse = run_many(g, spec, 6, 0, 5);
  stamped_dense_limit = saved;
  EXPECT_TRUE(same_values(dense.values, sparse.values));
}

TEST(IndexedSet, MatchesASlowReferenceDenseAndSparse) {
  // The set behind ad_target = prospects: random inserts and erases against std::set, in dense
  // and in sparse (hash table) storage; every member is reachable by index exactly once.
  for (const std::size_t dense_limit : {std::size_t{256} << 20, std::size_t{64}}) {
    const std::size_t saved = stamped_dense_limit;
    stamped_dense_limit = dense_limit;
    Stamped<std::uint32_t> at, slot;
    for (int round = 0; round < 2; ++round) {  // a second replicate reuses the storage
      const node_t n = 500;
      IndexedSet set(at, slot, n);
      std::set<node_t> reference;
      for (node_t v = 0; v < n; ++v) reference.insert(v);
      std::uint64_t state = 12345 + round;
      for (int i = 0; i < 5000; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const auto v = static_cast<node_t>((state >> 33) % n);
        if ((state >> 20) & 1) set.insert(v), reference.insert(v);
        else set.erase(v), reference.erase(v);
        ASSERT_EQ(set.size(), reference.size());
        ASSERT_EQ(set.contains(v), reference.count(v) == 1);
      }
      std::vector<node_t> listed;
      for (std::size_t k = 0; k < set.size(); ++k) listed.push_back(set[k]);
      std::sort(listed.begin(), listed.end());
      EXPECT_EQ(listed, std::vector<node_t>(reference.begin(), reference.end()));
    }
    stamped_dense_limit = saved;
  }
}

}  // namespace
}  // namespace guanxi::campaign
