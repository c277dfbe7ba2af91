// Tiny random checkpoints written by the tests themselves: config.json, model.safetensors, a
// byte-level BPE tokenizer.json (256 byte tokens + ChatML specials), tokenizer_config.json with
// a ChatML chat template, and generation_config.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sl/local/runtime/model/model_config.hpp"

namespace sl::test {

// Token ids of the tiny tokenizer.
inline constexpr std::int32_t kEndOfText = 256;  // <|endoftext|>
inline constexpr std::int32_t kImStart = 257;    // <|im_start|>
inline constexpr std::int32_t kImEnd = 258;      // <|im_end|>

struct TinyModel {
  std::string architecture = "Qwen2ForCausalLM";
  std::int64_t hidden = 32;
  std::int64_t layers = 2;
  std::int64_t heads = 4;
  std::int64_t kv_heads = 2;
  std::int64_t intermediate = 48;
  std::int64_t vocab = 320;  // larger than the tokenizer (259), as Qwen pads its embeddings
  std::int64_t max_positions = 256;
  bool tied = true;
  bool llama3_scaling = false;
  std::uint64_t seed = 1;
  // Large enough that next-token distributions are peaked (no near-ties in greedy tests).
  double init_std = 0.35;
};

sl::local::ModelConfig tiny_config(const TinyModel& m);

// Writes the whole folder; returns `dir`.
std::filesystem::path write_tiny_checkpoint(const std::filesystem::path& dir, const TinyModel& m = {});

// Only the tokenizer files (tokenizer.json, tokenizer_config.json).
void write_tiny_tokenizer(const std::filesystem::path& dir);

// A PEFT LoRA adapter (r 4, alpha 8) on every q_proj and v_proj of a tiny checkpoint.
void write_tiny_adapter(const std::filesystem::path& dir, const TinyModel& base, std::uint64_t seed);

}  // namespace sl::test
