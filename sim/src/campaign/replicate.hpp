// Internal to the campaign model: the state of one replicate and its mechanisms, one per
// MODEL.md section, each defined in the file named after it (seeds.cpp §7 seeding,
// external_adoption.cpp §3.1, sharing.cpp §3.2–3.3, payments.cpp §3.4, group_buy.cpp §3.5,
// bargain.cpp §3.6, repeat_purchase.cpp §3.7, churn.cpp §3.8, tie_dynamics.cpp §3.9,
// ladder.cpp §3.10, referral_forest.cpp §1 and the §5 cascades, metrics.cpp §4–5, §12;
// Part II: paid_traffic.cpp §8, community.cpp §9, lifecycle.cpp §11; adoption.cpp resolves every
// decision's adoptions, verify.cpp checks the invariants) and sequenced by replicate.cpp. The
// formulas live in formulas.hpp, the channel table in vocabulary.hpp. The decisions of step t
// read the state at the start of t (const members; they fill an Effects record); the commit
// applies the effects at the end of t in MODEL.md §3's order, one named call per phase
// (docs/architecture.md).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <type_traits>
#include <vector>

#include "guanxi/campaign.hpp"
#include "guanxi/rng.hpp"
#include "../zeroed_array.hpp"
#include "vocabulary.hpp"

namespace guanxi {
struct InfluenceOptions;
}

