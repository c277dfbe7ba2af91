#include "sl/core/stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace sl::stats {

double mean(std::span<const double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (double v : values) s += v;
  return s / static_cast<double>(values.size());
}

double stddev(std::span<const double> values, int ddof) {
  const double n = static_cast<double>(values.size());
  if (n - ddof <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double m = mean(values);
  double ss = 0;
  for (double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / (n - ddof));
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) {
    if (p == 0) return -std::numeric_limits<double>::infinity();
    if (p == 1) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Acklam's rational approximation (relative error ~1e-9), then Halley steps on
  // Phi(x) = erfc(-x / sqrt 2) / 2 to reach full double precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double plow = 0.02425;
  double x;
  if (p < plow) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (int i = 0; i < 3; ++i) {
    double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
    double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
    x = x - u / (1 + x * u / 2);
  }
  return x;
}

namespace {

// Continued fraction for the incomplete beta (modified Lentz), valid for x < (a+1)/(a+b+2).
double beta_continued_fraction(double x, double a, double b) {
  const double tiny = 1e-300, eps = 1e-16;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < eps) break;
  }
  return h;
}

}  // namespace

double incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  double front = std::exp(log_front);
  if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(x, a, b) / a;
  return 1 - front * beta_continued_fraction(1 - x, b, a) / b;
}

double student_t_cdf(double t, double df) {
  double x = df / (df + t * t);
  double tail = 0.5 * incomplete_beta(x, df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (!(p > 0 && p < 1)) return normal_quantile(p);
  if (p == 0.5) return 0;
  // Bracket, then bisect in t; the CDF is smooth and monotone, so ~200 halvings reach the
  // last bit. Newton is not needed at these call rates.
  bool upper = p > 0.5;
  double target = upper ? p : 1 - p;
  double lo = 0, hi = 1;
  while (student_t_cdf(hi, df) < target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return std::numeric_limits<double>::infinity();
  }
  for (int i = 0; i < 400; ++i) {
    double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    if (student_t_cdf(mid, df) < target) lo = mid;
    else hi = mid;
  }
  double t = 0.5 * (lo + hi);
  return upper ? t : -t;
}

ConfidenceInterval compute_ci(std::span<const double> values, double confidence, int ddof) {
  if (values.empty()) throw std::invalid_argument("compute_ci: no values");
  ConfidenceInterval ci;
  ci.n = values.size();
  ci.confidence = confidence;
  ci.mean = mean(values);
  ci.std = stddev(values, ddof);
  const double p = (1 + confidence) / 2;
  if (ci.n <= 30) {
    ci.used_t = true;
    ci.critical =
        ci.n >= 2 ? student_t_quantile(p, static_cast<double>(ci.n - 1)) : std::numeric_limits<double>::quiet_NaN();
  } else {
    ci.critical = normal_quantile(p);
  }
  const double se = ci.std / std::sqrt(static_cast<double>(ci.n));
  ci.lower = ci.mean - ci.critical * se;
  ci.upper = ci.mean + ci.critical * se;
  return ci;
}

}  // namespace sl::stats
