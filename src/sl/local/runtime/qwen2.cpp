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
#include "qwen2.hpp"

#include "sl/core/error.hpp"

namespace sl::local {

namespace {

class Qwen2ForCausalLM final : public CausalLM {
 public:
  Qwen2ForCausalLM(const ModelConfig& config, const ComputeDevice& device, DecoderWeights weights)
      : CausalLM(config, device, {.qkv = true, .o = false, .mlp = false}, std::move(weights)),
        inv_freq_(rope_inverse_frequencies(config.head_dim, config.rope_theta).to(device.device)) {}

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

Architecture qwen2_architecture() {
  return {"Qwen2ForCausalLM",
          [](const ModelConfig&) { return DecoderBiases{.qkv = true, .o = false, .mlp = false}; },
          [](const ModelConfig& config, const ComputeDevice& device, DecoderWeights weights) -> std::unique_ptr<CausalLM> {
            if (config.rope_scaling)
              throw UsageError("config.json: rope_scaling is not supported for Qwen2ForCausalLM");
            return std::make_unique<Qwen2ForCausalLM>(config, device, std::move(weights));
          }};
}

}  // namespace sl::local