namespace guanxi::campaign {

// Random purposes: every draw of a replicate names its purpose, and each (purpose, step) has its
// own Philox key, so no two mechanisms share numbers. Ids are explicit and stable: a new
// purpose takes the next unused id (an id is never reused or renumbered), so adding a
// mechanism leaves every existing stream, and with it every existing result, as it was.
enum class Purpose : std::uint32_t {
  external = 1,         // §3.1 geometric skips over node ids: (draw index)
  share = 2,            // §3.2 a sharer shares this step: (node)
  reach = 3,            // §3.2 a share reaches the arc's target: (arc)
  convert = 4,          // §3.3 the reached prospect converts: (arc)
  credit = 5,           // §3.3 credit among sharers converting one prospect: (sharer, prospect)
  pay_order = 6,        // §3.4 order of payments: (buyer)
  team_order = 7,       // §3.5 order of team joins: (convert)
  ask = 8,              // §3.6 the initiator asks the arc's target: (arc)
  help = 9,             // §3.6 the asked neighbour helps: (arc)
  helper_convert = 10,  // §3.6 a prospect helper converts: (arc)
  solo = 11,            // §3.5–3.6 a failed team member or initiator buys alone: (node)
  repeat = 12,          // §3.7 (node)
  churn = 13,           // §3.8 (node)
  speak_ill = 14,       // §3.8 a churner speaks ill: (node)
  fee = 15,             // §3.10 a fan pays the membership fee: (node)
  // Part II (model version 2): streams of their own, so Part I's draws are unchanged.
  impression = 16,      // §8.1 where impression i lands: (i)
  ad_convert = 17,      // §8.1 a prospect with impressions converts: (node)
  post = 18,            // §9.3 the brand posts in a group: (group)
  post_reach = 19,      // §9.3 a post reaches a member: (node)
  post_convert = 20,    // §9.3 a reached prospect member converts: (node)
  join = 21,            // §9.2 a new customer is invited into a group: (node)
  invite = 22,          // §9.2 geometric skips over an inviter's arcs: (inviter, draw index)
  invite_credit = 23,   // §9.2 the inviter credited among several: (inviter, prospect)
  join_order = 24,      // §9.2, §9.6 order of joins: (node)
  leave = 25,           // §9.6 a member leaves: (node)
  // Part III (model version 3).
  stake = 26,           // §17.1 an active partner buys a stake: (node)
  segment = 27,         // §15.1 a node's segment, once per replicate (step 0's key): (node)
  external_segment = 28,  // §15.2 an external adoption kept at the prospect's own rate: (node)
};
inline constexpr std::uint32_t kPurposeSlots = 29;  // largest id + 1: the size of a replicate's key table

// A read-only array held by reference count: the graph's memo (guanxi/graph_memo.hpp) and every
// run on the graph share one vector, so preparing a run copies none of it. Reads go through a
// cached pointer.
template <class T>
class SharedArray {
 public:
  SharedArray() = default;
  // Any contiguous container (std::vector, Buffer) held by reference count.
  template <class Container>
  explicit SharedArray(std::shared_ptr<const Container> values)
      : data_(values ? values->data() : nullptr), size_(values ? values->size() : 0), values_(std::move(values)) {}
  const T& operator[](std::size_t i) const { return data_[i]; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  // Declared before the owner: they are initialised from `values` before it is moved.
  const T* data_ = nullptr;
  std::size_t size_ = 0;
  std::shared_ptr<const void> values_;  // keeps the container alive
};

// §15 a run's segments, resolved from the spec: the list's segments, then the column's names
// not in the list (segments of their own with the global behaviour), then `other` (everyone else,
// the global behaviour). Empty `behaviour`: segments are off and every decision reads the spec's.
struct SegmentTable {
  std::vector<std::string> names;
  std::vector<Behaviour> behaviour;       // by segment index
  std::vector<double> cumulative;         // assign = shares: the list's cumulative shares
  std::vector<std::uint8_t> from_column;  // assign = column: column code -> segment index
  std::vector<std::uint8_t> audience;     // §15.3 by segment index: impressions may land on it (empty: all)
  double max_external_rate = 0;           // §3.1 the largest external_rate of any segment
  bool on() const { return !behaviour.empty(); }
};
// The table of `spec` (check_spec has accepted it; a column has been checked against the graph).
SegmentTable resolve_segments(const CampaignSpec& spec);
// The run's segment names in index order ({"other"} when segments are off).
std::vector<std::string> resolve_segment_names(const CampaignSpec& spec);
// §15's checks without the graph (check_spec) and of a column against the graph (validate).
void check_segments(const CampaignSpec& spec);
void check_segment_column(const CampaignSpec& spec, const Graph& g);

// §16 a target's conditions, resolved: segments by index (empty: any), tiers and channels as bit
// masks (0: any), membership (-1: any), the least out-degree (0: any).
struct TargetConditions {
  std::vector<std::uint8_t> segments;
  std::uint32_t tiers = 0, channels = 0;
  int member = -1;
  std::uint32_t min_degree = 0;
};
std::vector<TargetConditions> resolve_targets(const CampaignSpec& spec);
// The first target a person with these attributes matches (0: none; i + 1: policy.target[i]).
// `placed`: a customer (active or churned) with a tier and a channel; a prospect has neither.
std::uint32_t first_target(const std::vector<TargetConditions>& targets, std::uint8_t segment, bool placed, Tier tier,
                           std::uint8_t channel, bool member, std::uint64_t degree);
// §16's checks without the graph (check_spec) and of segment names against a column (validate).
void check_targets(const CampaignSpec& spec);
void check_target_segments(const CampaignSpec& spec);

// Inputs shared by all replicates of a run, derived once; the per-tie and per-arc arrays come
// from the graph's memo, so a second run on the same graph object derives them no more.
struct Shared {
  const Graph* graph = nullptr;
  CampaignSpec spec;
  SharedArray<float> initial_strength;  // per tie, after ties.init
  SharedArray<tie_t> arc_tie;           // tie id of every arc
  SharedArray<arc_t> in_offsets, in_arcs;  // directed graphs: the arcs into each node
  std::vector<node_t> seeds;            // fixed seeds (strategy != random)
  bool random_seeds = false;
  // §9.1 initial groups: the members of each (initial = all: every node; column: by group id).
  std::vector<std::vector<node_t>> initial_groups;
  SegmentTable segments;                // §15
  std::vector<TargetConditions> targets;  // §16, in the order of policy.target
  bool incentives = false;              // rewards, commissions, discounts, teams, bargains or fees
  std::uint32_t commission_levels = 0;
  // Closed-form tie maps: a step multiplies (s - fixed) by `keep`; powers tabulated by steps.
  double free_fixed = 0, bonded_fixed = 0;
  std::vector<double> free_keep_pow, bonded_keep_pow;
  const std::atomic<bool>* cancel = nullptr;
};

// An array whose entries reset to T{} when a new replicate starts (epoch stamps), so a thread
// reuses it across replicates without clearing it: setting up a replicate costs O(1), not O(n).
// Its storage starts as zero bytes (ZeroedArray; stamp 0 reads as stale), so creating it is O(1)
// too, and a short run on a large graph touches only the pages of the entries it uses.
// Above stamped_dense_limit bytes it keeps only the entries touched in the replicate, in an open-addressing
// table (also epoch-stamped), so memory follows activity on graphs of billions of ties.
inline std::size_t stamped_dense_limit = std::size_t{256} << 20;  // bytes; tests lower it

template <class T>
class Stamped {
 public:
  void prepare(std::size_t size) {
    if (size_ == size && sparse_ != (size * sizeof(Entry) > stamped_dense_limit)) size_ = ~std::size_t{0};
    sparse_ = size * sizeof(Entry) > stamped_dense_limit;
    if (size_ != size) {
      size_ = size;
      entries_ = ZeroedArray<Entry>(sparse_ ? 1024 : size);
      keys_.assign(sparse_ ? entries_.size() : 0, 0);
      epoch_ = 0;
    }
    used_ = 0;
    if (++epoch_ == 0) {  // wrapped: clear the stamps once
      for (auto& e : entries_) e.stamp = 0;
      epoch_ = 1;
    }
  }
  T& operator[](std::size_t i) {
    Entry& e = sparse_ ? slot(i) : entries_[i];
    if (e.stamp != epoch_) {
      e.stamp = epoch_;
      e.value = T{};
      if (sparse_) {
        keys_[static_cast<std::size_t>(&e - entries_.data())] = i;
        if (++used_ * 2 > entries_.size()) return grow(i);
      }
    }
    return e.value;
  }
  const T& operator[](std::size_t i) const {
    const Entry* e = sparse_ ? find(i) : &entries_[i];
    return e && e->stamp == epoch_ ? e->value : fresh_;
  }
  std::size_t size() const { return size_; }

