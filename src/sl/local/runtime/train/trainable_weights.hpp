// The tensors a training run updates: fresh LoRA adapters on the model's projections (PEFT's
// initialisation and names), or every weight of the model (full training). Also what is written
// at the end: a PEFT adapter folder, a merged checkpoint, or the whole model.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

struct TrainableTensor {
  std::string name;      // checkpoint name: "model.layers.0.self_attn.q_proj.lora_A" / a weight's name
  torch::Tensor tensor;  // requires_grad, owns its memory
  bool weight_decay = true;
};

// Attaches adapter 1 to every projection whose name ends in ".<target>" for a target in
// settings.target_modules: A [r, in] uniform(-1/sqrt(in), 1/sqrt(in)) (PEFT's Kaiming-uniform
// with a = sqrt(5)), B [out, r] zeros, drawn in checkpoint order from a generator seeded with
// `seed`. A target that matches no projection is an sl::UsageError listing those that exist.
// Returns A and B of each module (named "<module>.lora_A" / ".lora_B").
std::vector<TrainableTensor> attach_trainable_lora(CausalLM& model, const LoraSettings& settings, std::uint64_t seed);

// Replaces every weight of the model by an owned copy that requires grad (a tied lm_head stays
// the embedding). Biases and norm weights are excluded from weight decay (as Transformers).
std::vector<TrainableTensor> make_all_weights_trainable(CausalLM& model);

// PEFT's adapter folder for adapter 1 of the model: adapter_config.json and
// adapter_model.safetensors (base_model.model.<module>.lora_A.weight [r, in], lora_B [out, r]).
void save_peft_adapter(const std::filesystem::path& dir, const CausalLM& model, const LoraSettings& settings,
                       const std::string& base_model_name);

// The model's weights with adapter 1 merged in: W + scale * B A for every adapted projection.
std::vector<std::pair<std::string, torch::Tensor>> merged_weights(const CausalLM& model);

// A Hugging Face checkpoint folder: config.json (`config_json` with torch_dtype float32) and
// model.safetensors (float32), each written atomically, plus the tokenizer and generation
// files found in `copy_from` (when not empty).
void save_model_folder(const std::filesystem::path& dir, const std::string& config_json,
                       const std::vector<std::pair<std::string, torch::Tensor>>& weights,
                       const std::filesystem::path& copy_from);

// The files save_model_folder copies: tokenizer.json, tokenizer_config.json,
// special_tokens_map.json, chat_template.jinja, generation_config.json, vocab.json, merges.txt.
void copy_tokenizer_files(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace sl::local
