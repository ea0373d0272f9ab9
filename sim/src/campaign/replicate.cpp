// One replicate of the campaign model: the order of a step (MODEL.md §3), random draws, the
// helpers the mechanisms share, and the referral forest.
#include "replicate.hpp"

#include <algorithm>

#include "formulas.hpp"

namespace guanxi::campaign {

Replicate::Replicate(const Shared& shared, std::uint64_t replicate, std::vector<double>& out,
                     std::vector<ForestEntry>* forest, Scratch& scratch, std::uint64_t row)
    : shared_(shared),
      graph_(*shared.graph),
      spec_(shared.spec),
      replicate_(replicate),
      row_(row),
      out_(out),
      forest_(forest),
      nodes_(scratch.nodes),
      attempts_(scratch.attempts),
      asked_(scratch.asked),
      ties_(scratch.ties),
      crossings_(spec_.run.steps + 2),
      nodes_position_(scratch.positions) {
  nodes_.prepare(graph_.num_nodes());
  attempts_.prepare(graph_.num_arcs());
  asked_.prepare(spec_.policy.bargain.enabled ? graph_.num_arcs() : 0);
  ties_.prepare(graph_.num_ties());
  nodes_position_.resize(graph_.num_nodes());
  segmented_ = shared_.segments.on();
  target_spent_.assign(spec_.policy.target.size(), 0.0);
  target_failed_.assign(spec_.policy.target.size(), 0);
  target_stopped_.assign(spec_.policy.target.size(), 0);
  const Acquisition& ads = spec_.acquisition;
  if (ads.ad_spend > 0 && ads.ad_target == "prospects")
    prospects_.emplace(scratch.prospect_at, scratch.prospect_slot, graph_.num_nodes());
}

void Replicate::refresh_keys(std::uint32_t t) {
  // Counter (replicate, step, purpose id): one key per purpose, computed whether or not the
  // purpose draws this step, so a key never depends on which mechanisms are on.
  const Random random(spec_.run.seed, stream::campaign);
  for (std::uint32_t id = 1; id < kPurposeSlots; ++id) keys_[id] = random.bits(replicate_, t, id);
}

void Replicate::run() {
  begin();
  for (std::uint32_t t = 0; t < spec_.run.steps; ++t) {
    if (shared_.cancel && shared_.cancel->load(std::memory_order_relaxed)) return;
    step(t);
  }
}

void Replicate::begin() {
  refresh_keys(0);
  segment_key_ = keys_[static_cast<std::uint32_t>(Purpose::segment)];
  // §15.3 the audience of confined ads: its members, and (ad_target = prospects) its prospects,
  // by position in it.
  if (ads_confined() && spec_.acquisition.ad_spend > 0) {
    const std::vector<std::uint8_t>& audience = shared_.segments.audience;
    for (node_t v = 0; v < graph_.num_nodes(); ++v)
      if (audience[segment_of(v)]) ad_audience_.push_back(v);
    if (prospects_) prospects_.emplace(prospects_->at_storage(), prospects_->slot_storage(), ad_audience_.size());
  }
  pays_ = shared_.incentives && spec_.policy.budget > 0;
  place_initial_groups();
  place_seeds();
  sync_prospects();
}

void Replicate::step(std::uint32_t t) {
  refresh_keys(t);
  // The policy pays this step unless a payment failed before (MODEL.md §3.4).
  pays_ = shared_.incentives && !exhausted_ && spec_.policy.budget > incentive_spent();
  start_targets_step();
  if (t > 0) tally_.new_by_channel.fill(0);  // seeds placed before step 0 count in step 0's row
  tally_.referral_conversions = 0;
  // §9.3 social proof: the members who bought in the previous step (none before step 0).
  for (CommunityGroup& g : groups_) {
    g.buyers_last = t == 0 ? 0 : g.buyers_now;
    g.buyers_now = 0;
    g.posted = g.packet = false;
  }
  // Decisions, on the state at the start of the step.
  effects_.clear();
  external_adoption(t, effects_);
  ads(t, effects_);
  sharing(t, effects_);
  bargain_asks(t, effects_);
  community_decisions(t, effects_);
  repeat_purchases(t, effects_);
  churn(t, effects_);
  // Their effects, at its end.
  commit(t);
  record_metrics(t);
  if (verify_every_step()) verify(t);  // a violation stops the run: the runner and the binding pass it on
}

void Replicate::commit(std::uint32_t t) {
  count_decisions();               // §3.2 shares and attempts, §3.6 asks and helps, §8.1 ads, §9.3 posts
  resolve_adoptions(t);            // §3.1, §3.3, §8.1, §9.3 adoptions into purchases, teams, bargains
  close_teams(t);                  // §3.5 completions and failures
  close_bargains(t);               // §3.6
  queue_repeat_purchases(t);       // §3.7, §9.4
  pay(t);                          // §3.4, §8.2, §10, §11 the step's purchases in hash order
  pay_red_packets();               // §9.5
  apply_churn(t);                  // §3.8, §9.7 churners and their ill words
  tie_dynamics(t);                 // §3.9, §9.7 events, bonding and decay into the start of t + 1
  retire_churners(t);              // §3.8 churners leave the active customers: S_u, tiers, tie modes
  update_groups(t);                // §9.2, §9.6 leavers and churners, invitees, new customers
  commit_new_customers(t + 1);     // the step's first buyers act from t + 1 (forest, ties, S_u)
  drop_settled_pending();          // members and initiators who bought or returned to prospect
  refresh_strong(t + 1);           // §3.9 strong flags of changed ties and crossings due at t + 1
  update_activity(t);              // §9.3, §9.5, §9.6 the posts' lifts and the decay of activity
  ladder(t);                       // §3.10 tiers and membership fees
  keep_margin_promise(t);          // §18 rebates at the end of a period, after every payment
  pay_dividends(t);                // §17.3 dividends at the end of a period, after the rebates
  sync_prospects();                // §8.1 the prospects ads may target from t + 1
}

void Replicate::count_decisions() {
  tally_.reaches = effects_.reaches;
  tally_.conversions = effects_.conversion_count;
  tally_.potential_sharers = effects_.potential_sharers;
  for (node_t u : effects_.sharers) ++nodes()[u].shares;
  for (arc_t a : effects_.reached)
    if (attempts()[a] < 255) ++attempts()[a];
  for (const auto& [bargain, arc] : effects_.asked) asked()[arc] = bargain + 1;
  for (std::uint32_t bargain : effects_.helped) ++bargains_[bargain].helps;
  tally_.money.ad_spend += effects_.ad_spend;
  tally_.money.impressions += effects_.impressions;
  tally_.posts = effects_.posts.size();
  tally_.money.community_cost += static_cast<double>(effects_.posts.size()) * spec_.community.post_cost;
  for (std::uint32_t g : effects_.posts) groups_[g].posted = true;
}

void Replicate::drop_settled_pending() {
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](node_t v) { return nodes()[v].stage != Stage::pending; }),
                 pending_.end());
}

