#include "sl/local/runtime/generate/local_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_set>

#include "sl/core/error.hpp"
#include "sl/core/progress.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/compute/torch_compat.hpp"
#include "sl/local/runtime/generate/generator.hpp"
#include "sl/local/runtime/io/model_locator.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/lora_adapter.hpp"
#include "sl/local/runtime/model/model_config.hpp"
#include "sl/local/text/chat_template.hpp"
#include "sl/local/text/tokenizer.hpp"

namespace sl::local {

namespace fs = std::filesystem;

namespace {

template <class Fn>
decltype(auto) torch_errors_to_sl(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const c10::Error& e) {
    throw Error(what + ": " + e.what_without_backtrace());
  }
}

class LocalEngine final : public Engine {
 public:
  explicit LocalEngine(const EngineOptions& options) : options_(options) {
    const auto t0 = std::chrono::steady_clock::now();
    const fs::path dir = resolve_model_dir(options.model);
    info_.dir = dir;
    info_.threads = configure_threads(options.threads);
    const ComputeDevice device = choose_device(options.device);
    if (device.is_cpu()) keep_freed_memory_for_reuse();

    // Text side first: a missing tokenizer should fail before gigabytes of weights are read.
    std::error_code ec;
    if (!fs::exists(dir / "tokenizer.json", ec)) throw UsageError(dir.string() + ": tokenizer.json is missing");
    tokenizer_ = Tokenizer::from_file(dir / "tokenizer.json");
    if (fs::exists(dir / "tokenizer_config.json", ec) || fs::exists(dir / "chat_template.jinja", ec)) {
      tokenizer_config_ = TokenizerConfig::from_folder(dir);
      if (tokenizer_config_.chat_template)
        chat_template_ = ChatTemplate::compile(
            *tokenizer_config_.chat_template,
            (fs::exists(dir / "chat_template.jinja", ec) ? dir / "chat_template.jinja" : dir / "tokenizer_config.json")
                .string());
      template_variables_ = special_token_variables(tokenizer_config_);
    }

    model_ = torch_errors_to_sl("loading " + dir.string(), [&] { return load_causal_lm(dir, device); });
    const ModelConfig& config = model_->config();
    if (static_cast<std::int64_t>(tokenizer_->vocab_size()) > config.vocab_size)
      throw UsageError(dir.string() + ": tokenizer.json has " + std::to_string(tokenizer_->vocab_size()) +
                       " tokens but the model only " + std::to_string(config.vocab_size) + " (config.json vocab_size)");

    // Stop on every end id the checkpoint names: config.json, generation_config.json and the
    // tokenizer's eos_token (Qwen2.5-Instruct: <|im_end|> and <|endoftext|>; Llama 3.1: three).
    std::vector<std::int32_t> stops = config.eos_token_ids;
    if (fs::exists(dir / "generation_config.json", ec)) {
      for (auto id : GenerationDefaults::from_file(dir / "generation_config.json").eos_token_ids) stops.push_back(id);
    }
    if (tokenizer_config_.eos_token) {
      if (auto id = tokenizer_->token_to_id(*tokenizer_config_.eos_token)) stops.push_back(*id);
    }
    std::unordered_set<std::int32_t> seen;
    for (auto id : stops)
      if (id < config.vocab_size && seen.insert(id).second) info_.stop_token_ids.push_back(id);
    if (info_.stop_token_ids.empty())
      spdlog::warn(
          "{}: no eos token id in config.json, generation_config.json or tokenizer_config.json; "
          "completions end only at max_tokens",
          dir.string());

    // Adapters stay unmerged: request k's rows get adapter k's deltas, others the base weights.
    for (std::size_t i = 0; i < options.adapters.size(); ++i) {
      const auto& a = options.adapters[i];
      if (a.name.empty()) throw UsageError("LoRA adapter " + a.dir.string() + " has no name");
      if (std::find(info_.adapters.begin(), info_.adapters.end(), a.name) != info_.adapters.end())
        throw UsageError("two LoRA adapters are named \"" + a.name + "\"");
      torch_errors_to_sl("loading adapter " + a.dir.string(),
                         [&] { attach_lora_adapter(*model_, a.dir, static_cast<int>(i) + 1); });
      info_.adapters.push_back(a.name);
    }

    info_.architecture = config.architecture;
    info_.device = device.name();
    info_.dtype = device.dtype == torch::kBFloat16 ? "bfloat16" : "float32";
    info_.parameters = model_->parameter_count();
    info_.vocab_size = config.vocab_size;
    info_.max_model_len = options.max_model_len > 0 ? std::min(options.max_model_len, config.max_position_embeddings)
                                                    : config.max_position_embeddings;

    GeneratorOptions g;
    g.max_batch = std::max(1, options.max_batch);
    g.max_prefill_tokens = options.max_prefill_tokens > 0 ? options.max_prefill_tokens : device.is_cpu() ? 2048 : 8192;
    g.stop_tokens = info_.stop_token_ids;
    g.sample_vocab = static_cast<std::int64_t>(tokenizer_->vocab_size());
    generator_ = std::make_unique<Generator>(*model_, g);

    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double params = static_cast<double>(info_.parameters);
    const std::string count = params >= 1e9   ? fmt::format("{:.2f}B", params / 1e9)
                              : params >= 1e6 ? fmt::format("{:.1f}M", params / 1e6)
                                              : fmt::format("{:.1f}k", params / 1e3);
    spdlog::info("loaded {} ({}, {} parameters{}) from {} on {} ({}, {} thread(s)) in {:.1f}s", options.model,
                 info_.architecture, count,
                 info_.adapters.empty() ? "" : fmt::format(", {} LoRA adapter(s)", info_.adapters.size()), dir.string(),
                 info_.device, info_.dtype, info_.threads, secs);
  }

