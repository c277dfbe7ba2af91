#include "sl/local/runtime/train/lm_head_loss.hpp"

#include <algorithm>

#include "sl/core/error.hpp"
#include "sl/local/runtime/kernels/training_kernels.hpp"
#include "sl/local/runtime/train/lm_head_loss_torch.hpp"

namespace sl::local {

namespace {

// Rows per chunk: about 4 MB of logits (fits in L2 + L3 here; measured no slower than 16 MB,
// and memory stays flat).
std::int64_t chunk_rows(std::int64_t vocab) {
  return std::clamp<std::int64_t>((std::int64_t{1} << 20) / vocab, 16, 4096);
}

}  // namespace

LmHeadLoss::LmHeadLoss(std::vector<float> allowed, const ComputeDevice& device)
    : allowed_(std::move(allowed)), device_(device) {}

LossSums LmHeadLoss::run(const torch::Tensor& h, const torch::Tensor& head, const LossTargets& targets, double scale,
                         torch::Tensor& dh, const torch::Tensor& head_grad) {
  const std::int64_t rows = h.size(0), vocab = head.size(0);
  if (targets.rows() != rows) throw Error("loss targets do not match the loss rows");
  if (!allowed_.empty() && static_cast<std::int64_t>(allowed_.size()) != vocab)
    throw Error("kl token mask has the wrong size");
  if (!device_.fused_cpu_kernels()) {
    if (!allowed_.empty() && !allowed_device_.defined()) allowed_device_ = torch::tensor(allowed_).gt(0).to(h.device());
    return lm_head_loss_torch(h, head, targets, allowed_device_, scale, dh, head_grad);
  }
  if (!h.is_cpu() || h.scalar_type() != torch::kFloat32 || !head.is_cpu() || head.scalar_type() != torch::kFloat32)
    throw Error("the training loss runs on float32 CPU tensors");
  const auto x = h.contiguous();
  const auto w = head.detach().contiguous();
  dh = torch::empty_like(x);
  const std::int64_t chunk = chunk_rows(vocab);
  if (!logits_.defined() || logits_.size(0) < std::min(chunk, rows) || logits_.size(1) != vocab)
    logits_ = torch::empty({std::min(chunk, std::max<std::int64_t>(rows, 1)), vocab}, torch::kFloat32);
  LossSums sums;
  for (std::int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const std::int64_t n = std::min(chunk, rows - r0);
    auto hc = x.narrow(0, r0, n);
    auto g = logits_.narrow(0, 0, n);
    at::mm_out(g, hc, w.t());
    float* gp = g.data_ptr<float>();
    if (targets.soft()) {
      sums.loss += train_kernels::topk_kl(gp, n, vocab, allowed_.empty() ? nullptr : allowed_.data(),
                                          targets.offsets.data() + r0, targets.ids.data(), targets.logprobs.data(),
                                          static_cast<float>(scale), &sums.empty_rows);
    } else {
      sums.loss +=
          train_kernels::softmax_cross_entropy(gp, n, vocab, targets.token.data() + r0, static_cast<float>(scale));
    }
    auto dhc = dh.narrow(0, r0, n);
    at::mm_out(dhc, g, w);
    if (head_grad.defined()) head_grad.addmm_(g.t(), hc);
  }
  return sums;
}

}  // namespace sl::local
