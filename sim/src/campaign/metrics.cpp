// MODEL.md §4 economics and §5 metrics: the metric registry and one row per step holding the
// state at its end. Each metric is defined once, in the table below: its name, unit, kind (a
// stock, a flow of the step, or a ratio), MODEL.md section, description and its value computed
// from the replicate's Tally; campaign_metric_info() and the rows the engine writes both come
// from that table, so names and columns cannot drift apart. Money is cumulative; reaches,
// conversion_rate and k_factor are of the step; trust metrics cover the ties touching at least
// one customer; the cascade measures come from the referral forest (referral_forest.cpp).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "replicate.hpp"

namespace guanxi {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double quotient(double a, double b) { return b > 0 ? a / b : kNaN; }  // NaN when b is 0
// §12: incentive spend includes red packets (0 without Part II: Part I's sums are unchanged).
double spend(const campaign::Tally& x) {
  return x.money.rewards + x.money.commissions + x.money.discounts + x.money.red_packets;
}
double tracked_ties(const campaign::Tally& x) { return static_cast<double>(x.tie_count[0] + x.tie_count[1] + x.tie_count[2]); }

struct MetricDefinition {
  MetricInfo info;
  std::function<double(const campaign::Tally&)> value;
};

// The registry: one row per metric, in the order of CampaignResult's columns.
const std::vector<MetricDefinition>& metric_definitions() {
  using enum MetricUnit;
  constexpr MetricKind stock = MetricKind::stock, flow = MetricKind::flow;
  using campaign::Tally;
  static const std::vector<MetricDefinition> table = [] {
    std::vector<MetricDefinition> out = {
        {{"customers", people, stock, false, "§5", "people who ever bought"},
         [](const Tally& x) { return static_cast<double>(x.customers); }},
        {{"active", people, stock, false, "§5", "customers who have not churned"},
         [](const Tally& x) { return static_cast<double>(x.active); }},
        {{"churned", people, stock, false, "§5", "customers who churned"},
         [](const Tally& x) { return static_cast<double>(x.churned); }},
        {{"pending", people, stock, false, "§5", "team members and bargain initiators waiting to buy"},
         [](const Tally& x) { return static_cast<double>(x.pending); }}};
    const auto& channels = campaign_channels();
    for (std::size_t c = 0; c < channels.size(); ++c)
      out.push_back({{"new_customers_" + channels[c], people, flow, true, "§5",
                      "customers won in the step through channel " + channels[c]},
                     [c](const Tally& x) { return static_cast<double>(x.new_by_channel[c]); }});
    for (std::size_t c = 0; c < channels.size(); ++c)
      out.push_back({{"customers_" + channels[c], people, stock, false, "§5",
                      "customers won so far through channel " + channels[c]},
                     [c](const Tally& x) { return static_cast<double>(x.customers_by_channel[c]); }});
    const std::vector<MetricDefinition> rest = {
        {{"fans", people, stock, false, "§5", "active customers on the fan tier"},
         [](const Tally& x) { return static_cast<double>(x.fans); }},
        {{"partners", people, stock, false, "§5", "active customers on the partner tier"},
         [](const Tally& x) { return static_cast<double>(x.partners); }},
        {{"purchases", purchases, stock, false, "§4", "purchases so far"},
         [](const Tally& x) { return static_cast<double>(x.money.purchases); }},
        {{"repeat_purchases", purchases, stock, false, "§4", "repeat purchases so far"},
         [](const Tally& x) { return static_cast<double>(x.money.repeat_purchases); }},
        {{"revenue", money, stock, false, "§4", "revenue so far (after discounts)"},
         [](const Tally& x) { return x.money.revenue; }},
        {{"cost_of_goods", money, stock, false, "§4", "unit cost of every sale so far"},
         [](const Tally& x) { return x.money.cost_of_goods; }},
        {{"rewards", money, stock, false, "§4", "referral rewards paid so far"},
         [](const Tally& x) { return x.money.rewards; }},
        {{"commissions", money, stock, false, "§4", "commissions paid so far"},
         [](const Tally& x) { return x.money.commissions; }},
        {{"discounts", money, stock, false, "§4", "discounts given so far"},
         [](const Tally& x) { return x.money.discounts; }},
        {{"fees", money, stock, false, "§4", "membership fees so far"}, [](const Tally& x) { return x.money.fees; }},
        {{"incentive_spend", money, stock, false, "§12", "rewards + commissions + discounts + red packets so far"}, spend},
        {{"profit", money, stock, false, "§12",
          "revenue - cost of goods - rewards - commissions - red packets - ad spend - platform fees - community cost "
          "+ fees + stake sales - dividends - rebates so far"},
         [](const Tally& x) { return x.money.profit(); }},
        {{"incentive_roi", MetricUnit::ratio, MetricKind::ratio, false, "§4",
          "(incentive-driven margin - incentive spend) / incentive spend so far"},
         [](const Tally& x) { return quotient(x.money.incentive_margin - spend(x), spend(x)); }},
        {{"cac", money, MetricKind::ratio, false, "§4", "incentive spend per incentive-driven customer so far"},
         [](const Tally& x) { return quotient(spend(x), static_cast<double>(x.money.incentive_customers)); }},
        {{"reaches", reaches, flow, true, "§5", "share reaches in the step"},
         [](const Tally& x) { return static_cast<double>(x.reaches); }},
        {{"conversion_rate", share, MetricKind::ratio, true, "§5", "conversions / reaches in the step"},
         [](const Tally& x) { return quotient(static_cast<double>(x.conversions), static_cast<double>(x.reaches)); }},
        {{"k_factor", MetricUnit::ratio, MetricKind::ratio, true, "§5",
          "referral conversions in the step / active customers and pending team members at its start"},
         [](const Tally& x) {
           return quotient(static_cast<double>(x.referral_conversions), static_cast<double>(x.potential_sharers));
         }},
        {{"team_success_rate", share, MetricKind::ratio, false, "§5", "share of closed teams that completed"},
         [](const Tally& x) {
           return quotient(static_cast<double>(x.teams_done), static_cast<double>(x.teams_done + x.teams_failed));
         }},
        {{"bargain_success_rate", share, MetricKind::ratio, false, "§5", "share of closed bargains that succeeded"},
         [](const Tally& x) {
           return quotient(static_cast<double>(x.bargains_done), static_cast<double>(x.bargains_done + x.bargains_failed));
         }},
        {{"mean_strength", strength, MetricKind::ratio, false, "§5", "mean strength of ties touching a customer"},
         [](const Tally& x) { return quotient(x.sum_strength[0] + x.sum_strength[1] + x.sum_strength[2], tracked_ties(x)); }},
        {{"strong_tie_fraction", share, MetricKind::ratio, false, "§5", "share of ties touching a customer that are strong"},
         [](const Tally& x) {
           return quotient(static_cast<double>(x.strong_count[0] + x.strong_count[1] + x.strong_count[2]), tracked_ties(x));
         }},
        {{"strong_ties_customers", ties, stock, false, "§5", "strong ties between active customers"},
         [](const Tally& x) { return static_cast<double>(x.strong_count[1] + x.strong_count[2]); }},
        {{"value_metcalfe", value, stock, false, "§5", "network value: active customers squared"},
         [](const Tally& x) { return static_cast<double>(x.active) * static_cast<double>(x.active); }},
        {{"value_odlyzko", value, stock, false, "§5", "network value: n log n of active customers"},
         [](const Tally& x) {
           const double active = static_cast<double>(x.active);
           return active > 0 ? active * std::log(active) : 0.0;
         }},
        {{"value_ties", value, stock, false, "§5", "network value: summed strength of ties between active customers"},
         [](const Tally& x) { return x.sum_strength[1] + x.sum_strength[2]; }},
        {{"largest_cascade", people, stock, false, "§5", "customers in the largest referral tree"},
         [](const Tally& x) { return static_cast<double>(x.largest_tree); }},
        {{"max_depth", levels, stock, false, "§5", "depth of the deepest referral tree"},
         [](const Tally& x) { return static_cast<double>(x.max_depth); }},
        {{"structural_virality", levels, stock, false, "§5", "mean distance between customers of the largest referral tree"},
         [](const Tally& x) { return x.structural_virality; }},
        // Part II (§12).
        {{"ad_spend", money, stock, false, "§8.1", "spent on ads so far"}, [](const Tally& x) { return x.money.ad_spend; }},
        {{"impressions", MetricUnit::impressions, stock, false, "§8.1", "ad impressions bought so far"},
         [](const Tally& x) { return static_cast<double>(x.money.impressions); }},
        {{"platform_fees", money, stock, false, "§8.2", "platform fees on purchases of ad-channel customers so far"},
         [](const Tally& x) { return x.money.platform_fees; }},
        {{"community_cost", money, stock, false, "§12", "posts x post_cost so far"},
         [](const Tally& x) { return x.money.community_cost; }},
        {{"red_packets", money, stock, false, "§9.5", "red packets paid so far"},
         [](const Tally& x) { return x.money.red_packets; }},
        {{"marketing_spend", money, stock, false, "§12", "incentive spend + ad spend + community cost so far"},
         [](const Tally& x) { return spend(x) + x.money.ad_spend + x.money.community_cost; }},
        {{"groups", MetricUnit::groups, stock, false, "§9", "open community groups"},
         [](const Tally& x) { return static_cast<double>(x.groups); }},
        {{"group_members", people, stock, false, "§9", "members of community groups"},
         [](const Tally& x) { return static_cast<double>(x.group_members); }},
        {{"group_customers", people, stock, false, "§9", "members of community groups who are active customers"},
         [](const Tally& x) { return static_cast<double>(x.group_customers); }},
        {{"group_activity", share, MetricKind::ratio, false, "§9", "mean activity of the open groups"},
         [](const Tally& x) { return quotient(x.group_activity, static_cast<double>(x.groups)); }},
        {{"posts", MetricUnit::posts, flow, true, "§9.3", "posts in the step"},
         [](const Tally& x) { return static_cast<double>(x.posts); }},
        // Part III.
        {{"shareholders", people, stock, false, "§17.4", "active customers on the shareholder tier"},
         [](const Tally& x) { return static_cast<double>(x.shareholders); }},
        {{"stake_sales", money, stock, false, "§17.1", "stakes sold to partners so far (fee revenue, in profit)"},
         [](const Tally& x) { return x.money.stake_sales; }},
        {{"dividends", money, stock, false, "§17.3", "dividends paid to shareholders so far (out of profit)"},
         [](const Tally& x) { return x.money.dividends; }},
        {{"rebates", money, stock, false, "§18", "margin-promise rebates paid so far (out of profit)"},
         [](const Tally& x) { return x.money.rebates; }}};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }();
  return table;
}

}  // namespace