 private:
  struct Entry {
    T value{};
    std::uint32_t stamp = 0;
  };
  std::size_t home(std::size_t i) const { return (i * 0x9e3779b97f4a7c15ULL >> 20) & (entries_.size() - 1); }
  // The slot holding i, or the free slot where it goes (stale slots are free).
  Entry& slot(std::size_t i) {
    for (std::size_t k = home(i);; k = (k + 1) & (entries_.size() - 1))
      if (entries_[k].stamp != epoch_ || keys_[k] == i) return entries_[k];
  }
  const Entry* find(std::size_t i) const {
    for (std::size_t k = home(i);; k = (k + 1) & (entries_.size() - 1)) {
      if (entries_[k].stamp != epoch_) return nullptr;
      if (keys_[k] == i) return &entries_[k];
    }
  }
  // Doubles the table, keeping this replicate's entries, and returns entry i.
  T& grow(std::size_t i) {
    ZeroedArray<Entry> old_entries(entries_.size() * 2);
    std::vector<std::size_t> old_keys(keys_.size() * 2, 0);
    std::swap(old_entries, entries_);
    old_keys.swap(keys_);
    for (std::size_t k = 0; k < old_entries.size(); ++k)
      if (old_entries[k].stamp == epoch_) {
        Entry& e = slot(old_keys[k]);
        e = old_entries[k];
        keys_[static_cast<std::size_t>(&e - entries_.data())] = old_keys[k];
      }
    return slot(i).value;
  }

