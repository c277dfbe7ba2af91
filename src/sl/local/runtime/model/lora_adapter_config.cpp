#include "sl/local/runtime/model/lora_adapter_config.hpp"

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::local {

LoraAdapterConfig LoraAdapterConfig::from_file(const std::filesystem::path& path) {
  return from_json(json::parse(files::read_text(path), path.string()), path.string());
}

LoraAdapterConfig LoraAdapterConfig::from_json(const Json& j, const std::string& origin) {
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

}  // namespace sl::local
