// sl::llm::Backend over the OpenAI-compatible client: SampleRequest -> Chat Completions request,
// choices[0] -> LLMResponse. Serves "openai" models and "open_source" models on a vLLM server,
// at OPENAI_BASE_URL or at the servers the model file names (sl/llm/endpoint.hpp).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "backends.hpp"
#include "sl/llm/endpoint.hpp"
#include "sl/openai/client.hpp"

namespace sl::llm {

namespace {

openai::ChatCompletionRequest to_chat_request(const std::string& served_name, const SampleRequest& r) {
  openai::ChatCompletionRequest out;
  out.model = served_name;
  out.messages.reserve(r.chat.messages.size());
  for (const ChatMessage& m : r.chat.messages) out.messages.push_back({m.role, m.content});
  out.temperature = r.cfg.temperature;
  out.top_p = r.cfg.top_p;
  out.max_completion_tokens = r.cfg.max_tokens;
  // The per-request seed keeps answers independent of batching; the config's seed is the
  // fallback for callers that do not derive one.
  out.seed = r.seed ? r.seed : r.cfg.seed;
  if (r.cfg.logprobs) {
    out.logprobs = true;
    out.top_logprobs = *r.cfg.logprobs;
  }
  return out;
}

LLMResponse to_response(const Model& model, openai::ChatCompletion&& c) {
  LLMResponse out;
  out.model_id = model.id;
  out.completion = std::move(c.content);
  out.stop_reason = parse_stop_reason(c.finish_reason);
  if (c.logprobs) {
    std::vector<TokenLogprobs> tokens;
    tokens.reserve(c.logprobs->size());
    for (openai::TokenLogprob& t : *c.logprobs) {
      TokenLogprobs top;
      if (t.top_logprobs.empty()) top.emplace_back(std::move(t.token), t.logprob);
      else top = std::move(t.top_logprobs);
      std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      tokens.push_back(std::move(top));
    }
    out.logprobs = std::move(tokens);
  }
  return out;
}

class OpenAIBackend : public Backend {
 public:
  OpenAIBackend(Model model, openai::ClientConfig config)
      : model_(std::move(model)), served_name_(served_model_name(model_)), client_(std::move(config)) {}

  std::string describe() const override {
    const auto& c = client_.config();
    std::string where = c.base_url;
    if (!c.replica_urls.empty()) where += " and " + std::to_string(c.replica_urls.size()) + " replica(s)";
    std::string what = model_.is_openai() ? "openai " + model_.id
                                          : model_.type + " " + model_.id + " (served as " + served_name_ + ")";
    return what + " at " + where + " (concurrency " + std::to_string(c.concurrency) + " per server)";
  }

  void sample(const std::vector<SampleRequest>& requests, const ResultCallback& on_result) override {
    client_.chat_completions(
        requests.size(), [&](std::size_t i) { return to_chat_request(served_name_, requests[i]); },
        [&](std::size_t i, openai::ChatCompletion&& c) { on_result(i, to_response(model_, std::move(c))); });
    spdlog::debug("{}: {}", describe(), client_.stats().summary());
  }

  Json stats() const override { return client_.stats().to_json(); }

 private:
  Model model_;
  std::string served_name_;  // the "model" of each request; answers carry model_.id as always
  openai::Client client_;
};

}  // namespace

std::unique_ptr<Backend> make_openai_backend(const Model& model, const BackendOptions& options) {
  const ModelEndpoint endpoint = endpoint_of(model);
  openai::ClientConfig config;
  if (!endpoint.base_urls.empty()) {
    config = openai::ClientConfig::for_servers(endpoint.base_urls, endpoint.api_key_env);
  } else {
    config = openai::ClientConfig::from_env();
    if (endpoint.api_key_env) {  // OPENAI_BASE_URL with a key of the model's own
      config.api_key = openai::ClientConfig::api_key_from(*endpoint.api_key_env);
      config.api_key_name = *endpoint.api_key_env;
    }
  }
  config.concurrency = options.concurrency;
  config.validate();
  return std::make_unique<OpenAIBackend>(model, std::move(config));
}

}  // namespace sl::llm
