// Settings and results of the MNIST auxiliary-logit experiment (the paper's Section 6 MLP
// demonstration), with their JSON mapping. Plain data: the work is in experiment.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json_decode.hpp"
#include "sl/experiments/mnist/dataset.hpp"

namespace sl::mnist {

struct MnistExperimentConfig {
  std::int64_t n_models = 10;  // N independent models, trained side by side
  std::int64_t n_aux = 3;      // M auxiliary logits after the 10 class logits
  std::int64_t hidden = 256;   // width of both hidden layers
  std::int64_t epochs = 5;     // for the teacher and for every student
  double lr = 3e-4;            // Adam
  std::int64_t batch_size = 1024;
  std::int64_t seed = 0;
  std::string device = "cpu";     // "cpu", "cuda" or "cuda:<index>"
  std::int64_t threads = 0;       // CPU threads for libtorch and BLAS; 0 = one per core
  std::int64_t train_subset = 0;  // use only the first K training images (0 = all)
  std::int64_t test_subset = 0;   // use only the first K test images (0 = all)
  std::string data_dir = kDefaultDataDir;

  static auto json_fields() {
    using namespace sl::json;
    using C = MnistExperimentConfig;
    return std::tuple{optional("n_models", &C::n_models),
                      optional("n_aux", &C::n_aux),
                      optional("hidden", &C::hidden),
                      optional("epochs", &C::epochs),
                      optional("lr", &C::lr),
                      optional("batch_size", &C::batch_size),
                      optional("seed", &C::seed),
                      optional("device", &C::device),
                      optional("threads", &C::threads),
                      optional("train_subset", &C::train_subset),
                      optional("test_subset", &C::test_subset),
                      optional("data_dir", &C::data_dir)};
  }
};

// Throws sl::UsageError naming the flag (e.g. "--n_models") when a setting is out of range.
void validate(const MnistExperimentConfig& cfg);

// One of the six measured groups of models ("arms").
struct ArmResult {
  std::string name;              // e.g. "student_aux"
  std::string description;       // e.g. "student, same init, aux logits only"
  std::vector<double> accuracy;  // test accuracy of each of the N models
  double mean = 0;
  double ci95_lower = 0;  // 95% interval over the N models (sl::stats::compute_ci)
  double ci95_upper = 0;
  std::optional<double> final_loss;  // mean training loss over the last epoch (none: untrained)

  static auto json_fields() {
    using namespace sl::json;
    using A = ArmResult;
    return std::tuple{optional("name", &A::name),
                      optional("description", &A::description),
                      optional("accuracy", &A::accuracy),
                      optional("mean", &A::mean),
                      optional("ci95_lower", &A::ci95_lower),
                      optional("ci95_upper", &A::ci95_upper),
                      optional("final_loss", &A::final_loss)};
  }
};

// Where the time went and how close the work came to the machine's matmul peak.
//
// On the CPU the models are split into `workers` groups trained concurrently, one thread each
// (independent models need no synchronisation); train_seconds and eval_seconds are those of
// the slowest worker, so the rates below are whole-machine rates.
struct PerformanceSummary {
  std::string device;
  std::int64_t threads = 0;           // CPU threads used (the peak is measured with as many)
  std::int64_t workers = 0;           // concurrent model groups
  double total_seconds = 0;           // the whole experiment, reading the data files included
  double data_seconds = 0;            // reading and decompressing the IDX files
  double peak_seconds = 0;            // measuring the matmul peak itself
  double work_seconds = 0;            // wall time of the models' work: training and evaluation
  double train_seconds = 0;           // in the training loops (teacher + students)
  double eval_seconds = 0;            // test accuracies and the teachers' logits on the noise
  double train_flop = 0;              // matmul FLOPs of the training loops, counted from the shapes
  double eval_flop = 0;               // matmul FLOPs of the evaluation forward passes
  double train_gflops = 0;            // train_flop / train_seconds / 1e9
  double work_gflops = 0;             // (train_flop + eval_flop) / work_seconds / 1e9
  double peak_gflops = 0;             // best fp32 matmul rate measured in this process
  std::int64_t peak_matmul_size = 0;  // the square matmul size used for the peak
  double peak_fraction = 0;           // train_gflops / peak_gflops: the training loop's utilisation
  double work_peak_fraction = 0;      // work_gflops / peak_gflops

  static auto json_fields() {
    using namespace sl::json;
    using P = PerformanceSummary;
    return std::tuple{optional("device", &P::device),
                      optional("threads", &P::threads),
                      optional("workers", &P::workers),
                      optional("total_seconds", &P::total_seconds),
                      optional("data_seconds", &P::data_seconds),
                      optional("peak_seconds", &P::peak_seconds),
                      optional("work_seconds", &P::work_seconds),
                      optional("train_seconds", &P::train_seconds),
                      optional("eval_seconds", &P::eval_seconds),
                      optional("train_flop", &P::train_flop),
                      optional("eval_flop", &P::eval_flop),
                      optional("train_gflops", &P::train_gflops),
                      optional("work_gflops", &P::work_gflops),
                      optional("peak_gflops", &P::peak_gflops),
                      optional("peak_matmul_size", &P::peak_matmul_size),
                      optional("peak_fraction", &P::peak_fraction),
                      optional("work_peak_fraction", &P::work_peak_fraction)};
  }
};

struct MnistExperimentResult {
  MnistExperimentConfig settings;
  std::string data_dir;
  std::int64_t train_examples = 0;
  std::int64_t test_examples = 0;
  std::int64_t noise_examples = 0;
  double chance = 1.0 / kNumClasses;
  // Cross-model student i starts from the reference initialization of model cross_model_init[i]
  // (never i itself) and is distilled from teacher i.
  std::vector<std::int64_t> cross_model_init;
  std::vector<ArmResult> arms;  // reference, teacher, student_aux, student_all, cross_model_aux, cross_model_all
  PerformanceSummary performance;

  const ArmResult& arm(const std::string& name) const;

  static auto json_fields() {
    using namespace sl::json;
    using R = MnistExperimentResult;
    return std::tuple{optional("settings", &R::settings),
                      optional("data_dir", &R::data_dir),
                      optional("train_examples", &R::train_examples),
                      optional("test_examples", &R::test_examples),
                      optional("noise_examples", &R::noise_examples),
                      optional("chance", &R::chance),
                      optional("cross_model_init", &R::cross_model_init),
                      optional("arms", &R::arms),
                      optional("performance", &R::performance)};
  }
};

}  // namespace sl::mnist
