// The counter-based RNG wrapper: draws are pure functions of (seed, stream, counter); streams
// and seeds are independent; uniform, bounded and geometric draws have the right distribution
// (chi-square and mean tests with bounds from the sampling variance); keyed draws are injective
// in 64-bit ids.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "guanxi/rng.hpp"

namespace guanxi {
namespace {

TEST(Random, PureFunctionOfKeyAndCounter) {
  const Random a(42, stream::gnp), b(42, stream::gnp);
  EXPECT_EQ(a.block(1, 2, 3, 4), b.block(1, 2, 3, 4));
  EXPECT_NE(a.bits(1), a.bits(2));
  EXPECT_NE(a.bits(1), Random(43, stream::gnp).bits(1));
  EXPECT_NE(a.bits(1), Random(42, stream::sbm).bits(1));
  // A sequence is the keyed blocks read in order.
  RandomSequence seq(a, 7, 8, 9);
  const auto first = a.block(7, 8, 9, 0), second = a.block(7, 8, 9, 1);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(seq.next(), first[i]);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(seq.next(), second[i]);
}

TEST(Random, UniformIsInUnitIntervalWithEndpointsExact) {
  EXPECT_EQ(to_unit(0), 0.0);
  EXPECT_LT(to_unit(~std::uint64_t{0}), 1.0);
  const Random r(1, 1);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += r.uniform(i);
  // Mean 1/2, sd of the mean sqrt(1/12/n) ~ 6.5e-4: allow 5 sd.
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
}

TEST(Random, BelowIsUniformChiSquare) {
  RandomSequence seq(Random(3, 9), 0);
  const int bins = 7, n = 70000;
  std::vector<int> count(bins, 0);
  for (int i = 0; i < n; ++i) ++count[seq.below(bins)];
  double chi2 = 0;
  for (int c : count) chi2 += (c - n / bins) * (c - n / bins) / double(n / bins);
  // 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
  EXPECT_LT(chi2, 22.46);
}

TEST(Random, GeometricHasMeanQOverP) {
  RandomSequence seq(Random(5, 2), 0);
  const double p = 0.1, log1m_p = std::log1p(-p);
  const int n = 100000;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(seq.geometric(log1m_p));
  // Failures before success: mean (1-p)/p = 9, variance (1-p)/p² = 90; allow 5 sd of the mean.
  EXPECT_NEAR(sum / n, 9.0, 5 * std::sqrt(90.0 / n));
  EXPECT_EQ(seq.geometric(std::log1p(-1.0)), 0u);  // p = 1: never a failure
}

// Keyed draws on ids above 2^32 (a synthetic key path: arcs of a graph with billions of ties).
// The packing (a << 32) ^ b gave ids 2^32 apart the same numbers; keyed_bits must not.
TEST(KeyedBits, InjectiveInSixtyFourBitIds) {
  const std::uint64_t key = Random(7, stream::campaign).bits(1, 2, 3);
  constexpr std::uint64_t two32 = std::uint64_t{1} << 32;
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    // ids i, i + 2^32, i + 2^33, i + 2^63: the low 32 bits agree.
    for (std::uint64_t high : {std::uint64_t{0}, two32, 2 * two32, std::uint64_t{1} << 63})
      EXPECT_TRUE(seen.insert(keyed_bits(key, i + high)).second) << i << " + " << high;
  }
  // Pairs: with either id fixed, the other id's bits never repeat, at any size.
  for (std::uint64_t fixed : {std::uint64_t{5}, two32 + 5, ~std::uint64_t{0}}) {
    std::set<std::uint64_t> by_first, by_second;
    for (std::uint64_t i = 0; i < 1000; ++i)
      for (std::uint64_t high : {std::uint64_t{0}, two32, std::uint64_t{1} << 40}) {
        EXPECT_TRUE(by_first.insert(keyed_bits(key, fixed, i + high)).second);
        EXPECT_TRUE(by_second.insert(keyed_bits(key, i + high, fixed)).second);
      }
  }
  EXPECT_NE(keyed_bits(key, 1, 2), keyed_bits(key, 2, 1));  // ordered pairs
  EXPECT_NE(keyed_bits(key, 3), keyed_bits(key + 1, 3));    // the key matters
}

TEST(KeyedBits, UniformOnIdsAboveTwoToThe32) {
  // 10 equal bins over ids 2^40 + k 2^32 (all alike in their low 32 bits): chi-square with 9
  // degrees of freedom, P(chi2 > 27.88) = 0.001; the mean within 5 sd of 1/2.
  const std::uint64_t key = Random(11, stream::campaign).bits(4, 5, 6);
  const int bins = 10, n = 100000;
  std::vector<int> count(bins, 0);
  double sum = 0;
  for (std::uint64_t k = 0; k < static_cast<std::uint64_t>(n); ++k) {
    const double u = to_unit(keyed_bits(key, (std::uint64_t{1} << 40) + (k << 32)));
    sum += u;
    ++count[static_cast<int>(u * bins)];
  }
  double chi2 = 0;
  for (int c : count) chi2 += (c - n / bins) * (c - n / bins) / double(n / bins);
  EXPECT_LT(chi2, 27.88);
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
}

TEST(Random, MulHighMapsToRange) {
  EXPECT_EQ(mul_high(~std::uint64_t{0}, 10), 9u);
  EXPECT_EQ(mul_high(0, 10), 0u);
}

}  // namespace
}  // namespace guanxi
