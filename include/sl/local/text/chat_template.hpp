// Chat templates: renders a conversation exactly as the checkpoint's Jinja `chat_template`
// (tokenizer_config.json or chat_template.jinja) does under transformers' settings
// (trim_blocks, lstrip_blocks, loop controls, tojson, raise_exception, strftime_now).
//
// A small interpreter of the Jinja subset that real chat templates use; an unsupported
// construct is a clear sl::UsageError naming it and its line.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sl/core/json.hpp"

namespace sl::local {

// What a model folder's tokenizer_config.json (and chat_template.jinja) say about chats.
struct TokenizerConfig {
  std::optional<std::string> chat_template;
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  bool clean_up_tokenization_spaces = false;
  Json raw;  // the whole file, for special-token variables the template may use

  // Reads `dir/tokenizer_config.json` (special tokens may be strings or {"content": ...}
  // objects) and, when present, `dir/chat_template.jinja`, which takes precedence.
  static TokenizerConfig from_folder(const std::filesystem::path& dir);
};

class ChatTemplate {
 public:
  // Parses the template once. Throws sl::UsageError on syntax it does not support.
  static std::shared_ptr<const ChatTemplate> compile(const std::string& source, const std::string& origin);
  virtual ~ChatTemplate() = default;

  // `messages`: a JSON array of {"role", "content"} objects. `variables` adds or overrides
  // template variables (bos_token, eos_token, date_string, tools, ...).
  virtual std::string render(const Json& messages, bool add_generation_prompt,
                             const Json& variables = Json::object()) const = 0;
};

// The variables transformers passes for a tokenizer config: the special-token strings.
Json special_token_variables(const TokenizerConfig& config);

}  // namespace sl::local