  const ModelInfo& info() const override { return info_; }
  std::shared_ptr<const Tokenizer> tokenizer() const override { return tokenizer_; }

  std::vector<std::int32_t> prompt_ids(const GenerationRequest& request) const override {
    if (request.messages.empty()) return request.prompt_ids;
    if (!chat_template_)
      throw UsageError(info_.dir.string() +
                       ": the model has no chat_template (tokenizer_config.json or chat_template.jinja); "
                       "send prompt token ids instead of messages");
    Json messages = Json::array();
    for (const auto& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    const std::string text = chat_template_->render(messages, /*add_generation_prompt=*/true, template_variables_);
    return tokenizer_->encode(text, /*add_special_tokens=*/false);
  }

  void generate(const std::vector<GenerationRequest>& requests, const ResultHandler& on_result,
                const StopCheck& should_stop) override {
    std::vector<SequenceRequest> sequences;
    sequences.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) sequences.push_back(prepare(requests[i], i));
    if (sequences.empty()) return;

    std::optional<Progress> progress;
    if (options_.show_progress) progress.emplace("generating", sequences.size());
    torch_errors_to_sl("generating with " + options_.model, [&] {
      generator_->run(
          sequences,
          [&](std::size_t index, SequenceOutput out) {
            on_result(index, to_result(sequences[index], requests[index], out));
          },
          should_stop, progress ? &*progress : nullptr);
    });
    if (progress) progress->finish();
  }

