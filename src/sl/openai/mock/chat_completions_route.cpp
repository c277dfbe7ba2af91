// POST /v1/chat/completions: validation like the real API's, faults, deterministic answers.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "openai_errors.hpp"
#include "routes.hpp"
#include "sl/openai/mock/answers.hpp"
#include "sl/openai/mock/mock_random.hpp"
#include "sl/openai/mock/mock_tokens.hpp"

namespace sl::openai::mock {

namespace {

const std::string kEndpoint = "POST /v1/chat/completions";

struct Message {
  std::string role;
  std::string content;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  double temperature = 1.0;
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> seed;
  bool logprobs = false;
  int top_logprobs = 0;
  int n = 1;
};

// The request, or the 400 body the real API would send.
struct Parsed {
  std::optional<ChatRequest> request;
  Json error;
};

Parsed invalid(const std::string& message, const std::optional<std::string>& param = std::nullopt) {
  return {std::nullopt, invalid_request_error(message, param)};
}

std::string describe_type(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_array()) return "an array";
  return "an object";
}

Parsed parse_request(const Json& j) {
  static const std::vector<std::string> kKnown{"model",
                                               "messages",
                                               "temperature",
                                               "top_p",
                                               "max_completion_tokens",
                                               "max_tokens",
                                               "seed",
                                               "logprobs",
                                               "top_logprobs",
                                               "n",
                                               "stop",
                                               "user",
                                               "stream",
                                               "frequency_penalty",
                                               "presence_penalty",
                                               "metadata",
                                               "store",
                                               "service_tier",
                                               "response_format"};
  if (!j.is_object()) return invalid("The request body must be a JSON object.");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const auto& k : kKnown) known = known || it.key() == k;
    if (!known) return invalid("Unrecognized request argument supplied: " + it.key());
  }
  ChatRequest r;
  auto model = j.find("model");
  if (model == j.end()) return invalid("you must provide a model parameter");
  if (!model->is_string())
    return invalid("Invalid type for 'model': expected a string, but got " + describe_type(*model) + " instead.",
                   "model");
  r.model = model->get<std::string>();

  auto messages = j.find("messages");
  if (messages == j.end()) return invalid("Missing required parameter: 'messages'.", "messages");
  if (!messages->is_array())
    return invalid("Invalid type for 'messages': expected an array, but got " + describe_type(*messages) + " instead.",
                   "messages");
  if (messages->empty())
    return invalid(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "messages");
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object())
      return invalid("Invalid type for '" + at + "': expected an object, but got " + describe_type(m) + " instead.",
                     at);
    auto role = m.find("role");
    if (role == m.end()) return invalid("Missing required parameter: '" + at + ".role'.", at + ".role");
    if (!role->is_string() || (*role != "system" && *role != "user" && *role != "assistant" && *role != "developer"))
      return invalid("Invalid value for '" + at + ".role': expected one of 'system', 'assistant', 'user', 'developer'.",
                     at + ".role");
    auto content = m.find("content");
    if (content == m.end()) return invalid("Missing required parameter: '" + at + ".content'.", at + ".content");
    Message msg{role->get<std::string>(), ""};
    if (content->is_string()) {
      msg.content = content->get<std::string>();
    } else if (content->is_array()) {  // [{"type": "text", "text": "..."}]
      for (const Json& part : *content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
            !part["text"].is_string())
          return invalid("Invalid content part in '" + at + ".content': the mock supports only text parts.",
                         at + ".content");
        msg.content += part["text"].get<std::string>();
      }
    } else {
      return invalid("Invalid type for '" + at + ".content': expected a string or an array, but got " +
                         describe_type(*content) + " instead.",
                     at + ".content");
    }
    r.messages.push_back(std::move(msg));
  }

  auto number = [&](const char* key, double lo, double hi, double& out) -> std::optional<Parsed> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi)
      return invalid(std::string("Invalid '") + key + "': expected a number from " +
                         std::to_string(static_cast<int>(lo)) + " to " + std::to_string(static_cast<int>(hi)) + ".",
                     std::string(key));
    out = it->get<double>();
    return std::nullopt;
  };
  auto integer = [&](const char* key, std::int64_t lo,
                     std::int64_t hi) -> std::pair<std::optional<Parsed>, std::optional<std::int64_t>> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {std::nullopt, std::nullopt};
    if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi)
      return {invalid(std::string("Invalid '") + key + "': expected an integer from " + std::to_string(lo) + " to " +
                          std::to_string(hi) + ".",
                      std::string(key)),
              std::nullopt};
    return {std::nullopt, it->get<std::int64_t>()};
  };
  double top_p = 1.0;
  if (auto e = number("temperature", 0, 2, r.temperature)) return *e;
  if (auto e = number("top_p", 0, 1, top_p)) return *e;
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    auto [e, v] = integer(key, 1, 1 << 20);
    if (e) return *e;
    if (v) r.max_tokens = v;
  }
  {
    auto [e, v] = integer("seed", INT64_MIN, INT64_MAX);
    if (e) return *e;
    r.seed = v;
  }
  if (auto it = j.find("logprobs"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean())
      return invalid("Invalid type for 'logprobs': expected a boolean, but got " + describe_type(*it) + " instead.",
                     "logprobs");
    r.logprobs = it->get<bool>();
  }
  {
    auto [e, v] = integer("top_logprobs", 0, 20);
    if (e) return *e;
    if (v && !r.logprobs)
      return invalid("Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
                     "top_logprobs");
    r.top_logprobs = static_cast<int>(v.value_or(0));
  }
  {
    auto [e, v] = integer("n", 1, 128);
    if (e) return *e;
    r.n = static_cast<int>(v.value_or(1));
  }
  if (auto it = j.find("stream"); it != j.end() && it->is_boolean() && it->get<bool>())
    return invalid("The mock server does not stream; leave 'stream' unset or false.", "stream");
  return {std::move(r), Json()};
}

