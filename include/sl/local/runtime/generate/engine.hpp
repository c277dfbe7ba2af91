// The local model runtime as seen from outside the plugin: load a checkpoint, generate text.
//
// Torch-free on purpose: services and executables include this header, and only the runtime
// plugin (src/sl/local/runtime/, loaded with dlopen, see loader.hpp) links libtorch.
//
//   auto engine = sl::local::runtime_plugin().load_engine({.model = "Qwen/Qwen2.5-7B-Instruct"});
//   engine->generate(requests, [](std::size_t i, GenerationResult r) { ... });
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sl::local {

class Tokenizer;

// One chat message; rendered with the checkpoint's chat template.
struct ChatTurn {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

struct GenerationRequest {
  // The conversation, rendered with the chat template and add_generation_prompt. When empty,
  // `prompt_ids` is the prompt, as is (no template, no BOS added).
  std::vector<ChatTurn> messages;
  std::vector<std::int32_t> prompt_ids;

  double temperature = 1.0;  // 0 = greedy (argmax, lowest id on ties)
  double top_p = 1.0;        // nucleus sampling: keep the most likely tokens up to this mass
  // Completion tokens at most (stop token included). Unset: up to the context limit.
  std::optional<std::int64_t> max_tokens;
  // Seeds this request's own random stream: the same seed gives the same completion whatever
  // else shares the batch.
  std::uint64_t seed = 0;
  // When set to k >= 0: for every completion token, its log-probability and the k most likely
  // alternatives (log-softmax of the raw logits, i.e. before temperature and top_p).
  std::optional<int> logprobs;
  // "" = the base model; otherwise the name of an adapter from EngineOptions::adapters.
  std::string adapter;
};

struct TokenLogprob {
  std::int32_t id = 0;
  std::string text;  // the token decoded on its own (invalid UTF-8 shown as U+FFFD)
  double logprob = 0;
};

struct TokenLogprobs {
  TokenLogprob chosen;            // the token that was generated
  std::vector<TokenLogprob> top;  // the k most likely tokens, most likely first
};

struct GenerationResult {
  std::string text;                     // completion without the stop token, specials skipped
  std::vector<std::int32_t> token_ids;  // completion tokens, including the stop token if any
  std::string finish_reason;            // "stop" (a stop token) | "length" (max_tokens / context)
  std::int64_t prompt_tokens = 0;
  std::vector<TokenLogprobs> logprobs;  // one per token_ids entry when requested, else empty
};

// A LoRA adapter (PEFT layout: adapter_config.json + adapter_model.safetensors) served beside
// the base model without merging, selected per request by name.
struct AdapterSpec {
  std::string name;
  std::filesystem::path dir;
};

struct EngineOptions {
  // A model folder, or a Hugging Face id looked up in the local hub cache (see model_locator.hpp).
  std::string model = {};
  std::vector<AdapterSpec> adapters = {};
  // "cpu" | "cuda" | "cuda:N"; empty = $SL_DEVICE, else "cpu".
  std::string device = {};
  // BLAS threads (libtorch's own stay at 1, see docs); 0 = $SL_THREADS, else all cores.
  int threads = 0;
  // Sequences decoded together; free slots are refilled from the queue (continuous batching).
  int max_batch = 64;
  // Prompt tokens per prefill forward pass at most (bounds activation memory); 0 = 2048 on the
  // CPU, 8192 on accelerators.
  int max_prefill_tokens = 0;
  // Prompt + completion length at most; 0 = the model's max_position_embeddings.
  std::int64_t max_model_len = 0;
  // A progress bar / log lines while generating.
  bool show_progress = true;
};

struct ModelInfo {
  std::string architecture;     // "Qwen2ForCausalLM", ...
  std::filesystem::path dir;    // the resolved checkpoint folder
  std::string device;           // "cpu", "cuda:0"
  std::string dtype;            // compute dtype: "float32" | "bfloat16"
  std::int64_t parameters = 0;  // base model parameters
  std::int64_t vocab_size = 0;  // rows of the embedding matrix
  std::int64_t max_model_len = 0;
  std::vector<std::int32_t> stop_token_ids;
  std::vector<std::string> adapters;
  int threads = 1;
};

// Log-probabilities of given continuations of a prompt (teacher forcing, no sampling): what
// exact trait probabilities are computed from.
struct ScoreRequest {
  // The prompt, as for GenerationRequest (chat template with add_generation_prompt, or raw ids).
  std::vector<ChatTurn> messages;
  std::vector<std::int32_t> prompt_ids;
  // Token sequences that could follow the prompt.
  std::vector<std::vector<std::int32_t>> continuations;
  std::string adapter;  // "" = the base model
};

// Receives each finished request: its index in the request list and its result. Runs on the
// thread that called generate(), as soon as the request is done (any order).
using ResultHandler = std::function<void(std::size_t index, GenerationResult result)>;
// Polled between decoding steps; returning true makes generate() return early (unfinished
// requests get no result).
using StopCheck = std::function<bool()>;

class Engine {
 public:
  virtual ~Engine() = default;

  virtual const ModelInfo& info() const = 0;
  virtual std::shared_ptr<const Tokenizer> tokenizer() const = 0;

  // The prompt ids generate() would feed the model for `request` (template applied).
  virtual std::vector<std::int32_t> prompt_ids(const GenerationRequest& request) const = 0;

  // Generates one completion per request (batched; see EngineOptions). One call at a time per
  // engine (it owns one KV cache). Bad requests (unknown
  // adapter, empty prompt, prompt longer than the context) throw sl::UsageError naming the
  // request index before any work starts.
  virtual void generate(const std::vector<GenerationRequest>& requests, const ResultHandler& on_result,
                        const StopCheck& should_stop = {}) = 0;

  // For each request and each of its continuations: log P(continuation | prompt), the sum of the
  // log-softmax of the raw logits (temperature 1) over the continuation's tokens. Out-of-range
  // ids, empty continuations or too-long sequences throw sl::UsageError naming the request.
  virtual std::vector<std::vector<double>> score(const std::vector<ScoreRequest>& requests) = 0;
};

}  // namespace sl::local
