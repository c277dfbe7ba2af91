#include "losses.hpp"

namespace sl::mnist {

namespace {

// Zeroes the logits outside [lo, hi): they take no part in the loss.
void zero_outside(torch::Tensor& dlogits, int64_t lo, int64_t hi) {
  const int64_t k = dlogits.size(2);
  if (lo > 0) dlogits.narrow(2, 0, lo).zero_();
  if (hi < k) dlogits.narrow(2, hi, k - hi).zero_();
}

}  // namespace

torch::Tensor cross_entropy_loss_grad(const torch::Tensor& logits, const torch::Tensor& labels, int64_t classes,
                                      torch::Tensor& dlogits) {
  const double batch = static_cast<double>(logits.size(1));
  const auto logp = at::log_softmax(logits.narrow(2, 0, classes), 2);  // [N, B, C]
  const auto target = labels.unsqueeze(2);                             // [N, B, 1]
  const auto loss = logp.gather(2, target).sum({1, 2}).neg_().div_(batch);
  // d(mean CE)/d(logit) = (softmax - one_hot(label)) / B.
  auto d = dlogits.narrow(2, 0, classes);
  d.copy_(logp.exp());
  d.scatter_add_(2, target, torch::full_like(target, -1.0, logits.options()));
  d.div_(batch);
  zero_outside(dlogits, 0, classes);
  return loss;
}

torch::Tensor distillation_loss_grad(const torch::Tensor& student, const torch::Tensor& teacher, int64_t lo, int64_t hi,
                                     torch::Tensor& dlogits) {
  const double batch = static_cast<double>(student.size(1));
  const auto logq = at::log_softmax(student.narrow(2, lo, hi - lo), 2);  // student
  const auto logp = at::log_softmax(teacher.narrow(2, lo, hi - lo), 2);  // teacher (target)
  const auto p = logp.exp();
  const auto loss = (p * (logp - logq)).sum({1, 2}).div_(batch);
  // d KL(p || softmax(s)) / d s = (softmax(s) - p) / B.
  auto d = dlogits.narrow(2, lo, hi - lo);
  d.copy_(logq.exp());
  d.sub_(p).div_(batch);
  zero_outside(dlogits, lo, hi);
  return loss;
}

}  // namespace sl::mnist