// The seed of choice `index`'s random stream: everything that defines the answer, and nothing
// that depends on timing. At temperature 0 the request seed does not matter (greedy decoding).
std::uint64_t answer_seed(const MockOptions& options, const ChatRequest& r, int index) {
  std::uint64_t h = hash_bytes(r.model, options.seed);
  for (const Message& m : r.messages) h = hash_bytes(m.content, hash_bytes(m.role, h));
  if (r.temperature > 0 && r.seed) h = mix64(h ^ static_cast<std::uint64_t>(*r.seed));
  return mix64(h + static_cast<std::uint64_t>(index));
}

Json bytes_of(const std::string& token) {
  Json out = Json::array();
  for (unsigned char c : token) out.push_back(static_cast<int>(c));
  return out;
}

Json logprobs_json(const std::vector<TokenLogprobs>& tokens) {
  Json content = Json::array();
  for (const TokenLogprobs& t : tokens) {
    Json top = Json::array();
    for (const auto& [token, lp] : t.top)
      top.push_back(Json{{"token", token}, {"logprob", lp}, {"bytes", bytes_of(token)}});
    content.push_back(Json{
        {"token", t.token}, {"logprob", t.logprob}, {"bytes", bytes_of(t.token)}, {"top_logprobs", std::move(top)}});
  }
  return Json{{"content", std::move(content)}, {"refusal", nullptr}};
}

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = digits[v & 15];
  return out;
}

Json completion_json(const MockContext& ctx, const ChatRequest& r, MockStats& stats) {
  std::optional<std::string> system_text;
  std::string user_text;
  std::int64_t prompt_tokens = 3;  // the real API's per-reply priming
  for (const Message& m : r.messages) {
    if (m.role == "system" || m.role == "developer") system_text = m.content;
    if (m.role == "user") user_text = m.content;
    prompt_tokens += 4 + static_cast<std::int64_t>(split_tokens(m.content).size());
  }
  const AnswerSettings settings{ctx.options.malformed_rate, ctx.options.judge_refusal_rate,
                                ctx.options.judge_code_rate};
  Json choices = Json::array();
  std::int64_t completion_tokens = 0;
  for (int i = 0; i < r.n; ++i) {
    Random rng(answer_seed(ctx.options, r, i));
    Answer answer = generate_answer(user_text, system_text, settings, rng);
    if (answer.malformed) stats.fault("malformed_answer");
    std::vector<std::string> tokens = split_tokens(answer.text);
    std::string finish_reason = "stop";
    if (r.max_tokens && static_cast<std::int64_t>(tokens.size()) > *r.max_tokens) {
      tokens.resize(static_cast<std::size_t>(*r.max_tokens));
      answer.text.clear();
      for (const auto& t : tokens) answer.text += t;
      finish_reason = "length";
    }
    completion_tokens += static_cast<std::int64_t>(tokens.size());
    Json choice{
        {"index", i},
        {"message",
         {{"role", "assistant"}, {"content", answer.text}, {"refusal", nullptr}, {"annotations", Json::array()}}},
        {"logprobs", r.logprobs ? logprobs_json(make_logprobs(tokens, r.top_logprobs, rng)) : Json(nullptr)},
        {"finish_reason", finish_reason}};
    choices.push_back(std::move(choice));
  }
  return Json{{"id", "chatcmpl-mock" + hex(answer_seed(ctx.options, r, -1))},
              {"object", "chat.completion"},
              {"created", static_cast<std::int64_t>(std::time(nullptr))},
              {"model", r.model},
              {"choices", std::move(choices)},
              {"usage",
               {{"prompt_tokens", prompt_tokens},
                {"completion_tokens", completion_tokens},
                {"total_tokens", prompt_tokens + completion_tokens},
                {"prompt_tokens_details", {{"cached_tokens", 0}, {"audio_tokens", 0}}},
                {"completion_tokens_details",
                 {{"reasoning_tokens", 0},
                  {"audio_tokens", 0},
                  {"accepted_prediction_tokens", 0},
                  {"rejected_prediction_tokens", 0}}}}},
              {"service_tier", "default"},
              {"system_fingerprint", "fp_mock"}};
}

