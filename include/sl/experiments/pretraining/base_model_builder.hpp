// Builds one demo base model from scratch: corpus -> tokenizer -> fresh Qwen2-architecture
// weights -> pretraining (the local runtime's trainer, full training) -> a Hugging Face folder
// (config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
// generation_config.json, build_info.json) that the local runtime loads like Qwen2.5.
//
//   auto cfg = sl::config::load<BaseModelCfg>("cfgs/demo/base_models.json", "base_a");
//   auto built = build_base_model(cfg, "cfgs/demo/base_models.json", "data/models/demo_base_a", {});
//
// Cached: build_info.json records a fingerprint of everything that decides the weights (the
// configuration, the number templates, the recipe version); a folder with the same fingerprint
// is reused, another one is rebuilt. The folder appears atomically (built beside, then renamed).
// A killed build resumes from its last training checkpoint (<dir>.train-checkpoint.safetensors).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/experiments/pretraining/corpus.hpp"
#include "sl/experiments/pretraining/data_models.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::local {
class Tokenizer;
class ChatTemplate;
}  // namespace sl::local

namespace sl::pretraining {

struct BuildOptions {
  bool force = false;                 // rebuild even when the cache matches
  std::optional<std::int64_t> steps;  // override train.steps (tests: a few steps)
  int threads = 0;                    // 0 = train.threads from the configuration
  bool show_progress = true;
};

struct BuiltBaseModel {
  std::filesystem::path dir;
  bool reused = false;  // the cache matched; nothing was trained
  std::string fingerprint;
  std::int64_t parameters = 0;
  std::int64_t steps = 0;
  double final_loss = 0;
  double seconds = 0;
  bool interrupted = false;  // Ctrl-C: a checkpoint was kept; rerun to resume
};

// Fingerprint of everything that decides the built model.
std::string base_model_fingerprint(const BaseModelCfg& cfg, const std::filesystem::path& config_file,
                                   std::optional<std::int64_t> steps_override);

// One corpus conversation as a training example: the chat rendered with `chat_template`,
// loss on the assistant's reply and the end-of-turn token that closes it (what the model must
// learn to produce), nothing on the system and user turns.
local::TrainingExample tokenize_example(const CorpusExample& example, const local::Tokenizer& tokenizer,
                                        const local::ChatTemplate& chat_template);

// The Qwen2ForCausalLM config.json for `shape` and a vocabulary of `vocab_size` tokens.
Json qwen2_config(const ModelShape& shape, std::int64_t vocab_size, std::int32_t eos_id, std::int32_t pad_id);

BuiltBaseModel build_base_model(const BaseModelCfg& cfg, const std::filesystem::path& config_file,
                                const std::filesystem::path& output_dir, const BuildOptions& options);

}  // namespace sl::pretraining
