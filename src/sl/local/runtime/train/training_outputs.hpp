// What a finished training run leaves behind (TrainingOutput): the PEFT adapter folder and,
// when asked, base + adapter merged into a checkpoint folder (LoRA); the whole checkpoint
// folder (full training). The run's checkpoint is removed once they are written.
#pragma once

#include <filesystem>
#include <string>

#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

// `config_json`: the model's config.json text; `base_dir`: the folder the model was loaded from
// (empty for random weights), whose tokenizer files are copied unless the job names another.
void write_training_outputs(const TrainingJob& job, const CausalLM& model, const std::string& config_json,
                            const std::filesystem::path& base_dir);

}  // namespace sl::local
