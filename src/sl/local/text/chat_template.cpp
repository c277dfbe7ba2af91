#include "sl/local/text/chat_template.hpp"

#include "jinja/interpreter.hpp"
#include "jinja/lexer.hpp"
#include "jinja/parser.hpp"
#include "sl/core/error.hpp"

namespace sl::local {

namespace {

class JinjaChatTemplate final : public ChatTemplate {
 public:
  JinjaChatTemplate(jinja::Body body, std::string origin, const TemplateLimits& limits)
      : body_(std::move(body)), origin_(std::move(origin)), limits_(limits) {}

  std::string render(const Json& messages, bool add_generation_prompt, const Json& variables) const override {
    if (!messages.is_array())
      throw UsageError(origin_ + ": messages must be a JSON array of {\"role\", \"content\"} objects");
    if (!variables.is_object() && !variables.is_null())
      throw UsageError(origin_ + ": template variables must be a JSON object");
    jinja::Dict vars;
    // What transformers' apply_chat_template passes when the caller gives nothing else.
    vars.set("tools", jinja::Value::none());
    vars.set("documents", jinja::Value::none());
    if (variables.is_object())
      for (auto it = variables.begin(); it != variables.end(); ++it)
        vars.set(it.key(), jinja::Value::from_json(it.value()));
    vars.set("messages", jinja::Value::from_json(messages));
    vars.set("add_generation_prompt", jinja::Value(add_generation_prompt));
    return jinja::render(body_, vars, origin_, limits_);
  }

 private:
  jinja::Body body_;
  std::string origin_;
  TemplateLimits limits_;
};

}  // namespace

std::shared_ptr<const ChatTemplate> ChatTemplate::compile(const std::string& source, const std::string& origin,
                                                          const TemplateLimits& limits) {
  auto tokens = jinja::tokenize(source, origin);
  return std::make_shared<JinjaChatTemplate>(jinja::parse(tokens, origin), origin, limits);
}

Json special_token_variables(const TokenizerConfig& config) {
  Json vars = Json::object();
  auto token_text = [](const Json& v) -> std::optional<std::string> {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
    return std::nullopt;
  };
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    if (!config.raw.is_object() || !config.raw.contains(key)) continue;
    if (auto text = token_text(config.raw[key])) vars[key] = *text;
  }
  if (config.raw.is_object() && config.raw.contains("additional_special_tokens") &&
      config.raw["additional_special_tokens"].is_array()) {
    Json list = Json::array();
    for (const auto& t : config.raw["additional_special_tokens"])
      if (auto text = token_text(t)) list.push_back(*text);
    if (!list.empty()) vars["additional_special_tokens"] = list;
  }
  return vars;
}

}  // namespace sl::local
