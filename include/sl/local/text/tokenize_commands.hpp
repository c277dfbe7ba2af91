// What sl_tokenize does, as functions (the executable only parses flags and moves bytes).
// Each takes the input text and returns exactly what is printed on stdout.
#pragma once

#include <string>
#include <string_view>

#include "sl/core/json.hpp"
#include "sl/local/text/text_model.hpp"

namespace sl::local::tokenize_commands {

struct EncodeOptions {
  bool add_special_tokens = false;
  bool pieces = false;  // a second line with the token strings
};
// "[ids]\n", plus "[\"piece\", ...]\n" with pieces.
std::string encode(const TextModel& model, std::string_view text, const EncodeOptions& options);

struct DecodeOptions {
  bool skip_special_tokens = false;
  bool clean_up_tokenization_spaces = false;  // transformers' cleanup, whatever the config says
};
// `ids_json`: a JSON array of token ids. Returns the text (no newline added).
std::string decode(const TextModel& model, std::string_view ids_json, const DecodeOptions& options);

struct ChatOptions {
  bool add_generation_prompt = false;
  bool ids = false;                 // print the token ids of the prompt instead of its text
  Json variables = Json::object();  // extra template variables (date_string, tools, ...)
};
// `messages_json`: a JSON array of {"role", "content"} messages. Returns the rendered prompt
// (no newline added), or "[ids]\n" with ids.
std::string chat(const TextModel& model, std::string_view messages_json, const ChatOptions& options);

// "KEY=VALUE" -> (KEY, VALUE parsed as JSON, or as a plain string when it is not JSON).
std::pair<std::string, Json> parse_variable(const std::string& assignment);

}  // namespace sl::local::tokenize_commands
