// MODEL.md §16 targeted policies (Part III): an ordered list of targets, each a set of
// conditions on a person (§16.1: segment, tier, channel, community membership, degree, read at
// the start of the step) and the levers it sets for the people it matches (§16.2); a person's
// target is the first that matches, and the levers it leaves unset are the base policy's. The
// levers belong to the person whose payment or decision it is (§16.2, §18a): the reward and the
// commission to the earner (the referrer, the ancestor at each level), the referee, team and
// bargain discounts to the buyer; U_share reads what the sharer would earn under its own target,
// U_conv the discount the prospect would be offered under its own. §16.3: a target with a budget
// pays every reward, commission and discount to the people it matches out of it (and out of
// policy.budget); when a payment does not fit, the target stops paying from the next step and
// its people get no incentive at all: prospects buy at list price, pending members pay it.
// "The start of the step" for a payment at its end: a person who bought first in the step (or is
// buying now) still matches as the prospect it was, with no tier and no channel (§18a); its stage,
// tier, channel and group change only at the end of the step otherwise (the ladder, churn and
// group updates run after the payments).
// Declares: no random purpose.
#include <algorithm>
#include <cmath>

#include "guanxi/error.hpp"
#include "formulas.hpp"
#include "replicate.hpp"

namespace guanxi::campaign {

namespace {

template <class Names>
std::uint32_t mask_of(const std::vector<std::string>& given, const Names& names, const std::string& key,
                      const std::string& what) {
  std::uint32_t mask = 0;
  for (const std::string& name : given) {
    const auto at = std::find(names.begin(), names.end(), name);
    if (at == names.end() || name == "none") throw ParameterError(key, "no " + what + " is named '" + name + "'");
    mask |= 1u << static_cast<std::uint32_t>(at - names.begin());
  }
  return mask;
}

}  // namespace

void check_targets(const CampaignSpec& spec) {
  const std::vector<Target>& targets = spec.policy.target;
  if (targets.size() > 250) throw ParameterError("policy.target", "at most 250 targets, got " + std::to_string(targets.size()));
  const std::vector<std::string> tiers(kTierNames.begin(), kTierNames.end());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& target = targets[i];
    const std::string at = "policy.target[" + std::to_string(i) + "]";
    mask_of(target.who.tier, tiers, at + ".who.tier", "tier (customer, fan, partner, shareholder)");
    mask_of(target.who.channel, campaign_channels(), at + ".who.channel", "channel");
    if (!target.who.segment.empty()) {
      if (!spec.segments.enabled)
        throw ParameterError(at + ".who.segment", "names segments, but there are none ([segments] is off)");
      if (spec.segments.assign == "shares")
        for (const std::string& name : target.who.segment)
          if (name != "other" && std::none_of(spec.segments.list.begin(), spec.segments.list.end(),
                                              [&](const Segment& s) { return s.name == name; }))
            throw ParameterError(at + ".who.segment", "no segment is named '" + name + "'");
    }
    auto share = [&](const std::optional<double>& x, const std::string& key) {
      if (x && !(*x >= 0 && *x <= 1)) throw ParameterError(at + "." + key, "must be in [0, 1], got " + format_number(*x));
    };
    share(target.referee_discount, "referee_discount");
    share(target.team_discount, "team_discount");
    share(target.bargain_discount, "bargain_discount");
    if (target.referral_reward && !(*target.referral_reward >= 0))
      throw ParameterError(at + ".referral_reward", "must be finite and >= 0, got " + format_number(*target.referral_reward));
    if (target.commission)
      for (std::size_t level = 0; level < target.commission->size(); ++level)
        share((*target.commission)[level], "commission[" + std::to_string(level) + "]");
    if (!(target.budget >= 0)) throw ParameterError(at + ".budget", "must be >= 0, got " + format_number(target.budget));
  }
}

void check_target_segments(const CampaignSpec& spec) {
  if (!spec.segments.enabled || spec.segments.assign != "column") return;
  const std::vector<std::string> known = resolve_segment_names(spec);
  for (std::size_t i = 0; i < spec.policy.target.size(); ++i)
    for (const std::string& name : spec.policy.target[i].who.segment)
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw ParameterError("policy.target[" + std::to_string(i) + "].who.segment", "no segment is named '" + name + "'");
}

