// A decoder-only causal language model (Qwen2ForCausalLM, LlamaForCausalLM): the weights both
// share, the interface the sampler and trainer use, and what an architecture provides. The
// architectures themselves and the table of them are in architectures/ (registry.hpp).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/io/checkpoint.hpp"
#include "sl/local/runtime/model/attention.hpp"
#include "sl/local/runtime/model/blocks.hpp"
#include "sl/local/runtime/model/model_config.hpp"

namespace sl::local {

struct DecoderLayerWeights {
  torch::Tensor input_layernorm;  // [hidden]
  AttentionWeights self_attn;
  torch::Tensor post_attention_layernorm;  // [hidden]
  MlpWeights mlp;
};

// Named as in Hugging Face checkpoints: model.embed_tokens, model.layers.{i}..., model.norm, lm_head.
struct DecoderWeights {
  torch::Tensor embed_tokens;  // [vocab, hidden]
  std::vector<DecoderLayerWeights> layers;
  torch::Tensor norm;     // [hidden]
  torch::Tensor lm_head;  // [vocab, hidden]; the same tensor as embed_tokens when tied
};

// Which optional tensors an architecture's checkpoints carry.
struct DecoderBiases {
  bool qkv = false;  // q_proj, k_proj, v_proj biases
  bool o = false;    // o_proj bias
  bool mlp = false;  // gate/up/down biases
};

// The checkpoint-name prefix of decoder layer i: "model.layers.<i>.".
std::string layer_prefix(std::size_t i);

// One tensor of a checkpoint: its Hugging Face name and shape.
struct WeightSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};

class CausalLM {
 public:
  CausalLM(ModelConfig config, ComputeDevice device, DecoderBiases biases, DecoderWeights weights);
  virtual ~CausalLM() = default;

  const ModelConfig& config() const { return config_; }
  const ComputeDevice& device() const { return device_; }

  // ids: [N] int64, packed as `batch` describes -> final hidden states [N, hidden] (after the
  // last norm). Runs under autograd unless the caller holds an InferenceMode guard.
  virtual torch::Tensor forward(const torch::Tensor& ids, const ForwardBatch& batch) const = 0;

  // hidden: [M, hidden] -> logits [M, vocab] in float32.
  torch::Tensor logits(const torch::Tensor& hidden) const;

  // The weights under their checkpoint names (a tied lm_head is not listed twice).
  std::vector<std::pair<std::string, torch::Tensor>> named_weights() const;
  // The projections adapters can attach to, by module name ("model.layers.0.self_attn.q_proj").
  std::vector<std::pair<std::string, Projection*>> projections();
  std::int64_t parameter_count() const;

  DecoderWeights& weights() { return w_; }
  const DecoderWeights& weights() const { return w_; }

  // Gradient checkpointing (transformers' gradient_checkpointing_enable): while autograd
  // records, each decoder layer keeps only its input and is computed again in backward
  // (layer_checkpoint.hpp). Off by default; inference is unaffected.
  void set_gradient_checkpointing(bool on) { gradient_checkpointing_ = on; }
  bool gradient_checkpointing() const { return gradient_checkpointing_; }

 protected:
  ModelConfig config_;
  ComputeDevice device_;
  DecoderBiases biases_;
  DecoderWeights w_;
  bool gradient_checkpointing_ = false;
};

// An architecture: what its checkpoints hold and how to build the model from them.
struct Architecture {
  std::string name;  // config.json "architectures"[0]
  std::function<DecoderBiases(const ModelConfig&)> biases;
  std::function<std::unique_ptr<CausalLM>(const ModelConfig&, const ComputeDevice&, DecoderWeights)> build;
};

// Writes config.json and model.safetensors into `dir` (atomically each).
void save_checkpoint(const std::filesystem::path& dir, const ModelConfig& config,
                     const std::vector<std::pair<std::string, torch::Tensor>>& weights,
                     torch::ScalarType dtype = torch::kFloat32);

}  // namespace sl::local
