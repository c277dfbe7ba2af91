#include "sl/local/runtime/train/training_outputs.hpp"

#include "sl/local/runtime/train/trainable_weights.hpp"

namespace sl::local {

namespace fs = std::filesystem;

void write_training_outputs(const TrainingJob& job, const CausalLM& model, const std::string& config_json,
                            const fs::path& base_dir) {
  torch::NoGradGuard no_grad;
  const fs::path copy_from = job.output.copy_files_from ? *job.output.copy_files_from : base_dir;
  if (job.lora) {
    save_peft_adapter(job.output.dir, model, *job.lora,
                      job.output.base_model_name.empty() ? job.model.dir : job.output.base_model_name);
    if (job.output.merged_dir) save_model_folder(*job.output.merged_dir, config_json, merged_weights(model), copy_from);
  } else {
    save_model_folder(job.output.dir, config_json, model.named_weights(), copy_from);
  }
  std::error_code ec;
  if (!job.checkpoint.path.empty()) fs::remove(job.checkpoint.path, ec);
}

}  // namespace sl::local
