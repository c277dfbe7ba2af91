#include "sl/local/runtime/train/train_state.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/rng.hpp"
#include "sl/local/runtime/kernels/training_kernels.hpp"
#include "sl/local/runtime/train/adamw_torch.hpp"

namespace sl::local {

namespace fs = std::filesystem;

TrainState::TrainState(CausalLM& model, const TrainingJob& job)
    : params_(job.lora ? attach_trainable_lora(model, *job.lora, Rng::for_item(job.settings.seed, 0x10A).next())
                       : make_all_weights_trainable(model)),
      fused_(model.device().fused_cpu_kernels()) {
  for (auto& p : params_) {
    adam_m_.push_back(torch::zeros_like(p.tensor, torch::TensorOptions().requires_grad(false)));
    adam_v_.push_back(torch::zeros_like(p.tensor, torch::TensorOptions().requires_grad(false)));
    p.tensor.mutable_grad() = torch::zeros_like(p.tensor, torch::TensorOptions().requires_grad(false));
    trainable_ += p.tensor.numel();
  }
}

std::int64_t TrainState::resume(const CheckpointSettings& checkpoint, const TrainCheckpointInfo& expected) {
  std::int64_t start = 0;
  std::error_code ec;
  if (!checkpoint.path.empty() && fs::exists(checkpoint.path, ec)) {
    if (!checkpoint.resume)
      throw UsageError(checkpoint.path.string() +
                       " holds a checkpoint of an unfinished run; resume it, or delete it to start over");
    start = load_train_checkpoint(checkpoint.path, expected, params_, adam_m_, adam_v_).step;
    spdlog::info("resuming from step {} of {} ({})", start, expected.total_steps, checkpoint.path.string());
  }
  if (!checkpoint.path.empty()) files::ensure_writable(checkpoint.path);
  return start;
}

void TrainState::save(const fs::path& path, const TrainCheckpointInfo& info) const {
  save_train_checkpoint(path, info, params_, adam_m_, adam_v_);
}

std::vector<torch::Tensor> TrainState::trained_tensors() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : params_) out.push_back(p.tensor);
  return out;
}

std::vector<torch::Tensor> TrainState::state_tensors() const {
  std::vector<torch::Tensor> out = trained_tensors();
  out.insert(out.end(), adam_m_.begin(), adam_m_.end());
  out.insert(out.end(), adam_v_.begin(), adam_v_.end());
  return out;
}

void TrainState::zero_grad() {
  for (auto& p : params_) p.tensor.mutable_grad().zero_();
}

double TrainState::grad_norm() const {
  if (!fused_) return grad_norm_torch(params_);
  double sq = 0;
  for (const auto& p : params_)
    sq += train_kernels::sum_of_squares(p.tensor.grad().data_ptr<float>(), p.tensor.numel());
  return std::sqrt(sq);
}

void TrainState::adamw_update(const OptimizerSettings& o, double lr, double clip, std::int64_t step) {
  const double t = static_cast<double>(step + 1);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    const double decay = p.weight_decay ? o.weight_decay : 0.0;
    if (!fused_) {
      adamw_update_torch(p.tensor, adam_m_[i], adam_v_[i],
                         {lr, o.adam_beta1, o.adam_beta2, o.adam_epsilon, decay, clip, 1 - std::pow(o.adam_beta1, t),
                          1 - std::pow(o.adam_beta2, t)});
      continue;
    }
    train_kernels::AdamWStep a{static_cast<float>(lr),
                               static_cast<float>(o.adam_beta1),
                               static_cast<float>(o.adam_beta2),
                               static_cast<float>(o.adam_epsilon),
                               p.weight_decay ? static_cast<float>(o.weight_decay) : 0.0f,
                               static_cast<float>(clip),
                               static_cast<float>(1 - std::pow(o.adam_beta1, t)),
                               static_cast<float>(1 - std::pow(o.adam_beta2, t))};
    train_kernels::adamw_update(p.tensor.data_ptr<float>(), p.tensor.grad().data_ptr<float>(),
                                adam_m_[i].data_ptr<float>(), adam_v_[i].data_ptr<float>(), p.tensor.numel(), a);
  }
}

}  // namespace sl::local