  ZeroedArray<Entry> entries_;
  std::vector<std::size_t> keys_;  // sparse: the index in each slot
  std::size_t size_ = 0, used_ = 0;
  bool sparse_ = false;
  std::uint32_t epoch_ = 0;
  T fresh_{};
};

// Everything the replicates of one run share; run_campaign validates `spec` first.
Shared prepare_shared(const Graph& g, const CampaignSpec& spec, std::uint64_t seed, std::uint64_t replicates);

// The key under which strategy imm's seeds are memoized on the graph (seeds.cpp): a digest of
// IMM's input, the IC-equivalent probabilities bit for bit (two independent 64-bit hashes and
// their count), with k and the IMM options. At least as strict as the canonical spec: any change
// of the probabilities changes it, whatever parameter caused it.
std::string imm_seeds_key(std::span<const float> probabilities, const InfluenceOptions& options);

struct Team {
  node_t initiator;
  std::uint32_t opened;
  std::vector<node_t> members;  // the initiator first
  bool closed = false;
};

struct BargainState {
  node_t initiator;
  std::uint32_t opened;
  bool seeded = false;  // opened by a seed before step 0: asks from step 0
  std::uint32_t helps = 0;
  bool closed = false;
};

// A purchase to be paid at the end of the step.
struct Purchase {
  node_t buyer;
  Channel channel;
  double discount_rate;  // asked for; paid only within the budget
  bool flash = false;    // a flash sale's discount (§9.4): policy.budget's only, never a target's (§18a)
};

// A prospect adopting in a step, from one decision: external adoption (§3.1), an ad (§8.1), a
// share (§3.3) or a bargain help (§3.6, channel referral), a post (§9.3). `referrer`: the sharer,
// the helped initiator or the inviter (max_nodes: none). resolve_adoptions keeps one per prospect,
// the channel of smallest precedence (the channel table) and within it the smallest `credit`
// (§3.3: hash(seed, replicate, t, u, v); 0 where a decision gives a prospect one record).
// `produced`: its index among the step's adoptions, the order the decisions produced them.
struct Adoption {
  node_t node, referrer;
  Channel channel;
  std::uint64_t credit;
  std::uint32_t produced;
};

// §9.2 an invitation into the inviter's group, credited to the smallest hash among inviters.
struct Invitation {
  node_t v, u;  // invitee, inviter
  std::uint64_t credit;
};

// A change of one tie's strength in a step (§3.9), applied to its strength at the start of the
// step in the order of kind.
struct TieEvent {
  tie_t tie;
  double factor_or_gain;  // multiply (spam, failure) or pull toward 1 (conversion, team)
  std::uint8_t kind;      // 0 conversion, 1 spam, 2 team, 3 failure (applied in this order)
};

// What the decisions of a step produce (MODEL.md §3: decisions read the state at the start of
// the step; their effects apply at its end). The decision mechanisms are const members of
// Replicate that fill it; the commit applies it.
struct Effects {
  std::vector<Adoption> adoptions;                     // §3.1, §3.3, §3.6, §8.1, §9.3 (in this order)
  std::vector<node_t> sharers;                         // §3.2 who shared: one more share each
  std::vector<arc_t> reached;                          // §3.2 arcs reached: one more attempt each
  std::vector<std::pair<std::uint32_t, arc_t>> asked;  // §3.6 (bargain, arc) asked
  std::vector<std::uint32_t> helped;                   // §3.6 one help for bargain i
  std::vector<node_t> repeat_buyers;                   // §3.7
  std::vector<std::pair<node_t, bool>> churners;       // §3.8 (churner, speaks ill)
  std::vector<TieEvent> tie_events;                    // §3.9 spam here; teams, failures, referrals at the commit
  std::uint64_t reaches = 0, conversion_count = 0, potential_sharers = 0;  // the step's counts
  // Part II.
  double ad_spend = 0;                                 // §8.1 spent this step
  std::uint64_t impressions = 0;
  std::vector<std::uint32_t> posts;                    // §9.3 groups posted in
  std::vector<node_t> post_reached_customers;          // §9.3 sorted: repeat lift
  std::vector<node_t> leavers;                         // §9.6
  std::vector<Invitation> invites;                     // §9.2
  // A decision's adoption of prospect v (see Adoption).
  void adopt(node_t v, Channel channel, node_t referrer, std::uint64_t credit = 0) {
    adoptions.push_back({v, referrer, channel, credit, static_cast<std::uint32_t>(adoptions.size())});
  }
  void clear() {
    adoptions.clear(), sharers.clear(), reached.clear(), asked.clear(), helped.clear();
    repeat_buyers.clear(), churners.clear(), tie_events.clear();
    reaches = conversion_count = potential_sharers = 0;
    posts.clear(), post_reached_customers.clear(), leavers.clear();
    invites.clear();
    ad_spend = 0, impressions = 0;
  }
};

// §9 a community group: its members (a node's slot in `members` is Node::member_slot), its
// activity a_g, and the members who bought in the previous and the current step (social proof).
struct CommunityGroup {
  std::vector<node_t> members;
  double activity = 0;
  std::uint32_t from_step = 0;  // open from this step (initial groups: 0; a group made at the end of t: t + 1)
  std::uint32_t buyers_last = 0, buyers_now = 0;
  bool open = true;
  bool posted = false, packet = false;  // this step: a post, with a paid red packet
};

// §11 one customer's book in a replicate.
struct CustomerBook {
  node_t node;
  std::uint32_t acquired;
  std::int64_t churned = -1;
  double revenue = 0, margin = 0, incentives = 0;  // its earnings are its Node's `earned`
  // §18 the margin promise: what it paid in the current period, and the first step its rebate's
  // repeat lift no longer applies to (0: none).
  double period_paid = 0;
  std::uint32_t lift_until = 0;
};

// A set of node ids with O(1) insert, erase and access by index, its storage a permutation of
// [0, n) kept as overrides of the identity (two epoch-stamped arrays): memory follows the changes,
// not n (§8.1 impressions among prospects: the prospects start as every node).
class IndexedSet {
 public:
  IndexedSet(Stamped<std::uint32_t>& at, Stamped<std::uint32_t>& slot, std::size_t n) : at_(at), slot_(slot), size_(n) {
    at_.prepare(n), slot_.prepare(n);
  }
  std::size_t size() const { return size_; }
  node_t operator[](std::size_t i) const { return read(at_, i); }
  bool contains(node_t v) const { return read(slot_, v) < size_; }
  void insert(node_t v) {
    if (!contains(v)) swap_slots(read(slot_, v), size_++);
  }
  void erase(node_t v) {
    if (contains(v)) swap_slots(read(slot_, v), --size_);
  }
  Stamped<std::uint32_t>& at_storage() const { return at_; }
  Stamped<std::uint32_t>& slot_storage() const { return slot_; }

