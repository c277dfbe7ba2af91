// LoRA adapters in Hugging Face PEFT's layout, served unmerged beside the base model.
//
// A folder with adapter_config.json (peft_type "LORA", r, lora_alpha, target_modules,
// use_rslora, bias, ...) and adapter_model.safetensors, whose tensors are named
//   base_model.model.<module>.lora_A.weight   [r, in]
//   base_model.model.<module>.lora_B.weight   [out, r]
// for modules such as model.layers.0.self_attn.q_proj. The delta of a module is
// scale * B A x with scale = lora_alpha / r (or lora_alpha / sqrt(r) with rsLoRA).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/lora_settings.hpp"

namespace sl::local {

struct LoraAdapterConfig {
  // target_modules is informational here (the tensors name their modules): empty when the file
  // does not list them.
  LoraSettings lora;
  std::string base_model_name_or_path;

  // Reads adapter_config.json; settings this runtime does not implement (DoRA, biases,
  // fan_in_fan_out, per-module rank or alpha patterns, modules_to_save) are sl::UsageErrors.
  static LoraAdapterConfig from_file(const std::filesystem::path& adapter_config_json);
  // PEFT's adapter_config.json for this adapter (peft_type LORA, task_type CAUSAL_LM).
  Json to_json() const;
};

// The PEFT tensor name of a module's A or B matrix.
std::string peft_tensor_name(const std::string& module, char which /* 'A' or 'B' */);

// Reads the adapter in `dir` and attaches it to the model's projections as adapter number
// `index` (>= 1; requests select it by that number). Every tensor must belong to a projection
// the model has, with matching shapes: anything else is an sl::UsageError naming it.
void attach_lora_adapter(CausalLM& model, const std::filesystem::path& dir, int index);

}  // namespace sl::local
