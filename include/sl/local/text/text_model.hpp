// The text side of a model folder: tokenizer.json, tokenizer_config.json and the chat template,
// loaded together (what sl_tokenize and the local runtime need to turn chats into ids).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/local/text/chat_template.hpp"
#include "sl/local/text/tokenizer.hpp"

namespace sl::local {

struct TextModel {
  std::filesystem::path folder;
  std::shared_ptr<const Tokenizer> tokenizer;
  TokenizerConfig config;
  std::shared_ptr<const ChatTemplate> chat_template;  // null when the folder has none

  // `path`: a model folder holding tokenizer.json, or a tokenizer.json file (its folder is then
  // searched for tokenizer_config.json / chat_template.jinja). Missing files are sl::UsageErrors.
  static TextModel load(const std::filesystem::path& path);

  // The prompt for `messages` (a JSON array of {"role", "content"}), rendered with the special-
  // token variables of tokenizer_config.json plus `variables`. Throws sl::UsageError when the
  // folder has no chat template.
  std::string render_chat(const Json& messages, bool add_generation_prompt,
                          const Json& variables = Json::object()) const;
  // The ids of a rendered chat, as apply_chat_template(tokenize=True) gives them: the template
  // writes any BOS itself, so no special tokens are added.
  std::vector<std::int32_t> encode_chat(const Json& messages, bool add_generation_prompt,
                                        const Json& variables = Json::object()) const;
  // decode(), then transformers' clean_up_tokenization when the config asks for it.
  std::string decode_like_transformers(std::span<const std::int32_t> ids, bool skip_special_tokens) const;
};

}  // namespace sl::local
