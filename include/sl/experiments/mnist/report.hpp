// Presenting an MNIST experiment result: the printed table and the bar chart (torch-free).
#pragma once

#include <filesystem>
#include <string>

#include "sl/charts/svg_bar_chart.hpp"
#include "sl/experiments/mnist/data_models.hpp"

namespace sl::mnist {

// A plain-text table: one row per arm with mean accuracy, 95% interval and final loss, then the
// run time and FLOP utilisation.
std::string format_table(const MnistExperimentResult& result);

// The accuracies as a bar chart with 95% error bars and the chance level marked.
charts::BarChart accuracy_chart(const MnistExperimentResult& result);

// The files a run writes into its output folder.
struct OutputPaths {
  std::filesystem::path json;  // <dir>/mnist_result.json: settings, per-model accuracies, summaries, timing
  std::filesystem::path svg;   // <dir>/mnist_accuracy.svg: the bar chart
};
OutputPaths output_paths(const std::filesystem::path& output_dir);

// Checks (before a long run) that both files can be written: sl::Error naming the path if not.
void check_writable(const OutputPaths& paths);

// Writes the JSON result and the chart, each atomically.
void write_outputs(const MnistExperimentResult& result, const OutputPaths& paths);

// A display name for the data set folder ("fashion-mnist" -> "Fashion-MNIST").
std::string dataset_display_name(const std::string& data_dir);

}  // namespace sl::mnist
