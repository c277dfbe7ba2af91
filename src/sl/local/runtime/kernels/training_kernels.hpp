// Fused float32 CPU loops of the trainer: the loss and its gradient over rows of logits (one
// pass per row instead of log_softmax, gather, exp, sub, mul and the temporaries between them),
// AdamW's update and the squared norm of gradients. Torch-free; pointers are to contiguous
// row-major data.
#pragma once

#include <cstdint>

namespace sl::local::train_kernels {

// Cross-entropy: for each row r, loss_r = logsumexp(logits[r]) - logits[r][target[r]]. The row
// is overwritten with scale * d loss_r / d logits = scale * (softmax(logits[r]) - onehot).
// Returns the sum of loss_r.
double softmax_cross_entropy(float* logits, std::int64_t rows, std::int64_t vocab, const std::int64_t* targets,
                             float scale);

// KL(teacher || student) per row over an allowed token set: the teacher's entries
// ids[offsets[r] .. offsets[r + 1]) with log-probabilities `logprobs`, restricted to allowed
// ids and renormalised (p); the student q = softmax over the allowed ids of logits[r].
// loss_r = sum_i p_i (log p_i - log q_i); the row becomes scale * (q - p) on allowed ids, 0
// elsewhere. `allowed` is a 0/1 mask of `vocab` floats, or null for every id. A row whose
// teacher has no allowed entry gets a zero gradient and adds 1 to *empty_rows.
double topk_kl(float* logits, std::int64_t rows, std::int64_t vocab, const float* allowed, const std::int64_t* offsets,
               const std::int32_t* ids, const float* logprobs, float scale, std::int64_t* empty_rows);

// torch.optim.AdamW's update of one parameter tensor of n values, with the gradient multiplied
// by grad_scale first (clipping): p *= 1 - lr * weight_decay; m = b1 m + (1 - b1) g;
// v = b2 v + (1 - b2) g^2; p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps), where bc1, bc2 are
// the bias corrections 1 - b^step.
struct AdamWStep {
  float lr, beta1, beta2, eps, weight_decay, grad_scale, bias_correction1, bias_correction2;
};
void adamw_update(float* param, const float* grad, float* m, float* v, std::int64_t n, const AdamWStep& s);

// sum of g[i]^2, accumulated in double.
double sum_of_squares(const float* g, std::int64_t n);

}  // namespace sl::local::train_kernels
