// The decoder Qwen2 and Llama share (transformers' modeling_qwen2.py / modeling_llama.py):
//
//   h = embed_tokens(ids)                                   [N, hidden]
//   for each layer: h = h + self_attn(input_layernorm(h))   grouped-query attention with RoPE
//                   h = h + mlp(post_attention_layernorm(h)) down(silu(gate(h)) * up(h))
//   h = norm(h)                                             [N, hidden]
//
// With gradient checkpointing (CausalLM::set_gradient_checkpointing) each layer runs as one
// checkpointed function of h while autograd records.
//
// The architectures differ only in which projections have biases and in the RoPE frequencies,
// which their factories (qwen2.cpp, llama.cpp) pass in.
#pragma once

#include "sl/local/runtime/model/causal_lm.hpp"

namespace sl::local {

class PreNormDecoderLM final : public CausalLM {
 public:
  // inv_freq: [head_dim / 2] RoPE inverse frequencies (float32; moved to the device here).
  PreNormDecoderLM(const ModelConfig& config, const ComputeDevice& device, DecoderBiases biases, DecoderWeights weights,
                   const torch::Tensor& inv_freq);

  torch::Tensor forward(const torch::Tensor& ids, const ForwardBatch& batch) const override;

 private:
  torch::Tensor inv_freq_;  // [d/2] float32
};

}  // namespace sl::local
