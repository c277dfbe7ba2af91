#include "sl/local/runtime/train/trainable_weights.hpp"

#include <cmath>
#include <set>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/local/runtime/model/lora_adapter.hpp"

namespace sl::local {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// PEFT's rule for target_modules given as names: a module matches when its full name equals the
// target or ends with "." + target.
bool matches_target(const std::string& module, const std::string& target) {
  return module == target || ends_with(module, "." + target);
}

// Every weight tensor of the model with its checkpoint name, as slots that can be replaced
// (a tied lm_head is not listed: it is the embedding).
std::vector<std::pair<std::string, torch::Tensor*>> weight_slots(DecoderWeights& w, bool tied) {
  std::vector<std::pair<std::string, torch::Tensor*>> out;
  out.emplace_back("model.embed_tokens.weight", &w.embed_tokens);
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    auto& l = w.layers[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    out.emplace_back(p + "input_layernorm.weight", &l.input_layernorm);
    auto add = [&](const std::string& name, Projection& proj) {
      out.emplace_back(name + ".weight", &proj.weight);
      if (proj.bias.defined()) out.emplace_back(name + ".bias", &proj.bias);
    };
    add(p + "self_attn.q_proj", l.self_attn.q_proj);
    add(p + "self_attn.k_proj", l.self_attn.k_proj);
    add(p + "self_attn.v_proj", l.self_attn.v_proj);
    add(p + "self_attn.o_proj", l.self_attn.o_proj);
    out.emplace_back(p + "post_attention_layernorm.weight", &l.post_attention_layernorm);
    add(p + "mlp.gate_proj", l.mlp.gate_proj);
    add(p + "mlp.up_proj", l.mlp.up_proj);
    add(p + "mlp.down_proj", l.mlp.down_proj);
  }
  out.emplace_back("model.norm.weight", &w.norm);
  if (!tied) out.emplace_back("lm_head.weight", &w.lm_head);
  return out;
}

}  // namespace

std::vector<TrainableTensor> attach_trainable_lora(CausalLM& model, const LoraSettings& s, std::uint64_t seed) {
  if (s.r < 1) throw UsageError("LoRA r must be at least 1");
  if (!(s.lora_alpha > 0)) throw UsageError("LoRA alpha must be positive");
  if (!(s.lora_dropout >= 0 && s.lora_dropout < 1)) throw UsageError("LoRA dropout must be in [0, 1)");
  if (s.target_modules.empty()) throw UsageError("LoRA target_modules is empty");
  if (s.bias != "none") throw UsageError("LoRA bias \"" + s.bias + "\" is not supported (only \"none\")");
  const auto projections = model.projections();
  for (const auto& target : s.target_modules) {
    bool found = false;
    for (const auto& [name, p] : projections) found = found || matches_target(name, target);
    if (!found)
      throw UsageError("LoRA target module \"" + target + "\" is not a projection of this " +
                       model.config().architecture +
                       " (it has q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
  }
  const double scale = s.scale();
  auto gen = at::detail::createCPUGenerator(seed);
  // Adapters train in float32 on every device (over bfloat16 base weights on CUDA).
  const auto options = torch::TensorOptions().device(model.device().device).dtype(torch::kFloat32);
  std::vector<TrainableTensor> out;
  for (const auto& [name, proj] : projections) {
    bool selected = false;
    for (const auto& target : s.target_modules) selected = selected || matches_target(name, target);
    if (!selected) continue;
    const double bound = 1.0 / std::sqrt(static_cast<double>(proj->in_features()));
    LoraDelta d;
    d.a = torch::empty({s.r, proj->in_features()}, torch::kFloat32).uniform_(-bound, bound, gen).to(options);
    d.b = torch::zeros({proj->out_features(), s.r}, options);
    d.a.requires_grad_(true);
    d.b.requires_grad_(true);
    d.scale = scale;
    d.dropout = s.lora_dropout;
    if (proj->adapters.empty()) proj->adapters.resize(1);
    proj->adapters[0] = d;
    out.push_back({name + ".lora_A", d.a, true});
    out.push_back({name + ".lora_B", d.b, true});
  }
  return out;
}

std::vector<TrainableTensor> make_all_weights_trainable(CausalLM& model) {
  auto& w = model.weights();
  const bool tied = model.config().tie_word_embeddings;
  std::vector<TrainableTensor> out;
  for (auto& [name, slot] : weight_slots(w, tied)) {
    // Weights may be views of a memory-mapped file: train an owned copy, in float32 (the trainer
    // loads full-training models in float32 on every device).
    *slot = slot->detach().to(torch::kFloat32).clone().contiguous().requires_grad_(true);
    const bool no_decay = ends_with(name, ".bias") || ends_with(name, "norm.weight");
    out.push_back({name, *slot, !no_decay});
  }
  if (tied) w.lm_head = w.embed_tokens;
  return out;
}

void save_peft_adapter(const fs::path& dir, const CausalLM& model, const LoraSettings& s,
                       const std::string& base_model_name) {
  LoraAdapterConfig config{s, base_model_name};
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& [name, proj] : const_cast<CausalLM&>(model).projections()) {
    if (proj->adapters.empty() || !proj->adapters[0].defined()) continue;
    tensors.emplace_back(peft_tensor_name(name, 'A'), proj->adapters[0].a.detach());
    tensors.emplace_back(peft_tensor_name(name, 'B'), proj->adapters[0].b.detach());
  }
  if (tensors.empty()) throw Error("save_peft_adapter: the model has no adapter 1");
  fs::create_directories(dir);
  files::write_atomic(dir / "adapter_config.json", config.to_json().dump(2) + "\n");
  save_safetensors(dir / "adapter_model.safetensors", tensors);
}

std::vector<std::pair<std::string, torch::Tensor>> merged_weights(const CausalLM& model) {
  torch::NoGradGuard no_grad;
  std::map<std::string, const LoraDelta*> deltas;
  for (const auto& [name, proj] : const_cast<CausalLM&>(model).projections())
    if (!proj->adapters.empty() && proj->adapters[0].defined()) deltas[name + ".weight"] = &proj->adapters[0];
  auto weights = model.named_weights();
  for (auto& [name, t] : weights) {
    auto it = deltas.find(name);
    if (it == deltas.end()) continue;
    const LoraDelta& d = *it->second;
    t = t.detach().to(torch::kFloat32) +
        d.scale * torch::mm(d.b.detach().to(torch::kFloat32), d.a.detach().to(torch::kFloat32));
  }
  return weights;
}

void copy_tokenizer_files(const fs::path& from, const fs::path& to) {
  static const char* const kFiles[] = {"tokenizer.json",      "tokenizer_config.json",  "special_tokens_map.json",
                                       "chat_template.jinja", "generation_config.json", "vocab.json",
                                       "merges.txt"};
  std::error_code ec;
  for (const char* name : kFiles) {
    if (fs::exists(from / name, ec)) files::write_atomic(to / name, files::read_text(from / name));
  }
}

void save_model_folder(const fs::path& dir, const std::string& config_json,
                       const std::vector<std::pair<std::string, torch::Tensor>>& weights, const fs::path& copy_from) {
  Json config = json::parse(config_json, "config.json");
  config["torch_dtype"] = "float32";
  fs::create_directories(dir);
  save_safetensors(dir / "model.safetensors", weights, torch::kFloat32);
  files::write_atomic(dir / "config.json", config.dump(2) + "\n");
  if (!copy_from.empty() && fs::absolute(copy_from) != fs::absolute(dir)) copy_tokenizer_files(copy_from, dir);
}

}  // namespace sl::local
