// Summaries and paired comparisons of campaign results at the horizon. Campaigns compared share
// their random numbers (same seed), so differences are taken replicate by replicate.
#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

#include "guanxi/campaign.hpp"
#include "guanxi/error.hpp"

namespace guanxi {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  return student_t_quantile(level, m.n - 1) * m.sd / std::sqrt(static_cast<double>(m.n));
}

}  // namespace

// Two-sided Student t quantile for `level` with `dof` degrees of freedom (Boost.Math's inverse
// of the t distribution, as scipy.stats.t.ppf, so the CLI and gx.stats print the same intervals).
double student_t_quantile(double level, std::uint64_t dof) {
  if (dof == 0) return kNaN;
  const boost::math::students_t distribution(static_cast<double>(dof));
  return boost::math::quantile(distribution, 0.5 + level / 2);
}


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
        const double half = student_t_quantile(level, n - 1) * std::sqrt(std::max(0.0, variance));
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
