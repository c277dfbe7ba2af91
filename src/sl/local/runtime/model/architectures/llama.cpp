// LlamaForCausalLM, following transformers' modeling_llama.py (Llama 2, 3 and 3.1).
//
//   h = embed_tokens(ids)                                   [N, hidden]
//   for each of num_hidden_layers LlamaDecoderLayer:
//     h = h + self_attn(input_layernorm(h))                 grouped-query attention:
//                                                           q [N, heads, d], k/v [N, kv_heads, d],
//                                                           biases only with attention_bias, RoPE(theta)
//                                                           with Llama 3.1's "llama3" frequency scaling
//     h = h + mlp(post_attention_layernorm(h))              down(silu(gate(h)) * up(h)) (+ biases with mlp_bias)
//   h = norm(h)                                             [N, hidden]
//   logits = lm_head(h)                                     [N, vocab] (embed_tokens when tied)
//
// The decoder is Qwen2's (pre_norm_decoder.hpp); what differs is the biases and the RoPE frequencies.
#include "sl/local/runtime/model/architectures/llama.hpp"

#include "sl/local/runtime/model/architectures/pre_norm_decoder.hpp"

namespace sl::local {

namespace {

DecoderBiases llama_biases(const ModelConfig& config) {
  return {.qkv = config.attention_bias, .o = config.attention_bias, .mlp = config.mlp_bias};
}

torch::Tensor llama_frequencies(const ModelConfig& config) {
  auto inv_freq = rope_inverse_frequencies(config.head_dim, config.rope_theta);
  return config.rope_scaling ? llama3_scaled_frequencies(inv_freq, *config.rope_scaling) : inv_freq;
}

}  // namespace

Architecture llama_architecture() {
  return {
      "LlamaForCausalLM", llama_biases,
      [](const ModelConfig& config, const ComputeDevice& device, DecoderWeights weights) -> std::unique_ptr<CausalLM> {
        return std::make_unique<PreNormDecoderLM>(config, device, llama_biases(config), std::move(weights),
                                                  llama_frequencies(config));
      }};
}

}  // namespace sl::local