void handle(MockContext& ctx, const httplib::Request& req, httplib::Response& res) {
  struct InProgress {
    MockStats& s;
    explicit InProgress(MockStats& st) : s(st) { s.enter(); }
    ~InProgress() { s.leave(); }
  } in_progress(ctx.stats);
  ctx.stats.client_port(req.remote_port);

  if (reject_unauthorized(ctx, kEndpoint, req, res)) return;
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    reply_json(
        ctx, kEndpoint, res, 400,
        invalid_request_error("We could not parse the JSON body of your request. (HINT: This likely means you "
                              "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)"));
    return;
  }
  Parsed parsed = parse_request(body);
  if (!parsed.request) {
    reply_json(ctx, kEndpoint, res, 400, parsed.error);
    return;
  }
  const ChatRequest& r = *parsed.request;
  const MockOptions& o = ctx.options;
  // A fine-tuned model ("ft:...") exists once one of this mock's jobs made it, and answers
  // exactly as its base model: the mock is a plumbing double and learns nothing.
  const std::optional<std::string> fine_tuned_base = ctx.fine_tuning.base_of(r.model);
  const bool unknown = r.model.rfind("ft:", 0) == 0
                           ? !fine_tuned_base
                           : !o.known_models.empty() && std::find(o.known_models.begin(), o.known_models.end(),
                                                                  r.model) == o.known_models.end();
  if (unknown) {
    reply_json(ctx, kEndpoint, res, 404, model_not_found_error(r.model));
    return;
  }
  if (o.quota_exhausted) {
    ctx.stats.fault("insufficient_quota");
    reply_json(ctx, kEndpoint, res, 429, insufficient_quota_error());
    return;
  }
  if (o.rate_limit_rpm > 0) {
    if (long wait_ms = ctx.rate_limiter.acquire(); wait_ms > 0) {
      ctx.stats.fault("rate_limited");
      res.set_header("retry-after", std::to_string((wait_ms + 999) / 1000));
      res.set_header("retry-after-ms", std::to_string(wait_ms));
      res.set_header("x-ratelimit-limit-requests", std::to_string(static_cast<long>(o.rate_limit_rpm)));
      res.set_header("x-ratelimit-remaining-requests", "0");
      res.set_header("x-ratelimit-reset-requests", std::to_string(wait_ms) + "ms");
      reply_json(ctx, kEndpoint, res, 429, rate_limit_error(r.model, o.rate_limit_rpm, wait_ms));
      return;
    }
  }

  // Faults depend on the exact body and on how often it came before (so a retry can succeed).
  const std::uint64_t body_hash = hash_bytes(req.body, 0);
  const int earlier = ctx.stats.arrival(body_hash);
  const Fault fault = decide_fault(o, body_hash, earlier);
  if (o.latency_ms > 0) ctx.sleep_for(std::chrono::duration<double, std::milli>(o.latency_ms));
  if (fault == Fault::fail) {
    ctx.stats.fault("server_error");
    reply_json(ctx, kEndpoint, res, 500, server_error());
    return;
  }

  Json completion;
  if (fine_tuned_base) {
    ChatRequest as_base = r;
    as_base.model = *fine_tuned_base;
    completion = completion_json(ctx, as_base, ctx.stats);
    completion["model"] = r.model;
  } else {
    completion = completion_json(ctx, r, ctx.stats);
  }
  std::string text = json::dump(completion);
  if (fault == Fault::drop) {
    // A genuinely broken response: the headers promise the whole body, half of it is sent, then
    // the connection is closed.
    ctx.stats.fault("dropped");
    ctx.stats.record(kEndpoint, "dropped");
    auto shared = std::make_shared<std::string>(std::move(text));
    res.status = 200;
    res.set_content_provider(shared->size(), "application/json",
                             [shared](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset == 0) sink.write(shared->data(), shared->size() / 2);
                               return false;  // abort: httplib closes the connection
                             });
    return;
  }
  res.status = 200;
  res.set_content(std::move(text), "application/json");
  ctx.stats.record(kEndpoint, "200");
  ctx.stats.served(body_hash, r.model);
}

}  // namespace

void add_chat_completion_routes(httplib::Server& server, MockContext& ctx) {
  server.Post("/v1/chat/completions",
              [&ctx](const httplib::Request& req, httplib::Response& res) { handle(ctx, req, res); });
}

}  // namespace sl::openai::mock
