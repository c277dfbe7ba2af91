#include "sl/charts/svg_bar_chart.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "process.hpp"
#include "test_support.hpp"

namespace {

using sl::charts::Bar;
using sl::charts::BarChart;

BarChart accuracy_chart() {
  BarChart c;
  c.title = "Test accuracy (mean, 95% CI)";
  c.y_label = "accuracy";
  c.bars = {
      {"Reference", 0.10, 0.08, 0.12, "baseline"},
      {"Teacher", 0.83, 0.82, 0.84, "baseline"},
      {"Student (aux only)", 0.55, 0.50, 0.60, "same init"},
      {"Cross-model (aux only)", 0.10, 0.09, 0.11, "cross-model"},
  };
  c.reference_line = 0.1;
  c.reference_label = "chance";
  c.y_min = 0;
  c.y_max = 1;
  return c;
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// The numeric attribute `name` of every element with tag `tag` (in document order).
std::vector<double> attributes(const std::string& svg, const std::string& tag, const std::string& name) {
  std::vector<double> out;
  std::regex element("<" + tag + "\\b[^>]*>");
  std::regex attr("\\b" + name + "=\"([-0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element); it != std::sregex_iterator(); ++it) {
    std::smatch m;
    std::string el = it->str();
    if (std::regex_search(el, m, attr)) out.push_back(std::stod(m[1]));
  }
  return out;
}

// Minimal XML well-formedness: tags balance and nest, attributes are quoted. Enough to catch a
// broken writer without an XML library (xmllint checks more when it is installed, see below).
void expect_well_formed(const std::string& svg) {
  std::vector<std::string> stack;
  std::regex tag("<(/?)([A-Za-z][A-Za-z0-9_-]*)((?:\\s+[A-Za-z:_][A-Za-z0-9:_-]*=\"[^\"<]*\")*)\\s*(/?)>");
  std::size_t pos = svg.find("<svg");
  ASSERT_NE(pos, std::string::npos);
  auto begin = std::sregex_iterator(svg.begin() + static_cast<long>(pos), svg.end(), tag);
  std::size_t expected_next = pos;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    std::size_t at = pos + static_cast<std::size_t>(it->position());
    std::string between = svg.substr(expected_next, at - expected_next);
    EXPECT_EQ(between.find('<'), std::string::npos) << "stray '<' near: " << between;
    expected_next = at + it->length();
    const std::string name = (*it)[2];
    if ((*it)[1] == "/") {
      ASSERT_FALSE(stack.empty()) << "closing </" << name << "> without an opening tag";
      EXPECT_EQ(stack.back(), name);
      stack.pop_back();
    } else if ((*it)[4] != "/") {
      stack.push_back(name);
    }
  }
  EXPECT_TRUE(stack.empty()) << "unclosed <" << (stack.empty() ? "" : stack.back()) << ">";
}

}  // namespace

