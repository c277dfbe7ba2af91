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

#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/lora_adapter_config.hpp"

namespace sl::local {

// The PEFT tensor name of a module's A or B matrix.
std::string peft_tensor_name(const std::string& module, char which /* 'A' or 'B' */);

// Reads the adapter in `dir` and attaches it to the model's projections as adapter number
// `index` (>= 1; requests select it by that number). Every tensor must belong to a projection
// the model has, with matching shapes: anything else is an sl::UsageError naming it.
void attach_lora_adapter(CausalLM& model, const std::filesystem::path& dir, int index);

}  // namespace sl::local