 private:
  // Entries hold value + 1; 0 (fresh) reads as the identity.
  static std::uint32_t read(const Stamped<std::uint32_t>& a, std::size_t i) {
    const std::uint32_t x = a[i];
    return x == 0 ? static_cast<std::uint32_t>(i) : x - 1;
  }
  void swap_slots(std::size_t i, std::size_t j) {
    const node_t x = read(at_, i), y = read(at_, j);
    at_[i] = y + 1, at_[j] = x + 1;
    slot_[x] = static_cast<std::uint32_t>(j) + 1, slot_[y] = static_cast<std::uint32_t>(i) + 1;
  }
  Stamped<std::uint32_t>& at_;
  Stamped<std::uint32_t>& slot_;
  std::size_t size_;
};

// A referral tree: its members in the order they joined (parents before children).
struct Tree {
  std::vector<node_t> members;
};

// Mean distance between all pairs of a tree's nodes (structural virality), the tree given as
// members in an order where parents come first and each member's parent index.
double structural_virality(const std::vector<node_t>& members, const std::vector<node_t>& parent_of_member);

struct Scratch;

// Everything the metrics of MODEL.md §4–5 read (metrics.cpp computes each metric from it): the
// economy and counts so far, and the flows of the step.
struct Tally {
  struct Money {
    double revenue = 0, cost_of_goods = 0, rewards = 0, commissions = 0, discounts = 0, fees = 0;
    double incentive_margin = 0;  // gross margin of incentive-driven purchases
    std::uint64_t purchases = 0, repeat_purchases = 0, incentive_customers = 0;
    // Part II (§12).
    double ad_spend = 0, platform_fees = 0, community_cost = 0, red_packets = 0;
    std::uint64_t impressions = 0;
    // Part III: §17 stakes sold and dividends paid, §18 rebates.
    double stake_sales = 0, dividends = 0, rebates = 0;
    // §12 profit (with Part III's lines: 0 when its features are off). The one definition: the
    // metric, the margin promise and the dividends read it (the invariant checks recompute it from
    // the row's lines, independently).
    double profit() const {
      return revenue - cost_of_goods - rewards - commissions - red_packets - ad_spend - platform_fees - community_cost +
             fees + stake_sales - dividends - rebates;
    }
  } money;
  // §9 groups at the end of the step, and the step's posts.
  std::uint64_t groups = 0, group_members = 0, group_customers = 0, posts = 0;
  double group_activity = 0;  // summed over open groups
  std::array<std::uint32_t, kChannels> new_by_channel{};        // customers won in the step
  std::array<std::uint64_t, kChannels> customers_by_channel{};  // customers won so far
  std::uint64_t customers = 0, churned = 0, fans = 0, partners = 0, shareholders = 0;
  // The step's flows.
  std::uint64_t reaches = 0, conversions = 0, referral_conversions = 0;
  std::uint64_t potential_sharers = 0;  // active customers and pending team members at the start of the step
  std::uint64_t teams_done = 0, teams_failed = 0, bargains_done = 0, bargains_failed = 0;
  // Tracked-tie aggregates by mode (0 free, 1 bonded, 2 bonded in a group), at the start of the next step.
  std::array<double, 3> sum_strength{};
  std::array<std::int64_t, 3> tie_count{}, strong_count{};
  std::uint32_t largest_tree = 0, max_depth = 0;
  // Set when a step's row is recorded.
  std::uint64_t active = 0, pending = 0;
  double structural_virality = 0;
};

class Replicate {
 public:
  // `scratch` holds the per-node, per-tie and per-arc state; a thread reuses it for every
  // replicate it runs (one Scratch per thread).
  // Writes its rows at row block `row` of `out` (the replicate's index within the run).
  Replicate(const Shared& shared, std::uint64_t replicate, std::vector<double>& out, std::vector<ForestEntry>* forest,
            Scratch& scratch, std::uint64_t row);
  // §11: the replicate's customer ledger and its cohort and channel summaries, after run().
  void write_ledger(std::vector<LedgerEntry>& out) const;
  void write_lifecycle(Lifecycle& out) const;
  void run();                 // begin(), then every step
  void begin();               // the seeds, before step 0
  void step(std::uint32_t t);
  // The invariants at the end of step t, once its row is recorded (verify.cpp): money conserved
  // (§12), the ledger against the tallies (§11), customers by channel, active + churned =
  // customers, pending people in open teams or bargains (§5), and every S_u recounted (§3.7).
  // Throws InvariantViolation naming the replicate, the step, the invariant and both numbers.
  // step() calls it after every step when verify_every_step() says so.
  void verify(std::uint32_t t) const;

