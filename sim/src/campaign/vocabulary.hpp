// The closed sets of names of a campaign replicate's state (MODEL.md §1): a node's stage, its
// tier on the relationship ladder (§3.10) and the channel it was acquired through (§1, §8.1,
// §9.3), the channels as one table from which their names, precedence and properties derive.
// Internal to the campaign model; formulas.hpp and replicate.hpp build on it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace guanxi::campaign {

enum class Stage : std::uint8_t { prospect, pending, customer, churned };
enum class Tier : std::uint8_t { none, customer, fan, partner, shareholder };  // shareholder: §17 (Part III)
// The tiers' names, in enum order (the ledger's tier codes index them).
inline constexpr std::array<std::string_view, 5> kTierNames{"none", "customer", "fan", "partner", "shareholder"};
enum Channel : std::uint8_t { seed, external, referral, team, bargain, solo, ad, community, kChannels };

// One row per channel, in enum order:
// - name: in metrics (new_customers_<name>, customers_<name>), ledgers, forests, Python, the CLI;
// - precedence: a prospect that several decisions convert in one step adopts through the channel
//   of smallest precedence (§8.1, §9.3: external adoption, ads, shares and bargain helps, posts);
//   kNotDecided for channels no decision of a step produces (seeds are placed before step 0;
//   team, bargain and solo say how a pending person finally bought);
// - joins_sharers_team: its converts join their sharer's open team when it has room (§3.5);
//   their adoptions are placed first, in the order of their team_order hashes, and the other
//   channels' after them by precedence, each in the order its decision produced them;
// - origin: a customer acquired through it keeps it when it buys through a team, a bargain or
//   alone after one (§1, §8.1, §9.3); the others take the channel of the purchase.
struct ChannelInfo {
  Channel channel;
  std::string_view name;
  std::uint8_t precedence;
  bool joins_sharers_team;
  bool origin;
};
inline constexpr std::uint8_t kNotDecided = 0xff;

inline constexpr std::array<ChannelInfo, kChannels> kChannelTable{{
    {seed, "seed", kNotDecided, false, true},
    {external, "external", 0, false, true},   // §3.1
    {referral, "referral", 2, true, false},   // §3.3 shares, §3.6 helpers
    {team, "team", kNotDecided, false, false},
    {bargain, "bargain", kNotDecided, false, false},
    {solo, "solo", kNotDecided, false, false},
    {ad, "ad", 1, false, true},               // §8.1
    {community, "community", 3, false, true}, // §9.3 posts
}};

inline constexpr const ChannelInfo& channel_info(Channel channel) { return kChannelTable[channel]; }
// Whether a node's channel (kChannels: none yet) is one a customer keeps through any purchase.
inline constexpr bool keeps_channel(std::uint8_t channel) { return channel < kChannels && kChannelTable[channel].origin; }

// The table is complete and in enum order, its names distinct, the decided channels' precedences
// 0, 1, 2, ... without gaps, and only one channel joins teams (resolve_adoptions places it first).
constexpr bool channel_table_is_well_formed() {
  std::size_t decided = 0, joining = 0;
  for (std::size_t c = 0; c < kChannelTable.size(); ++c) {
    const ChannelInfo& row = kChannelTable[c];
    if (row.channel != c || row.name.empty()) return false;
    for (std::size_t d = 0; d < c; ++d)
      if (kChannelTable[d].name == row.name) return false;
    if (row.precedence != kNotDecided) ++decided;
    joining += row.joins_sharers_team;
    if (row.joins_sharers_team && row.precedence == kNotDecided) return false;
  }
  for (std::size_t rank = 0; rank < decided; ++rank) {
    std::size_t holders = 0;
    for (const ChannelInfo& row : kChannelTable) holders += row.precedence == rank;
    if (holders != 1) return false;
  }
  return joining <= 1;
}
static_assert(kChannelTable.size() == kChannels && kChannelTable.back().channel == kChannels - 1);
static_assert(channel_table_is_well_formed(), "kChannelTable: one row per Channel, in enum order, names distinct, "
                                              "precedences 0..k-1 once each, at most one channel joining teams");

}  // namespace guanxi::campaign
