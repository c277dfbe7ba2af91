#include "sl/local/runtime/model/architectures/pre_norm_decoder.hpp"

namespace sl::local {

PreNormDecoderLM::PreNormDecoderLM(const ModelConfig& config, const ComputeDevice& device, DecoderBiases biases,
                                   DecoderWeights weights, const torch::Tensor& inv_freq)
    : CausalLM(config, device, biases, std::move(weights)), inv_freq_(inv_freq.to(device.device)) {}

torch::Tensor PreNormDecoderLM::forward(const torch::Tensor& ids, const ForwardBatch& batch) const {
  const double eps = config_.rms_norm_eps;
  auto h = torch::embedding(w_.embed_tokens, ids);                                       // [N, hidden]
  const RotaryTables rope = rotary_tables(inv_freq_, batch.positions(), device_.dtype);  // [N, d/2]
  for (std::size_t i = 0; i < w_.layers.size(); ++i) {
    const DecoderLayerWeights& layer = w_.layers[i];
    h = h + self_attention(rms_norm(h, layer.input_layernorm, eps), layer.self_attn, rope, config_,
                           static_cast<std::int64_t>(i), batch);
    h = h + swiglu_mlp(rms_norm(h, layer.post_attention_layernorm, eps), layer.mlp, batch);
  }
  return rms_norm(h, w_.norm, eps);  // [N, hidden]
}

}  // namespace sl::local