  // The mechanisms (their files say which MODEL.md section each implements). The decisions of
  // step t read the state at its start (const: they cannot change it) and fill `out`.
  void place_seeds();
  void external_adoption(std::uint32_t t, Effects& out) const;
  void sharing(std::uint32_t t, Effects& out) const;
  void bargain_asks(std::uint32_t t, Effects& out) const;
  void repeat_purchases(std::uint32_t t, Effects& out) const;
  void churn(std::uint32_t t, Effects& out) const;
  void ads(std::uint32_t t, Effects& out) const;              // §8.1
  void community_decisions(std::uint32_t t, Effects& out) const;  // §9.2 invitations, §9.3 posts, §9.6 leaving
  // The commit at the end of step t applies the decisions in MODEL.md §3's order, one named
  // phase each (commit() in replicate.cpp lists them): the decisions' counts; adoptions into
  // purchases, team joins or bargains; team and bargain completions and failures; repeat
  // purchases; payments; red packets; churn and word of mouth; tie dynamics; churners retired;
  // group membership; new customers committed; settled pending people dropped; strong flags and
  // crossings; group activity; the ladder; the prospects ads target.
  void commit(std::uint32_t t);
  void count_decisions();                     // §3.2, §3.6, §8.1, §9.3 shares, attempts, asks, helps, ad spend, posts
  void resolve_adoptions(std::uint32_t t);    // adoption.cpp
  void close_teams(std::uint32_t t);
  void close_bargains(std::uint32_t t);
  void queue_repeat_purchases(std::uint32_t t);  // §3.7 at §9.4's price for members in a sale
  void pay(std::uint32_t t);
  void apply_churn(std::uint32_t t);
  void pay_red_packets();                 // §9.5, after the step's purchases
  void tie_dynamics(std::uint32_t t);     // §3.9 the step's events, bonding and decay
  void retire_churners(std::uint32_t t);  // §3.8 churners leave the active customers from t + 1
  void update_groups(std::uint32_t t);    // §9.2, §9.6 membership changes at the end of the step
  void drop_settled_pending();            // pending_ keeps only people still pending
  void update_activity(std::uint32_t t);  // §9.3, §9.5, §9.6 lifts and decay, after the tie dynamics
  void place_initial_groups();            // §9.1
  void ladder(std::uint32_t t);
  void pay_membership_fees();                 // §3.10 fans who pay the fee become partners
  void take_stakes(std::uint32_t t);          // §17.1 with the ladder: partners who were partners before the step
  void keep_margin_promise(std::uint32_t t);  // §18 at the end of a period, after every payment of the step
  void pay_dividends(std::uint32_t t);        // §17.3 after the rebates
  void record_metrics(std::uint32_t t);
  double largest_tree_virality();  // of the first of the largest referral trees

  // ---- state, readable by the tests of each mechanism ----
  struct Node {
    Stage stage = Stage::prospect;
    Tier tier = Tier::none;
    std::uint8_t channel = kChannels;
    bool ever_bought = false;
    bool incentive_customer = false;  // first purchase was incentive-driven
    node_t referrer = max_nodes;
    std::uint32_t purchases = 0, referrals = 0, shares = 0;
    std::uint32_t group = 0;          // team or bargain index while pending
    std::uint32_t tree = 0, depth = 0;  // referral forest, once a customer
    std::uint32_t strong_active = 0;  // strong ties to active customers
    std::uint32_t first_step = 0;
    std::uint32_t active_from = 0;    // first step it acts in as a customer (seeds: 0)
    float neg = 0;
    // Part II.
    std::uint32_t community = 0;      // §9 its group + 1 (0: none)
    std::uint32_t member_slot = 0;    // its index in the group's members
    node_t inviter = max_nodes;       // §9.2 who invited it into its group
    std::uint32_t book = 0;           // §11 its index + 1 in the ledger (0: not a customer)
    double earned = 0;                // §11 rewards and commissions received (also before it buys)
  };
  const Node& node(node_t v) const { return nodes()[v]; }
  double strength(tie_t t, std::uint32_t at_step) const;  // s at the start of `at_step`
  bool policy_pays() const { return pays_; }
  const std::vector<Team>& teams() const { return teams_; }
  const std::vector<CommunityGroup>& groups() const { return groups_; }
  const std::vector<CustomerBook>& ledger() const { return ledger_; }

  const Tally& tally() const { return tally_; }

 private:
  friend struct ReplicateProbe;  // tests (tests/cpp/campaign_probe.hpp)
  using Keys = std::array<std::uint64_t, kPurposeSlots>;

  // Random draws: the (purpose, step) Philox key expanded with the ids (keyed_bits: injective in
  // 64-bit node and arc ids).
  void refresh_keys(std::uint32_t t);
  std::uint64_t bits(Purpose p, std::uint64_t id) const { return keyed_bits(keys_[static_cast<std::uint32_t>(p)], id); }
  std::uint64_t bits(Purpose p, std::uint64_t first, std::uint64_t second) const {
    return keyed_bits(keys_[static_cast<std::uint32_t>(p)], first, second);
  }
  double uniform(Purpose p, std::uint64_t id) const { return to_unit(bits(p, id)); }
  double uniform_pair(Purpose p, std::uint64_t first, std::uint64_t second) const { return to_unit(bits(p, first, second)); }

