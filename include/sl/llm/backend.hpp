// The one interface every step samples through. Two implementations sit behind it: the
// OpenAI-compatible HTTP client and the local libtorch runtime. Services never see which.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sl/llm/data_models.hpp"

namespace sl::llm {

// A question and candidate answers whose exact probabilities are wanted (see
// Backend::answer_probabilities).
struct AnswerQuery {
  Chat chat;
  std::vector<std::string> answers;
};

// Receives each finished request: its index in the request list and the response.
using ResultCallback = std::function<void(std::size_t index, LLMResponse response)>;

class Backend {
 public:
  virtual ~Backend() = default;

  // Human-readable description for logs ("openai gpt-4.1-nano at https://...").
  virtual std::string describe() const = 0;

  // Samples one completion per request. `on_result` runs on the calling thread, once per
  // request, as soon as that request is done (any order). Returns early, without error, when an
  // interrupt was requested (sl::interrupt); callers check it. Throws sl::Error on failures that
  // retrying will not fix (bad key, unknown model, quota, a request that failed every retry).
  virtual void sample(const std::vector<SampleRequest>& requests, const ResultCallback& on_result) = 0;

  // For each query, the probability that the model's whole answer to `chat` is each of
  // `answers` in its canonical tokenization (the ids the tokenizer gives the text) followed by an
  // end-of-turn token, from the model's own next-token probabilities at temperature 1: no
  // sampling noise. Other token sequences that decode to the same text are not counted (a lower
  // bound on p(answer text)). std::nullopt when the backend cannot compute it (HTTP APIs do not
  // expose full distributions).
  virtual std::optional<std::vector<std::vector<double>>> answer_probabilities(
      const std::vector<AnswerQuery>& queries) {
    return std::nullopt;
  }

  // Counters for the run summary (the HTTP backend: requests, retries by reason, failures);
  // an empty object when a backend keeps none.
  virtual Json stats() const { return Json::object(); }
};

struct BackendOptions {
  // Requests in flight at once (HTTP) / sequences per batch (local).
  int concurrency = 64;
};

// Creates the backend serving `model` (openai: HTTP client for the model's server, see
// sl/llm/endpoint.hpp; open_source: the local runtime, with `parent_model` as the base and `id`
// as a LoRA adapter, or the vLLM server named by its base_url).
std::unique_ptr<Backend> make_backend(const Model& model, const BackendOptions& options = {});

}  // namespace sl::llm
