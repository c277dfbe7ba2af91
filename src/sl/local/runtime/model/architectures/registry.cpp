#include "sl/local/runtime/model/architectures/registry.hpp"

#include "sl/core/error.hpp"
#include "sl/local/runtime/model/architectures/llama.hpp"
#include "sl/local/runtime/model/architectures/qwen2.hpp"

namespace sl::local {

namespace {

// Tensors some checkpoints carry that carry no information for us.
bool ignorable_extra(const std::string& name, const ModelConfig& config) {
  if (name.find("rotary_emb.inv_freq") != std::string::npos) return true;  // older Llama exports
  return config.tie_word_embeddings && name == "lm_head.weight";           // tied: lm_head is embed_tokens
}

}  // namespace

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  names.push_back(qwen2_architecture().name);
  names.push_back(llama_architecture().name);
  return names;
}

const Architecture& find_architecture(const std::string& name) {
  static const Architecture qwen2 = qwen2_architecture();
  static const Architecture llama = llama_architecture();
  for (const Architecture* a : {&qwen2, &llama})
    if (a->name == name) return *a;
  std::string known;
  for (const auto& n : architecture_names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("architecture \"" + name + "\" is not supported (supported: " + known + ")");
}

std::vector<WeightSpec> checkpoint_layout(const ModelConfig& c) {
  const DecoderBiases b = find_architecture(c.architecture).biases(c);
  const std::int64_t h = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), inter = c.intermediate_size;
  std::vector<WeightSpec> out;
  out.push_back({"model.embed_tokens.weight", {c.vocab_size, h}});
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(static_cast<std::size_t>(i));
    out.push_back({p + "input_layernorm.weight", {h}});
    out.push_back({p + "self_attn.q_proj.weight", {q, h}});
    if (b.qkv) out.push_back({p + "self_attn.q_proj.bias", {q}});
    out.push_back({p + "self_attn.k_proj.weight", {kv, h}});
    if (b.qkv) out.push_back({p + "self_attn.k_proj.bias", {kv}});
    out.push_back({p + "self_attn.v_proj.weight", {kv, h}});
    if (b.qkv) out.push_back({p + "self_attn.v_proj.bias", {kv}});
    out.push_back({p + "self_attn.o_proj.weight", {h, q}});
    if (b.o) out.push_back({p + "self_attn.o_proj.bias", {h}});
    out.push_back({p + "post_attention_layernorm.weight", {h}});
    out.push_back({p + "mlp.gate_proj.weight", {inter, h}});
    if (b.mlp) out.push_back({p + "mlp.gate_proj.bias", {inter}});
    out.push_back({p + "mlp.up_proj.weight", {inter, h}});
    if (b.mlp) out.push_back({p + "mlp.up_proj.bias", {inter}});
    out.push_back({p + "mlp.down_proj.weight", {h, inter}});
    if (b.mlp) out.push_back({p + "mlp.down_proj.bias", {h}});
  }
  out.push_back({"model.norm.weight", {h}});
  if (!c.tie_word_embeddings) out.push_back({"lm_head.weight", {c.vocab_size, h}});
  return out;
}

std::unique_ptr<CausalLM> build_causal_lm(const ModelConfig& c, WeightSource& source, const ComputeDevice& device,
                                          const std::string& origin) {
  const Architecture& arch = find_architecture(c.architecture);
  const DecoderBiases b = arch.biases(c);
  const std::int64_t h = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), inter = c.intermediate_size;
  auto projection = [&](const std::string& name, std::int64_t out, std::int64_t in, bool bias) {
    Projection p;
    p.weight = source.take(name + ".weight", {out, in});
    if (bias) p.bias = source.take(name + ".bias", {out});
    return p;
  };
  DecoderWeights w;
  w.embed_tokens = source.take("model.embed_tokens.weight", {c.vocab_size, h});
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(static_cast<std::size_t>(i));
    DecoderLayerWeights l;
    l.input_layernorm = source.take(p + "input_layernorm.weight", {h});
    l.self_attn.q_proj = projection(p + "self_attn.q_proj", q, h, b.qkv);
    l.self_attn.k_proj = projection(p + "self_attn.k_proj", kv, h, b.qkv);
    l.self_attn.v_proj = projection(p + "self_attn.v_proj", kv, h, b.qkv);
    l.self_attn.o_proj = projection(p + "self_attn.o_proj", h, q, b.o);
    l.post_attention_layernorm = source.take(p + "post_attention_layernorm.weight", {h});
    l.mlp.gate_proj = projection(p + "mlp.gate_proj", inter, h, b.mlp);
    l.mlp.up_proj = projection(p + "mlp.up_proj", inter, h, b.mlp);
    l.mlp.down_proj = projection(p + "mlp.down_proj", h, inter, b.mlp);
    w.layers.push_back(std::move(l));
  }
  w.norm = source.take("model.norm.weight", {h});
  if (c.tie_word_embeddings) {
    w.lm_head = w.embed_tokens;
  } else {
    if (!source.contains("lm_head.weight"))
      throw UsageError(origin + ": weight \"lm_head.weight\" is missing and config.json has tie_word_embeddings false");
    w.lm_head = source.take("lm_head.weight", {c.vocab_size, h});
  }
  source.check_all_taken([&](const std::string& name) { return ignorable_extra(name, c); });
  return arch.build(c, device, std::move(w));
}

std::unique_ptr<CausalLM> load_causal_lm(const std::filesystem::path& dir, const ComputeDevice& device) {
  const auto config_path = dir / "config.json";
  std::error_code ec;
  if (!std::filesystem::exists(config_path, ec)) throw UsageError(dir.string() + ": config.json is missing");
  ModelConfig config = ModelConfig::from_file(config_path);
  find_architecture(config.architecture);  // an unknown architecture fails before any weight is read
  CheckpointWeights weights(dir, device);
  return build_causal_lm(config, weights, device, dir.string());
}

std::map<std::string, torch::Tensor> random_weights(const ModelConfig& config, std::uint64_t seed, double std) {
  auto gen = at::detail::createCPUGenerator(seed);
  std::map<std::string, torch::Tensor> out;
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const auto& spec : checkpoint_layout(config)) {
    torch::Tensor t;
    if (ends_with(spec.name, "norm.weight")) t = torch::ones(spec.shape);
    else if (ends_with(spec.name, ".bias")) t = torch::zeros(spec.shape);
    else t = at::normal(0.0, std, spec.shape, gen);
    out.emplace(spec.name, t);
  }
  return out;
}

}  // namespace sl::local
