// MODEL.md §1 referral links and §5 cascades (sim/src/campaign/referral_forest.cpp): structural
// virality of known trees.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"

namespace guanxi::campaign {
namespace {

TEST(ReferralForest, StructuralViralityOfKnownTrees) {
  // A star of n nodes: 2 (n - 1) / n. A path of n: (n + 1) / 3.
  std::vector<node_t> members{0, 1, 2, 3, 4}, star_parent{0, 0, 0, 0, 0}, path_parent{0, 0, 1, 2, 3};
  EXPECT_NEAR(structural_virality(members, star_parent), 2.0 * 4 / 5, 1e-12);
  EXPECT_NEAR(structural_virality(members, path_parent), 6.0 / 3, 1e-12);
  EXPECT_EQ(structural_virality({7}, {0}), 0.0);
}

}  // namespace
}  // namespace guanxi::campaign
