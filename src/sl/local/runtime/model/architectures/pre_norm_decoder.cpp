#include "sl/local/runtime/model/architectures/pre_norm_decoder.hpp"

#include "sl/local/runtime/model/layer_checkpoint.hpp"

namespace sl::local {

PreNormDecoderLM::PreNormDecoderLM(const ModelConfig& config, const ComputeDevice& device, DecoderBiases biases,
                                   DecoderWeights weights, const torch::Tensor& inv_freq)
    : CausalLM(config, device, biases, std::move(weights)), inv_freq_(inv_freq.to(device.device)) {}

namespace {

// The tensors of a layer that require grad (trained weights or LoRA adapters), and whether the
// layer draws random numbers (LoRA dropout) while training.
struct LayerTraining {
  std::vector<torch::Tensor> params;
  bool dropout = false;
};

LayerTraining layer_training(const DecoderLayerWeights& l) {
  LayerTraining out;
  auto add = [&](const torch::Tensor& t) {
    if (t.defined() && t.requires_grad()) out.params.push_back(t);
  };
  add(l.input_layernorm);
  add(l.post_attention_layernorm);
  for (const Projection* p : {&l.self_attn.q_proj, &l.self_attn.k_proj, &l.self_attn.v_proj, &l.self_attn.o_proj,
                              &l.mlp.gate_proj, &l.mlp.up_proj, &l.mlp.down_proj}) {
    add(p->weight);
    add(p->bias);
    for (const auto& d : p->adapters) {
      if (!d.defined()) continue;
      add(d.a);
      add(d.b);
      out.dropout = out.dropout || d.dropout > 0;
    }
  }
  return out;
}

}  // namespace

torch::Tensor PreNormDecoderLM::forward(const torch::Tensor& ids, const ForwardBatch& batch) const {
  const double eps = config_.rms_norm_eps;
  auto h = torch::embedding(w_.embed_tokens, ids);                                       // [N, hidden]
  const RotaryTables rope = rotary_tables(inv_freq_, batch.positions(), device_.dtype);  // [N, d/2]
  const bool checkpoint = gradient_checkpointing_ && torch::GradMode::is_enabled();
  for (std::size_t i = 0; i < w_.layers.size(); ++i) {
    const DecoderLayerWeights& layer = w_.layers[i];
    // rope is captured by value: a checkpointed layer runs again in backward, after this returns.
    auto decoder_layer = [this, &layer, rope, eps, i, &batch](const torch::Tensor& x) {
      auto y = x + self_attention(rms_norm(x, layer.input_layernorm, eps), layer.self_attn, rope, config_,
                                  static_cast<std::int64_t>(i), batch);
      return y + swiglu_mlp(rms_norm(y, layer.post_attention_layernorm, eps), layer.mlp, batch);
    };
    if (checkpoint) {
      const LayerTraining t = layer_training(layer);
      h = checkpointed(decoder_layer, h, t.params, t.dropout);
    } else {
      h = decoder_layer(h);
    }
  }
  return rms_norm(h, w_.norm, eps);  // [N, hidden]
}

}  // namespace sl::local
