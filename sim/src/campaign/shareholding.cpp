// MODEL.md §17 (Part III) shareholders, the last rung of the ladder (股东: "a user who becomes a
// shareholder buys and recommends whatever it takes"). With the ladder at the end of a step, each
// active partner who was a partner before the step buys a stake with probability take_rate
// (purpose stake) at stake_price, fee revenue as membership fees are (line stake_sales); a
// person climbs at most one rung per step. Shareholders share, buy and spend with their own
// entries of tier_mult, tier_repeat_mult and tier_spend_mult, earn membership.partner_commission
// (commission without membership: formulas.hpp), and churn with churn_mult times the probability
// (churn.cpp). At the end of every step t with (t + 1) mod dividend_period = 0, after the margin
// promise's rebates, dividend_share of the period's profit (stake sales and rebates included,
// dividends not), when positive, goes in equal parts to the shareholders active then (line
// dividends, out of profit, not incentive spend; earned(v) includes it); with none, nothing is
// paid. The readings of §18a are in docs/model.md.
// Declares: random purpose stake; metrics shareholders, stake_sales, dividends.
#include <algorithm>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::take_stakes(std::uint32_t /*t: the step's keys are set*/) {
  const Shareholding& rules = spec_.ladder.shareholding;
  if (!rules.enabled) return;
  const auto not_partner = [&](node_t v) { return nodes()[v].tier != Tier::partner || nodes()[v].stage != Stage::customer; };
  if (rules.take_rate > 0) {
    for (node_t v : partners_list_) {
      if (not_partner(v) || uniform(Purpose::stake, v) >= rules.take_rate) continue;
      tally_.money.stake_sales += rules.stake_price;
      nodes()[v].tier = Tier::shareholder;
      --tally_.partners;
      ++tally_.shareholders;
      shareholders_list_.push_back(v);
    }
  }
  // Keep the active partners, then add this step's new ones: they may buy a stake from the next step.
  partners_list_.erase(std::remove_if(partners_list_.begin(), partners_list_.end(), not_partner), partners_list_.end());
  partners_list_.insert(partners_list_.end(), new_partners_.begin(), new_partners_.end());
  new_partners_.clear();
}

void Replicate::pay_dividends(std::uint32_t t) {
  const Shareholding& rules = spec_.ladder.shareholding;
  if (!rules.enabled || (t + 1) % rules.dividend_period != 0) return;
  Tally::Money& money = tally_.money;
  shareholders_list_.erase(std::remove_if(shareholders_list_.begin(), shareholders_list_.end(),
                                          [&](node_t v) { return nodes()[v].stage != Stage::customer; }),
                           shareholders_list_.end());
  const double profit = money.profit() - dividend_profit_start_;  // the period's, after its rebates
  if (profit > 0 && !shareholders_list_.empty() && rules.dividend_share > 0) {
    const double dividend = rules.dividend_share * profit;
    const double each = dividend / static_cast<double>(shareholders_list_.size());
    for (node_t v : shareholders_list_) nodes()[v].earned += each;
    money.dividends += dividend;
  }
  dividend_profit_start_ = money.profit();
}

}  // namespace guanxi::campaign
