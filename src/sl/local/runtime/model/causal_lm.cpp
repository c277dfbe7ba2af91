#include "sl/local/runtime/model/causal_lm.hpp"

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"

namespace sl::local {

namespace {

// Applies `fn(name, projection)` to every projection, in checkpoint order.
template <class Weights, class Fn>
void for_each_projection(Weights& w, Fn&& fn) {
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    auto& l = w.layers[i];
    const std::string p = layer_prefix(i);
    fn(p + "self_attn.q_proj", l.self_attn.q_proj);
    fn(p + "self_attn.k_proj", l.self_attn.k_proj);
    fn(p + "self_attn.v_proj", l.self_attn.v_proj);
    fn(p + "self_attn.o_proj", l.self_attn.o_proj);
    fn(p + "mlp.gate_proj", l.mlp.gate_proj);
    fn(p + "mlp.up_proj", l.mlp.up_proj);
    fn(p + "mlp.down_proj", l.mlp.down_proj);
  }
}

}  // namespace

std::string layer_prefix(std::size_t i) { return "model.layers." + std::to_string(i) + "."; }

CausalLM::CausalLM(ModelConfig config, ComputeDevice device, DecoderBiases biases, DecoderWeights weights)
    : config_(std::move(config)), device_(device), biases_(biases), w_(std::move(weights)) {}

torch::Tensor CausalLM::logits(const torch::Tensor& hidden) const {
  if (use_cpu_kernels(hidden) && hidden.size(0) == 1)  // one row: matrix-vector (see Projection)
    return torch::mv(w_.lm_head, hidden.view({hidden.size(1)})).view({1, w_.lm_head.size(0)});
  return torch::linear(hidden, w_.lm_head).to(torch::kFloat32);
}

std::vector<std::pair<std::string, torch::Tensor>> CausalLM::named_weights() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.emplace_back("model.embed_tokens.weight", w_.embed_tokens);
  for (std::size_t i = 0; i < w_.layers.size(); ++i) {
    const auto& l = w_.layers[i];
    const std::string p = layer_prefix(i);
    out.emplace_back(p + "input_layernorm.weight", l.input_layernorm);
    auto add = [&](const std::string& name, const Projection& proj) {
      out.emplace_back(name + ".weight", proj.weight);
      if (proj.bias.defined()) out.emplace_back(name + ".bias", proj.bias);
    };
    add(p + "self_attn.q_proj", l.self_attn.q_proj);
    add(p + "self_attn.k_proj", l.self_attn.k_proj);
    add(p + "self_attn.v_proj", l.self_attn.v_proj);
    add(p + "self_attn.o_proj", l.self_attn.o_proj);
    out.emplace_back(p + "post_attention_layernorm.weight", l.post_attention_layernorm);
    add(p + "mlp.gate_proj", l.mlp.gate_proj);
    add(p + "mlp.up_proj", l.mlp.up_proj);
    add(p + "mlp.down_proj", l.mlp.down_proj);
  }
  out.emplace_back("model.norm.weight", w_.norm);
  if (!config_.tie_word_embeddings) out.emplace_back("lm_head.weight", w_.lm_head);
  return out;
}

std::vector<std::pair<std::string, Projection*>> CausalLM::projections() {
  std::vector<std::pair<std::string, Projection*>> out;
  for_each_projection(w_, [&](const std::string& name, Projection& p) { out.emplace_back(name, &p); });
  return out;
}

std::int64_t CausalLM::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& [name, t] : named_weights()) n += t.numel();
  return n;
}

void save_checkpoint(const std::filesystem::path& dir, const ModelConfig& config,
                     const std::vector<std::pair<std::string, torch::Tensor>>& weights, torch::ScalarType dtype) {
  std::filesystem::create_directories(dir);
  ModelConfig c = config;
  c.torch_dtype = dtype == torch::kBFloat16 ? "bfloat16" : dtype == torch::kFloat16 ? "float16" : "float32";
  files::write_atomic(dir / "config.json", c.to_json().dump(2) + "\n");
  save_safetensors(dir / "model.safetensors", weights, dtype);
}

}  // namespace sl::local
