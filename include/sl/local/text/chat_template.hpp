// Chat templates: renders a conversation exactly as the checkpoint's Jinja `chat_template`
// (tokenizer_config.json or chat_template.jinja) does under transformers' settings
// (trim_blocks, lstrip_blocks, loop controls, tojson = json.dumps(ensure_ascii=False),
// raise_exception, strftime_now; tools=None and documents=None unless given).
//
// A small interpreter of the Jinja subset that real chat templates use; an unsupported
// construct is a clear sl::UsageError naming it and its line. Message content is data: it is
// never interpreted as template code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sl/core/json.hpp"

namespace sl::local {

// What a model folder's tokenizer_config.json (and chat_template.jinja) say about chats.
struct TokenizerConfig {
  std::optional<std::string> chat_template;
  // Where chat_template came from (a file path, or "<file> (named template X)"), for messages.
  std::string chat_template_origin;
  // All named templates when tokenizer_config.json has a list of {"name", "template"}.
  std::map<std::string, std::string> named_chat_templates;
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  bool clean_up_tokenization_spaces = false;
  Json raw;  // the whole file, for special-token variables the template may use

  // Reads `dir/tokenizer_config.json` (special tokens may be strings or {"content": ...}
  // objects; chat_template may be a string or a list of named templates, of which "default" is
  // used) and, when present, `dir/chat_template.jinja`, which takes precedence. A folder
  // without tokenizer_config.json gives an empty config (chat_template.jinja still counts).
  // Malformed files are sl::UsageErrors naming the file and the JSON path.
  static TokenizerConfig from_folder(const std::filesystem::path& dir);
};

// The work one render may do. A template is a program from a model folder (loops, macros that
// recurse, strings that grow); past a limit, render() throws sl::UsageError
// "<origin>:<line>: chat template exceeded N steps" (or "... N bytes of output").
// Real templates need a few hundred steps per message and output a few kB.
struct TemplateLimits {
  std::uint64_t max_steps = 10'000'000;        // statements run plus expressions evaluated
  std::uint64_t max_output_bytes = 16u << 20;  // text written (captures included), and any one value built
  int max_call_depth = 100;                    // macros calling macros
};

class ChatTemplate {
 public:
  // Parses the template once. Throws sl::UsageError on syntax it does not support.
  static std::shared_ptr<const ChatTemplate> compile(const std::string& source, const std::string& origin,
                                                     const TemplateLimits& limits = {});
  virtual ~ChatTemplate() = default;

  // `messages`: a JSON array of {"role", "content"} objects. `variables` adds or overrides
  // template variables (bos_token, eos_token, date_string, tools, ...).
  // Thread-safe; errors (including raise_exception) are sl::UsageErrors with the line.
  virtual std::string render(const Json& messages, bool add_generation_prompt,
                             const Json& variables = Json::object()) const = 0;
};

// The variables transformers passes for a tokenizer config: the special-token strings
// (bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token when set, and
// additional_special_tokens).
Json special_token_variables(const TokenizerConfig& config);

}  // namespace sl::local
