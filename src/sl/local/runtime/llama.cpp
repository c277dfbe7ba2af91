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
// The blocks are Qwen2's (blocks.hpp); what differs is the biases and the RoPE frequencies.
#include "llama.hpp"

namespace sl::local {

namespace {

DecoderBiases llama_biases(const ModelConfig& config) {
  return {.qkv = config.attention_bias, .o = config.attention_bias, .mlp = config.mlp_bias};
}

torch::Tensor llama_frequencies(const ModelConfig& config) {
  auto inv_freq = rope_inverse_frequencies(config.head_dim, config.rope_theta);
  return config.rope_scaling ? llama3_scaled_frequencies(inv_freq, *config.rope_scaling) : inv_freq;
}

class LlamaForCausalLM final : public CausalLM {
 public:
  LlamaForCausalLM(const ModelConfig& config, const ComputeDevice& device, DecoderWeights weights)
      : CausalLM(config, device, llama_biases(config), std::move(weights)),
        inv_freq_(llama_frequencies(config).to(device.device)) {}

  torch::Tensor forward(const torch::Tensor& ids, const ForwardBatch& batch) const override {
    const double eps = config_.rms_norm_eps;
    auto h = torch::embedding(w_.embed_tokens, ids);                               // [N, hidden]
    const RotaryTables rope = rotary_tables(inv_freq_, batch.positions(), device_.dtype);  // [N, d/2]
    for (std::size_t i = 0; i < w_.layers.size(); ++i) {
      const DecoderLayerWeights& layer = w_.layers[i];
      h = h + self_attention(rms_norm(h, layer.input_layernorm, eps), layer.self_attn, rope, config_,
                             static_cast<std::int64_t>(i), batch);
      h = h + swiglu_mlp(rms_norm(h, layer.post_attention_layernorm, eps), layer.mlp, batch);
    }
    return rms_norm(h, w_.norm, eps);  // [N, hidden]
  }

 private:
  torch::Tensor inv_freq_;  // [d/2] float32
};

}  // namespace

Architecture llama_architecture() {
  return {"LlamaForCausalLM", llama_biases,
          [](const ModelConfig& config, const ComputeDevice& device, DecoderWeights weights) -> std::unique_ptr<CausalLM> {
            return std::make_unique<LlamaForCausalLM>(config, device, std::move(weights));
          }};
}

}  // namespace sl::local
