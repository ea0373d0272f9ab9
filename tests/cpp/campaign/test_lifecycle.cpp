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
  // A busy design on a small random graph: every Part II mechanism on.
  CampaignSpec spec;
  spec.seeding.k = 5;
  spec.run.steps = 40;
  spec.behaviour.share_prob = 0.2;
  spec.behaviour.repeat_prob = 0.05;
  spec.behaviour.churn_prob = 0.02;
  spec.policy.referral_reward = 5;
  spec.policy.referee_discount = 0.1;
  spec.policy.commission = {0.05, 0.02};
  spec.acquisition.ad_spend = 6;
  spec.acquisition.ad_conversion = 0.05;
  spec.acquisition.platform_fee = 0.2;
  spec.community.enabled = true;
  spec.community.invite_prob = 0.05;
  spec.community.post_prob = 0.5;
  spec.community.flash_sale.enabled = true;
  spec.community.red_packet.enabled = true;
  spec.behaviour.tier_spend_mult = {1.0, 1.3, 1.3};
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
