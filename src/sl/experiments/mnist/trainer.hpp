// The training loop shared by the teacher and the students: N models, each with its own
// shuffling of a data set they all share, mini-batch Adam, hand-written backward pass.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "batched_adam.hpp"
#include "batched_mlp.hpp"

namespace sl::mnist {

// Mini-batches for N models over n examples: every epoch every model gets a fresh permutation
// from its own random stream, so a model's batches do not depend on which other models are
// trained beside it. The last batch of an epoch is smaller when the batch size does not divide
// n (as PyTorch's DataLoader with drop_last = false).
class ShuffledBatches {
 public:
  // One seed per model.
  ShuffledBatches(const std::vector<uint64_t>& seeds, int64_t n_examples, int64_t batch_size, torch::Device device);

  int64_t steps_per_epoch() const { return (n_examples_ + batch_size_ - 1) / batch_size_; }
  int64_t batch_size(int64_t step) const;

  // Draws a fresh permutation for every model.
  void new_epoch();
  // Example indices of `step` in the current epoch: [N, b] int64 on the device, contiguous.
  torch::Tensor indices(int64_t step) const;

 private:
  std::vector<torch::Generator> generators_;
  int64_t n_examples_, batch_size_;
  torch::Device device_;
  torch::Tensor permutations_;  // [N, n]
};

// What the models are trained to do on a batch: writes d(loss)/d(logits) and returns each
// model's loss [N]. `indices` are the examples each model sees ([N, b]).
class Objective {
 public:
  virtual ~Objective() = default;
  virtual torch::Tensor loss_grad(const torch::Tensor& indices, const torch::Tensor& logits,
                                  torch::Tensor& dlogits) = 0;
};

struct TrainOptions {
  std::string label;  // for logs, e.g. "teacher"
  int64_t epochs = 1;
  int64_t batch_size = 1024;
  AdamSettings adam;
  std::vector<uint64_t> shuffle_seeds;  // one per model
  // Called after every step with the number of models stepped (for progress); may be empty.
  std::function<void(int64_t)> on_step;
};

struct TrainReport {
  int64_t steps = 0;
  double seconds = 0;
  double flop = 0;                       // matmul FLOPs of all steps, all models
  std::vector<double> final_epoch_loss;  // per model: mean loss over the examples of the last epoch
};

// Trains the models of `model` in place on `inputs` ([n, in], shared by all models).
// Checks sl::interrupt::requested() between steps and throws sl::Error when it is set.
TrainReport train(BatchedMlp& model, const torch::Tensor& inputs, Objective& objective, const TrainOptions& options);

}  // namespace sl::mnist
