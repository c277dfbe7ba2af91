#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/local/text/chat_template.hpp"

namespace sl::local {

namespace {

// A special token in tokenizer_config.json: a string, null, or {"content": "...", ...}.
std::optional<std::string> read_token(const Json& config, const char* key, const std::string& origin) {
  if (!config.contains(key) || config[key].is_null()) return std::nullopt;
  const Json& v = config[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  throw UsageError(origin + ": " + key + ": expected a string or {\"content\": ...}, got " + json::describe_value(v));
}

}  // namespace

TokenizerConfig TokenizerConfig::from_folder(const std::filesystem::path& dir) {
  TokenizerConfig config;
  const auto config_path = dir / "tokenizer_config.json";
  std::error_code ec;
  if (std::filesystem::exists(config_path, ec)) {
    const std::string origin = config_path.string();
    config.raw = json::parse(files::read_text(config_path), origin);
    if (!config.raw.is_object()) throw UsageError(origin + ": expected a JSON object");
    config.bos_token = read_token(config.raw, "bos_token", origin);
    config.eos_token = read_token(config.raw, "eos_token", origin);
    config.pad_token = read_token(config.raw, "pad_token", origin);
    config.unk_token = read_token(config.raw, "unk_token", origin);
    if (config.raw.contains("clean_up_tokenization_spaces")) {
      const Json& v = config.raw["clean_up_tokenization_spaces"];
      if (!v.is_boolean())
        throw UsageError(origin + ": clean_up_tokenization_spaces: expected a boolean, got " + json::describe_value(v));
      config.clean_up_tokenization_spaces = v.get<bool>();
    }
    if (config.raw.contains("chat_template") && !config.raw["chat_template"].is_null()) {
      const Json& t = config.raw["chat_template"];
      if (t.is_string()) {
        config.chat_template = t.get<std::string>();
        config.chat_template_origin = origin + " (chat_template)";
      } else if (t.is_array()) {
        for (std::size_t i = 0; i < t.size(); ++i) {
          const Json& item = t[i];
          if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || !item.contains("template") ||
              !item["template"].is_string())
            throw UsageError(origin + ": chat_template[" + std::to_string(i) +
                             "]: expected {\"name\": string, \"template\": string}");
          config.named_chat_templates[item["name"].get<std::string>()] = item["template"].get<std::string>();
        }
        auto def = config.named_chat_templates.find("default");
        if (def != config.named_chat_templates.end()) {
          config.chat_template = def->second;
          config.chat_template_origin = origin + " (chat_template \"default\")";
        }
      } else {
        throw UsageError(origin + ": chat_template: expected a string or a list of named templates, got " +
                         json::describe_value(t));
      }
    }
  }
  const auto jinja_path = dir / "chat_template.jinja";
  if (std::filesystem::exists(jinja_path, ec)) {
    config.chat_template = files::read_text(jinja_path);
    config.chat_template_origin = jinja_path.string();
  }
  return config;
}

}  // namespace sl::local
