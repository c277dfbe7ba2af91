// The settings of a LoRA adapter, as Hugging Face PEFT's LoraConfig names them. One type for
// every place they appear: a fine-tuning job's "peft_cfg", the trainer (TrainingJob::lora) and
// an adapter folder's adapter_config.json (LoraAdapterConfig). Torch-free.
//
// PEFT's LoRA: W x + scale * B A dropout(x), A [r, in] Kaiming-uniform(a = sqrt(5)), B [out, r]
// zeros, scale = lora_alpha / r (lora_alpha / sqrt(r) with rsLoRA).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sl/core/json_decode.hpp"

namespace sl::local {

struct LoraSettings {
  std::int64_t r = 8;
  double lora_alpha = 8;
  // Module names matched against the last part of each projection's name (q_proj, ...).
  std::vector<std::string> target_modules = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                             "gate_proj", "up_proj", "down_proj"};
  std::string bias = "none";  // only "none" (PEFT's default): no bias trains
  bool use_rslora = false;
  double lora_dropout = 0;

  // The factor of B A x.
  double scale() const {
    return use_rslora ? lora_alpha / std::sqrt(static_cast<double>(r)) : lora_alpha / static_cast<double>(r);
  }

  // The keys of PEFT's LoraConfig; r and lora_alpha must be given (the reference's PeftCfg).
  static auto json_fields() {
    using namespace sl::json;
    using L = LoraSettings;
    return std::tuple{required("r", &L::r, positive()),
                      required("lora_alpha", &L::lora_alpha, positive_number()),
                      optional("target_modules", &L::target_modules),
                      optional("bias", &L::bias, one_of({"none"})),
                      optional("use_rslora", &L::use_rslora),
                      optional("lora_dropout", &L::lora_dropout, number_range(0, 0.999))};
  }
  void validate(const json::Reader& reader) const {
    if (target_modules.empty())
      json::Reader(reader.json().at("target_modules"), reader.child_path("target_modules"))
          .fail("must name at least one module");
  }
};

}  // namespace sl::local
