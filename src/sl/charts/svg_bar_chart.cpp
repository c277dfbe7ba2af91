#include "sl/charts/svg_bar_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

namespace sl::charts {

namespace {

// Layout in SVG user units (pixels). Text sizes assume a sans-serif font about 0.6 em wide per
// character on average, which is what rsvg-convert and browsers render for DejaVu/Liberation Sans.
constexpr double kMarginLeft = 78;
constexpr double kMarginRight = 24;
constexpr double kTitleHeight = 44;
constexpr double kPlotHeight = 300;
constexpr double kMinBarSlot = 92;
constexpr double kMinPlotWidth = 360;
constexpr double kLabelFontSize = 12;
constexpr double kLabelLineHeight = 15;
constexpr double kCharWidth = 0.6 * kLabelFontSize;

// Colour-blind-safe palette (Okabe & Ito), one colour per group in order of appearance.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#F0E442", "#000000"};

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0; a label never needs them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += ' ';
        else out += c;
    }
  }
  return out;
}

// Coordinates with two decimals: exact enough for a chart, short enough to read.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A value as a person reads it on a chart: up to `decimals` places, trailing zeros trimmed.
std::string label_number(double v, int decimals) {
  if (std::fabs(v) < 1e-12) v = 0;  // avoid "-0"
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, decimals), v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

// "Nice" tick step (1, 2 or 5 times a power of ten) giving about `target` intervals.
double nice_step(double span, int target) {
  double raw = span / target;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * mag;
}

int decimals_for_step(double step) { return std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))); }

// Splits a label into lines that fit `width` pixels, breaking at spaces (a long word stays whole).
std::vector<std::string> wrap(const std::string& text, double width) {
  const std::size_t max_chars = std::max<std::size_t>(4, static_cast<std::size_t>(width / kCharWidth));
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string word, line;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > max_chars) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

struct AxisRange {
  double lo = 0, hi = 1;
};

// The y range: the chart's fixed bounds where given, otherwise one that shows every bar, error
// bar and the reference line, includes zero (bars start there) and ends on a tick.
AxisRange y_range(const BarChart& chart) {
  double lo = 0, hi = 0;
  auto include = [&](std::optional<double> v) {
    if (v && std::isfinite(*v)) {
      lo = std::min(lo, *v);
      hi = std::max(hi, *v);
    }
  };
  for (const Bar& b : chart.bars) {
    include(b.value);
    include(b.lower);
    include(b.upper);
  }
  include(chart.reference_line);
  if (hi - lo <= 0) hi = lo + 1;
  double step = nice_step(hi - lo, 5);
  AxisRange r{std::floor(lo / step) * step, std::ceil(hi / step) * step};
  if (chart.y_min && std::isfinite(*chart.y_min)) r.lo = *chart.y_min;
  if (chart.y_max && std::isfinite(*chart.y_max)) r.hi = *chart.y_max;
  if (!(r.hi > r.lo)) r = {r.lo, r.lo + 1};
  return r;
}

}  // namespace

