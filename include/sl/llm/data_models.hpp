// The plain data types shared by every step: models, chats, sampling settings, responses.
// Field names and JSON shapes follow the reference tool's sl/llm/data_models.py.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sl/core/json_decode.hpp"

namespace sl::llm {

// A model to sample from or fine-tune. `type` is "openai" (any OpenAI-compatible API) or
// "open_source" (a Hugging Face checkpoint run by our libtorch runtime, or by an
// OpenAI-compatible server such as vLLM when it has a base URL). A fine-tuned local model
// names its base in `parent_model` and its `id` is the adapter folder.
//
// `base_urls` ("base_url" in JSON: one URL or a list of replicas) and `api_key_env` (the NAME of
// the variable holding the key, never the key) say which server answers; without them the
// process-wide OPENAI_BASE_URL / OPENAI_API_KEY apply (see sl/llm/endpoint.hpp).
struct Model {
  std::string id;
  std::string type;
  std::shared_ptr<const Model> parent_model;
  // Default member initializers: Model{id, type, parent} stays a complete aggregate init.
  std::vector<std::string> base_urls{};
  std::optional<std::string> api_key_env{};

  bool is_openai() const { return type == "openai"; }
  bool is_open_source() const { return type == "open_source"; }
};

// The model without where it is served (base_url, api_key_env dropped at every level), for
// journal identities: moving a model to another server or adding replicas changes no answer
// (answers depend on the request and its seed only), so it keeps its journal.
Json model_identity(const Model& model);

inline const std::vector<std::string>& model_types() {
  static const std::vector<std::string> types{"openai", "open_source"};
  return types;
}

// Sampling settings. `logprobs` asks for the top-k log-probabilities of every completion token.
struct SampleCfg {
  double temperature = 1.0;
  std::optional<double> top_p;
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> seed;
  std::optional<std::int64_t> logprobs;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("temperature", &SampleCfg::temperature, number_range(0, 2)),
                      optional_omitted("top_p", &SampleCfg::top_p),
                      optional_omitted("max_tokens", &SampleCfg::max_tokens),
                      optional_omitted("seed", &SampleCfg::seed), optional_omitted("logprobs", &SampleCfg::logprobs)};
  }
  // Range checks that json_fields() cannot express for optional members.
  void validate(const json::Reader& r) const;
};

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("role", &ChatMessage::role, one_of({"system", "user", "assistant"})),
                      required("content", &ChatMessage::content)};
  }
};

struct Chat {
  std::vector<ChatMessage> messages;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("messages", &Chat::messages)};
  }
};

// A chat with an optional system prompt followed by one user message.
Chat build_simple_chat(const std::string& user_content,
                       const std::optional<std::string>& system_content = std::nullopt);

// Why generation stopped, as the reference tool names it.
enum class StopReason { max_tokens, stop_sequence, content_filter, api_error, prompt_blocked, unknown };

std::string to_string(StopReason reason);
// Maps any provider's words ("length", "stop", "eos", "end_turn", ...) the way the reference does.
StopReason parse_stop_reason(std::string_view text);

// One completion token's top-k alternatives, most likely first: (token text, log-probability).
using TokenLogprobs = std::vector<std::pair<std::string, double>>;

struct LLMResponse {
  std::string model_id;
  std::string completion;
  StopReason stop_reason = StopReason::unknown;
  std::optional<std::vector<TokenLogprobs>> logprobs;
  // With logprobs, from backends that know them (the local engine; an API does not say): the
  // sampled token ids, one per logprobs entry, the stop token last when generation stopped on one.
  std::optional<std::vector<std::int32_t>> token_ids;
};

// A request to a backend. `seed` is a per-request seed (see derive_seed) so that results do not
// depend on which requests share a batch or a connection.
struct SampleRequest {
  Chat chat;
  SampleCfg cfg;
  std::optional<std::int64_t> seed;
};

// A well-mixed, non-negative 31-bit seed for request `index` of a run seeded with `base`.
std::int64_t derive_seed(std::int64_t base, std::uint64_t index);

}  // namespace sl::llm

namespace sl::json {

template <>
struct Codec<sl::llm::Model> {
  static sl::llm::Model decode(const Reader& r);
  static Json encode(const sl::llm::Model& m);
  static std::string expected() { return "a model object"; }
};

template <>
struct Codec<sl::llm::StopReason> {
  static sl::llm::StopReason decode(const Reader& r);
  static Json encode(sl::llm::StopReason s) { return sl::llm::to_string(s); }
  static std::string expected() { return "a stop reason"; }
};

template <>
struct Codec<sl::llm::TokenLogprobs> {
  static sl::llm::TokenLogprobs decode(const Reader& r);
  static Json encode(const sl::llm::TokenLogprobs& v);
  static std::string expected() { return "an object of token log-probabilities"; }
};

template <>
struct Codec<sl::llm::LLMResponse> {
  static sl::llm::LLMResponse decode(const Reader& r);
  static Json encode(const sl::llm::LLMResponse& v);
  static std::string expected() { return "a response object"; }
};

}  // namespace sl::json
