#include "sl/experiments/mnist/report.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "sl/core/files.hpp"

namespace sl::mnist {

namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string pad_left(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

}  // namespace

std::string dataset_display_name(const std::string& data_dir) {
  std::filesystem::path p(data_dir);
  std::string name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "fashion-mnist" || lower == "fashion_mnist" || lower == "fashionmnist") return "Fashion-MNIST";
  if (lower == "mnist") return "MNIST";
  return name.empty() ? "MNIST-format data" : name;
}

std::string format_table(const MnistExperimentResult& r) {
  const auto& s = r.settings;
  std::string out = dataset_display_name(r.data_dir) + ": test accuracy of " + std::to_string(s.n_models) +
                    " models per arm (" + std::to_string(r.train_examples) + " training / " +
                    std::to_string(r.test_examples) + " test images, " + std::to_string(s.epochs) +
                    (s.epochs == 1 ? " epoch, " : " epochs, ") + std::to_string(s.n_aux) +
                    (s.n_aux == 1 ? " aux logit, seed " : " aux logits, seed ") + std::to_string(s.seed) + "; chance " +
                    fmt("%.3f", r.chance) + ")\n";
  std::size_t width = 4;
  for (const auto& a : r.arms) width = std::max(width, a.description.size());
  width += 2;
  out += pad("arm", width) + pad_left("mean", 7) + "   " + pad("95% interval", 18) + pad_left("final loss", 10) + "\n";
  for (const auto& a : r.arms) {
    out += pad(a.description, width) + pad_left(fmt("%.4f", a.mean), 7) + "   " +
           pad("[" + fmt("%.4f", a.ci95_lower) + ", " + fmt("%.4f", a.ci95_upper) + "]", 18) +
           pad_left(a.final_loss ? fmt("%.4f", *a.final_loss) : "-", 10) + "\n";
  }
  const auto& p = r.performance;
  out += "run time " + fmt("%.1f", p.total_seconds) + " s (training " + fmt("%.1f", p.train_seconds) +
         " s, evaluation " + fmt("%.1f", p.eval_seconds) + " s, peak measurement " + fmt("%.1f", p.peak_seconds) +
         " s) on " + p.device + " with " + std::to_string(p.threads) + " thread(s)\n";
  out += "training: " + fmt("%.0f", p.train_flop / 1e9) + " GFLOP at " + fmt("%.1f", p.train_gflops) +
         " GFLOP/s = " + fmt("%.0f", 100 * p.peak_fraction) + "% of the fp32 matmul peak measured in this run (" +
         fmt("%.1f", p.peak_gflops) + " GFLOP/s, " + std::to_string(p.peak_matmul_size) + "^3)\n";
  return out;
}

charts::BarChart accuracy_chart(const MnistExperimentResult& r) {
  charts::BarChart chart;
  chart.title = dataset_display_name(r.data_dir) + ": test accuracy (mean and 95% interval over " +
                std::to_string(r.settings.n_models) + " models)";
  chart.y_label = "test accuracy";
  for (const auto& a : r.arms) {
    std::string group = a.name == "reference" || a.name == "teacher" ? "reference and teacher"
                        : a.name.rfind("student", 0) == 0            ? "student, same init"
                                                                     : "student, other model's init";
    chart.bars.push_back({a.description, a.mean, a.ci95_lower, a.ci95_upper, group});
  }
  chart.reference_line = r.chance;
  chart.reference_label = "chance (" + fmt("%.2g", r.chance) + ")";
  chart.y_min = 0;
  chart.y_max = 1;
  return chart;
}

OutputPaths output_paths(const std::filesystem::path& output_dir) {
  return {output_dir / "mnist_result.json", output_dir / "mnist_accuracy.svg"};
}

void check_writable(const OutputPaths& paths) {
  files::ensure_writable(paths.json);
  files::ensure_writable(paths.svg);
}

void write_outputs(const MnistExperimentResult& result, const OutputPaths& paths) {
  files::write_atomic(paths.json, json::encode(result).dump(2) + "\n");
  files::write_atomic(paths.svg, charts::render_svg(accuracy_chart(result)));
}

}  // namespace sl::mnist
