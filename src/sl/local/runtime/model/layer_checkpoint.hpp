// Gradient checkpointing (transformers' gradient_checkpointing): a layer whose activations are
// not kept for backward but computed again when backward reaches it, trading one more forward
// per layer for the memory of all but one layer's activations. libtorch's C++ API has no
// torch.utils.checkpoint, so this is a custom autograd function.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace sl::local {

// fn(x) as one autograd node that keeps only x. `params`: the tensors fn reads that require
// grad (their gradients flow back through this node). Forward runs fn on a detached x with
// autograd recording, so the blocks take exactly their training branches (kernels, LoRA
// dropout), and drops the graph at once; backward runs fn again with autograd and takes the
// gradient through it. The random state of x's device is restored for the recomputation when
// `same_randomness` (dropout draws the same masks) and put back afterwards.
// Whatever fn captures by reference must outlive the backward pass.
torch::Tensor checkpointed(std::function<torch::Tensor(const torch::Tensor&)> fn, const torch::Tensor& x,
                           const std::vector<torch::Tensor>& params, bool same_randomness);

}  // namespace sl::local
