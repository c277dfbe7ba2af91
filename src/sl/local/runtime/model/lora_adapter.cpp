#include "sl/local/runtime/model/lora_adapter.hpp"

#include <cmath>
#include <map>
#include <set>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::local {

namespace fs = std::filesystem;

LoraAdapterConfig LoraAdapterConfig::from_file(const fs::path& path) {
  const Json j = json::parse(files::read_text(path), path.string());
  const std::string origin = path.string();
  if (!j.is_object()) json::Reader(j, origin).fail_expected("a JSON object");
  auto at = [&](const char* key) { return json::Reader(j.at(key), origin + ": " + key); };
  auto has = [&](const char* key) { return j.contains(key) && !j.at(key).is_null(); };
  auto unsupported = [&](const char* key, const std::string& why) {
    throw UsageError(origin + ": " + key + ": " + why + " is not supported by this runtime");
  };

  LoraAdapterConfig c;
  LoraSettings& l = c.lora;
  l.target_modules.clear();
  if (has("peft_type") && json::decode<std::string>(at("peft_type")) != "LORA")
    unsupported("peft_type", "\"" + j.at("peft_type").get<std::string>() + "\"");
  if (!has("r")) throw UsageError(origin + ": r: missing required field");
  l.r = json::decode<std::int64_t>(at("r"));
  if (l.r <= 0) at("r").fail_expected("a positive integer");
  l.lora_alpha = has("lora_alpha") ? json::decode<double>(at("lora_alpha")) : static_cast<double>(l.r);
  if (has("target_modules")) {
    if (j.at("target_modules").is_string()) l.target_modules = {j.at("target_modules").get<std::string>()};
    else l.target_modules = json::decode<std::vector<std::string>>(at("target_modules"));
  }
  if (has("use_rslora")) l.use_rslora = json::decode<bool>(at("use_rslora"));
  if (has("bias")) l.bias = json::decode<std::string>(at("bias"));
  if (l.bias != "none") unsupported("bias", "\"" + l.bias + "\"");
  if (has("lora_dropout")) l.lora_dropout = json::decode<double>(at("lora_dropout"));
  if (has("base_model_name_or_path"))
    c.base_model_name_or_path = json::decode<std::string>(at("base_model_name_or_path"));
  if (has("use_dora") && json::decode<bool>(at("use_dora"))) unsupported("use_dora", "DoRA");
  if (has("fan_in_fan_out") && json::decode<bool>(at("fan_in_fan_out"))) unsupported("fan_in_fan_out", "true");
  for (const char* key : {"rank_pattern", "alpha_pattern"})
    if (has(key) && !(j.at(key).is_object() && j.at(key).empty())) unsupported(key, "a per-module pattern");
  if (has("modules_to_save") && !(j.at("modules_to_save").is_array() && j.at("modules_to_save").empty()))
    unsupported("modules_to_save", "saving whole modules");
  return c;
}

Json LoraAdapterConfig::to_json() const {
  return Json{{"peft_type", "LORA"},
              {"task_type", "CAUSAL_LM"},
              {"base_model_name_or_path", base_model_name_or_path},
              {"r", lora.r},
              {"lora_alpha", lora.lora_alpha},
              {"target_modules", lora.target_modules},
              {"use_rslora", lora.use_rslora},
              {"bias", lora.bias},
              {"lora_dropout", lora.lora_dropout},
              {"fan_in_fan_out", false},
              {"inference_mode", true},
              {"modules_to_save", nullptr}};
}

std::string peft_tensor_name(const std::string& module, char which) {
  return "base_model.model." + module + ".lora_" + std::string(1, which) + ".weight";
}

void attach_lora_adapter(CausalLM& model, const fs::path& dir, int index) {
  if (index < 1) throw Error("adapter numbers start at 1");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError("LoRA adapter folder " + dir.string() + " does not exist");
  const fs::path config_path = dir / "adapter_config.json";
  const fs::path weights_path = dir / "adapter_model.safetensors";
  if (!fs::exists(config_path, ec))
    throw UsageError(dir.string() + ": adapter_config.json is missing (not a PEFT LoRA adapter?)");
  if (!fs::exists(weights_path, ec))
    throw UsageError(dir.string() + ": adapter_model.safetensors is missing" +
                     (fs::exists(dir / "adapter_model.bin", ec)
                          ? " (adapter_model.bin is not supported: save with safetensors)"
                          : ""));
  const LoraAdapterConfig config = LoraAdapterConfig::from_file(config_path);
  auto file = SafetensorsFile::open(weights_path);

  std::set<std::string> used;
  std::size_t attached = 0;
  for (auto& [module, projection] : model.projections()) {
    const std::string a_name = peft_tensor_name(module, 'A'), b_name = peft_tensor_name(module, 'B');
    const TensorInfo* a = file->find(a_name);
    const TensorInfo* b = file->find(b_name);
    if (!a && !b) continue;
    if (!a || !b) throw UsageError(weights_path.string() + ": " + module + " has only one of lora_A and lora_B");
    const std::vector<std::int64_t> a_shape{config.lora.r, projection->in_features()};
    const std::vector<std::int64_t> b_shape{projection->out_features(), config.lora.r};
    if (a->shape != a_shape || b->shape != b_shape)
      throw UsageError(weights_path.string() + ": " + module +
                       ": lora_A/lora_B shapes do not match r = " + std::to_string(config.lora.r) +
                       " and the base model's " + std::to_string(projection->out_features()) + "x" +
                       std::to_string(projection->in_features()) + " projection");
    LoraDelta delta;
    delta.a = tensor_from_safetensors(*file, *a, model.device());
    delta.b = tensor_from_safetensors(*file, *b, model.device());
    delta.scale = config.lora.scale();
    if (projection->adapters.size() < static_cast<std::size_t>(index)) projection->adapters.resize(index);
    projection->adapters[index - 1] = std::move(delta);
    used.insert(a_name);
    used.insert(b_name);
    ++attached;
  }
  for (const auto& t : file->tensors()) {
    if (used.count(t.name)) continue;
    throw UsageError(weights_path.string() + ": tensor \"" + t.name + "\" does not belong to a projection of this " +
                     model.config().architecture + " (q/k/v/o_proj, gate/up/down_proj of layers 0.." +
                     std::to_string(model.config().num_hidden_layers - 1) + ")");
  }
  if (attached == 0) throw UsageError(weights_path.string() + ": no LoRA weights found");
}

}  // namespace sl::local
