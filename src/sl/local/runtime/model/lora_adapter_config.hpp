// adapter_config.json of a Hugging Face PEFT LoRA adapter (see lora_adapter.hpp for the folder
// layout). Torch-free, so that the fuzz target of this parser links without libtorch.
#pragma once

#include <filesystem>
#include <string>

#include "sl/core/json.hpp"
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
  // The same from parsed JSON; `origin` names the file in messages.
  static LoraAdapterConfig from_json(const Json& config, const std::string& origin);
  // PEFT's adapter_config.json for this adapter (peft_type LORA, task_type CAUSAL_LM).
  Json to_json() const;
};

}  // namespace sl::local
