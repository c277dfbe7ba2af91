// Summary statistics with confidence intervals, computed as the reference tool does
// (sl/utils/stats_utils.py compute_ci): mean ± critical * std / sqrt(n), with Student's t
// (df = n - 1) for n <= 30 and the normal distribution beyond. The reference calls it on a pandas
// Series, so the standard deviation uses ddof = 1 by default. Bounds are not clipped.
#pragma once

#include <cstddef>
#include <span>

namespace sl::stats {

struct ConfidenceInterval {
  std::size_t n = 0;
  double confidence = 0.95;
  double mean = 0;
  double std = 0;    // with the ddof given
  double lower = 0;  // NaN when n < 2 (df = 0), as in the reference
  double upper = 0;
  double critical = 0;  // the t or z value used
  bool used_t = false;  // Student's t (n <= 30) or normal
};

double mean(std::span<const double> values);
double stddev(std::span<const double> values, int ddof = 1);

// Quantile functions (inverse CDFs), accurate to ~1e-14 relative.
double normal_quantile(double p);
double student_t_quantile(double p, double df);
double student_t_cdf(double t, double df);

// Regularised incomplete beta function I_x(a, b).
double incomplete_beta(double x, double a, double b);

ConfidenceInterval compute_ci(std::span<const double> values, double confidence = 0.95, int ddof = 1);

}  // namespace sl::stats