double Replicate::incentive_spent() const {
  const Tally::Money& m = tally_.money;
  return m.rewards + m.commissions + m.discounts + m.red_packets;
}

bool Replicate::affordable(double amount) {
  if (!pays_ || amount <= 0) return false;
  if (incentive_spent() + amount > spec_.policy.budget) {
    exhausted_ = true;
    return false;
  }
  return true;
}

void Replicate::sync_prospects() {
  if (!prospects_) return;
  for (node_t v : stage_changes_) {
    node_t at = v;  // its position among the ads' audience (everyone: its id)
    if (ads_confined()) {
      const auto position = audience_position(v);
      if (!position) continue;
      at = static_cast<node_t>(*position);
    }
    if (nodes()[v].stage == Stage::prospect) prospects_->insert(at);
    else prospects_->erase(at);
  }
  stage_changes_.clear();
}

double Replicate::share_utility_of(node_t u, std::uint32_t t) const {
  const double price = spec_.product.price;
  double earned = 0;
  if (shared_.targets.empty()) {
    earned = referral_earnings(spec_.policy, price, nodes()[u].tier, offered_discount());
  } else {
    // §16.2, §18a: the sharer's own target's reward and level-1 rate, on a referee offered the
    // base discount (the referee is not known when u shares).
    const Levers own = levers_of(u, t);
    earned = reward_of(own) + commission_rate_of(own, u, 0) * price * (1.0 - offered_discount());
  }
  return share_utility(behaviour_of(u), pays_, earned, price);  // §15.2 the sharer's reward response
}

double Replicate::offered_discount() const { return referee_discount(spec_.policy, pays_); }

void Replicate::become_pending(node_t v, node_t referrer, std::uint8_t channel, std::uint32_t group) {
  stage_changed(v);
  Node& n = nodes()[v];
  n.stage = Stage::pending;
  n.referrer = referrer;
  n.channel = channel;
  n.group = group;
  pending_.push_back(v);
}

void Replicate::buy(node_t v, Channel channel, double discount_rate, bool flash) {
  purchases_.push_back({v, channel, discount_rate, flash});
}

void Replicate::fall_back(node_t v, double solo_fallback) {
  if (uniform(Purpose::solo, v) < solo_fallback) {
    nodes()[v].referrer = max_nodes;  // a solo adopter has no referrer (MODEL.md §1)
    buy(v, solo, 0.0);
  } else {
    stage_changed(v);
    Node& n = nodes()[v];
    n.stage = Stage::prospect;
    n.referrer = max_nodes;
    n.channel = kChannels;
  }
}

std::optional<arc_t> Replicate::arc_between(node_t u, node_t v) const {
  const auto around = graph_.neighbors(u);
  const auto it = std::lower_bound(around.begin(), around.end(), v);
  if (it == around.end() || *it != v) return std::nullopt;
  return graph_.arc_begin(u) + static_cast<arc_t>(it - around.begin());
}

}  // namespace guanxi::campaign
