// The supported architectures, and what picks one by config.json's "architectures"[0]: the
// tensors a checkpoint must hold, building and loading a CausalLM, fresh random weights.
// The generic model code (causal_lm.hpp) knows no concrete architecture; this table does.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/io/checkpoint.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/model_config.hpp"

namespace sl::local {

// The supported architectures; an unknown name is an sl::UsageError listing them.
const Architecture& find_architecture(const std::string& name);
std::vector<std::string> architecture_names();

// The tensors a checkpoint of this config must hold, in a natural order.
std::vector<WeightSpec> checkpoint_layout(const ModelConfig& config);

// Builds the model from a weight source (checks shapes, missing and unexpected tensors).
std::unique_ptr<CausalLM> build_causal_lm(const ModelConfig& config, WeightSource& source, const ComputeDevice& device,
                                          const std::string& origin);
// Loads config.json and the weights of a checkpoint folder.
std::unique_ptr<CausalLM> load_causal_lm(const std::filesystem::path& dir, const ComputeDevice& device);

// Fresh weights for `config` (CPU, float32): N(0, std) matrices and embeddings, zero biases,
// unit norms; deterministic from `seed`.
std::map<std::string, torch::Tensor> random_weights(const ModelConfig& config, std::uint64_t seed, double std = 0.02);

}  // namespace sl::local