  std::vector<std::vector<double>> score(const std::vector<ScoreRequest>& requests) override {
    // Every (prompt + continuation) is one packed sequence of a forward pass without a cache;
    // passes hold up to max_prefill_tokens rows so that activations stay bounded.
    struct Item {
      std::size_t request, continuation;
      std::vector<std::int32_t> ids;
      std::int64_t prompt_len;
      int adapter;
    };
    std::vector<Item> items;
    std::vector<std::vector<double>> out(requests.size());
    for (std::size_t r = 0; r < requests.size(); ++r) {
      const auto& req = requests[r];
      GenerationRequest as_generation;
      as_generation.messages = req.messages;
      as_generation.prompt_ids = req.prompt_ids;
      as_generation.adapter = req.adapter;
      as_generation.max_tokens = 1;
      SequenceRequest prompt = prepare(as_generation, r);
      out[r].resize(req.continuations.size());
      for (std::size_t c = 0; c < req.continuations.size(); ++c) {
        const auto& cont = req.continuations[c];
        if (cont.empty())
          throw UsageError("score request " + std::to_string(r) + ": continuation " + std::to_string(c) + " is empty");
        Item item{r, c, prompt.prompt, static_cast<std::int64_t>(prompt.prompt.size()), prompt.adapter};
        for (auto id : cont) {
          // Both bounds: Qwen2.5 pads its LM head beyond the tokenizer's ids, which are never scored.
          if (id < 0 || id >= info_.vocab_size || id >= static_cast<std::int32_t>(tokenizer_->vocab_size()))
            throw UsageError("score request " + std::to_string(r) + ": token id " + std::to_string(id) +
                             " is outside the vocabulary");
          item.ids.push_back(id);
        }
        // The last token is predicted, never fed: the sequence stops one short.
        if (static_cast<std::int64_t>(item.ids.size()) - 1 > info_.max_model_len)
          throw UsageError("score request " + std::to_string(r) + ": prompt + continuation exceed the model's context");
        items.push_back(std::move(item));
      }
    }
    const std::int64_t budget = options_.max_prefill_tokens > 0 ? options_.max_prefill_tokens : 2048;
    torch_errors_to_sl("scoring with " + options_.model, [&] {
      torch::InferenceMode guard;
      const auto& device = model_->device();
      std::size_t begin = 0;
      while (begin < items.size()) {
        std::size_t end = begin;
        std::int64_t rows = 0;
        std::vector<SequenceChunk> chunks;
        std::vector<std::int64_t> input;
        while (end < items.size() &&
               (end == begin || rows + static_cast<std::int64_t>(items[end].ids.size()) - 1 <= budget)) {
          const auto& it = items[end];
          const std::int64_t n = static_cast<std::int64_t>(it.ids.size()) - 1;
          chunks.push_back({0, 0, n, it.adapter});
          input.insert(input.end(), it.ids.begin(), it.ids.end() - 1);
          rows += n;
          ++end;
        }
        ForwardBatch batch(chunks, nullptr, device);
        auto ids = compat::upload(input, torch::kInt64, device.device);
        auto hidden = model_->forward(ids, batch);
        // Rows that predict continuation tokens: positions prompt_len-1 .. n-1 of each sequence.
        std::vector<std::int64_t> rows_wanted, targets;
        std::int64_t offset = 0;
        for (std::size_t k = begin; k < end; ++k) {
          const auto& it = items[k];
          const std::int64_t n = static_cast<std::int64_t>(it.ids.size()) - 1;
          for (std::int64_t t = it.prompt_len - 1; t < n; ++t) {
            rows_wanted.push_back(offset + t);
            targets.push_back(it.ids[static_cast<std::size_t>(t + 1)]);
          }
          offset += n;
        }
        auto logits = model_->logits(hidden.index_select(0, compat::upload(rows_wanted, torch::kInt64, device.device)));
        // As in sampling: only ids the tokenizer has (Qwen2.5 pads its LM head).
        const auto vocab = static_cast<std::int64_t>(tokenizer_->vocab_size());
        if (vocab < logits.size(1)) logits = logits.narrow(1, 0, vocab);
        auto logprobs = torch::log_softmax(logits.to(torch::kFloat64), 1)
                            .gather(1, compat::upload(targets, torch::kInt64, device.device).unsqueeze(1))
                            .squeeze(1)
                            .to(torch::kCPU);
        auto lp = logprobs.accessor<double, 1>();
        std::int64_t pos = 0;
        for (std::size_t k = begin; k < end; ++k) {
          const auto& it = items[k];
          const std::size_t length = it.ids.size() - static_cast<std::size_t>(it.prompt_len);
          double sum = 0;
          for (std::size_t t = 0; t < length; ++t) sum += lp[pos++];
          out[it.request][it.continuation] = sum;
        }
        begin = end;
      }
    });
    return out;
  }