  // §15 node v's segment in this replicate, and the behaviour its own decisions read (§15.2:
  // the sharer's, the prospect's, the customer's, the asked neighbour's).
  std::uint8_t segment_of(node_t v) const;
  const Behaviour& behaviour_of(node_t v) const {
    return segmented_ ? shared_.segments.behaviour[segment_of(v)] : spec_.behaviour;
  }
  // §15.3 the nodes ads may reach (sorted; empty when ads reach everyone) and a node's position in it.
  bool ads_confined() const { return !shared_.segments.audience.empty(); }
  std::optional<std::size_t> audience_position(node_t v) const;
  // §16 targeted policies (targets.cpp): person v's target at step t (0: none; i + 1:
  // policy.target[i]) and the levers it sets, each falling back to the base policy's; a target
  // whose budget failed before the step gives no incentive at all (`stopped`). A caller matches
  // a person once (levers_of) and reads the lever and the budget from that match.
  struct Levers {
    std::uint32_t target = 0;
    const Target* own = nullptr;
    bool stopped = false;
  };
  enum class DiscountLever { referee, team, bargain };
  std::uint32_t target_of(node_t v, std::uint32_t t) const;
  Levers levers_of(node_t v, std::uint32_t t) const;
  double reward_of(const Levers& referrer) const;
  double commission_rate_of(const Levers& ancestor_levers, node_t ancestor, std::uint32_t level) const;
  double discount_of(const Levers& buyer, DiscountLever lever) const;
  double discount_for(node_t buyer, DiscountLever lever, std::uint32_t t) const { return discount_of(levers_of(buyer, t), lever); }
  double offered_discount_to(node_t prospect, std::uint32_t t) const;  // U_conv's d, under v's own target
  bool incentives_stopped_for(node_t v, std::uint32_t t) const;
  // A payment to (or a discount of) the person matched as `person` within its target's budget and
  // policy.budget (without targets, affordable's).
  bool affordable_for(const Levers& person, double amount);
  void start_targets_step();  // targets whose budget failed stop paying from this step
  // Helpers shared by mechanisms: the formulas of formulas.hpp on this step's state.
  double share_utility_of(node_t u, std::uint32_t t) const;  // U_share of sharer u (1 when the policy does not pay)
  double offered_discount() const;          // d_referee in U_conv and the first purchase (0 unless paying)
  // Prospect v adopts through `channel` at step t (adoption.cpp): opens or joins a team, opens a
  // bargain, or buys at `discount`, as the policy says.
  void adopt(node_t v, Channel channel, node_t referrer, std::uint32_t t, double discount);
  // v waits in a team or bargain (group index), converted by `referrer` through `channel`.
  void become_pending(node_t v, node_t referrer, std::uint8_t channel, std::uint32_t group);
  void become_pending_team(node_t v, node_t referrer, std::uint32_t t, std::uint8_t channel);
  void become_pending_bargain(node_t v, node_t referrer, std::uint32_t t, std::uint8_t channel);
  void buy(node_t v, Channel channel, double discount_rate, bool flash = false);  // queues a purchase
  // Incentive spend so far (rewards, commissions, discounts, red packets: §12) and whether a
  // payment of `amount` can be made now (§3.4; a payment beyond the budget ends the policy).
  double incentive_spent() const;
  bool affordable(double amount);
  // §9.4 the flash-sale discount of step t (0 outside a sale or when the policy stops paying).
  bool flash_step(std::uint32_t t) const;
  double flash_discount(std::uint32_t t) const;
  const CommunityGroup* group_of(node_t v) const {
    const std::uint32_t g = nodes()[v].community;
    return g == 0 ? nullptr : &groups_[g - 1];
  }
  void join_group(node_t v, std::uint32_t group);  // group index
  void leave_group(node_t v);
  std::uint8_t tie_mode(node_t a, node_t b) const;  // 0 free, 1 bonded, 2 bonded in a group
  void stage_changed(node_t v) {
    if (prospects_) stage_changes_.push_back(v);
  }
  void sync_prospects();  // §8.1 ad_target = prospects: the set follows the step's stage changes
  // A pending team member or bargain initiator whose group failed: buys alone at list price
  // with probability solo_fallback (channel solo, no referrer), otherwise returns to prospect.
  void fall_back(node_t v, double solo_fallback);
  // The arc u -> v (the first, if the graph keeps duplicates), or none: adjacency lists are sorted.
  std::optional<arc_t> arc_between(node_t u, node_t v) const;
  void grow_forest(std::uint32_t step);  // the step's new customers join the referral forest
  void join_forest(node_t v, std::uint32_t t);
  // New customers of this step (newly_active_): referral forest, tracked ties, bonded modes and
  // strong-tie counts, effective from the start of `from_step`.
  void commit_new_customers(std::uint32_t from_step);

  // §3.9 tie state: lazily decayed strengths, aggregates over tracked ties, crossings of θ.
 public:
  struct TieState {
    double value = 0;       // strength at the start of step `stamp`
    std::uint32_t stamp = 0;
    std::uint32_t version = 0;
    node_t a = 0, b = 0;    // endpoints, cached when touched
    bool touched = false, tracked = false, strong = false;
    std::uint8_t mode = 0;  // 0 free, 1 bonded (both ends active customers), 2 bonded in a group (§9.7)
    bool listed = false;    // in grouped_ties_
  };

