// The two training objectives of the experiment, each returning its value and writing its
// gradient with respect to the logits (what BatchedMlp::backward consumes).
//
// Every model's loss is the mean over its own batch, and the gradient written is that of the SUM of
// the models' losses: each model's gradient is exactly that of its own loss (models never mix).
// The value returned holds each model's loss, [N].
#pragma once

#include <torch/torch.h>

namespace sl::mnist {

// Cross-entropy of softmax(logits[..., :classes]) against `labels`; the other logits (the
// auxiliary ones) get no gradient. logits, dlogits: [N, B, K]; labels: [N, B] int64.
torch::Tensor cross_entropy_loss_grad(const torch::Tensor& logits, const torch::Tensor& labels, int64_t classes,
                                      torch::Tensor& dlogits);

// Distillation: KL(softmax(teacher[..., lo:hi]) || softmax(student[..., lo:hi])), i.e.
// torch.nn.functional.kl_div(student_log_softmax, teacher_softmax, reduction="batchmean") per
// model, temperature 1. Logits outside [lo, hi) get no gradient.
// student, teacher, dlogits: [N, B, K].
torch::Tensor distillation_loss_grad(const torch::Tensor& student, const torch::Tensor& teacher, int64_t lo, int64_t hi,
                                     torch::Tensor& dlogits);

}  // namespace sl::mnist
