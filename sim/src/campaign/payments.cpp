// MODEL.md §3.4 purchase and payments (and §10's basket: a repeat purchase buys tier_spend_mult
// units of its buyer's tier, paying and costing that many). A buyer pays P (1 - d), d the discount it is due
// (referee, team or bargain) while the policy pays and the budget allows. On a first purchase
// the referrer earns referral_reward; on every purchase, ancestor a_l at level l = 1..L earns
// commission[l] · (price paid) if it is an active customer (partners earn
// membership.partner_commission instead). `budget` caps rewards + commissions + discounts: a
// payment that would exceed it is not made (an unpayable discount means list price) and the
// policy is exhausted from the next step. Payments are made in the order of the buyers' hash
// keys. A purchase is incentive-driven when a reward, commission or discount applied to it.
// Part II: the platform fee of ad-acquired customers outside groups (§8.2), the members' buys
// that make the next step's social proof (§9.3), and each customer's book (§11: revenue,
// margin after fees, incentives attributed to it, rewards and commissions it earned).
// Commission eligibility reads the start of the step: an ancestor who buys in the same step
// (a teammate) earns nothing on it, whatever the payment order. Part III: the buyer's basket is
// its own segment's (§15.2); with targets (§16, targets.cpp) the reward, each commission and each
// discount are the levers of the target of the person they go to, within that target's budget
// and `budget` (a flash sale's discount within `budget` only).
// Declares: random purpose pay_order; metrics purchases, revenue, cost_of_goods, rewards,
// commissions, discounts, incentive_spend, profit, incentive_roi, cac, new_customers_<channel>,
// platform_fees.
#include <algorithm>

#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::pay(std::uint32_t t) {
  std::sort(purchases_.begin(), purchases_.end(), [&](const Purchase& x, const Purchase& y) {
    const auto hx = bits(Purpose::pay_order, x.buyer), hy = bits(Purpose::pay_order, y.buyer);
    return hx != hy ? hx < hy : x.buyer < y.buyer;
  });
  const Policy& policy = spec_.policy;
  const double list_price = spec_.product.price;
  const double fee_rate = spec_.acquisition.platform_fee;
  const bool targeted = !shared_.targets.empty();
  for (const Purchase& p : purchases_) {
    Node& buyer = nodes()[p.buyer];
    const bool first = !buyer.ever_bought;
    if (first) {  // §11: the customer's book opens with its first purchase
      ledger_.push_back({p.buyer, t});
      buyer.book = static_cast<std::uint32_t>(ledger_.size());
    }
    CustomerBook& book = ledger_[buyer.book - 1];
    // §10: a repeat purchase's basket is its tier's tier_spend_mult times one unit (price and cost).
    const double units = first ? 1.0 : by_tier(behaviour_of(p.buyer).tier_spend_mult, buyer.tier);  // §15.2 the buyer's
    const double price = list_price * units;
    double discount = price * p.discount_rate;
    bool driven = false;
    // §16.3 a lever's discount is the buyer's target's to pay; a flash sale's, policy.budget's only.
    if (p.flash || p.channel == community ? affordable(discount)
                                          : affordable_for(targeted ? levers_of(p.buyer, t) : Levers{}, discount)) {
      tally_.money.discounts += discount;
      book.incentives += discount;
      driven = true;
    } else {
      discount = 0;
    }
    const double paid = price - discount;
    const double cost = spec_.product.unit_cost * units;
    tally_.money.revenue += paid;
    tally_.money.cost_of_goods += cost;
    ++tally_.money.purchases;
    if (!first) ++tally_.money.repeat_purchases;
    // §8.2 the platform takes its fee from ad-acquired customers outside community groups (group
    // membership as of the start of the step: joins happen at its end).
    const bool ad_customer = buyer.channel == ad || (first && p.channel == ad);
    double fee = 0;
    if (ad_customer && fee_rate > 0 && buyer.community == 0) {
      fee = fee_rate * paid;
      tally_.money.platform_fees += fee;
    }
    book.revenue += paid;
    book.margin += paid - cost - fee;
    if (policy.margin_cap.enabled && paid > 0) {  // §18: the period's buyers, in the order they paid
      if (book.period_paid == 0) period_books_.push_back(buyer.book - 1);
      book.period_paid += paid;
    }
    if (buyer.community != 0) ++groups_[buyer.community - 1].buyers_now;  // §9.3 social proof
    const node_t referrer = buyer.referrer;
    // §16.2 the referrer's own target's reward (the base policy's without targets).
    const bool refers = first && referrer != max_nodes;
    const Levers referrer_levers = refers && targeted ? levers_of(referrer, t) : Levers{};
    const double reward = refers && targeted ? reward_of(referrer_levers) : policy.referral_reward;
    if (refers && affordable_for(referrer_levers, reward)) {
      tally_.money.rewards += reward;
      book.incentives += reward;
      nodes()[referrer].earned += reward;
      driven = true;
    }
    node_t ancestor = referrer;
    for (std::uint32_t level = 0; level < shared_.commission_levels && ancestor != max_nodes; ++level) {
      Node& a = nodes()[ancestor];
      double amount = 0;
      const Levers ancestor_levers = targeted ? levers_of(ancestor, t) : Levers{};
      if (!targeted) {
        const auto& rates = earns_partner_commission(policy, a.tier) ? policy.membership.partner_commission
                                                                     : policy.commission;
        amount = level < rates.size() ? rates[level] * paid : 0.0;
      } else {
        amount = commission_rate_of(ancestor_levers, ancestor, level) * paid;  // §16.2, §18a the ancestor's own rate
      }
      // Eligible: an active customer as of the start of the step (not one buying in it).
      if (a.stage == Stage::customer && a.active_from <= t && affordable_for(ancestor_levers, amount)) {
        tally_.money.commissions += amount;
        book.incentives += amount;
        a.earned += amount;
        driven = true;
      }
      ancestor = a.referrer;
    }
    if (driven) tally_.money.incentive_margin += paid - cost;
    ++buyer.purchases;
    ladder_candidates_.push_back(p.buyer);
    if (!first) continue;
    // The first purchase makes a customer. Origin channels (seed, external, ad, community: the
    // channel table) are kept when they buy through a team, a bargain or alone.
    buyer.channel = keeps_channel(buyer.channel) ? buyer.channel : static_cast<std::uint8_t>(p.channel);
    stage_changed(p.buyer);
    buyer.stage = Stage::customer;
    buyer.tier = Tier::customer;
    buyer.ever_bought = true;
    buyer.first_step = t;
    buyer.active_from = placing_seeds_ ? 0 : t + 1;
    buyer.incentive_customer = driven;
    tally_.money.incentive_customers += driven;
    ++tally_.new_by_channel[buyer.channel];
    ++tally_.customers_by_channel[buyer.channel];
    newly_active_.push_back(p.buyer);
    first_buyers_.push_back(p.buyer);
    if (referrer != max_nodes) {  // a successful referral (§3.10; its tie strengthens in §3.9)
      ++nodes()[referrer].referrals;
      ladder_candidates_.push_back(referrer);
    }
  }
  purchases_.clear();
}

}  // namespace guanxi::campaign
