// What a checkpoint's config.json and generation_config.json say about the model, read with
// clear errors ("config.json: num_attention_heads: expected a positive integer, got "8"").
// Unknown keys are ignored (Hugging Face configs carry many); settings we do not implement
// (sliding windows, other activations or RoPE scalings) are errors, not silent differences.
// Torch-free: the pretraining tool writes configs with to_json().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::local {

// rope_scaling {"rope_type": "llama3", ...} (Llama 3.1): long-wavelength frequencies divided by
// `factor`, short ones kept, a smooth blend between.
struct Llama3RopeScaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  std::int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  std::string architecture;  // architectures[0], e.g. "Qwen2ForCausalLM"
  std::string model_type;    // "qwen2", "llama"
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;  // hidden_size / num_attention_heads unless given
  std::int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<Llama3RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v (and o) biases; Qwen2 always has q/k/v biases
  bool mlp_bias = false;
  std::string torch_dtype = "float32";
  std::optional<std::int32_t> bos_token_id;
  std::vector<std::int32_t> eos_token_ids;

  // `origin` names the file in messages.
  static ModelConfig from_json(const Json& config, const std::string& origin);
  static ModelConfig from_file(const std::filesystem::path& config_json);
  Json to_json() const;

  std::int64_t kv_dim() const { return num_key_value_heads * head_dim; }
  std::int64_t q_dim() const { return num_attention_heads * head_dim; }
};

// generation_config.json: only what decides when generation stops. (Its default sampling
// settings are not applied: requests carry their own temperature and top_p.)
struct GenerationDefaults {
  std::vector<std::int32_t> eos_token_ids;
  static GenerationDefaults from_file(const std::filesystem::path& generation_config_json);
};

}  // namespace sl::local
