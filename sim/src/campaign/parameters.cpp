// The campaign parameter table (guanxi/parameters.hpp): one row per parameter of MODEL.md §7, in
// the order of the spec's JSON form, and the range checks every reader of a spec goes through.
// Defaults are the fields' initialisers in campaign.hpp (a default-constructed CampaignSpec).
#include "guanxi/parameters.hpp"

#include <cmath>
#include <limits>

#include "guanxi/error.hpp"
#include "guanxi/ties.hpp"

namespace guanxi {
namespace {

// A row's accessor: the address of `member` in a spec.
#define GUANXI_FIELD(member) [](CampaignSpec& s) -> ParameterField { return &s.member; }

using enum ParameterType;
using enum ParameterRange;

const std::vector<Parameter> kParameters = {
    // product (§4)
    {"product.price", number, positive, "currency", "§4", "list price P", GUANXI_FIELD(product.price)},
    {"product.unit_cost", number, non_negative, "currency", "§4", "cost of goods per sale", GUANXI_FIELD(product.unit_cost)},
    // behaviour (§3)
    {"behaviour.share_prob", number, unit, "probability per step", "§3.2",
     "organic probability that an active customer shares in a step", GUANXI_FIELD(behaviour.share_prob)},
    {"behaviour.team_share_prob", number, unit, "probability per step", "§3.5",
     "probability that a pending team member shares in a step", GUANXI_FIELD(behaviour.team_share_prob)},
    {"behaviour.reach", number, unit, "probability", "§3.2", "probability that a share reaches a given prospect neighbour",
     GUANXI_FIELD(behaviour.reach)},
    {"behaviour.max_attempts", count, attempts, "reaches", "§3.2",
     "reaches per ordered pair over the campaign (0: unlimited)", GUANXI_FIELD(behaviour.max_attempts)},
    {"behaviour.max_shares", count, any, "shares", "§3.2", "shares per customer over the campaign (0: unlimited)",
     GUANXI_FIELD(behaviour.max_shares)},
    {"behaviour.conv_weak", number, unit, "probability", "§3.3", "conversion probability through a tie of strength 0",
     GUANXI_FIELD(behaviour.conv_weak)},
    {"behaviour.conv_strong", number, unit, "probability", "§3.3", "conversion probability through a tie of strength 1",
     GUANXI_FIELD(behaviour.conv_strong)},
    {"behaviour.external_rate", number, unit, "probability per step", "§3.1",
     "external adoption probability of a prospect per step (Bass p)", GUANXI_FIELD(behaviour.external_rate)},
    {"behaviour.reward_elasticity", number, non_negative, "multiplier", "§3.2", "e in U_share = 1 + e (R/P)^c",
     GUANXI_FIELD(behaviour.reward_elasticity)},
    {"behaviour.reward_curvature", number, positive, "exponent", "§3.2", "c in U_share = 1 + e (R/P)^c",
     GUANXI_FIELD(behaviour.reward_curvature)},
    {"behaviour.discount_elasticity", number, non_negative, "multiplier", "§3.3", "e in U_conv = 1 + e d",
     GUANXI_FIELD(behaviour.discount_elasticity)},
    {"behaviour.repeat_prob", number, unit, "probability per step", "§3.7",
     "probability that an active customer buys again in a step", GUANXI_FIELD(behaviour.repeat_prob)},
    {"behaviour.stickiness", number, non_negative, "multiplier", "§3.7", "repeat purchase gain per strong tie to a customer",
     GUANXI_FIELD(behaviour.stickiness)},
    {"behaviour.stickiness_cap", count, any, "ties", "§3.7",
     "strong ties counted in S_u at most, by stickiness (§3.7) and embeddedness (§3.8)",
     GUANXI_FIELD(behaviour.stickiness_cap)},
    {"behaviour.churn_prob", number, unit, "probability per step", "§3.8",
     "churn probability of an active customer without strong ties", GUANXI_FIELD(behaviour.churn_prob)},
    {"behaviour.embeddedness", number, non_negative, "per tie", "§3.8", "churn falls as exp(-embeddedness S_u)",
     GUANXI_FIELD(behaviour.embeddedness)},
    {"behaviour.neg_prob", number, unit, "probability", "§3.8", "probability that a churner speaks ill",
     GUANXI_FIELD(behaviour.neg_prob)},
    {"behaviour.neg_weight", number, unit, "share", "§3.8", "weight of ill words through a tie of strength 1",
     GUANXI_FIELD(behaviour.neg_weight)},
    {"behaviour.help_mult", number, non_negative, "multiplier", "§3.6", "an asked friend helps with trust(s) help_mult",
     GUANXI_FIELD(behaviour.help_mult)},
    {"behaviour.aware_mult", number, non_negative, "multiplier", "§3.6",
     "a prospect helper converts with trust(s) aware_mult", GUANXI_FIELD(behaviour.aware_mult)},
    {"behaviour.tier_mult.customer", number, non_negative, "multiplier", "§3.2", "sharing multiplier of customers",
     GUANXI_FIELD(behaviour.tier_mult.customer)},
    {"behaviour.tier_mult.fan", number, non_negative, "multiplier", "§3.2", "sharing multiplier of fans",
     GUANXI_FIELD(behaviour.tier_mult.fan)},
    {"behaviour.tier_mult.partner", number, non_negative, "multiplier", "§3.2", "sharing multiplier of partners",
     GUANXI_FIELD(behaviour.tier_mult.partner)},
    {"behaviour.tier_mult.shareholder", number, non_negative, "multiplier", "§17.2", "sharing multiplier of shareholders",
     GUANXI_FIELD(behaviour.tier_mult.shareholder)},
    {"behaviour.tier_repeat_mult.customer", number, non_negative, "multiplier", "§10",
     "repeat-purchase probability multiplier of customers", GUANXI_FIELD(behaviour.tier_repeat_mult.customer)},
    {"behaviour.tier_repeat_mult.fan", number, non_negative, "multiplier", "§10",
     "repeat-purchase probability multiplier of fans", GUANXI_FIELD(behaviour.tier_repeat_mult.fan)},
    {"behaviour.tier_repeat_mult.partner", number, non_negative, "multiplier", "§10",
     "repeat-purchase probability multiplier of partners", GUANXI_FIELD(behaviour.tier_repeat_mult.partner)},
    {"behaviour.tier_repeat_mult.shareholder", number, non_negative, "multiplier", "§17.2",
     "repeat-purchase probability multiplier of shareholders", GUANXI_FIELD(behaviour.tier_repeat_mult.shareholder)},
    {"behaviour.tier_spend_mult.customer", number, non_negative, "multiplier", "§10",
     "basket of a customer's repeat purchase (price paid and cost of goods)",
     GUANXI_FIELD(behaviour.tier_spend_mult.customer)},
    {"behaviour.tier_spend_mult.fan", number, non_negative, "multiplier", "§10",
     "basket of a fan's repeat purchase (price paid and cost of goods)", GUANXI_FIELD(behaviour.tier_spend_mult.fan)},
    {"behaviour.tier_spend_mult.partner", number, non_negative, "multiplier", "§10",
     "basket of a partner's repeat purchase (price paid and cost of goods)",
     GUANXI_FIELD(behaviour.tier_spend_mult.partner)},
    {"behaviour.tier_spend_mult.shareholder", number, non_negative, "multiplier", "§17.2",
     "basket of a shareholder's repeat purchase (price paid and cost of goods)",
     GUANXI_FIELD(behaviour.tier_spend_mult.shareholder)},
    // ties (§2, §3.9)
    {"ties.init", choice, any, "", "§2", "initial strengths: constant, uniform, overlap, column or graph",
     GUANXI_FIELD(ties.init.kind)},
    {"ties.value", number, unit, "strength", "§2", "the strength of every tie under init = constant",
     GUANXI_FIELD(ties.init.value)},
    {"ties.low", number, unit, "strength", "§2", "lowest strength under init = uniform", GUANXI_FIELD(ties.init.low)},
    {"ties.high", number, unit, "strength", "§2", "highest strength under init = uniform", GUANXI_FIELD(ties.init.high)},
    {"ties.s_min", number, unit, "strength", "§2", "strength of a tie without common neighbours (init = overlap)",
     GUANXI_FIELD(ties.init.s_min)},
    {"ties.s_max", number, unit, "strength", "§2", "strength of a tie whose neighbourhoods coincide (init = overlap)",
     GUANXI_FIELD(ties.init.s_max)},
    {"ties.seed", count, any, "", "§2", "random seed of init = uniform", GUANXI_FIELD(ties.init.seed)},
    {"ties.strong_threshold", number, unit, "strength", "§3.9", "θ: a tie is strong from this strength",
     GUANXI_FIELD(ties.strong_threshold)},
    {"ties.alpha_conv", number, unit, "share of the gap to 1", "§3.9", "strengthening by a successful referral",
     GUANXI_FIELD(ties.alpha_conv)},
    {"ties.alpha_team", number, unit, "share of the gap to 1", "§3.9", "strengthening by a completed team",
     GUANXI_FIELD(ties.alpha_team)},
    {"ties.alpha_bond", number, unit, "share of the gap to 1 per step", "§3.9", "bonding between two active customers",
     GUANXI_FIELD(ties.alpha_bond)},
    {"ties.beta_spam", number, unit, "share", "§3.9", "weakening by a paid share that fails, per unit of U_share - 1",
     GUANXI_FIELD(ties.beta_spam)},
    {"ties.beta_fail", number, unit, "share", "§3.5", "weakening of the initiator's ties by a failed team",
     GUANXI_FIELD(ties.beta_fail)},
    {"ties.decay", number, unit, "share per step", "§3.9", "decay toward the floor", GUANXI_FIELD(ties.decay)},
    {"ties.s_floor", number, unit, "strength", "§3.9", "the floor strengths decay toward", GUANXI_FIELD(ties.s_floor)},
    // ladder (§3.10)
    {"ladder.fan_purchases", count, at_least_one, "purchases", "§3.10", "purchases that make a customer a fan",
     GUANXI_FIELD(ladder.fan_purchases)},
    {"ladder.partner_referrals", count, at_least_one, "referrals", "§3.10", "successful referrals that make a fan a partner",
     GUANXI_FIELD(ladder.partner_referrals)},
    {"ladder.shareholding.enabled", flag, any, "", "§17",
     "shareholders on (a [ladder.shareholding] table switches them on)", GUANXI_FIELD(ladder.shareholding.enabled)},
    {"ladder.shareholding.take_rate", number, unit, "probability per step", "§17.1",
     "an active partner buys a stake in a step", GUANXI_FIELD(ladder.shareholding.take_rate)},
    {"ladder.shareholding.stake_price", number, non_negative, "currency", "§17.1",
     "price of a stake (fee revenue, line stake_sales)", GUANXI_FIELD(ladder.shareholding.stake_price)},
    {"ladder.shareholding.churn_mult", number, non_negative, "multiplier", "§17.2",
     "churn probability multiplier of shareholders", GUANXI_FIELD(ladder.shareholding.churn_mult)},
    {"ladder.shareholding.dividend_period", count, at_least_one, "steps", "§17.3",
     "dividends at every step t with (t + 1) mod dividend_period = 0", GUANXI_FIELD(ladder.shareholding.dividend_period)},
    {"ladder.shareholding.dividend_share", number, unit, "share of the period's profit", "§17.3",
     "paid in equal parts to the active shareholders when the period's profit is positive",
     GUANXI_FIELD(ladder.shareholding.dividend_share)},
    // policy (§3.4–3.6, §3.10)
    {"policy.referral_reward", number, non_negative, "currency", "§3.4", "paid to the referrer at a referee's first purchase",
     GUANXI_FIELD(policy.referral_reward)},
    {"policy.referee_discount", number, unit, "share of the price", "§3.4", "discount of a referee's first purchase",
     GUANXI_FIELD(policy.referee_discount)},
    {"policy.commission", numbers, unit, "share of the price paid", "§3.4", "commission rates by level, level 1 = direct referrer",
     GUANXI_FIELD(policy.commission)},
    {"policy.budget", budget, spend_cap, "currency", "§3.4",
     "cap on rewards + commissions + discounts, or \"unlimited\"", GUANXI_FIELD(policy.budget)},
    {"policy.group_buy.enabled", flag, any, "", "§3.5", "group buy on (a [policy.group_buy] table switches it on)",
     GUANXI_FIELD(policy.group_buy.enabled)},
    {"policy.group_buy.size", count, at_least_one, "people", "§3.5", "team size k", GUANXI_FIELD(policy.group_buy.size)},
    {"policy.group_buy.deadline", count, at_least_one, "steps", "§3.5", "steps a team has to fill",
     GUANXI_FIELD(policy.group_buy.deadline)},
    {"policy.group_buy.discount", number, unit, "share of the price", "§3.5", "discount of a completed team",
     GUANXI_FIELD(policy.group_buy.discount)},
    {"policy.group_buy.solo_fallback", number, unit, "probability", "§3.5",
     "a member of a failed team buys alone at list price", GUANXI_FIELD(policy.group_buy.solo_fallback)},
    {"policy.bargain.enabled", flag, any, "", "§3.6", "bargain on (a [policy.bargain] table switches it on)",
     GUANXI_FIELD(policy.bargain.enabled)},
    {"policy.bargain.helpers", count, any, "people", "§3.6", "helps that unlock the discount",
     GUANXI_FIELD(policy.bargain.helpers)},
    {"policy.bargain.deadline", count, at_least_one, "steps", "§3.6", "steps a bargain has to collect its helps",
     GUANXI_FIELD(policy.bargain.deadline)},
    {"policy.bargain.discount", number, unit, "share of the price", "§3.6", "discount of a successful bargain",
     GUANXI_FIELD(policy.bargain.discount)},
    {"policy.bargain.solo_fallback", number, unit, "probability", "§3.6",
     "the initiator of a failed bargain buys alone at list price", GUANXI_FIELD(policy.bargain.solo_fallback)},
    {"policy.membership.enabled", flag, any, "", "§3.10", "membership on (a [policy.membership] table switches it on)",
     GUANXI_FIELD(policy.membership.enabled)},
    {"policy.membership.fee", number, non_negative, "currency", "§3.10", "fee a fan pays to become a partner",
     GUANXI_FIELD(policy.membership.fee)},
    {"policy.membership.take_rate", number, unit, "probability per step", "§3.10", "a fan pays the fee in a step",
     GUANXI_FIELD(policy.membership.take_rate)},
    {"policy.membership.partner_commission", numbers, unit, "share of the price paid", "§3.10",
     "commission rates by level earned by partners", GUANXI_FIELD(policy.membership.partner_commission)},
    {"policy.margin_cap.enabled", flag, any, "", "§18",
     "the margin promise on (a [policy.margin_cap] table switches it on)", GUANXI_FIELD(policy.margin_cap.enabled)},
    {"policy.margin_cap.rate", number, unit, "share of revenue", "§18",
     "the promised margin: a period's margin above it goes back to the period's buyers", GUANXI_FIELD(policy.margin_cap.rate)},
    {"policy.margin_cap.period", count, at_least_one, "steps", "§18",
     "a period ends at every step t with (t + 1) mod period = 0", GUANXI_FIELD(policy.margin_cap.period)},
    {"policy.margin_cap.trust", number, unit, "share of neg", "§18",
     "a rebated active buyer's negative word of mouth falls by this share", GUANXI_FIELD(policy.margin_cap.trust)},
    {"policy.margin_cap.lift", number, non_negative, "multiplier", "§18",
     "a rebated active buyer's repeat probability is multiplied by 1 + lift for the next period",
     GUANXI_FIELD(policy.margin_cap.lift)},
    // acquisition (§8)
    {"acquisition.ad_spend", number, non_negative, "currency per step", "§8.1", "spent on ads in each step that buys them",
     GUANXI_FIELD(acquisition.ad_spend)},
    {"acquisition.cpm", number, positive, "currency per 1000 impressions", "§8.1", "cost per thousand impressions",
     GUANXI_FIELD(acquisition.cpm)},
    {"acquisition.ad_conversion", number, unit, "probability per impression", "§8.1",
     "a prospect converts from one impression", GUANXI_FIELD(acquisition.ad_conversion)},
    {"acquisition.ad_steps", count, any, "steps", "§8.1", "steps t < ad_steps buy ads (0: the whole horizon)",
     GUANXI_FIELD(acquisition.ad_steps)},
    {"acquisition.ad_budget", budget, spend_cap, "currency", "§8.1", "cap on ad spend, or \"unlimited\"",
     GUANXI_FIELD(acquisition.ad_budget)},
    {"acquisition.ad_target", text, any, "", "§8.1",
     "all (impressions land on anyone) or prospects (on prospects at the start of the step)",
     GUANXI_FIELD(acquisition.ad_target)},
    {"acquisition.platform_fee", number, unit, "share of the price paid", "§8.2",
     "taken by the platform from purchases of ad-channel customers outside community groups",
     GUANXI_FIELD(acquisition.platform_fee)},
    {"acquisition.ad_segments", ParameterType::names, any, "", "§15.3",
     "impressions land only on members of these segments (empty: on anyone)", GUANXI_FIELD(acquisition.ad_segments)},
    // community (§9)
    {"community.enabled", flag, any, "", "§9", "community groups on (a [community] table switches them on)",
     GUANXI_FIELD(community.enabled)},
    {"community.initial", text, any, "", "§9.1", "groups at the start: none, all (one group of everyone) or column",
     GUANXI_FIELD(community.initial)},
    {"community.groups_file", text, any, "", "§9.1",
     "scenario files, initial = column: a file of label,group lines (relative to the scenario)",
     GUANXI_FIELD(community.groups_file)},
    {"community.initial_activity", number, unit, "activity", "§9.2", "activity of a new group", GUANXI_FIELD(community.initial_activity)},
    {"community.capacity", count, at_least_one, "people", "§9.2", "members a group holds at most", GUANXI_FIELD(community.capacity)},
    {"community.join_prob", number, unit, "probability", "§9.2", "a new customer is invited into a group",
     GUANXI_FIELD(community.join_prob)},
    {"community.invite_prob", number, unit, "probability per step", "§9.2",
     "a customer member invites a given prospect neighbour outside groups", GUANXI_FIELD(community.invite_prob)},
    {"community.post_prob", number, unit, "probability per step", "§9.3", "the brand posts in a group",
     GUANXI_FIELD(community.post_prob)},
    {"community.post_cost", number, non_negative, "currency", "§9.3", "cost of one post", GUANXI_FIELD(community.post_cost)},
    {"community.post_lift", number, unit, "share of the gap to 1", "§9.3", "activity gained by a post",
     GUANXI_FIELD(community.post_lift)},
    {"community.group_conv", number, unit, "probability", "§9.3", "a prospect member reached by a post converts",
     GUANXI_FIELD(community.group_conv)},
    {"community.social_proof", number, non_negative, "per buyer", "§9.3",
     "conversion gain per member who bought in the previous step", GUANXI_FIELD(community.social_proof)},
    {"community.repeat_lift", number, non_negative, "multiplier", "§9.3",
     "repeat probability gain of a customer member reached by a post", GUANXI_FIELD(community.repeat_lift)},
    {"community.flash_sale.enabled", flag, any, "", "§9.4", "flash sales on (a [community.flash_sale] table switches them on)",
     GUANXI_FIELD(community.flash_sale.enabled)},
    {"community.flash_sale.period", count, at_least_one, "steps", "§9.4", "a sale in every step t with t mod period = period - 1",
     GUANXI_FIELD(community.flash_sale.period)},
    {"community.flash_sale.discount", number, unit, "share of the price", "§9.4", "discount of members' purchases in a sale",
     GUANXI_FIELD(community.flash_sale.discount)},
    {"community.red_packet.enabled", flag, any, "", "§9.5", "red packets on (a [community.red_packet] table switches them on)",
     GUANXI_FIELD(community.red_packet.enabled)},
    {"community.red_packet.amount", number, non_negative, "currency", "§9.5", "carried by every post, within the budget",
     GUANXI_FIELD(community.red_packet.amount)},
    {"community.red_packet.lift", number, unit, "share of the gap to 1", "§9.5", "extra activity of a post with a paid red packet",
     GUANXI_FIELD(community.red_packet.lift)},
    {"community.activity_decay", number, unit, "share per step", "§9.6", "activity lost per step",
     GUANXI_FIELD(community.activity_decay)},
    {"community.leave_prob", number, unit, "probability per step", "§9.6", "a member of a group of activity 0 leaves",
     GUANXI_FIELD(community.leave_prob)},
    {"community.alpha_group", number, unit, "share of the gap to 1 per step", "§9.7",
     "strengthening of ties between customer members, times activity", GUANXI_FIELD(community.alpha_group)},
    {"community.group_embeddedness", number, non_negative, "per unit of activity", "§9.7",
     "churn of a customer member falls as exp(-group_embeddedness a_g)", GUANXI_FIELD(community.group_embeddedness)},
    {"community.group_neg_weight", number, unit, "share", "§9.7", "ill words of a churning member reaching its group, times activity",
     GUANXI_FIELD(community.group_neg_weight)},
    // segments (§15, Part III); their list ([[segments.list]]: name, share, behaviour) is read and
    // written beside the table (scenario.cpp)
    {"segments.enabled", flag, any, "", "§15", "segments on (a [segments] table switches them on)",
     GUANXI_FIELD(segments.enabled)},
    {"segments.assign", text, any, "", "§15.1",
     "shares (drawn per node per replicate from the list's shares) or column (a name per node)",
     GUANXI_FIELD(segments.assign)},
    {"segments.file", text, any, "", "§15.1",
     "scenario files, assign = column: a file of label,segment lines (relative to the scenario)",
     GUANXI_FIELD(segments.file)},
    // seeding (§7)
    {"seeding.strategy", text, any, "", "§7", "top_degree, pagerank, kcore, imm, random or nodes",
     GUANXI_FIELD(seeding.strategy)},
    {"seeding.k", count, any, "people", "§7", "seeds chosen by the strategy", GUANXI_FIELD(seeding.k)},
    {"seeding.nodes", ParameterType::nodes, any, "", "§7", "the seeds, when strategy = nodes (labels in scenario files)",
     GUANXI_FIELD(seeding.nodes)},
    // run
    {"run.steps", count, ParameterRange::steps, "steps", "§7", "horizon", GUANXI_FIELD(run.steps)},
    {"run.replicates", count, at_least_one, "replicates", "§7", "Monte Carlo replicates", GUANXI_FIELD(run.replicates)},
    {"run.seed", count, any, "", "§7", "random seed: replicates are pure functions of (seed, replicate)",
     GUANXI_FIELD(run.seed)},
};

#undef GUANXI_FIELD

constexpr std::uint32_t kMaxSteps = 100000;

}  // namespace

const std::vector<Parameter>& campaign_parameters() { return kParameters; }

const Parameter* find_parameter(const std::string& path) {
  for (const auto& p : kParameters)
    if (p.path == path) return &p;
  return nullptr;
}

std::string_view parameter_type_name(ParameterType type) {
  static constexpr std::string_view names[] = {"number", "count", "flag", "text", "choice", "numbers", "budget", "nodes",
                                                        "names"};
  return names[static_cast<int>(type)];
}

std::string parameter_range_text(const Parameter& parameter) {
  switch (parameter.range) {
    case ParameterRange::any: return "";
    case ParameterRange::unit: return "[0, 1]";
    case ParameterRange::non_negative: return ">= 0";
    case ParameterRange::positive: return "> 0";
    case ParameterRange::at_least_one: return ">= 1";
    case ParameterRange::attempts: return "[0, 255], 0: unlimited";
    case ParameterRange::steps: return "[1, " + std::to_string(kMaxSteps) + "]";
    case ParameterRange::spend_cap: return ">= 0 or \"unlimited\"";
  }
  return "";
}

const std::vector<std::string>& parameter_choices(const Parameter& parameter) {
  static const std::vector<std::string> none;
  return parameter.type == ParameterType::choice ? tie_init_names() : none;
}

namespace {

void check_number(const std::string& path, ParameterRange range, double x) {
  switch (range) {
    case ParameterRange::unit:
      if (!(x >= 0.0 && x <= 1.0)) throw ParameterError(path, "must be in [0, 1], got " + format_number(x));
      return;
    case ParameterRange::non_negative:
      if (!(x >= 0.0) || !std::isfinite(x)) throw ParameterError(path, "must be finite and >= 0, got " + format_number(x));
      return;
    case ParameterRange::positive:
      if (!(x > 0.0) || !std::isfinite(x)) throw ParameterError(path, "must be finite and > 0, got " + format_number(x));
      return;
    case ParameterRange::spend_cap:
      if (!(x >= 0)) throw ParameterError(path, "must be >= 0, got " + format_number(x));
      return;
    default: return;
  }
}

void check_count(const std::string& path, ParameterRange range, std::uint64_t x) {
  switch (range) {
    case ParameterRange::at_least_one:
      if (x < 1) throw ParameterError(path, "must be >= 1, got " + std::to_string(x));
      return;
    case ParameterRange::attempts:
      if (x > 255) throw ParameterError(path, "must be at most 255 (0: unlimited), got " + std::to_string(x));
      return;
    case ParameterRange::steps:
      if (x < 1) throw ParameterError(path, "must be >= 1, got " + std::to_string(x));
      if (x > kMaxSteps)
        throw ParameterError(path, "must be at most " + std::to_string(kMaxSteps) + ", got " + std::to_string(x));
      return;
    default: return;
  }
}

}  // namespace

void check_parameter_range(const Parameter& parameter, const CampaignSpec& spec) {
  // The accessor takes a mutable spec; reading through it changes nothing.
  const ParameterField field = parameter.field(const_cast<CampaignSpec&>(spec));
  std::visit(
      [&](auto* value) {
        using T = std::remove_pointer_t<decltype(value)>;
        if constexpr (std::is_same_v<T, double>) {
          check_number(parameter.path, parameter.range, *value);
        } else if constexpr (std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::uint64_t>) {
          check_count(parameter.path, parameter.range, *value);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          for (std::size_t i = 0; i < value->size(); ++i)
            check_number(parameter.path + "[" + std::to_string(i) + "]", parameter.range, (*value)[i]);
        }
      },
      field);
}

}  // namespace guanxi
