// Chat Completions request/response data (POST /chat/completions) and their JSON mapping,
// following ../shared/openai/openapi.yaml (CreateChatCompletionRequest/Response) for every
// field the toolkit sends or reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::openai {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

struct ChatCompletionRequest {
  std::string model;
  std::vector<ChatMessage> messages;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> max_completion_tokens;
  std::optional<std::int64_t> seed;
  // Ask for the log-probability of each completion token, and of its `top_logprobs` best
  // alternatives (0..20).
  bool logprobs = false;
  std::optional<std::int64_t> top_logprobs;
};

// The request body. `max_tokens_field` names the length field ("max_completion_tokens" or the
// older "max_tokens"); absent optionals are left out.
Json to_json(const ChatCompletionRequest& request, const std::string& max_tokens_field = "max_completion_tokens");

// One completion token with its most likely alternatives (most likely first).
struct TokenLogprob {
  std::string token;
  double logprob = 0.0;
  std::vector<std::pair<std::string, double>> top_logprobs;
};

// choices[0] of a response, plus the response's id and model.
struct ChatCompletion {
  std::string id;
  std::string model;
  std::string content;                                // "" when the server sent null (e.g. a refusal)
  std::optional<std::string> refusal;                 // message.refusal when present and not null
  std::string finish_reason;                          // "stop", "length", "content_filter", ...
  std::optional<std::vector<TokenLogprob>> logprobs;  // choices[0].logprobs.content
};

// Reads a CreateChatCompletionResponse. Fields the toolkit does not read are ignored; a field
// it reads that is missing or of the wrong type is a sl::JsonDecodeError naming its path
// (e.g. "choices[0].message.content: expected a string or null, got 5").
ChatCompletion parse_chat_completion(const Json& body);

}  // namespace sl::openai
