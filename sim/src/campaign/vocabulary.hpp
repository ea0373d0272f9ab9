// The closed sets of names of a campaign replicate's state (MODEL.md §1): a node's stage, its
// tier on the relationship ladder (§3.10) and the channel it was acquired through (§1, §8, §9).
// Internal to the campaign model; formulas.hpp and replicate.hpp build on it.
#pragma once

#include <cstdint>

namespace guanxi::campaign {

enum class Stage : std::uint8_t { prospect, pending, customer, churned };
enum class Tier : std::uint8_t { none, customer, fan, partner };
enum Channel : std::uint8_t { seed, external, referral, team, bargain, solo, ad, community, kChannels };

}  // namespace guanxi::campaign