std::string render_svg(const BarChart& chart) {
  const std::size_t n = chart.bars.size();
  const double plot_width = std::max(kMinPlotWidth, kMinBarSlot * static_cast<double>(n));
  const double slot = n ? plot_width / static_cast<double>(n) : plot_width;
  const double bar_width = slot * 0.62;

  std::vector<std::vector<std::string>> label_lines;
  std::size_t max_lines = 1;
  for (const Bar& b : chart.bars) {
    label_lines.push_back(wrap(b.label, slot - 8));
    max_lines = std::max(max_lines, label_lines.back().size());
  }

  // Groups in order of first appearance; a legend only when there is more than one.
  std::vector<std::string> groups;
  for (const Bar& b : chart.bars)
    if (std::find(groups.begin(), groups.end(), b.group) == groups.end()) groups.push_back(b.group);
  std::map<std::string, std::string> colour;
  for (std::size_t i = 0; i < groups.size(); ++i)
    colour[groups[i]] = kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
  const bool legend = groups.size() > 1;

  // The reference line's label sits in the right margin, clear of bars and error bars.
  const bool has_reference = chart.reference_line && std::isfinite(*chart.reference_line);
  const std::string reference_text = !has_reference                  ? ""
                                     : chart.reference_label.empty() ? label_number(*chart.reference_line, 3)
                                                                     : chart.reference_label;
  const double margin_right =
      has_reference ? std::max(kMarginRight, 14 + 11 * 0.6 * static_cast<double>(reference_text.size())) : kMarginRight;

  const double top = kTitleHeight;
  const double plot_bottom = top + kPlotHeight;
  const double labels_height = 10 + kLabelLineHeight * static_cast<double>(max_lines);
  const double legend_height = legend ? 30 : 0;
  // Wide enough for the title (bold 16 px, about 0.62 em per character).
  const double width =
      std::max(kMarginLeft + plot_width + margin_right, 40 + 16 * 0.62 * static_cast<double>(chart.title.size()));
  const double height = plot_bottom + labels_height + legend_height + 12;
  const double left = kMarginLeft;
  const double right = left + plot_width;

  const AxisRange range = y_range(chart);
  auto y_of = [&](double v) {
    double c = std::clamp(v, range.lo, range.hi);
    return plot_bottom - (c - range.lo) / (range.hi - range.lo) * kPlotHeight;
  };
  const double step = nice_step(range.hi - range.lo, 5);
  const int tick_decimals = decimals_for_step(step);

  std::ostringstream s;
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\"" << num(height)
    << "\" viewBox=\"0 0 " << num(width) << ' ' << num(height)
    << "\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\">\n";
  s << "<title>" << escape_xml(chart.title) << "</title>\n";
  s << "<rect x=\"0\" y=\"0\" width=\"" << num(width) << "\" height=\"" << num(height) << "\" fill=\"#ffffff\"/>\n";
  if (!chart.title.empty())
    s << "<text x=\"" << num(width / 2) << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
      << "font-weight=\"bold\">" << escape_xml(chart.title) << "</text>\n";

  // Grid lines and tick labels on the y axis.
  s << "<g class=\"y-axis\" font-size=\"11\" fill=\"#333333\">\n";
  const double first_tick = std::ceil(range.lo / step - 1e-9) * step;
  for (int i = 0;; ++i) {
    double t = first_tick + i * step;
    if (t > range.hi + step * 1e-9 || i > 100) break;
    double y = y_of(t);
    s << "<line x1=\"" << num(left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(right) << "\" y2=\"" << num(y)
      << "\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>\n";
    s << "<text x=\"" << num(left - 8) << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\">"
      << label_number(t, tick_decimals) << "</text>\n";
  }
  s << "</g>\n";
  if (!chart.y_label.empty()) {
    double cy = top + kPlotHeight / 2;
    s << "<text x=\"20\" y=\"" << num(cy) << "\" transform=\"rotate(-90 20 " << num(cy)
      << ")\" text-anchor=\"middle\" font-size=\"13\">" << escape_xml(chart.y_label) << "</text>\n";
  }

  // Bars, error bars and value labels.
  const double baseline = y_of(std::clamp(0.0, range.lo, range.hi));
  for (std::size_t i = 0; i < n; ++i) {
    const Bar& b = chart.bars[i];
    const double cx = left + slot * (static_cast<double>(i) + 0.5);
    s << "<g class=\"bar\">\n";
    s << "<title>" << escape_xml(b.label) << ": " << label_number(b.value, 4);
    if (b.lower && b.upper) s << " [" << label_number(*b.lower, 4) << ", " << label_number(*b.upper, 4) << "]";
    s << "</title>\n";
    if (std::isfinite(b.value)) {
      double y = y_of(b.value);
      s << "<rect x=\"" << num(cx - bar_width / 2) << "\" y=\"" << num(std::min(y, baseline)) << "\" width=\""
        << num(bar_width) << "\" height=\"" << num(std::fabs(baseline - y)) << "\" fill=\"" << colour[b.group]
        << "\"/>\n";
    }
    const bool has_error = b.lower && b.upper && std::isfinite(*b.lower) && std::isfinite(*b.upper);
    double label_y = std::isfinite(b.value) ? y_of(b.value) : baseline;
    if (has_error) {
      double y1 = y_of(*b.lower), y2 = y_of(*b.upper);
      double cap = bar_width * 0.18;
      s << "<path d=\"M" << num(cx) << ' ' << num(y1) << "V" << num(y2) << "M" << num(cx - cap) << ' ' << num(y1) << "H"
        << num(cx + cap) << "M" << num(cx - cap) << ' ' << num(y2) << "H" << num(cx + cap)
        << "\" stroke=\"#222222\" stroke-width=\"1.5\" fill=\"none\"/>\n";
      label_y = std::min({label_y, y1, y2});
    }
    if (std::isfinite(b.value))
      s << "<text x=\"" << num(cx + (has_error ? bar_width * 0.22 : 0)) << "\" y=\""
        << num(std::max(top + 10, label_y - 5)) << "\" text-anchor=\"" << (has_error ? "start" : "middle")
        << "\" font-size=\"11\" fill=\"#222222\">" << label_number(b.value, 3) << "</text>\n";
    for (std::size_t l = 0; l < label_lines[i].size(); ++l)
      s << "<text x=\"" << num(cx) << "\" y=\"" << num(plot_bottom + 18 + kLabelLineHeight * static_cast<double>(l))
        << "\" text-anchor=\"middle\" font-size=\"" << kLabelFontSize << "\">" << escape_xml(label_lines[i][l])
        << "</text>\n";
    s << "</g>\n";
  }

  // The axes themselves, drawn over the bars' bottom edge.
  s << "<line x1=\"" << num(left) << "\" y1=\"" << num(top) << "\" x2=\"" << num(left) << "\" y2=\"" << num(plot_bottom)
    << "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  s << "<line x1=\"" << num(left) << "\" y1=\"" << num(baseline) << "\" x2=\"" << num(right) << "\" y2=\""
    << num(baseline) << "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";

  if (has_reference) {
    double y = y_of(*chart.reference_line);
    s << "<g class=\"reference-line\">\n";
    s << "<line x1=\"" << num(left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(right) << "\" y2=\"" << num(y)
      << "\" stroke=\"#C00000\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
    s << "<text x=\"" << num(right + 6) << "\" y=\"" << num(y + 4)
      << "\" text-anchor=\"start\" font-size=\"11\" fill=\"#C00000\">" << escape_xml(reference_text) << "</text>\n";
    s << "</g>\n";
  }

  if (legend) {
    double y = plot_bottom + labels_height + 16;
    double x = left;
    s << "<g class=\"legend\" font-size=\"12\">\n";
    for (const std::string& g : groups) {
      s << "<rect x=\"" << num(x) << "\" y=\"" << num(y - 10) << "\" width=\"12\" height=\"12\" fill=\"" << colour[g]
        << "\"/>\n";
      s << "<text x=\"" << num(x + 17) << "\" y=\"" << num(y) << "\">" << escape_xml(g) << "</text>\n";
      x += 17 + kCharWidth * static_cast<double>(g.size()) + 22;
    }
    s << "</g>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace sl::charts
