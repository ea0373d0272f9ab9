// Summaries and paired comparisons of campaign results at the horizon. Campaigns compared share
// their random numbers (same seed), so differences are taken replicate by replicate.
#include <algorithm>
#include <cmath>
#include <limits>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"

namespace guanxi {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Two-sided normal quantile for `level` (Acklam's rational approximation of the inverse CDF).
double normal_quantile(double level) {
  const double p = 0.5 + level / 2;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// Two-sided Student t quantile for `level` with `dof` degrees of freedom: the normal quantile
// corrected by the Cornish–Fisher expansion in 1/dof (Abramowitz & Stegun 26.7.5), accurate to
// about 1e-3 from 3 degrees of freedom; exact closed forms for 1 and 2.
double t_quantile(double level, std::uint64_t dof) {
  const double z = normal_quantile(level);
  if (dof == 0) return kNaN;
  const double p = 0.5 + level / 2;
  if (dof == 1) return std::tan(3.14159265358979323846 * (p - 0.5));  // Cauchy
  if (dof == 2) return (2 * p - 1) / std::sqrt(2 * p * (1 - p));
  const double v = static_cast<double>(dof), z2 = z * z;
  const double g1 = (z2 + 1) * z / 4, g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

std::size_t metric_index(const std::string& name) {
  const auto& names = campaign_metrics();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw InputError("metric: unknown '" + name + "'");
  return static_cast<std::size_t>(it - names.begin());
}

// A metric's value at the last step, per replicate.
std::vector<double> at_horizon(const CampaignResult& r, std::size_t metric) {
  const std::size_t width = campaign_metrics().size();
  std::vector<double> out(r.replicates);
  for (std::uint64_t i = 0; i < r.replicates; ++i) out[i] = r.values[(i * r.steps + r.steps - 1) * width + metric];
  return out;
}

struct Moments {
  double mean = kNaN, sd = kNaN;
  std::uint64_t n = 0;
};

Moments moments(const std::vector<double>& x) {
  Moments m;
  double sum = 0, squares = 0;
  for (double v : x)
    if (!std::isnan(v)) {
      sum += v;
      ++m.n;
    }
  if (m.n == 0) return m;
  m.mean = sum / static_cast<double>(m.n);
  for (double v : x)
    if (!std::isnan(v)) squares += (v - m.mean) * (v - m.mean);
  m.sd = m.n > 1 ? std::sqrt(squares / static_cast<double>(m.n - 1)) : kNaN;  // one value has no spread
  return m;
}

// Half-width of the Student t interval of the mean: NaN (not available) below two values, never a
// zero-width interval that would claim certainty.
double half_width(const Moments& m, double level) {
  if (m.n < 2) return kNaN;
  return t_quantile(level, m.n - 1) * m.sd / std::sqrt(static_cast<double>(m.n));
}

}  // namespace

const std::vector<std::string>& comparison_metrics() {
  static const std::vector<std::string> names = {"customers", "revenue",  "incentive_spend",       "profit",
                                                 "incentive_roi", "strong_ties_customers", "value_metcalfe", "value_ties"};
  return names;
}

std::vector<MetricSummary> summarize(const CampaignResult& result, double level) {
  if (!(level > 0 && level < 1)) throw InputError("level: must be in (0, 1)");
  std::vector<MetricSummary> out;
  const auto& names = campaign_metrics();
  for (std::size_t k = 0; k < names.size(); ++k) {
    const Moments m = moments(at_horizon(result, k));
    const double half = half_width(m, level);
    out.push_back({names[k], m.mean, m.mean - half, m.mean + half, m.sd, m.n});
  }
  return out;
}

std::vector<PairedDifference> compare_to_baseline(const CampaignResult& baseline, const CampaignResult& design,
                                                  const std::vector<std::string>& metrics, double level) {
  if (baseline.replicates != design.replicates || baseline.steps != design.steps)
    throw InputError("compare: campaigns must have the same replicates and steps");
  if (!(level > 0 && level < 1)) throw InputError("level: must be in (0, 1)");
  const std::uint64_t n = baseline.replicates;
  std::vector<PairedDifference> out;
  auto paired = [&](const std::string& name, const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> d(n);
    std::uint64_t higher = 0, counted = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      d[i] = b[i] - a[i];
      if (!std::isnan(d[i])) {
        ++counted;
        higher += d[i] > 0;
      }
    }
    const Moments m = moments(d);
    const double half = half_width(m, level);
    out.push_back({name, moments(a).mean, moments(b).mean, m.mean, m.mean - half, m.mean + half,
                   counted ? static_cast<double>(higher) / static_cast<double>(counted) : kNaN});
  };
  for (const auto& name : metrics) {
    if (name == "incentive_roi") {
      // True incremental ROI: delta profit / delta spend, paired by replicate.
      const auto p0 = at_horizon(baseline, metric_index("profit")), p1 = at_horizon(design, metric_index("profit"));
      const auto s0 = at_horizon(baseline, metric_index("incentive_spend"));
      const auto s1 = at_horizon(design, metric_index("incentive_spend"));
      std::vector<double> dp(n), ds(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        dp[i] = p1[i] - p0[i];
        ds[i] = s1[i] - s0[i];
      }
      const Moments mp = moments(dp), ms = moments(ds);
      PairedDifference row{"incremental_roi", kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
      if (ms.mean != 0 && n > 1) {
        const double ratio = mp.mean / ms.mean;
        double cov = 0;
        for (std::uint64_t i = 0; i < n; ++i) cov += (dp[i] - mp.mean) * (ds[i] - ms.mean);
        cov /= static_cast<double>(n - 1);
        const double variance =
            (mp.sd * mp.sd - 2 * ratio * cov + ratio * ratio * ms.sd * ms.sd) / (ms.mean * ms.mean) / static_cast<double>(n);
        const double half = t_quantile(level, n - 1) * std::sqrt(std::max(0.0, variance));
        std::uint64_t higher = 0;
        for (std::uint64_t i = 0; i < n; ++i) higher += dp[i] > 0;
        row = {"incremental_roi", kNaN, kNaN, ratio, ratio - half, ratio + half,
               static_cast<double>(higher) / static_cast<double>(n)};
      }
      out.push_back(row);
      continue;
    }
    const std::size_t k = metric_index(name);
    paired(name, at_horizon(baseline, k), at_horizon(design, k));
  }
  return out;
}

}  // namespace guanxi
