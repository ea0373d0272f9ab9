// MODEL.md §18 (Part III) the margin promise, Xiaomi's "hardware net margin never above 5 %, the
// excess returned to users": at the end of every step t with (t + 1) mod Q = 0, the period's
// margin m = profit_Q / revenue_Q (over the period's steps, the seeds' purchases in the first;
// profit as §12's before this rebate; no rebate when revenue_Q is 0). When m > rate, the brand
// returns (m - rate) revenue_Q to the period's buyers (everyone who paid more than 0 in it,
// churned buyers included) in proportion to what each paid, out of profit (line `rebates`; not
// incentive spend and under no budget; earned(v) includes it). A rebated buyer still active then
// forgets part of the ill it heard, neg(v) <- neg(v) (1 - trust), and its whole repeat
// probability is multiplied by 1 + lift for the next Q steps (a new rebate restarts the lift, no
// stacking: repeat_purchase.cpp). It runs after every payment of the step (the ladder's fees
// included) and draws no random numbers. The readings of §18a are in docs/model.md.
// Declares: metric rebates.
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::keep_margin_promise(std::uint32_t t) {
  const MarginCap& cap = spec_.policy.margin_cap;
  if (!cap.enabled || (t + 1) % cap.period != 0) return;
  Tally::Money& money = tally_.money;
  const double revenue = money.revenue - period_revenue_start_;
  // §18a: the margin counts stake sales and leaves dividends out.
  const double margin = revenue > 0 ? (money.profit() + money.dividends - period_profit_start_) / revenue : 0.0;
  if (revenue > 0 && margin > cap.rate) {
    const double rebate = (margin - cap.rate) * revenue;
    double paid = 0;  // the books' own sum: the shares add up to the rebate up to rounding
    for (std::uint32_t b : period_books_) paid += ledger_[b].period_paid;
    for (std::uint32_t b : period_books_) {
      CustomerBook& book = ledger_[b];
      Node& buyer = nodes()[book.node];
      buyer.earned += rebate * (book.period_paid / paid);
      if (buyer.stage != Stage::customer) continue;  // churned: rebated, but no trust or lift to gain
      buyer.neg = static_cast<float>(buyer.neg * (1.0 - cap.trust));
      book.lift_until = t + 1 + cap.period;
    }
    money.rebates += rebate;
  }
  for (std::uint32_t b : period_books_) ledger_[b].period_paid = 0;
  period_books_.clear();
  period_revenue_start_ = money.revenue;
  period_profit_start_ = money.profit() + money.dividends;
}

}  // namespace guanxi::campaign
