// The only source of randomness in guanxi: Random123's Philox4x64-10 (Salmon et al., SC 2011),
// a counter-based generator. A draw is a pure function of (seed, stream, counter words), so
// results do not depend on threads, scheduling or the order in which draws are made. (The
// fused kernels expand Philox keys with a bijective mixer, mix64 below.)
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include <Random123/philox.h>

namespace guanxi {

// Stream ids: one per purpose, so that no two uses of a seed share random numbers by accident.
namespace stream {
inline constexpr std::uint64_t gnp = 0x0101;
inline constexpr std::uint64_t gnm = 0x0102;
inline constexpr std::uint64_t barabasi_albert = 0x0103;
inline constexpr std::uint64_t watts_strogatz = 0x0104;
inline constexpr std::uint64_t holme_kim = 0x0105;
inline constexpr std::uint64_t sbm = 0x0106;
inline constexpr std::uint64_t configuration = 0x0107;
inline constexpr std::uint64_t powerlaw_degrees = 0x0108;
inline constexpr std::uint64_t rmat = 0x0109;
inline constexpr std::uint64_t uniform_edges = 0x010a;
inline constexpr std::uint64_t tie_uniform = 0x0201;
// Diffusion (sim/): each kernel's draws have their own stream.
inline constexpr std::uint64_t random_seeds = 0x0301;  // seeding "random:k" per replicate
inline constexpr std::uint64_t seeding_random = 0x0302;  // gx.seeding.random
inline constexpr std::uint64_t ic_arc = 0x0311;        // scalar IC: (replicate, arc)
inline constexpr std::uint64_t ic_sparse = 0x0312;     // sparse IC: (replicate, node, draw)
inline constexpr std::uint64_t ic_lanes = 0x0313;      // fused IC: (batch, arc, lane word, block)
inline constexpr std::uint64_t lt_threshold = 0x0321;  // scalar LT: (replicate, node)
inline constexpr std::uint64_t lt_lanes = 0x0322;      // fused LT: (batch, node, lane word, block)
inline constexpr std::uint64_t infection = 0x0331;     // SI/SIR/SIS: (replicate, step, arc)
inline constexpr std::uint64_t recovery = 0x0332;      // SIR/SIS: (replicate, step, node)
inline constexpr std::uint64_t bass = 0x0341;          // Bass: (replicate, step, node)
inline constexpr std::uint64_t campaign = 0x0401;      // campaign keys: (replicate, step, purpose)
}  // namespace stream

__extension__ using uint128_t = unsigned __int128;

// High 64 bits of a 64x64-bit product: maps random bits to [0, bound) by multiply-shift.
inline std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) noexcept {
  return static_cast<std::uint64_t>((static_cast<uint128_t>(a) * b) >> 64);
}

// The SplitMix64 finaliser (Steele, Lea & Flood 2014), a bijective 64-bit mixer. Used only to
// expand Philox output: the fused diffusion kernels draw lane words as mix64(key ^ id * φ)
// with keys from Philox, so one multiply chain yields 64 replicates' bits.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Random bits for one 64-bit id under a key: x ↦ x·φ (φ odd) and mix64 are bijections of 64-bit
// words, so two different ids never share their bits under one key, whatever their size (a
// packing such as (a << 32) ^ b would make ids 2^32 apart draw the same numbers).
inline std::uint64_t keyed_bits(std::uint64_t key, std::uint64_t id) noexcept {
  return mix64(key ^ (id * 0x9e3779b97f4a7c15ULL));
}

// Random bits for an ordered pair of 64-bit ids: the first id's bits become the key of the
// second, so with either id fixed the map is a bijection of the other (no two pairs that share
// an id share bits, at any id size); pairs sharing neither collide only by chance (2^-64).
inline std::uint64_t keyed_bits(std::uint64_t key, std::uint64_t first, std::uint64_t second) noexcept {
  return mix64(keyed_bits(key, first) ^ (second * 0xd1b54a32d192ed03ULL));
}

// 53 random bits as a double in [0, 1): u < p is true with probability p for p in [0, 1].
inline double to_unit(std::uint64_t bits) noexcept {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// Keyed generator: four 64-bit words from one (a, b, c, d) counter.
class Random {
 public:
  using Block = std::array<std::uint64_t, 4>;

  constexpr Random(std::uint64_t seed, std::uint64_t stream_id) noexcept
      : seed_(seed), stream_(stream_id) {}

  Block block(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0,
              std::uint64_t d = 0) const noexcept {
    r123::Philox4x64::ctr_type ctr = {{a, b, c, d}};
    r123::Philox4x64::key_type key = {{seed_, stream_}};
    const auto out = r123::Philox4x64()(ctr, key);
    return {out[0], out[1], out[2], out[3]};
  }
  std::uint64_t bits(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0,
                     std::uint64_t d = 0) const noexcept {
    return block(a, b, c, d)[0];
  }
  double uniform(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0,
                 std::uint64_t d = 0) const noexcept {
    return to_unit(bits(a, b, c, d));
  }

  std::uint64_t seed() const noexcept { return seed_; }
  std::uint64_t stream_id() const noexcept { return stream_; }

 private:
  std::uint64_t seed_;
  std::uint64_t stream_;
};

// A sequence of draws along one counter prefix (a, b, c): for inherently sequential algorithms
// (preferential attachment, shuffles). Position d advances by one per block of four words.
class RandomSequence {
 public:
  RandomSequence(Random random, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) noexcept
      : random_(random), a_(a), b_(b), c_(c) {}

  std::uint64_t next() noexcept {
    if (used_ == 4) {
      buffer_ = random_.block(a_, b_, c_, position_++);
      used_ = 0;
    }
    return buffer_[used_++];
  }
  double uniform() noexcept { return to_unit(next()); }
  bool bernoulli(double p) noexcept { return uniform() < p; }

  // Uniform integer in [0, bound), unbiased (Lemire 2019, multiply and reject).
  std::uint64_t below(std::uint64_t bound) noexcept {
    uint128_t m = static_cast<uint128_t>(next()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<uint128_t>(next()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Number of failures before the first success of a Bernoulli(p) sequence, p in (0, 1],
  // given log(1 - p); saturates at 2^63 for vanishing p.
  std::uint64_t geometric(double log1m_p) noexcept {
    const double skips = std::floor(std::log1p(-uniform()) / log1m_p);
    return skips < 0x1.0p63 ? static_cast<std::uint64_t>(skips) : std::uint64_t{1} << 63;
  }

 private:
  Random random_;
  std::uint64_t a_, b_, c_;
  std::uint64_t position_ = 0;
  Random::Block buffer_{};
  int used_ = 4;
};

}  // namespace guanxi