const std::vector<MetricInfo>& campaign_metric_info() {
  static const std::vector<MetricInfo> info = [] {
    std::vector<MetricInfo> out;
    for (const auto& definition : metric_definitions()) out.push_back(definition.info);
    return out;
  }();
  return info;
}

const std::vector<std::string>& campaign_metrics() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& m : campaign_metric_info()) out.push_back(m.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& comparison_metrics() {
  static const std::vector<std::string> names = {"customers", "revenue",  "incentive_spend",       "profit",
                                                 "incentive_roi", "strong_ties_customers", "value_metcalfe", "value_ties"};
  return names;
}

std::string_view metric_unit_name(MetricUnit unit) {
  static constexpr std::string_view names[] = {"people", "purchases", "currency", "share", "ratio", "reaches",
                                               "strength", "ties", "value", "levels", "groups", "posts", "impressions"};
  return names[static_cast<int>(unit)];
}

std::string_view metric_kind_name(MetricKind kind) {
  static constexpr std::string_view names[] = {"stock", "flow", "ratio"};
  return names[static_cast<int>(kind)];
}

}  // namespace guanxi

namespace guanxi::campaign {

void Replicate::record_metrics(std::uint32_t t) {
  tally_.active = active_.size();
  tally_.pending = pending_.size();
  tally_.structural_virality = largest_tree_virality();
  const auto& definitions = metric_definitions();
  double* row = out_.data() + (row_ * spec_.run.steps + t) * definitions.size();
  for (const auto& definition : definitions) *row++ = definition.value(tally_);
}

}  // namespace guanxi::campaign
