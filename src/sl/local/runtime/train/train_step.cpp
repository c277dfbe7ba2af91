#include "sl/local/runtime/train/train_step.hpp"

#include "sl/core/rng.hpp"
#include "sl/local/runtime/train/training_plan.hpp"

namespace sl::local {

OptimizerStep::OptimizerStep(CausalLM& model, TrainState& state, LmHeadLoss& loss, const TrainingJob& job,
                             const ComputeDevice& device, std::int64_t total_steps)
    : model_(model), state_(state), loss_(loss), job_(job), device_(device), total_steps_(total_steps) {}

StepOutcome OptimizerStep::run(std::int64_t step, std::vector<PassInputs>& passes, std::int64_t loss_tokens) {
  const auto& s = job_.settings;
  const auto& o = s.optimizer;
  const bool head_trains = !job_.lora;
  const bool dropout = job_.lora && job_.lora->lora_dropout > 0;
  state_.zero_grad();

  double loss_sum = 0;
  for (std::size_t b = 0; b < passes.size(); ++b) {
    // Dropout masks are a function of (seed, step, pass), so a resumed run draws the same ones.
    PassInputs& in = passes[b];
    if (in.ids.empty()) continue;
    if (dropout)
      torch::manual_seed(
          Rng::for_item(s.seed, static_cast<std::uint64_t>(step) * 4096 + b + (static_cast<std::uint64_t>(rank_) << 40))
              .next());
    torch::AutoGradMode grad_mode(true);
    ForwardBatch fb(in.chunks, nullptr, device_);
    auto hidden = model_.forward(
        torch::from_blob(in.ids.data(), {static_cast<std::int64_t>(in.ids.size())}, torch::kInt64).to(device_.device),
        fb);
    auto rows = torch::from_blob(in.loss_rows.data(), {static_cast<std::int64_t>(in.loss_rows.size())}, torch::kInt64)
                    .to(device_.device);
    auto selected = hidden.index_select(0, rows);
    torch::Tensor head_grad;
    if (head_trains) head_grad = model_.weights().lm_head.mutable_grad();
    {
      torch::NoGradGuard no_grad;
      loss_sum += loss_
                      .run(selected.detach(), model_.weights().lm_head, in.targets,
                           1.0 / static_cast<double>(loss_tokens), dh_, head_grad)
                      .loss;
    }
    head_grad.reset();
    torch::autograd::backward({selected}, {dh_});
  }

  if (sync_) sync_(loss_sum);
  // Global gradient norm, clipping and AdamW, all without autograd.
  torch::NoGradGuard no_grad;
  StepOutcome out;
  out.loss = loss_sum / static_cast<double>(loss_tokens);
  out.grad_norm = state_.grad_norm();
  double clip = 1.0;
  if (o.max_grad_norm > 0 && out.grad_norm > o.max_grad_norm) clip = o.max_grad_norm / (out.grad_norm + 1e-6);
  out.lr = learning_rate_at(o, step, total_steps_);
  state_.adamw_update(o, out.lr, clip, step);
  return out;
}

}  // namespace sl::local
