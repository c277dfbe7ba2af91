// The LM head and the loss together, a chunk of rows at a time, with the gradient computed on
// the spot: logits [chunk, vocab] = h W^T, the fused kernel turns them into d loss / d logits in
// place, then dh = G W (and dW += G^T h when the head trains). Only the rows that carry loss
// go through it, and the [rows, vocab] logits of a whole batch (0.5 GB at 4096 x 32k) never
// exist: a chunk stays a few MB, which is also faster than one large pass.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "sl/local/runtime/compute/device.hpp"

namespace sl::local {

// What each loss row must predict.
struct LossTargets {
  std::vector<std::int64_t> token;  // "sft": the target id of each row
  // "kl_topk": the teacher's entries of row r are [offsets[r], offsets[r + 1]) of ids/logprobs.
  std::vector<std::int64_t> offsets;
  std::vector<std::int32_t> ids;
  std::vector<float> logprobs;

  bool soft() const { return !offsets.empty(); }
  std::int64_t rows() const {
    return soft() ? static_cast<std::int64_t>(offsets.size()) - 1 : static_cast<std::int64_t>(token.size());
  }
  void clear() { token.clear(), offsets.clear(), ids.clear(), logprobs.clear(); }
};

struct LossSums {
  double loss = 0;              // sum of the rows' losses
  std::int64_t empty_rows = 0;  // kl_topk rows whose teacher had no allowed token
};

class LmHeadLoss {
 public:
  // `allowed`: 0/1 per vocabulary id restricting the kl_topk distributions; empty = all ids.
  // `device`: the fused float32 CPU kernel when it runs them (ComputeDevice::fused_cpu_kernels),
  // else the same definitions in torch ops on the device (lm_head_loss_torch.hpp).
  explicit LmHeadLoss(std::vector<float> allowed = {}, const ComputeDevice& device = {});

  // h: [rows, hidden] on the device, no grad; head: [vocab, hidden]. Writes dh ([rows, hidden],
  // d(scale * sum of losses)/dh, in h's dtype) and, when head_grad is defined, adds d(...)/dW to it.
  LossSums run(const torch::Tensor& h, const torch::Tensor& head, const LossTargets& targets, double scale,
               torch::Tensor& dh, const torch::Tensor& head_grad);

 private:
  std::vector<float> allowed_;
  ComputeDevice device_;
  torch::Tensor logits_;          // reused scratch [chunk, vocab] (fused)
  torch::Tensor allowed_device_;  // allowed_ as a bool mask on the device (torch ops)
};

}  // namespace sl::local
