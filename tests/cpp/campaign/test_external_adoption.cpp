// MODEL.md §3.1 external adoption (sim/src/campaign/external_adoption.cpp): every prospect adopts
// at rate 1, none at rate 0, through channel external.
#include <gtest/gtest.h>

#include "campaign_probe.hpp"
#include "test_util.hpp"

namespace guanxi::campaign {
namespace {

using guanxi::testing::path;

TEST(ExternalAdoption, EveryProspectAdoptsAtRateOneAndNoneAtZero) {
  CampaignSpec spec = certain({}, 2);
  spec.seeding.k = 0;
  spec.seeding.strategy = "top_degree";
  spec.behaviour.share_prob = 0;
  spec.behaviour.external_rate = 1.0;
  auto all = run(path(30), spec);
  EXPECT_EQ(all.metric(0, "customers"), 30);
  EXPECT_EQ(all.metric(0, "new_customers_external"), 30);
  spec.behaviour.external_rate = 0.0;
  EXPECT_EQ(run(path(30), spec).metric(1, "customers"), 0);
}

}  // namespace
}  // namespace guanxi::campaign
