// The LM head and the training losses in device-generic torch ops: what LmHeadLoss runs on CUDA
// and on the CPU with SL_CPU_KERNELS=torch. Same definitions as the fused kernel
// (kernels/training_kernels.hpp): "sft" is cross-entropy, "kl_topk" KL(teacher || student) over
// the allowed ids with the teacher's entries renormalised there; a kl_topk row whose teacher has
// no allowed entry has no loss and no gradient.
//
// A chunk of rows at a time: logits [chunk, vocab] = h W^T in the compute dtype (bfloat16
// products accumulate in float32 inside the GEMM), then in float32 the softmax statistics, the
// loss and d loss / d logits; dh = G W and, when the head trains, dW += G^T h. The [rows, vocab]
// logits of a whole batch never exist at once. Loss sums are accumulated in float64.
#pragma once

#include <torch/torch.h>

#include "sl/local/runtime/train/lm_head_loss.hpp"

namespace sl::local {

// h: [rows, hidden] (no grad), head: [vocab, hidden], on one device. `allowed`: bool [vocab] on
// the device, or undefined for every id. Writes dh ([rows, hidden], h's dtype) and adds to
// head_grad when it is defined; see LmHeadLoss::run.
LossSums lm_head_loss_torch(const torch::Tensor& h, const torch::Tensor& head, const LossTargets& targets,
                            const torch::Tensor& allowed, double scale, torch::Tensor& dh,
                            const torch::Tensor& head_grad);

}  // namespace sl::local
