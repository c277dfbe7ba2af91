// N independent MLPs  in -> H -> H -> K  (ReLU between layers) evaluated as one batched network:
// every weight carries a leading model dimension and each layer is one batched matmul, so N
// small models cost about what one wide model costs, with no per-model loop in our code.
//
// Forward and backward are written out by hand (no autograd): the three layers are short, the
// gradients are textbook, and preallocated buffers keep the training step free of large
// allocations. tests/experiments/mnist/batched_mlp_test.cpp checks both against N separate
// torch::nn::Linear stacks differentiated by autograd.
#pragma once

#include <torch/torch.h>

#include <array>
#include <map>

namespace sl::mnist {

// Parameters of N models (leading dimension N in every tensor).
struct MlpParams {
  torch::Tensor w1;  // [N, H, in]
  torch::Tensor b1;  // [N, H]
  torch::Tensor w2;  // [N, H, H]
  torch::Tensor b2;  // [N, H]
  torch::Tensor w3;  // [N, K, H]
  torch::Tensor b3;  // [N, K]

  std::array<torch::Tensor*, 6> tensors() { return {&w1, &b1, &w2, &b2, &w3, &b3}; }
  std::array<const torch::Tensor*, 6> tensors() const { return {&w1, &b1, &w2, &b2, &w3, &b3}; }

  int64_t n_models() const { return w1.size(0); }
  int64_t inputs() const { return w1.size(2); }
  int64_t hidden() const { return w1.size(1); }
  int64_t outputs() const { return w3.size(1); }

  // A deep copy.
  MlpParams clone() const;
  // Zero tensors of the same shapes.
  MlpParams zeros_like() const;
  // The models at `index` ([M] int64), in that order (a deep copy).
  MlpParams select_models(const torch::Tensor& index) const;
  // Models of several parameter sets stacked into one (a deep copy).
  static MlpParams concat(const std::vector<MlpParams>& parts);
};

// N freshly initialised models: weights ~ N(0, 1/fan_in), biases zero. Drawn on the CPU from
// `generator` and then moved to `device`, so a seed gives the same models on every device.
MlpParams init_mlp(int64_t n_models, int64_t inputs, int64_t hidden, int64_t outputs, torch::Generator& generator,
                   torch::Device device);

class BatchedMlp {
 public:
  // Shares the tensors of `params` (training updates them in place).
  explicit BatchedMlp(MlpParams params) : p_(std::move(params)) {}

  MlpParams& params() { return p_; }
  const MlpParams& params() const { return p_; }

  // x: [N, B, in] (an expanded [1, B, in] works for an input shared by all models).
  // Returns the logits [N, B, K]: a buffer owned by this object, valid until the next forward
  // with the same batch size. Keeps the activations that backward() needs.
  const torch::Tensor& forward(const torch::Tensor& x);

  // Gradients of a loss with d(loss)/d(logits) = dlogits ([N, B, K], for the last forward's x)
  // written into `grads` (same shapes as the parameters). No gradient for x is computed: the
  // inputs are data.
  void backward(const torch::Tensor& dlogits, MlpParams& grads);

 private:
  struct Buffers {
    torch::Tensor a1, a2, z;  // activations after ReLU, and the logits
    torch::Tensor d1, d2;     // gradients at the hidden layers
  };
  Buffers& buffers_for(int64_t batch);

  MlpParams p_;
  std::map<int64_t, Buffers> buffers_;  // by batch size: the full batch, the last partial one, eval
  torch::Tensor x_;                     // input of the last forward
  Buffers* last_ = nullptr;
};

}  // namespace sl::mnist
