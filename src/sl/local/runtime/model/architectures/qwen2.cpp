// Qwen2ForCausalLM, following transformers' modeling_qwen2.py.
//
//   h = embed_tokens(ids)                                   [N, hidden]
//   for each of num_hidden_layers Qwen2DecoderLayer:
//     h = h + self_attn(input_layernorm(h))                 grouped-query attention:
//                                                           q [N, heads, d], k/v [N, kv_heads, d]
//                                                           with biases on q/k/v (not o), RoPE(theta)
//     h = h + mlp(post_attention_layernorm(h))              down(silu(gate(h)) * up(h)), [N, intermediate]
//   h = norm(h)                                             [N, hidden]
//   logits = lm_head(h)                                     [N, vocab] (embed_tokens when tied)
//
// Rows are packed tokens of several sequences (attention.hpp); d = head_dim = hidden / heads.
#include "sl/local/runtime/model/architectures/qwen2.hpp"

#include "sl/core/error.hpp"
#include "sl/local/runtime/model/architectures/pre_norm_decoder.hpp"

namespace sl::local {

namespace {

// Qwen2 has biases on q, k and v only.
DecoderBiases qwen2_biases(const ModelConfig&) { return {.qkv = true, .o = false, .mlp = false}; }

}  // namespace

Architecture qwen2_architecture() {
  return {
      "Qwen2ForCausalLM", qwen2_biases,
      [](const ModelConfig& config, const ComputeDevice& device, DecoderWeights weights) -> std::unique_ptr<CausalLM> {
        if (config.rope_scaling) throw UsageError("config.json: rope_scaling is not supported for Qwen2ForCausalLM");
        return std::make_unique<PreNormDecoderLM>(config, device, qwen2_biases(config), std::move(weights),
                                                  rope_inverse_frequencies(config.head_dim, config.rope_theta));
      }};
}

}  // namespace sl::local
