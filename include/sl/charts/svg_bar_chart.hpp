// Bar charts with error bars as standalone SVG: what people look at instead of JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sl::charts {

struct Bar {
  std::string label;
  double value = 0;
  std::optional<double> lower;  // error bar (e.g. 95% CI lower bound)
  std::optional<double> upper;
  std::string group;  // bars of the same group share a colour (optional)
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<Bar> bars;
  std::optional<double> reference_line;  // e.g. chance level
  std::string reference_label;           // e.g. "chance"
  std::optional<double> y_min, y_max;    // fixed axis range; auto when empty
};

// Renders the chart as a complete SVG document.
std::string render_svg(const BarChart& chart);

}  // namespace sl::charts
