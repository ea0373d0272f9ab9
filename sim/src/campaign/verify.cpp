// The verifier beside the campaign kernels: the invariants a replicate must keep after every step
// (MODEL.md §12 money, §11 the ledger, §5 people, §3.7 S_u), checked from what the step recorded
// and from the replicate's state, without the incremental bookkeeping that produced them. Builds
// with GUANXI_VERIFY (the asan preset), or any build run with the environment variable
// GUANXI_VERIFY=1 (make verify), call it after every step; tests call it directly.
// Declares: no random purpose.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "guanxi/error.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {
namespace {

// The columns of the metrics row that the checks read, found once by name.
struct Columns {
  std::size_t customers, active, churned, pending, revenue, cost_of_goods, rewards, commissions, discounts, fees,
      incentive_spend, profit, ad_spend, platform_fees, community_cost, red_packets, marketing_spend, stake_sales,
      dividends, rebates, by_channel;
};
const Columns& columns() {
  static const Columns c = [] {
    const auto& names = campaign_metrics();
    const auto at = [&](const std::string& name) {
      return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    };
    return Columns{at("customers"), at("active"), at("churned"), at("pending"), at("revenue"), at("cost_of_goods"),
                   at("rewards"), at("commissions"), at("discounts"), at("fees"), at("incentive_spend"), at("profit"),
                   at("ad_spend"), at("platform_fees"), at("community_cost"), at("red_packets"),
                   at("marketing_spend"), at("stake_sales"), at("dividends"), at("rebates"),
                   at("customers_" + campaign_channels()[0])};
  }();
  return c;
}

}  // namespace

bool verify_every_step() {
  // Read once: the answer is the same for every replicate of every run in this process.
  static const bool every_step = [] {
#ifdef GUANXI_VERIFY
    constexpr bool built_in = true;
#else
    constexpr bool built_in = false;
#endif
    const char* value = std::getenv("GUANXI_VERIFY");
    const std::string asked = value == nullptr ? "" : value;
    if (asked != "" && asked != "0" && asked != "1")
      throw std::invalid_argument("environment variable GUANXI_VERIFY: expected 0 or 1, got '" + asked + "'");
    return built_in || asked == "1";
  }();
  return every_step;
}

