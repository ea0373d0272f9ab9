// MODEL.md §4 economics and §5 metrics: one row per step holding the state at its end. Money is
// cumulative; reaches, conversion_rate and k_factor are of the step; trust metrics cover the
// ties touching at least one customer; structural_virality is the mean pairwise distance in the
// largest referral tree (Goel, Anderson, Hofman & Watts 2016), from subtree sizes in O(size).
#include <algorithm>
#include <cmath>
#include <limits>

#include "replicate.hpp"

namespace guanxi::campaign {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double a, double b) { return b > 0 ? a / b : kNaN; }

}  // namespace

// Mean distance between pairs of nodes of a tree given in an order where parents come first:
// the sum over edges of size(below) * (n - size(below)), divided by n (n - 1) / 2.
double structural_virality(const std::vector<node_t>& members, const std::vector<node_t>& parent_of_member) {
  const std::size_t n = members.size();
  if (n < 2) return 0.0;
  std::vector<double> below(n, 1.0);
  double sum = 0;
  for (std::size_t i = n; i-- > 1;) {
    sum += below[i] * (static_cast<double>(n) - below[i]);
    below[parent_of_member[i]] += below[i];
  }
  return sum / (static_cast<double>(n) * (static_cast<double>(n) - 1) / 2);
}

void Replicate::record_metrics(std::uint32_t t) {
  const auto& names = campaign_metrics();
  double* row = out_.data() + (row_ * spec_.run.steps + t) * names.size();
  std::size_t i = 0;
  auto put = [&](double x) { row[i++] = x; };
  const double active = static_cast<double>(active_.size());
  put(static_cast<double>(customers_));
  put(active);
  put(static_cast<double>(churned_));
  put(static_cast<double>(pending_.size()));
  for (int c = 0; c < kChannels; ++c) put(new_by_channel_[c]);
  for (int c = 0; c < kChannels; ++c) {
    customers_by_channel_[c] += new_by_channel_[c];
    put(static_cast<double>(customers_by_channel_[c]));
  }
  put(static_cast<double>(fans_));
  put(static_cast<double>(partners_));
  const Money& m = money;
  const double spend = m.rewards + m.commissions + m.discounts;
  put(static_cast<double>(m.purchases));
  put(static_cast<double>(m.repeat_purchases));
  put(m.revenue);
  put(m.cost_of_goods);
  put(m.rewards);
  put(m.commissions);
  put(m.discounts);
  put(m.fees);
  put(spend);
  put(m.revenue - m.cost_of_goods - m.rewards - m.commissions + m.fees);
  put(ratio(m.incentive_margin - spend, spend));
  put(ratio(spend, static_cast<double>(m.incentive_customers)));
  put(static_cast<double>(reaches_));
  put(ratio(static_cast<double>(conversions_count_), static_cast<double>(reaches_)));
  put(ratio(static_cast<double>(referral_conversions_), static_cast<double>(potential_sharers_)));
  put(ratio(static_cast<double>(teams_done_), static_cast<double>(teams_done_ + teams_failed_)));
  put(ratio(static_cast<double>(bargains_done_), static_cast<double>(bargains_done_ + bargains_failed_)));
  const double tracked = static_cast<double>(tie_count_[0] + tie_count_[1]);
  put(ratio(sum_strength_[0] + sum_strength_[1], tracked));
  put(ratio(static_cast<double>(strong_count_[0] + strong_count_[1]), tracked));
  put(static_cast<double>(strong_count_[1]));
  put(active * active);
  put(active > 0 ? active * std::log(active) : 0.0);
  put(sum_strength_[1]);
  put(largest_tree_);
  put(max_depth_);
  // Structural virality of the largest tree (the first of the largest, by creation).
  double virality = 0.0;
  if (largest_tree_ >= 2) {
    const Tree* largest = nullptr;
    for (const Tree& tree : trees_)
      if (tree.members.size() == largest_tree_) {
        largest = &tree;
        break;
      }
    std::vector<node_t> parent_of_member(largest->members.size(), 0);
    for (std::size_t k = 0; k < largest->members.size(); ++k) nodes_position_[largest->members[k]] = static_cast<std::uint32_t>(k);
    for (std::size_t k = 1; k < largest->members.size(); ++k)
      parent_of_member[k] = nodes_position_[nodes_[largest->members[k]].referrer];
    virality = structural_virality(largest->members, parent_of_member);
  }
  put(virality);
}

}  // namespace guanxi::campaign
