// The counter-based RNG wrapper: draws are pure functions of (seed, stream, counter); streams
// and seeds are independent; uniform, bounded and geometric draws have the right distribution
// (chi-square and mean tests with bounds from the sampling variance).
#include <gtest/gtest.h>

#include <cmath>
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

TEST(Random, MulHighMapsToRange) {
  EXPECT_EQ(mul_high(~std::uint64_t{0}, 10), 9u);
  EXPECT_EQ(mul_high(0, 10), 0u);
}

}  // namespace
}  // namespace guanxi
