#include "sl/openai/chat_types.hpp"

#include "json_member.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::openai {

Json to_json(const ChatCompletionRequest& request, const std::string& max_tokens_field) {
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) messages.push_back(Json{{"role", m.role}, {"content", m.content}});
  Json body = Json::object();
  body["model"] = request.model;
  body["messages"] = std::move(messages);
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (request.max_completion_tokens) body[max_tokens_field] = *request.max_completion_tokens;
  if (request.seed) body["seed"] = *request.seed;
  if (request.logprobs) {
    body["logprobs"] = true;
    if (request.top_logprobs) body["top_logprobs"] = *request.top_logprobs;
  }
  return body;
}

namespace {

using json::Reader;

std::string string_at(const Reader& r) {
  if (!r.json().is_string()) r.fail_expected("a string");
  return r.json().get<std::string>();
}

double number_at(const Reader& r) {
  if (!r.json().is_number()) r.fail_expected("a number");
  return r.json().get<double>();
}

TokenLogprob token_logprob_at(const Reader& r) {
  TokenLogprob t;
  t.token = string_at(member(r, "token"));
  t.logprob = number_at(member(r, "logprob"));
  Reader top = member(r, "top_logprobs");
  if (!top.json().is_array()) top.fail_expected("a list");
  for (std::size_t i = 0; i < top.json().size(); ++i) {
    Reader alt(top.json()[i], top.child_path(i));
    t.top_logprobs.emplace_back(string_at(member(alt, "token")), number_at(member(alt, "logprob")));
  }
  return t;
}

}  // namespace

ChatCompletion parse_chat_completion(const Json& body) {
  Reader root(body, "");
  if (!body.is_object()) root.fail_expected("a chat completion object");
  ChatCompletion out;
  out.id = string_at(member(root, "id"));
  out.model = string_at(member(root, "model"));
  Reader choices = member(root, "choices");
  if (!choices.json().is_array() || choices.json().empty()) choices.fail_expected("a non-empty list");
  Reader choice(choices.json()[0], choices.child_path(std::size_t{0}));
  Reader message = member(choice, "message");
  Reader content = member(message, "content");
  if (content.json().is_string()) out.content = content.json().get<std::string>();
  else if (!content.json().is_null()) content.fail_expected("a string or null");
  if (auto it = message.json().find("refusal"); it != message.json().end() && !it->is_null())
    out.refusal = string_at(Reader(*it, message.child_path("refusal")));
  out.finish_reason = string_at(member(choice, "finish_reason"));
  // `logprobs` is required by the spec but some compatible servers leave it out when not asked.
  if (auto it = choice.json().find("logprobs"); it != choice.json().end() && !it->is_null()) {
    Reader logprobs(*it, choice.child_path("logprobs"));
    Reader items = member(logprobs, "content");
    if (!items.json().is_null()) {
      if (!items.json().is_array()) items.fail_expected("a list or null");
      std::vector<TokenLogprob> tokens;
      tokens.reserve(items.json().size());
      for (std::size_t i = 0; i < items.json().size(); ++i)
        tokens.push_back(token_logprob_at(Reader(items.json()[i], items.child_path(i))));
      out.logprobs = std::move(tokens);
    }
  }
  return out;
}

}  // namespace sl::openai
