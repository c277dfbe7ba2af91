// run_mnist_experiment: the paper's MLP demonstration of subliminal learning (auxiliary-logit
// distillation on noise images). See docs/mnist.md.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

#include "sl/core/cli.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/experiments/mnist/experiment.hpp"
#include "sl/experiments/mnist/report.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Trains N MLP teachers on MNIST-format images, distills students from the teachers' auxiliary "
      "logits on pure noise, and reports the test accuracy of the reference, teacher and student "
      "models (mean and 95% interval over the N models), as JSON, an SVG bar chart and a table.",
      "run_mnist_experiment"};
  sl::mnist::MnistExperimentConfig cfg;
  std::string output_dir = "data/mnist";
  app.add_option("--n_models", cfg.n_models, "Number of independent models N (>= 2)")->capture_default_str();
  app.add_option("--n_aux", cfg.n_aux, "Number of auxiliary logits M")->capture_default_str();
  app.add_option("--hidden", cfg.hidden, "Width of the two hidden layers")->capture_default_str();
  app.add_option("--epochs", cfg.epochs, "Training epochs of the teacher and of each student")->capture_default_str();
  app.add_option("--lr", cfg.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--batch_size", cfg.batch_size, "Mini-batch size")->capture_default_str();
  app.add_option("--seed", cfg.seed, "Seed of every random choice (same seed: same result, on the CPU bit for bit)")
      ->capture_default_str();
  app.add_option("--device", cfg.device, "cpu, cuda or cuda:<index>")->capture_default_str();
  app.add_option("--threads", cfg.threads, "CPU threads, each training its share of the models (0 = one per core)")
      ->capture_default_str();
  app.add_option("--train_subset", cfg.train_subset, "Use only the first K training images (0 = all)")
      ->capture_default_str();
  app.add_option("--test_subset", cfg.test_subset, "Use only the first K test images (0 = all)")->capture_default_str();
  app.add_option("--data_dir", cfg.data_dir,
                 "Folder with train-/t10k-images-idx3-ubyte and -labels-idx1-ubyte (.gz or plain)")
      ->capture_default_str();
  app.add_option("--output_dir", output_dir, "Where mnist_result.json and mnist_accuracy.svg go")
      ->capture_default_str();
  sl::cli::add_logging_flags(app);
  app.footer(
      "Examples:\n"
      "  run_mnist_experiment                      # Fashion-MNIST, N = 10, 5 epochs (a few minutes on 2 cores)\n"
      "  run_mnist_experiment --data_dir ~/mnist --n_models 100 --device cuda --output_dir data/mnist100\n"
      "  run_mnist_experiment --n_models 3 --epochs 1 --train_subset 6000   # a quick look");

  return sl::cli::run(app, argc, argv, [&] {
    sl::interrupt::install();
    sl::mnist::validate(cfg);
    const auto paths = sl::mnist::output_paths(output_dir);
    sl::mnist::check_writable(paths);
    const auto result = sl::mnist::run_experiment(cfg);
    sl::mnist::write_outputs(result, paths);
    std::fputs(sl::mnist::format_table(result).c_str(), stdout);
    spdlog::info("wrote {} and {}", paths.json.string(), paths.svg.string());
    return 0;
  });
}
