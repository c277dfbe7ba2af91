#include "sl/core/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sl/core/json.hpp"
#include "test_support.hpp"

TEST(Stats, KnownQuantiles) {
  EXPECT_NEAR(sl::stats::normal_quantile(0.975), 1.959963984540054, 1e-13);
  // Values computed with mpmath at 50 digits (the same as ../shared/reference/ci_cases.json).
  EXPECT_NEAR(sl::stats::student_t_quantile(0.975, 9), 2.262157162798205, 1e-12);
  EXPECT_NEAR(sl::stats::student_t_quantile(0.975, 1), 12.706204736174694, 1e-10);
  EXPECT_NEAR(sl::stats::student_t_quantile(0.975, 29), 2.045229642132704, 1e-12);
  EXPECT_NEAR(sl::stats::student_t_quantile(0.025, 7), -2.364624251592785, 1e-12);
}

TEST(Stats, ReferenceCiCases) {
  SL_REQUIRE_REFERENCE(ref);
  sl::Json cases = sl::Json::parse(sl::test::read_file(ref / "ci_cases.json"));
  ASSERT_GT(cases.size(), 3u);
  auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b)); };
  for (const auto& c : cases) {
    std::vector<double> values = c["values"].get<std::vector<double>>();
    double conf = c["confidence"].get<double>();
    auto ci = sl::stats::compute_ci(values, conf, 1);
    SCOPED_TRACE(c.value("note", ""));
    EXPECT_TRUE(close(ci.mean, c["mean"].get<double>())) << ci.mean;
    if (c["lower_bound"].is_null()) {
      EXPECT_TRUE(std::isnan(ci.lower));
      EXPECT_TRUE(std::isnan(ci.upper));
      continue;
    }
    EXPECT_TRUE(close(ci.lower, c["lower_bound"].get<double>())) << ci.lower << " vs " << c["lower_bound"];
    EXPECT_TRUE(close(ci.upper, c["upper_bound"].get<double>())) << ci.upper << " vs " << c["upper_bound"];
    if (c.contains("critical_value") && !c["critical_value"].is_null()) {
      EXPECT_TRUE(close(ci.critical, c["critical_value"].get<double>())) << ci.critical;
    }
    if (c.contains("ndarray_input_ddof0")) {
      auto ci0 = sl::stats::compute_ci(values, conf, 0);
      const auto& d0 = c["ndarray_input_ddof0"];
      if (!d0["lower_bound"].is_null()) {
        EXPECT_TRUE(close(ci0.lower, d0["lower_bound"].get<double>()));
        EXPECT_TRUE(close(ci0.upper, d0["upper_bound"].get<double>()));
      }
    }
  }
}
