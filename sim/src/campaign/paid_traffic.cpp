// MODEL.md §8.1 paid traffic. In each step t < ad_steps (0: every step) while the cumulative ad
// spend stays within ad_budget, the brand spends ad_spend and buys I = floor(1000 ad_spend / cpm)
// impressions; impression i lands on node floor(U_i n) (ad_target = all) or on the prospect of
// index floor(U_i P) among the P prospects at the start of the step (ad_target = prospects, an
// IndexedSet that follows stage changes). A prospect with K >= 1 impressions converts with
// probability 1 - (1 - ad_conversion (1 - neg))^K and then acts as an external adopter (§3.1):
// it buys at list price, or opens a team or bargain while those policies pay; channel ad, no
// referrer. §15.3 (Part III): with acquisition.ad_segments, impression i lands on the
// floor(U_i N)-th member (or prospect) of the listed segments' union, N its size. Cost per step is
// O(I log I), never O(n) (the union's members are listed once per replicate). The platform fee (§8.2) is paid in §3.4
// (payments.cpp).
// Declares: random purposes impression, ad_convert; channel ad; metrics ad_spend, impressions.
#include <algorithm>
#include <cmath>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::ads(std::uint32_t t, Effects& out) const {
  const Acquisition& a = spec_.acquisition;
  if (a.ad_spend <= 0) return;
  if (a.ad_steps > 0 && t >= a.ad_steps) return;
  if (tally_.money.ad_spend + a.ad_spend > a.ad_budget) return;  // the budget would be exceeded
  out.ad_spend = a.ad_spend;
  const auto impressions = static_cast<std::uint64_t>(std::floor(1000.0 * a.ad_spend / a.cpm));
  out.impressions = impressions;
  if (a.ad_conversion <= 0) return;  // bought and shown, converting nobody
  const bool among_prospects = prospects_.has_value();
  // §15.3 confined ads land among the audience's members (positions in ad_audience_).
  const bool confined = ads_confined();
  const double population = among_prospects ? static_cast<double>(prospects_->size())
                            : confined      ? static_cast<double>(ad_audience_.size())
                                            : graph_.num_nodes();
  if (population == 0) return;
  std::vector<node_t> hits;
  hits.reserve(impressions);
  for (std::uint64_t i = 0; i < impressions; ++i) {
    auto index = static_cast<std::uint64_t>(uniform(Purpose::impression, i) * population);
    index = std::min(index, static_cast<std::uint64_t>(population) - 1);
    const auto at = among_prospects ? (*prospects_)[index] : static_cast<node_t>(index);
    const node_t v = confined ? ad_audience_[at] : at;
    if (nodes()[v].stage == Stage::prospect) hits.push_back(v);
  }
  std::sort(hits.begin(), hits.end());
  for (std::size_t i = 0; i < hits.size();) {
    const node_t v = hits[i];
    std::size_t k = 0;
    for (; i < hits.size() && hits[i] == v; ++i) ++k;
    const double per_impression = a.ad_conversion * (1.0 - nodes()[v].neg);
    const double p = 1.0 - std::pow(1.0 - per_impression, static_cast<double>(k));
    if (uniform(Purpose::ad_convert, v) < p) out.adopt(v, ad, max_nodes);
  }
}

}  // namespace guanxi::campaign
