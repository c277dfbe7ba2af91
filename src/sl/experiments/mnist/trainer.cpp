#include "trainer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "compute.hpp"
#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"

namespace sl::mnist {

ShuffledBatches::ShuffledBatches(const std::vector<uint64_t>& seeds, int64_t n_examples, int64_t batch_size,
                                 torch::Device device)
    : n_examples_(n_examples), batch_size_(std::min(batch_size, n_examples)), device_(device) {
  for (uint64_t seed : seeds) generators_.push_back(at::detail::createCPUGenerator(seed));
}

int64_t ShuffledBatches::batch_size(int64_t step) const {
  return std::min(batch_size_, n_examples_ - step * batch_size_);
}

void ShuffledBatches::new_epoch() {
  // Drawn on the CPU whatever the device, so that a seed means the same order everywhere.
  const auto n_models = static_cast<int64_t>(generators_.size());
  auto perms = torch::empty({n_models, n_examples_}, torch::kLong);
  for (int64_t m = 0; m < n_models; ++m)
    perms[m].copy_(torch::randperm(n_examples_, generators_[static_cast<std::size_t>(m)], torch::kLong));
  permutations_ = perms.to(device_);
}

torch::Tensor ShuffledBatches::indices(int64_t step) const {
  return permutations_.narrow(1, step * batch_size_, batch_size(step)).contiguous();
}

TrainReport train(BatchedMlp& model, const torch::Tensor& inputs, Objective& objective, const TrainOptions& options) {
  MlpParams& params = model.params();
  const int64_t n_models = params.n_models();
  const int64_t n = inputs.size(0), width = inputs.size(1);
  const torch::Device device = inputs.device();
  ShuffledBatches batches(options.shuffle_seeds, n, options.batch_size, device);
  const int64_t steps = batches.steps_per_epoch();

  MlpParams grads = params.zeros_like();
  BatchedAdam adam(params, options.adam);
  std::map<int64_t, std::pair<torch::Tensor, torch::Tensor>> buffers;  // batch size -> (x, dlogits)
  TrainReport report;

  synchronize(device);
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor epoch_loss = torch::zeros({n_models}, params.w1.options());
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    batches.new_epoch();
    epoch_loss.zero_();
    for (int64_t step = 0; step < steps; ++step) {
      if (interrupt::requested()) throw Error(options.label + ": interrupted; no result written");
      const int64_t b = batches.batch_size(step);
      auto [it, fresh] = buffers.try_emplace(b);
      if (fresh) {
        it->second.first = torch::empty({n_models, b, width}, inputs.options());
        it->second.second = torch::empty({n_models, b, params.outputs()}, params.w1.options());
      }
      auto& [x, dlogits] = it->second;
      const torch::Tensor idx = batches.indices(step);  // [N, b]
      torch::Tensor rows = x.view({n_models * b, width});
      at::index_select_out(rows, inputs, 0, idx.view(-1));  // each model's own examples
      const torch::Tensor& logits = model.forward(x);       // [N, b, K]
      epoch_loss.add_(objective.loss_grad(idx, logits, dlogits), static_cast<double>(b));
      model.backward(dlogits, grads);
      adam.step(params, grads);
      report.flop +=
          static_cast<double>(n_models) * training_step_flop(params.inputs(), params.hidden(), params.outputs(), b);
      ++report.steps;
      if (options.on_step) options.on_step(n_models);
    }
    epoch_loss.div_(static_cast<double>(n));
    spdlog::debug("{}: epoch {}/{} mean loss {:.5f}", options.label, epoch + 1, options.epochs,
                  epoch_loss.mean().item<double>());
  }
  synchronize(device);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto loss_cpu = epoch_loss.to(torch::kCPU, torch::kDouble);
  report.final_epoch_loss.assign(loss_cpu.data_ptr<double>(), loss_cpu.data_ptr<double>() + n_models);
  return report;
}

}  // namespace sl::mnist
