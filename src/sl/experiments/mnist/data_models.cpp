#include "sl/experiments/mnist/data_models.hpp"

#include <cmath>
#include <string>

#include "sl/core/error.hpp"

namespace sl::mnist {

namespace {

void require(bool ok, const std::string& flag, const std::string& rule, const std::string& got) {
  if (!ok) throw UsageError(flag + " must be " + rule + ", got " + got);
}

}  // namespace

void validate(const MnistExperimentConfig& c) {
  require(c.n_models >= 2 && c.n_models <= 100000, "--n_models",
          "from 2 to 100000 (cross-model students need another model's initialization)", std::to_string(c.n_models));
  require(c.n_aux >= 1 && c.n_aux <= 1000, "--n_aux", "from 1 to 1000", std::to_string(c.n_aux));
  require(c.hidden >= 1 && c.hidden <= 65536, "--hidden", "from 1 to 65536", std::to_string(c.hidden));
  require(c.epochs >= 1 && c.epochs <= 10000, "--epochs", "from 1 to 10000", std::to_string(c.epochs));
  require(std::isfinite(c.lr) && c.lr > 0 && c.lr <= 10, "--lr", "a positive number up to 10", std::to_string(c.lr));
  require(c.batch_size >= 1 && c.batch_size <= (1 << 20), "--batch_size", "from 1 to 1048576",
          std::to_string(c.batch_size));
  require(c.seed >= 0, "--seed", "a non-negative integer", std::to_string(c.seed));
  require(c.threads >= 0 && c.threads <= 1024, "--threads", "from 0 (one per core) to 1024", std::to_string(c.threads));
  require(c.train_subset >= 0, "--train_subset", "0 (all) or a positive count", std::to_string(c.train_subset));
  require(c.test_subset >= 0, "--test_subset", "0 (all) or a positive count", std::to_string(c.test_subset));
  const bool cuda = c.device == "cuda" || (c.device.rfind("cuda:", 0) == 0 && c.device.size() > 5 &&
                                           c.device.find_first_not_of("0123456789", 5) == std::string::npos);
  require(c.device == "cpu" || cuda, "--device", "\"cpu\", \"cuda\" or \"cuda:<index>\"", "\"" + c.device + "\"");
  require(!c.data_dir.empty(), "--data_dir", "a folder", "an empty path");
}

const ArmResult& MnistExperimentResult::arm(const std::string& name) const {
  for (const auto& a : arms)
    if (a.name == name) return a;
  throw Error("no arm named \"" + name + "\" in the MNIST result");
}

}  // namespace sl::mnist
