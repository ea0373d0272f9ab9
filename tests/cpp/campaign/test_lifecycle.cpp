// MODEL.md §11 the customer lifecycle (sim/src/campaign/lifecycle.cpp, books kept in payments.cpp
// and churn.cpp): on a busy design with every Part II mechanism on, the ledger adds up to the
// aggregates and the money lines keep §12's identities.
#include <gtest/gtest.h>

#include <vector>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"

namespace guanxi::campaign {
namespace {

TEST(Lifecycle, TheLedgerAddsUpToTheAggregates) {
  const CampaignSpec spec = busy_part_two();
  const Graph g = holme_kim(800, 3, 0.5, 3);
  for (std::uint64_t replicate = 0; replicate < 3; ++replicate) {
    ReplicateProbe probe(g, spec, replicate);
    probe.r().run();
    const std::uint32_t last = spec.run.steps - 1;
    double revenue = 0, margin = 0, incentives = 0, earned = 0;
    std::vector<double> by_channel(kChannels, 0);
    std::uint64_t churned = 0;
    for (const auto& book : probe.r().ledger()) {
      revenue += book.revenue, margin += book.margin, incentives += book.incentives;
      earned += probe.r().node(book.node).earned;
      ++by_channel[probe.r().node(book.node).channel];
      churned += book.churned >= 0;
    }
    const auto m = [&](const char* name) { return probe.metric(last, name); };
    const double tolerance = 1e-9 * (1 + m("revenue"));
    EXPECT_EQ(static_cast<double>(probe.r().ledger().size()), m("customers"));
    EXPECT_EQ(static_cast<double>(churned), m("churned"));
    EXPECT_NEAR(revenue, m("revenue"), tolerance);
    EXPECT_NEAR(margin, m("revenue") - m("cost_of_goods") - m("platform_fees"), tolerance);
    EXPECT_NEAR(incentives, m("discounts") + m("rewards") + m("commissions"), tolerance);
    EXPECT_NEAR(earned, m("rewards") + m("commissions"), tolerance);
    const auto& channels = campaign_channels();
    for (std::size_t c = 0; c < channels.size(); ++c)
      EXPECT_EQ(by_channel[c], probe.metric(last, "customers_" + channels[c])) << channels[c];
    // §12 conservation.
    EXPECT_NEAR(m("profit"), m("revenue") - m("cost_of_goods") - m("rewards") - m("commissions") - m("red_packets") -
                                 m("ad_spend") - m("platform_fees") - m("community_cost") + m("fees"),
                tolerance);
    EXPECT_NEAR(m("incentive_spend"), m("rewards") + m("commissions") + m("discounts") + m("red_packets"), tolerance);
    EXPECT_NEAR(m("marketing_spend"), m("incentive_spend") + m("ad_spend") + m("community_cost"), tolerance);
    double posts = 0;
    for (std::uint32_t t = 0; t <= last; ++t) posts += probe.metric(t, "posts");
    EXPECT_NEAR(m("community_cost"), posts * spec.community.post_cost, tolerance);
    EXPECT_GT(m("customers_ad"), 0);
    EXPECT_GT(m("customers_community"), 0);
    EXPECT_GT(m("red_packets"), 0);
  }
}

}  // namespace
}  // namespace guanxi::campaign
