// The campaign model of docs/model.md (MODEL.md): a strategist's campaign — product, population
// behaviour, tie dynamics, incentive policy, seeding, horizon — simulated on a social graph,
// many replicates, reporting money, people, trust, network value and cascades per step. Every
// default below is MODEL.md §7's; a policy is data, not a class per scheme.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "guanxi/diffusion.hpp"
#include "guanxi/graph.hpp"
#include "guanxi/ties.hpp"

namespace guanxi {

struct Product {
  double price = 100;      // list price P
  double unit_cost = 60;   // cost of goods per sale
};

struct TierMultipliers {
  double customer = 1.0, fan = 1.5, partner = 3.0;
  double shareholder = 5.0;  // §17.2 (Part III): a tier only when [ladder.shareholding] is on
};

struct Behaviour {
  double share_prob = 0.05;       // per step, an active customer
  double team_share_prob = 0.5;   // per step, a pending team member
  double reach = 0.3;             // a share reaches a given prospect neighbour
  std::uint32_t max_attempts = 3;  // reaches per ordered pair over the campaign (0: unlimited)
  std::uint32_t max_shares = 0;    // shares per customer over the campaign (0: unlimited)
  double conv_weak = 0.01, conv_strong = 0.08;
  double external_rate = 0.0;     // Bass innovation p_ext
  double reward_elasticity = 2.0, reward_curvature = 0.5;
  double discount_elasticity = 3.0;
  double repeat_prob = 0.01, stickiness = 0.1;
  std::uint32_t stickiness_cap = 10;
  double churn_prob = 0.005, embeddedness = 0.3;
  double neg_prob = 0.2, neg_weight = 0.5;
  double help_mult = 1.0, aware_mult = 0.5;
  TierMultipliers tier_mult;
  // MODEL.md §10: fans buy more. The repeat probability (§3.7) and the basket of a repeat purchase
  // (price paid and cost of goods) are multiplied by the buyer's tier's entry; 1 keeps Part I.
  TierMultipliers tier_repeat_mult{1.0, 1.0, 1.0, 1.0};
  TierMultipliers tier_spend_mult{1.0, 1.0, 1.0, 1.0};
};

struct TieDynamics {
  TieInit init;  // default overlap, s_min 0.1, s_max 0.9 (MODEL.md §2)
  double strong_threshold = 0.5;
  double alpha_conv = 0.2, alpha_team = 0.1, alpha_bond = 0.01;
  double beta_spam = 0.05, beta_fail = 0.1;
  double decay = 0.005, s_floor = 0.05;
};

// MODEL.md §17 (Part III) the last rung: partners buy stakes and share the profit (off unless the
// [ladder.shareholding] section is present).
struct Shareholding {
  bool enabled = false;
  double take_rate = 0.005, stake_price = 2000;  // §17.1 per step, an active partner buys a stake
  double churn_mult = 0.2;                       // §17.2 shareholders' churn probability multiplier
  std::uint32_t dividend_period = 30;            // §17.3 dividends at every step t with (t + 1) mod period = 0
  double dividend_share = 0.1;                   // §17.3 of the period's profit, when positive
};

struct Ladder {
  std::uint32_t fan_purchases = 2;
  std::uint32_t partner_referrals = 5;
  Shareholding shareholding;
};

// MODEL.md leaves size/deadline/discount of group buys and bargains open; guanxi's defaults
// (documented in docs/model.md) are a team of 3 within 24 steps at 20% off, and 3 helps within
// 24 steps for 30% off.
struct GroupBuy {
  bool enabled = false;
  std::uint32_t size = 3, deadline = 24;
  double discount = 0.2, solo_fallback = 0.3;
};

struct Bargain {
  bool enabled = false;
  std::uint32_t helpers = 3, deadline = 24;
  double discount = 0.3, solo_fallback = 0.3;
};

struct Membership {
  bool enabled = false;
  double fee = 398, take_rate = 0.01;
  std::vector<double> partner_commission{0.10, 0.05, 0.02};
};

// MODEL.md §18 (Part III) the margin promise: at the end of every `period` steps, the part of the
// period's margin above `rate` goes back to the period's buyers (off unless the section is present).
struct MarginCap {
  bool enabled = false;
  double rate = 0.05;
  std::uint32_t period = 30;
  double trust = 0.5, lift = 0.5;
};

// MODEL.md §16 (Part III) a targeted policy: the people it matches (every condition set must
// hold, read at the start of the step) and the levers it sets for them; a lever it leaves unset
// keeps the base policy's value. A person's target is the first in list order that matches.
struct TargetWho {
  std::vector<std::string> segment, tier, channel;  // any of each (empty: no condition)
  std::optional<bool> member;                       // in a community group, or not
  std::uint32_t min_degree = 0;                     // 0: no condition
};
struct Target {
  TargetWho who;
  std::optional<double> referral_reward;            // the earner's (the referrer)
  std::optional<std::vector<double>> commission;    // the earner's, by level (the ancestor at each)
  std::optional<double> referee_discount, team_discount, bargain_discount;  // the buyer's
  double budget = std::numeric_limits<double>::infinity();  // §16.3 what it pays at most
};

struct Policy {
  double referral_reward = 0, referee_discount = 0;
  std::vector<double> commission;  // rates by level; level 1 = direct referrer
  double budget = std::numeric_limits<double>::infinity();
  GroupBuy group_buy;
  Bargain bargain;
  Membership membership;
  MarginCap margin_cap;
  std::vector<Target> target;  // §16 in order: first match wins
};

// MODEL.md §8 paid traffic and the platform. Ads run while ad_spend > 0; platform_fee applies to
// the purchases of ad-acquired customers outside community groups whatever the ads do.
struct Acquisition {
  double ad_spend = 0;          // currency per step
  double cpm = 30;              // cost per thousand impressions
  double ad_conversion = 0.001; // conversion probability per impression of a prospect
  std::uint32_t ad_steps = 0;   // steps t < ad_steps buy ads; 0: the whole horizon
  double ad_budget = std::numeric_limits<double>::infinity();
  std::string ad_target = "all";  // all | prospects
  double platform_fee = 0;      // share of the price paid by ad-channel customers outside groups
  std::vector<std::string> ad_segments;  // §15.3 (Part III): impressions only on these segments (empty: all)
};

// MODEL.md §9.4–9.5. MODEL.md leaves the defaults of period, discount and amount open:
// guanxi's are a weekly sale at 20% off and a red packet of 10 (docs/model.md).
struct FlashSale {
  bool enabled = false;
  std::uint32_t period = 7;
  double discount = 0.2;
};

struct RedPacket {
  bool enabled = false;
  double amount = 10, lift = 0.3;
};

// MODEL.md §9 community groups (off unless the [community] section is present).
struct Community {
  bool enabled = false;
  std::string initial = "none";  // none | all | column
  std::string groups_file;       // scenario files, initial = column: "label,group" lines
  double initial_activity = 0.5;
  std::uint32_t capacity = 500;
  double join_prob = 0.3, invite_prob = 0.01;
  double post_prob = 0.15, post_cost = 5, post_lift = 0.2;
  double group_conv = 0.02, social_proof = 0.05, repeat_lift = 1.0;
  FlashSale flash_sale;
  RedPacket red_packet;
  double activity_decay = 0.05, leave_prob = 0.02;
  double alpha_group = 0.02, group_embeddedness = 1.0, group_neg_weight = 0.2;
  // initial = column: the group of every node (-1: none), read from groups_file or given by
  // Python (groups=). Data, not a parameter: not in the parameter table or the spec's JSON.
  std::shared_ptr<const std::vector<std::int64_t>> groups;
};

struct Seeding {
  std::string strategy = "top_degree";  // top_degree, pagerank, kcore, imm, random, nodes
  std::uint32_t k = 10;
  std::vector<node_t> nodes;  // strategy "nodes"
};

struct Horizon {
  std::uint32_t steps = 60;
  std::uint64_t replicates = 100;
  std::uint64_t seed = 0;
};

// MODEL.md §15 (Part III) a segment: a fixed layer of people (students, a city, heavy users) with
// its own behaviour.
struct Segment {
  std::string name;
  double share = 0;  // assign = shares: the part of the nodes drawn into it
  // §15.2 overrides of behaviour keys for its members, as paths under [behaviour] with their values
  // ("share_prob", "tier_repeat_mult.fan"), in the order given; the keys it leaves out keep the
  // global values.
  std::vector<std::pair<std::string, double>> behaviour;
};

// MODEL.md §15 segments (off unless the [segments] section is present). Every node is in one
// segment for the whole run: drawn per node per replicate from the shares (what they leave over is
// `other`), or given per node (a column of names: Python's segments["column"], or a scenario's
// `file` of "label,segment" lines).
struct Segments {
  bool enabled = false;
  std::string assign = "shares";  // shares | column
  std::string file;               // scenario files, assign = column: "label,segment" lines
  std::vector<Segment> list;
  // assign = column: the segment of every node as an index into column_names ("" means `other`; a
  // name not in `list` is a segment of its own with the global behaviour). Data, not a parameter:
  // not in the parameter table or the spec's JSON (the names in `list` are).
  std::shared_ptr<const std::vector<std::uint8_t>> column;
  std::vector<std::string> column_names;
};

// The behaviour keys a segment may override (MODEL.md §15.2): their paths under [behaviour]
// (a tier table's entries as "tier_repeat_mult.fan").
const std::vector<std::string>& segment_behaviour_keys();
// The global behaviour with segment s's overrides applied.
Behaviour segment_behaviour(const Behaviour& global, const Segment& segment);

struct CampaignSpec {
  Product product;
  Behaviour behaviour;
  TieDynamics ties;
  Ladder ladder;
  Policy policy;
  Acquisition acquisition;
  Community community;
  Segments segments;
  Seeding seeding;
  Horizon run;
};

// A run's segments in index order (CampaignResult::segments before the run): the list's, then a
// column's names not in the list, then `other`; {"other"} when segments are off.
std::vector<std::string> campaign_segments(const CampaignSpec& spec);

// A design that is legal but almost surely a mistake (it still runs): the key it is about and
// what is wrong ("every sale loses money").
struct SpecWarning {
  std::string key, text;
  std::string message() const { return key + ": " + text; }
};

// Checks a spec on its own: ranges, and keys that exclude each other. Throws ParameterError
// naming the key ("behaviour.reach: must be in [0, 1], got 1.5"); returns the warnings
// (commission deeper than three levels or paying the whole price, unit cost at or above the
// price, no way for anyone to buy).
std::vector<SpecWarning> check_spec(const CampaignSpec& spec);
// check_spec and what depends on the graph (an empty graph, seed ids, k larger than the graph).
std::vector<SpecWarning> validate(const CampaignSpec& spec, const Graph& g);
// Refuses, before allocating, a run whose per-step results would not fit in memory (`key`
// names the replicate count: "run.replicates" or "replicates").
void check_result_size(std::uint64_t replicates, std::uint32_t steps, const std::string& key);

// The campaign read as Independent Cascade (docs/model.md, "The campaign's IC equivalent"): the
// probability that a customer u, sharing through the whole horizon, converts its neighbour v,
// one per arc of g — 1 - E[(1 - c_uv)^N] with c_uv = min(1, trust(s_uv) U_conv) at the initial
// strengths and N the reaches of (u, v) (shares ~ Binomial(steps, σ) capped by max_shares, reaches
// ~ Binomial(shares, reach) capped by max_attempts). In MODEL.md §6's IC case it is p exactly.
// For choosing seeds (strategy imm, gx.seeding.for_campaign's candidates), not for results.
std::vector<float> campaign_ic_equivalent(const Graph& g, const CampaignSpec& spec);
// Seeds for strategy imm: IMM (ε = 0.1, ℓ = 1, RR seed 0) on campaign_ic_equivalent, k =
// spec.seeding.k; memoized on g by a digest of the equivalent's probabilities (with k and the
// options), so specs with the same equivalent share one entry, and ties.init = graph is keyed by
// the strengths it read.
std::shared_ptr<const std::vector<node_t>> memoized_campaign_imm_seeds(const Graph& g, const CampaignSpec& spec);

// The metrics of MODEL.md §4–5, in the order of CampaignResult's columns (the registry in
// sim/src/campaign/metrics.cpp defines each once): the unit (for tables and plot axes); the
// kind: a stock (a level or everything up to the step: customers, money so far), a flow (the
// step only: reaches, new customers) or a ratio (of two tallies); whether it describes the step
// only (flows, and the step's conversion_rate and k_factor); the MODEL.md section.
enum class MetricUnit { people, purchases, money, share, ratio, reaches, strength, ties, value, levels, groups, posts, impressions };
enum class MetricKind { stock, flow, ratio };
std::string_view metric_unit_name(MetricUnit unit);  // "people", ..., "currency", ...
std::string_view metric_kind_name(MetricKind kind);  // "stock", "flow", "ratio"
struct MetricInfo {
  std::string name;
  MetricUnit unit;
  MetricKind kind;
  bool per_step;
  std::string section;  // "§4", "§5"
  std::string description;
};
const std::vector<MetricInfo>& campaign_metric_info();
const std::vector<std::string>& campaign_metrics();

// One customer's life in one replicate (MODEL.md §11), recorded for the replicates asked for.
struct LedgerEntry {
  node_t node, referrer;     // referrer = max_nodes: none
  std::uint8_t channel;      // index into campaign_channels()
  std::uint32_t acquired;    // step of the first purchase
  std::int64_t group;        // community group at the horizon (-1: none)
  std::uint32_t purchases;
  double revenue, margin;    // margin = revenue - cost of goods - platform fees
  double incentives;         // discounts on its purchases, reward for its conversion, commissions on its purchases
  double earned;             // rewards and commissions it received
  std::int64_t churned;      // step it churned in (-1: active at the horizon)
  std::uint8_t tier;         // index into campaign_tiers(): its rung at the horizon (churned: the last it held)
  std::uint8_t segment;      // §15 index into CampaignResult::segments
};

// Per replicate, what cohort retention and lifetime value by channel need (MODEL.md §11):
// cohorts: (acquired step, channel, churn step or steps = not churned, customers) rows;
// channels: per channel, customers, margin, attributed incentives, incentive-driven customers,
// revenue.
// segments (§15): per segment, customers, revenue, margin, attributed incentives,
// incentive-driven customers, customers active at the horizon.
struct Lifecycle {
  std::vector<std::uint32_t> cohorts;  // 4 per row
  std::vector<double> channels;        // kLifecycleColumns per channel
  std::vector<double> segments;        // kSegmentColumns per segment of CampaignResult::segments
};
inline constexpr std::size_t kLifecycleColumns = 5;
inline constexpr std::size_t kSegmentColumns = 6;

// Bytes a replicate keeps per customer (its §11 book) and per node it touches (the node's state,
// Part II's group, inviter and book index included): for benchmarks and memory estimates.
struct CampaignStateBytes {
  std::size_t ledger_per_customer, per_touched_node;
};
CampaignStateBytes campaign_state_bytes();

// One customer of the referral forest (recorded for the replicates asked for).
struct ForestEntry {
  node_t node, referrer;  // referrer = max_nodes for roots
  std::uint8_t channel;   // index into campaign_channels()
  std::uint32_t step;     // of the first purchase
  std::uint32_t depth;    // 0 for roots
};
// The channels' names by index (the channel table of sim/src/campaign/vocabulary.hpp): seed,
// external, referral, team, bargain, solo, ad (§8), community (§9).
const std::vector<std::string>& campaign_channels();
// The ladder's tiers (MODEL.md §3.10, §17): none, customer, fan, partner, shareholder.
const std::vector<std::string>& campaign_tiers();

struct CampaignResult {
  std::uint64_t replicates = 0;
  std::uint64_t first_replicate = 0;
  std::uint32_t steps = 0;
  // values[(replicate * steps + step) * metrics + metric], the state at the end of each step.
  std::vector<double> values;
  std::vector<std::string> warnings;
  std::vector<std::pair<std::uint64_t, std::vector<ForestEntry>>> forests;
  std::vector<std::pair<std::uint64_t, std::vector<LedgerEntry>>> ledgers;
  std::vector<Lifecycle> lifecycle;  // one per replicate
  std::vector<std::string> segments;  // §15 the segments' names by index (no segments: "other", everyone)
  double seconds = 0;
};

struct CampaignRunOptions {
  std::uint64_t replicates = 100;
  std::uint64_t first_replicate = 0;  // runs replicates [first, first + replicates): the same
                                      // rows as in a run from 0 (a replicate is a pure function
                                      // of (seed, replicate index))
  std::uint64_t seed = 0;
  int threads = 0;
  std::vector<std::uint64_t> forests;  // replicates (absolute indices) whose referral forest is kept
  std::vector<std::uint64_t> ledgers;  // replicates (absolute indices) whose customer ledger is kept
};

namespace campaign {
// A replicate broke one of the model's invariants (money conserved, customers counted once,
// S_u as recounted): an engine bug, not bad input. Thrown by Replicate::verify, which builds with
// GUANXI_VERIFY run after every step; run_campaign passes it on (Python: RuntimeError). The
// message names the replicate, the step, the invariant and both numbers.
class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Whether every replicate checks its invariants after every step: always in builds with
// GUANXI_VERIFY (the asan preset), and in any build when the environment variable GUANXI_VERIFY
// is 1 when this is first asked (the first campaign run; make verify runs the Python tests so on
// the release engine). Any value but unset, "", 0 or 1 is refused (std::invalid_argument).
bool verify_every_step();
}  // namespace campaign

// Runs the campaign; replicates are pure functions of (seed, replicate), so campaigns run with
// the same seed share their random numbers (common random numbers) and thread counts never
// change results. `g`'s strength is not modified (ties.init is applied to a copy).
CampaignResult run_campaign(const Graph& g, const CampaignSpec& spec, const CampaignRunOptions& options,
                            RunControl* control = nullptr);

// The metrics `guanxi compare` and gx.compare report by default. (Statistics over replicates —
// means, Student t intervals, paired differences, the incremental ROI — live in one place, the
// Python package's guanxi.stats, which the command line uses too.)
const std::vector<std::string>& comparison_metrics();

}  // namespace guanxi
