// MODEL.md §11 the customer lifecycle. Each customer's book (opened at its first purchase in
// payments.cpp, closed by churn in churn.cpp) holds its revenue, its margin (revenue - cost of
// goods - platform fees), the incentives spent on it (discounts on its purchases, the reward paid
// for its conversion, commissions paid on its purchases; red packets are not attributed) and what
// it earned (rewards and commissions received). From the books of a replicate: the ledger (one
// row per customer, for the replicates asked for) and the summaries every replicate keeps, small
// whatever the population: cohort rows (acquired step, channel, churn step, customers), from
// which retention by cohort and age follows, and per channel the customers, margin, attributed
// incentives, incentive-driven customers and revenue, from which lifetime value and CAC follow;
// §15 (Part III) the same per segment, with the customers still active at the horizon (retention),
// and each ledger row's segment.
// Declares: no random purpose.
#include <algorithm>

#include "replicate.hpp"

namespace guanxi {

CampaignStateBytes campaign_state_bytes() {
  return {sizeof(campaign::CustomerBook), sizeof(campaign::Replicate::Node)};
}

}  // namespace guanxi

namespace guanxi::campaign {

void Replicate::write_ledger(std::vector<LedgerEntry>& out) const {
  out.clear();
  out.reserve(ledger_.size());
  for (const CustomerBook& book : ledger_) {
    const Node& n = nodes()[book.node];
    out.push_back({book.node, n.referrer, n.channel, book.acquired,
                   n.community == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(n.community - 1), n.purchases,
                   book.revenue, book.margin, book.incentives, n.earned, book.churned,
                   static_cast<std::uint8_t>(n.tier), segmented_ ? segment_of(book.node) : std::uint8_t{0}});
  }
}

void Replicate::write_lifecycle(Lifecycle& out) const {
  const std::uint32_t steps = spec_.run.steps;
  // Cohort rows: one per (acquired, channel, churned) with its count; "not churned" is `steps`.
  std::vector<std::uint64_t> keys;
  keys.reserve(ledger_.size());
  out.channels.assign(kChannels * kLifecycleColumns, 0.0);
  out.segments.assign((segmented_ ? shared_.segments.names.size() : 1) * kSegmentColumns, 0.0);
  for (const CustomerBook& book : ledger_) {
    const Node& n = nodes()[book.node];
    double* segment = out.segments.data() + (segmented_ ? segment_of(book.node) : 0) * kSegmentColumns;
    segment[0] += 1;
    segment[1] += book.revenue;
    segment[2] += book.margin;
    segment[3] += book.incentives;
    segment[4] += n.incentive_customer ? 1 : 0;
    segment[5] += book.churned < 0 ? 1 : 0;
    const std::uint64_t churned = book.churned < 0 ? steps : static_cast<std::uint64_t>(book.churned);
    keys.push_back((static_cast<std::uint64_t>(book.acquired) << 36) | (static_cast<std::uint64_t>(n.channel) << 28) | churned);
    double* row = out.channels.data() + n.channel * kLifecycleColumns;
    row[0] += 1;
    row[1] += book.margin;
    row[2] += book.incentives;
    row[3] += n.incentive_customer ? 1 : 0;
    row[4] += book.revenue;
  }
  std::sort(keys.begin(), keys.end());
  out.cohorts.clear();
  for (std::size_t i = 0; i < keys.size();) {
    const std::uint64_t key = keys[i];
    std::uint32_t count = 0;
    for (; i < keys.size() && keys[i] == key; ++i) ++count;
    out.cohorts.insert(out.cohorts.end(), {static_cast<std::uint32_t>(key >> 36), static_cast<std::uint32_t>((key >> 28) & 0xff),
                                           static_cast<std::uint32_t>(key & 0xfffffff), count});
  }
}

}  // namespace guanxi::campaign