void Replicate::verify(std::uint32_t t) const {
  const auto fail = [&](const std::string& invariant, const std::string& left, double a, const std::string& right,
                        double b) {
    throw InvariantViolation("replicate " + std::to_string(replicate_) + ", step " + std::to_string(t) +
                             ": invariant violated: " + invariant + ": " + left + " = " + format_number(a) + ", " +
                             right + " = " + format_number(b));
  };
  const Columns& c = columns();
  const double* row = out_.data() + (row_ * spec_.run.steps + t) * campaign_metrics().size();
  // Sums of money agree within a relative 1e-9 of the terms' magnitude (their order differs).
  const auto money = [&](const std::string& invariant, const std::string& left, double a, const std::string& right,
                         std::initializer_list<double> terms, double b) {
    double scale = std::abs(a);
    for (double x : terms) scale += std::abs(x);
    if (!(std::abs(a - b) <= 1e-9 * std::max(1.0, scale))) fail(invariant, left, a, right, b);
  };
  const double revenue = row[c.revenue], cost = row[c.cost_of_goods], rewards = row[c.rewards],
               commissions = row[c.commissions], discounts = row[c.discounts], fees = row[c.fees],
               ads = row[c.ad_spend], platform = row[c.platform_fees], community_cost = row[c.community_cost],
               packets = row[c.red_packets], stakes = row[c.stake_sales], dividends = row[c.dividends],
               rebates = row[c.rebates];
  // §12 money conserved (Part III: §17's stake sales in profit, its dividends and §18's rebates out).
  money("profit (MODEL.md §12, §17, §18)", "profit", row[c.profit],
        "revenue - cost_of_goods - rewards - commissions - red_packets - ad_spend - platform_fees - community_cost + "
        "fees + stake_sales - dividends - rebates",
        {revenue, cost, rewards, commissions, packets, ads, platform, community_cost, fees, stakes, dividends, rebates},
        revenue - cost - rewards - commissions - packets - ads - platform - community_cost + fees + stakes - dividends -
            rebates);
  for (const auto& [line, value] : {std::pair{"stake_sales (MODEL.md §17)", stakes},
                                    std::pair{"dividends (MODEL.md §17)", dividends},
                                    std::pair{"rebates (MODEL.md §18)", rebates}})
    if (!(value >= 0)) fail(line, "value", value, "0", 0);
  money("incentive spend (MODEL.md §12)", "incentive_spend", row[c.incentive_spend],
        "rewards + commissions + discounts + red_packets", {rewards, commissions, discounts, packets},
        rewards + commissions + discounts + packets);
  money("marketing spend (MODEL.md §12)", "marketing_spend", row[c.marketing_spend],
        "incentive_spend + ad_spend + community_cost", {row[c.incentive_spend], ads, community_cost},
        row[c.incentive_spend] + ads + community_cost);
  // Every unit sold is paid at list price less its discount and costs unit_cost (§3.4, §10).
  const double price = spec_.product.price, unit_cost = spec_.product.unit_cost;
  money("goods at list price (MODEL.md §3.4, §10)", "(revenue + discounts) x unit_cost", (revenue + discounts) * unit_cost,
        "cost_of_goods x price", {revenue * unit_cost, discounts * unit_cost}, cost * price);
  // §11 the customer ledger against the tallies.
  double ledger_revenue = 0, ledger_margin = 0, ledger_incentives = 0;
  std::uint64_t ledger_active = 0, ledger_churned = 0;
  for (const CustomerBook& book : ledger_) {
    ledger_revenue += book.revenue, ledger_margin += book.margin, ledger_incentives += book.incentives;
    const Stage stage = nodes()[book.node].stage;
    ledger_active += stage == Stage::customer;
    ledger_churned += stage == Stage::churned;
  }
  money("ledger revenue (MODEL.md §11)", "sum of the books' revenue", ledger_revenue, "revenue", {revenue}, revenue);
  money("ledger margin (MODEL.md §11)", "sum of the books' margin", ledger_margin,
        "revenue - cost_of_goods - platform_fees", {revenue, cost, platform}, revenue - cost - platform);
  money("ledger incentives (MODEL.md §11)", "sum of the books' incentives", ledger_incentives,
        "discounts + rewards + commissions", {discounts, rewards, commissions}, discounts + rewards + commissions);
  // §5 people: every customer has one book and one channel; customers are active or churned;
  // pending people (not customers yet) wait in an open team or bargain.
  const double customers = row[c.customers];
  double by_channel = 0;
  for (std::size_t k = 0; k < kChannels; ++k) by_channel += row[c.by_channel + k];
  if (by_channel != customers) fail("customers by channel (MODEL.md §5)", "customers", customers, "sum of customers_<channel>", by_channel);
  if (static_cast<double>(ledger_.size()) != customers)
    fail("one book per customer (MODEL.md §11)", "customers", customers, "ledger rows", static_cast<double>(ledger_.size()));
  if (row[c.active] + row[c.churned] != customers)
    fail("active + churned = customers (MODEL.md §5)", "active + churned", row[c.active] + row[c.churned], "customers", customers);
  if (static_cast<double>(ledger_active) != row[c.active])
    fail("active customers (MODEL.md §5)", "active", row[c.active], "books of customers at stage customer",
         static_cast<double>(ledger_active));
  if (static_cast<double>(ledger_churned) != row[c.churned])
    fail("churned customers (MODEL.md §5)", "churned", row[c.churned], "books of customers at stage churned",
         static_cast<double>(ledger_churned));
  std::uint64_t waiting = 0;
  for (node_t v : pending_) {
    const Node& n = nodes()[v];
    const bool open = n.stage == Stage::pending &&
                      (spec_.policy.group_buy.enabled ? n.group < teams_.size() && !teams_[n.group].closed
                                                      : n.group < bargains_.size() && !bargains_[n.group].closed);
    waiting += open;
  }
  if (static_cast<double>(waiting) != row[c.pending])
    fail("pending people wait in an open team or bargain (MODEL.md §3.5-3.6)", "pending", row[c.pending],
         "pending people in an open team or bargain", static_cast<double>(waiting));
  // §3.7 S_u, the strong ties from u to active customers, recounted from the strengths at the start
  // of t + 1. Only a customer's neighbour can have S_u > 0, so the customers (ever) and their
  // neighbours are the nodes to compare; each strong tie of an active customer counts once for
  // its other end.
  const double theta = spec_.ties.strong_threshold;
  std::vector<node_t> strong_ends, compared;
  const auto ties_of = [&](node_t v, auto&& visit) {
    for (arc_t a = graph_.arc_begin(v); a < graph_.arc_end(v); ++a) visit(graph_.target(a), shared_.arc_tie[a]);
    if (shared_.in_offsets.empty()) return;
    for (arc_t i = shared_.in_offsets[v]; i < shared_.in_offsets[v + 1]; ++i)
      visit(graph_.tie_endpoints(shared_.in_arcs[i]).first, shared_.in_arcs[i]);
  };
  for (const CustomerBook& book : ledger_) {
    const node_t v = book.node;
    const bool active = active_customer(v);
    compared.push_back(v);
    ties_of(v, [&](node_t w, tie_t tie) {
      compared.push_back(w);
      if (active && w != v && strength(tie, t + 1) >= theta) strong_ends.push_back(w);
    });
  }
  std::sort(strong_ends.begin(), strong_ends.end());
  std::sort(compared.begin(), compared.end());
  compared.erase(std::unique(compared.begin(), compared.end()), compared.end());
  for (node_t w : compared) {
    const auto [lo, hi] = std::equal_range(strong_ends.begin(), strong_ends.end(), w);
    const auto recount = static_cast<double>(hi - lo);
    const auto kept = static_cast<double>(nodes()[w].strong_active);
    if (kept != recount)
      fail("S_u of node " + std::to_string(w) + ", strong ties to active customers (MODEL.md §3.7)", "incremental count",
           kept, "recount", recount);
  }
}

}  // namespace guanxi::campaign
