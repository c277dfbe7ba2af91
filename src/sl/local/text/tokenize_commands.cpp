#include "sl/local/text/tokenize_commands.hpp"

#include "sl/core/error.hpp"

namespace sl::local::tokenize_commands {

std::string encode(const TextModel& model, std::string_view text, const EncodeOptions& options) {
  auto ids = model.tokenizer->encode(text, options.add_special_tokens);
  std::string out = json::dump(Json(ids)) + "\n";
  if (options.pieces) {
    Json pieces = Json::array();
    for (auto id : ids) pieces.push_back(model.tokenizer->id_to_token(id));
    out += json::dump(pieces) + "\n";
  }
  return out;
}

std::string decode(const TextModel& model, std::string_view ids_json, const DecodeOptions& options) {
  Json parsed = json::parse(ids_json, "stdin");
  if (!parsed.is_array())
    throw UsageError("stdin: expected a JSON array of token ids, got " + json::describe_value(parsed));
  std::vector<std::int32_t> ids;
  const auto limit = static_cast<std::int64_t>(model.tokenizer->vocab_size());
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const Json& v = parsed[i];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= limit)
      throw UsageError("stdin: [" + std::to_string(i) + "]: expected a token id from 0 to " +
                       std::to_string(limit - 1) + ", got " + json::describe_value(v));
    ids.push_back(static_cast<std::int32_t>(v.get<std::int64_t>()));
  }
  std::string text = model.tokenizer->decode(ids, options.skip_special_tokens);
  return options.clean_up_tokenization_spaces ? clean_up_tokenization(std::move(text)) : text;
}

std::string chat(const TextModel& model, std::string_view messages_json, const ChatOptions& options) {
  Json messages = json::parse(messages_json, "stdin");
  if (!messages.is_array()) throw UsageError("stdin: expected a JSON array of {\"role\", \"content\"} messages");
  for (std::size_t i = 0; i < messages.size(); ++i)
    if (!messages[i].is_object())
      throw UsageError("stdin: [" + std::to_string(i) + "]: expected a message object, got " +
                       json::describe_value(messages[i]));
  if (options.ids)
    return json::dump(Json(model.encode_chat(messages, options.add_generation_prompt, options.variables))) + "\n";
  return model.render_chat(messages, options.add_generation_prompt, options.variables);
}

std::pair<std::string, Json> parse_variable(const std::string& assignment) {
  std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--var " + assignment + ": expected KEY=VALUE");
  std::string key = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) parsed = value;
  return {key, parsed};
}

}  // namespace sl::local::tokenize_commands