std::vector<TargetConditions> resolve_targets(const CampaignSpec& spec) {
  std::vector<TargetConditions> out;
  const std::vector<std::string> tiers(kTierNames.begin(), kTierNames.end());
  const std::vector<std::string> segments = resolve_segment_names(spec);
  for (const Target& target : spec.policy.target) {
    TargetConditions c;
    c.tiers = mask_of(target.who.tier, tiers, "policy.target", "tier");
    c.channels = mask_of(target.who.channel, campaign_channels(), "policy.target", "channel");
    if (!target.who.segment.empty()) {
      c.segments.assign(segments.size(), 0);
      for (const std::string& name : target.who.segment) {
        const auto at = std::find(segments.begin(), segments.end(), name);
        if (at != segments.end()) c.segments[static_cast<std::size_t>(at - segments.begin())] = 1;
      }
    }
    c.member = target.who.member ? (*target.who.member ? 1 : 0) : -1;
    c.min_degree = target.who.min_degree;
    out.push_back(std::move(c));
  }
  return out;
}

std::uint32_t first_target(const std::vector<TargetConditions>& targets, std::uint8_t segment, bool placed, Tier tier,
                           std::uint8_t channel, bool member, std::uint64_t degree) {
  for (std::uint32_t i = 0; i < targets.size(); ++i) {
    const TargetConditions& c = targets[i];
    if (!c.segments.empty() && !c.segments[segment]) continue;
    if (c.tiers && (!placed || !(c.tiers >> static_cast<std::uint32_t>(tier) & 1u))) continue;
    if (c.channels && (!placed || channel >= kChannels || !(c.channels >> channel & 1u))) continue;
    if (c.member >= 0 && member != (c.member == 1)) continue;
    if (c.min_degree && degree < c.min_degree) continue;
    return i + 1;
  }
  return 0;
}

std::uint32_t Replicate::target_of(node_t v, std::uint32_t t) const {
  if (shared_.targets.empty()) return 0;
  const Node& n = nodes()[v];
  // A customer (active or churned) as of the start of step t has a tier and a channel; a
  // prospect, a pending person and this step's first buyers have neither (§16.1, §18a).
  const bool placed = n.ever_bought && n.active_from <= t;
  return first_target(shared_.targets, segmented_ ? segment_of(v) : 0, placed, n.tier, n.channel, n.community != 0,
                      graph_.arc_end(v) - graph_.arc_begin(v));
}

Replicate::Levers Replicate::levers_of(node_t v, std::uint32_t t) const {
  Levers out;
  out.target = target_of(v, t);
  if (out.target) {
    out.own = &spec_.policy.target[out.target - 1];
    out.stopped = target_stopped_[out.target - 1] != 0;
  }
  return out;
}

double Replicate::reward_of(const Levers& l) const {
  if (l.stopped) return 0.0;
  return l.own && l.own->referral_reward ? *l.own->referral_reward : spec_.policy.referral_reward;
}

double Replicate::commission_rate_of(const Levers& l, node_t a, std::uint32_t level) const {
  if (l.stopped) return 0.0;
  const Policy& policy = spec_.policy;
  // §18a: a target's own list replaces partner_commission for the partners it matches too.
  const std::vector<double>& rates = l.own && l.own->commission ? *l.own->commission
                                     : earns_partner_commission(policy, nodes()[a].tier)
                                         ? policy.membership.partner_commission
                                         : policy.commission;
  return level < rates.size() ? rates[level] : 0.0;
}

double Replicate::discount_of(const Levers& l, DiscountLever lever) const {
  if (l.stopped) return 0.0;
  const Policy& p = spec_.policy;
  const Target* own = l.own;
  switch (lever) {
    case DiscountLever::referee: return own && own->referee_discount ? *own->referee_discount : p.referee_discount;
    case DiscountLever::team: return own && own->team_discount ? *own->team_discount : p.group_buy.discount;
    case DiscountLever::bargain: return own && own->bargain_discount ? *own->bargain_discount : p.bargain.discount;
  }
  return 0.0;
}

double Replicate::offered_discount_to(node_t v, std::uint32_t t) const {
  if (!pays_) return 0.0;
  return discount_for(v, spec_.policy.group_buy.enabled ? DiscountLever::team : DiscountLever::referee, t);
}

bool Replicate::incentives_stopped_for(node_t v, std::uint32_t t) const {
  return !shared_.targets.empty() && levers_of(v, t).stopped;
}

bool Replicate::affordable_for(const Levers& person, double amount) {
  if (shared_.targets.empty()) return affordable(amount);
  if (!pays_ || amount <= 0) return false;
  const std::uint32_t target = person.target;
  if (target) {
    const std::size_t i = target - 1;
    if (target_stopped_[i]) return false;
    if (target_spent_[i] + amount > spec_.policy.target[i].budget) {
      target_failed_[i] = 1;  // §16.3 the target stops paying from the next step
      return false;
    }
  }
  if (!affordable(amount)) return false;
  if (target) target_spent_[target - 1] += amount;
  return true;
}

void Replicate::start_targets_step() {
  for (std::size_t i = 0; i < target_failed_.size(); ++i) target_stopped_[i] = target_failed_[i];
}

}  // namespace guanxi::campaign