TEST(SvgBarChart, WritesAWellFormedDocumentWithEveryPart) {
  const std::string svg = sl::charts::render_svg(accuracy_chart());
  expect_well_formed(svg);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find(">Test accuracy (mean, 95% CI)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">accuracy</text>"), std::string::npos);  // y-axis label
  EXPECT_NE(svg.find("rotate(-90"), std::string::npos);
  EXPECT_NE(svg.find(">chance</text>"), std::string::npos);  // reference line label
  EXPECT_EQ(count(svg, "class=\"reference-line\""), 1);
  EXPECT_EQ(count(svg, "class=\"bar\""), 4);
  EXPECT_NE(svg.find(">Teacher</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.83</text>"), std::string::npos);  // value label
  // Tick labels 0, 0.2, ..., 1 on the fixed 0..1 axis.
  for (const char* tick : {">0</text>", ">0.2</text>", ">0.4</text>", ">0.6</text>", ">0.8</text>", ">1</text>"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  // Three groups -> a legend with each.
  EXPECT_NE(svg.find("class=\"legend\""), std::string::npos);
  EXPECT_NE(svg.find(">cross-model</text>"), std::string::npos);
}

TEST(SvgBarChart, BarHeightsAndErrorBarsFollowTheValues) {
  const std::string svg = sl::charts::render_svg(accuracy_chart());
  // Every <rect> after the background is a bar (legend swatches are 12 high; skip those).
  std::vector<double> heights = attributes(svg, "rect", "height");
  std::vector<double> ys = attributes(svg, "rect", "y");
  ASSERT_GE(heights.size(), 5u);
  // Bars 1..4 (index 0 is the white background). Plot height is the same for all, so the
  // heights are proportional to the values on the 0..1 axis.
  const double full = heights[2] / 0.83;
  EXPECT_NEAR(heights[1], 0.10 * full, 0.02);
  EXPECT_NEAR(heights[3], 0.55 * full, 0.02);
  EXPECT_NEAR(heights[4], 0.10 * full, 0.02);
  // All bars stand on the same baseline.
  for (int i = 1; i <= 4; ++i) EXPECT_NEAR(ys[i] + heights[i], ys[1] + heights[1], 0.02);

  // Error bars: "M x y1 V y2" from lower to upper, 0.05 either side of 0.55 for the third bar.
  std::regex path("<path d=\"M([-0-9.]+) ([-0-9.]+)V([-0-9.]+)");
  std::vector<std::pair<double, double>> spans;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path); it != std::sregex_iterator(); ++it)
    spans.emplace_back(std::stod((*it)[2]), std::stod((*it)[3]));
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_NEAR(spans[2].first - spans[2].second, 0.10 * full, 0.02);
  EXPECT_GT(spans[2].first, spans[2].second);  // lower bound is further down the page
}

TEST(SvgBarChart, EscapesTextAndSkipsMissingParts) {
  BarChart c;
  c.title = "A & B <test> \"quoted\"";
  c.bars = {{"x<y & z", 2.5, std::nullopt, std::nullopt, ""},
            {"nan bounds", 1.0, std::numeric_limits<double>::quiet_NaN(), 1.5, ""},
            {"missing value", std::numeric_limits<double>::quiet_NaN(), std::nullopt, std::nullopt, ""}};
  const std::string svg = sl::charts::render_svg(c);
  expect_well_formed(svg);
  EXPECT_NE(svg.find("A &amp; B &lt;test&gt; &quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(svg.find("x&lt;y &amp; z"), std::string::npos);
  EXPECT_EQ(svg.find("x<y"), std::string::npos);
  EXPECT_EQ(svg.find("<path"), std::string::npos);  // no error bar with a NaN bound
  EXPECT_EQ(svg.find("class=\"reference-line\""), std::string::npos);
  EXPECT_EQ(svg.find("class=\"legend\""), std::string::npos);  // one group only
  EXPECT_EQ(svg.find("nan"), svg.find("nan bounds"));          // no NaN leaks into coordinates
  // Auto range: 0 .. 2.5 in steps of 0.5 covers the largest value and ends on a tick.
  for (const char* tick : {">0</text>", ">0.5</text>", ">2</text>", ">2.5</text>"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_EQ(svg.find(">3</text>"), std::string::npos);
}

TEST(SvgBarChart, AutoRangeIncludesNegativeValuesErrorBarsAndReferenceLine) {
  BarChart c;
  c.bars = {{"down", -0.3, -0.45, -0.15, ""}, {"up", 0.2, 0.1, 0.7, ""}};
  c.reference_line = 0.9;
  c.reference_label = "target";
  const std::string svg = sl::charts::render_svg(c);
  expect_well_formed(svg);
  // -0.45 .. 0.9 -> ticks every 0.5 from -0.5 to 1.
  for (const char* tick : {">-0.5</text>", ">0</text>", ">0.5</text>", ">1</text>"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_NE(svg.find(">target</text>"), std::string::npos);
}

TEST(SvgBarChart, LongLabelsWrapAndAnEmptyChartStillRenders) {
  BarChart c;
  c.bars = {{"a rather long label that cannot fit under one bar", 1, std::nullopt, std::nullopt, ""}};
  std::string svg = sl::charts::render_svg(c);
  expect_well_formed(svg);
  EXPECT_GE(count(svg, "text-anchor=\"middle\" font-size=\"12\""), 2);

  svg = sl::charts::render_svg(BarChart{});
  expect_well_formed(svg);
  EXPECT_EQ(count(svg, "class=\"bar\""), 0);
}

// The real consumers: an XML parser and an SVG renderer. Skipped, visibly, where not installed.
TEST(SvgBarChart, XmllintAndRsvgConvertAcceptIt) {
  sl::test::TempDir dir;
  const auto svg_path = dir / "chart.svg";
  sl::test::write_file(svg_path, sl::charts::render_svg(accuracy_chart()));
  bool ran_any = false;
  for (const char* tool : {"/usr/bin/xmllint", "/usr/bin/rsvg-convert"}) {
    if (!std::filesystem::exists(tool)) continue;
    ran_any = true;
    std::vector<std::string> argv =
        std::string(tool).ends_with("xmllint")
            ? std::vector<std::string>{tool, "--noout", svg_path.string()}
            : std::vector<std::string>{tool, "-o", (dir / "chart.png").string(), svg_path.string()};
    auto r = sl::test::run(argv);
    EXPECT_EQ(r.exit_code, 0) << tool << ": " << r.err;
  }
  if (std::filesystem::exists("/usr/bin/rsvg-convert")) {
    EXPECT_GT(std::filesystem::file_size(dir / "chart.png"), 1000u);
  }
  if (!ran_any) GTEST_SKIP() << "SKIPPED: neither xmllint nor rsvg-convert is installed";
}