 private:
  SequenceRequest prepare(const GenerationRequest& r, std::size_t index) const {
    auto fail = [&](const std::string& what) -> void {
      throw UsageError("request " + std::to_string(index) + ": " + what);
    };
    if (!(r.temperature >= 0) || !std::isfinite(r.temperature)) fail("temperature must be a number >= 0");
    if (!(r.top_p > 0 && r.top_p <= 1)) fail("top_p must be above 0 and at most 1");
    if (r.max_tokens && *r.max_tokens < 1) fail("max_tokens must be at least 1");
    if (r.logprobs && *r.logprobs < 0) fail("logprobs must be >= 0");
    SequenceRequest s;
    try {
      s.prompt = prompt_ids(r);
    } catch (const UsageError& e) {  // e.g. the template's raise_exception("roles must alternate")
      fail(e.what());
    }
    if (s.prompt.empty()) fail("the prompt is empty");
    for (auto id : s.prompt)
      if (id < 0 || id >= info_.vocab_size)
        fail("prompt token id " + std::to_string(id) + " is outside the vocabulary");
    const auto room = info_.max_model_len - static_cast<std::int64_t>(s.prompt.size());
    if (room < 1)
      fail("the prompt has " + std::to_string(s.prompt.size()) + " tokens, the model's context is " +
           std::to_string(info_.max_model_len));
    s.max_new_tokens = r.max_tokens ? std::min(*r.max_tokens, room) : room;
    s.sampling.temperature = r.temperature;
    s.sampling.top_p = r.top_p;
    s.sampling.seed = r.seed;
    s.sampling.logprobs = r.logprobs ? *r.logprobs : -1;
    if (!r.adapter.empty()) {
      auto it = std::find(info_.adapters.begin(), info_.adapters.end(), r.adapter);
      if (it == info_.adapters.end()) fail("unknown adapter \"" + r.adapter + "\"");
      s.adapter = static_cast<int>(it - info_.adapters.begin()) + 1;
    }
    return s;
  }

  GenerationResult to_result(const SequenceRequest& s, const GenerationRequest& r, const SequenceOutput& out) const {
    GenerationResult result;
    result.token_ids = out.tokens;
    result.finish_reason = out.stopped ? "stop" : "length";
    result.prompt_tokens = static_cast<std::int64_t>(s.prompt.size());
    std::span<const std::int32_t> text_ids(out.tokens);
    if (out.stopped) text_ids = text_ids.first(text_ids.size() - 1);
    result.text = tokenizer_->decode(text_ids, /*skip_special_tokens=*/true);
    if (r.logprobs) {
      auto token = [&](std::int32_t id, float lp) {
        const std::int32_t one[1] = {id};
        return TokenLogprob{id, tokenizer_->decode(one, /*skip_special_tokens=*/false), lp};
      };
      for (const auto& c : out.choices) {
        TokenLogprobs t;
        t.chosen = token(c.token, c.logprob);
        for (const auto& [id, lp] : c.top) t.top.push_back(token(id, lp));
        result.logprobs.push_back(std::move(t));
      }
    }
    return result;
  }

  EngineOptions options_;
  ModelInfo info_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  TokenizerConfig tokenizer_config_;
  std::shared_ptr<const ChatTemplate> chat_template_;
  Json template_variables_ = Json::object();
  std::unique_ptr<CausalLM> model_;
  std::unique_ptr<Generator> generator_;
};

}  // namespace

std::unique_ptr<Engine> load_local_engine(const EngineOptions& options) {
  return std::make_unique<LocalEngine>(options);
}

}  // namespace sl::local