 private:
  TieState& tie_state(tie_t t);
  double settle(tie_t t, std::uint32_t at_step);   // brings the tie to the start of `at_step`
  void set_strength(tie_t t, std::uint32_t at_step, double value);
  void reschedule(tie_t t);
  double group_step(tie_t tie, double s);  // §9.7 one step of a tie in mode 2
  void track_ties_of(node_t v, std::uint32_t from_step);
  void retune_ties_of(node_t v, std::uint32_t from_step);  // bonded mode follows stage changes
  void flip_strong(tie_t t, bool strong);
  void count_strong_neighbours(node_t v, int delta);
  void refresh_strong(std::uint32_t at_step);  // dirty ties: strong flags and crossings
  bool active_customer(node_t v) const { return nodes()[v].stage == Stage::customer; }
  // The per-thread state, read-only from const members (the decisions).
  Stamped<Node>& nodes() { return nodes_; }
  const Stamped<Node>& nodes() const { return nodes_; }
  Stamped<std::uint8_t>& attempts() { return attempts_; }
  const Stamped<std::uint8_t>& attempts() const { return attempts_; }
  Stamped<std::uint32_t>& asked() { return asked_; }
  const Stamped<std::uint32_t>& asked() const { return asked_; }
  Stamped<TieState>& ties() { return ties_; }
  const Stamped<TieState>& ties() const { return ties_; }
  std::pair<node_t, node_t> ends(tie_t t) { return {tie_state(t).a, tie_state(t).b}; }

  const Shared& shared_;
  const Graph& graph_;
  const CampaignSpec& spec_;
  std::uint64_t replicate_, row_;
  bool segmented_ = false;            // §15 segments on
  std::uint64_t segment_key_ = 0;     // §15.1 the replicate's key of purpose segment
  std::vector<node_t> ad_audience_;   // §15.3 members of acquisition.ad_segments, sorted
  std::vector<double>& out_;
  std::vector<ForestEntry>* forest_;
  Keys keys_{};

  Stamped<Node>& nodes_;
  std::vector<node_t> active_;   // active customers, in the order they bought
  std::vector<node_t> pending_;  // pending team members and bargain initiators
  Stamped<std::uint8_t>& attempts_;  // per arc: reaches of u -> v so far
  Stamped<std::uint32_t>& asked_;    // per arc u -> v: 1 + the last bargain of u that asked v
  Stamped<TieState>& ties_;
  std::vector<std::vector<std::pair<tie_t, std::uint32_t>>> crossings_;  // by step: (tie, version)
  std::vector<tie_t> grouped_ties_;  // ties in mode 2, advanced explicitly each step (activity varies)
  std::vector<tie_t> dirty_;  // tracked ties whose strength or mode changed this step
  std::vector<Team> teams_;
  std::vector<BargainState> bargains_;
  std::vector<Tree> trees_;
  bool pays_ = false;       // the policy pays during this step
  bool placing_seeds_ = false;
  bool exhausted_ = false;  // a payment failed: the policy stops paying from the next step
  // Part II.
  std::vector<CommunityGroup> groups_;
  std::set<std::uint32_t> groups_with_room_;  // open groups below capacity, by index (newest last)
  std::vector<CustomerBook> ledger_;
  std::vector<node_t> first_buyers_;          // first purchases since the last group update (§9.2)
  std::optional<IndexedSet> prospects_;       // §8.1 ad_target = prospects
  std::vector<node_t> stage_changes_;
  // Part III. §18: the period's buyers (books), and revenue and profit when the period began.
  std::vector<std::uint32_t> period_books_;
  double period_revenue_start_ = 0, period_profit_start_ = 0;
  // §17: partners (stake candidates), those who became partners this step (none may climb twice
  // in a step), shareholders, and profit when the dividend period began.
  std::vector<node_t> partners_list_, new_partners_, shareholders_list_;
  double dividend_profit_start_ = 0;
  // §16 per target: what it has paid, whether a payment failed, whether it pays this step.
  std::vector<double> target_spent_;
  std::vector<char> target_failed_, target_stopped_;

  // Collected during a step, applied at its end.
  Effects effects_;
  std::vector<Purchase> purchases_;
  std::vector<node_t> newly_active_, newly_churned_, ladder_candidates_;
  std::vector<node_t> fans_list_;  // fans (checked for membership fees)
  std::vector<std::uint32_t>& nodes_position_;  // scratch: a node's index in a tree's members

  Tally tally_;  // what the metrics read
};

// Per-thread state reused across replicates.
struct Scratch {
  Stamped<Replicate::Node> nodes;
  Stamped<Replicate::TieState> ties;
  Stamped<std::uint8_t> attempts;
  Stamped<std::uint32_t> asked;
  Stamped<std::uint32_t> prospect_at, prospect_slot;  // §8.1 IndexedSet of prospects
  std::vector<std::uint32_t> positions;
};

}  // namespace guanxi::campaign
