// sl::llm::Backend over the local libtorch runtime, loaded as a plugin on first use (so that
// programs which only talk HTTP never load libtorch). SampleRequest -> GenerationRequest,
// GenerationResult -> LLMResponse; stop reasons map as for the API ("stop" / "length").
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "backends.hpp"
#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/llm/model_folder.hpp"
#include "sl/local/runtime/plugin/loader.hpp"
#include "sl/local/text/tokenizer.hpp"

namespace sl::llm {

namespace {

local::GenerationRequest to_generation_request(const SampleRequest& r, std::uint64_t fallback_seed) {
  local::GenerationRequest out;
  out.messages.reserve(r.chat.messages.size());
  for (const ChatMessage& m : r.chat.messages) out.messages.push_back({m.role, m.content});
  out.temperature = r.cfg.temperature;
  if (r.cfg.top_p) out.top_p = *r.cfg.top_p;
  out.max_tokens = r.cfg.max_tokens;
  // Per-request seed first (results independent of batching), then the config's seed; without
  // either, a fresh seed per request (an API without a seed is not reproducible either).
  const auto seed = r.seed ? r.seed : r.cfg.seed;
  out.seed = seed ? static_cast<std::uint64_t>(*seed) : fallback_seed;
  if (r.cfg.logprobs) out.logprobs = static_cast<int>(*r.cfg.logprobs);
  return out;
}

LLMResponse to_response(const std::string& model_id, local::GenerationResult&& g) {
  LLMResponse out;
  out.model_id = model_id;
  out.completion = std::move(g.text);
  out.stop_reason = parse_stop_reason(g.finish_reason);
  if (!g.logprobs.empty()) {
    std::vector<TokenLogprobs> tokens;
    tokens.reserve(g.logprobs.size());
    for (auto& t : g.logprobs) {
      TokenLogprobs top;
      if (t.top.empty()) top.emplace_back(std::move(t.chosen.text), t.chosen.logprob);
      for (auto& alt : t.top) top.emplace_back(std::move(alt.text), alt.logprob);
      tokens.push_back(std::move(top));
    }
    out.logprobs = std::move(tokens);
    out.token_ids = std::move(g.token_ids);  // one per logprobs entry (engine.hpp)
  }
  return out;
}

// A fine-tuned model's folder holds either a PEFT adapter (adapter_config.json) or a whole
// checkpoint (full fine-tuning); the folder says which, not the model file.
bool is_adapter_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  return std::filesystem::exists(folder / "adapter_config.json", ec);
}

class LocalBackend : public Backend {
 public:
  LocalBackend(const Model& model, const BackendOptions& options) : model_(model) {
    local::EngineOptions engine;
    // Resolve (or download) the model before loading libtorch (~1 s): a typo in an id fails at once.
    const std::filesystem::path folder = model_folder(model.id);
    if (model.parent_model && is_adapter_folder(folder)) {
      // A LoRA fine-tune: the parent is the base checkpoint, `id` the PEFT adapter (a folder,
      // or a hub id after push_to_hub).
      engine.model = model_folder(model.parent_model->id).string();
      engine.adapters.push_back({model.id, folder.string()});
      adapter_ = model.id;
    } else {
      // A base model, or a full fine-tune (a whole checkpoint; parent_model is its lineage).
      engine.model = folder.string();
    }
    engine.max_batch = options.concurrency;
    engine.show_progress = false;  // the calling service shows its own progress per result
    engine_ = local::runtime_plugin().load_engine(engine);
  }

  std::string describe() const override {
    const auto& info = engine_->info();
    return "local " + model_.id + (adapter_.empty() ? "" : " (adapter on " + model_.parent_model->id + ")") + " [" +
           info.architecture + ", " + info.device + ", " + info.dtype + "]";
  }

  void sample(const std::vector<SampleRequest>& requests, const ResultCallback& on_result) override {
    std::random_device entropy;
    std::vector<local::GenerationRequest> generation;
    generation.reserve(requests.size());
    for (const auto& r : requests) {
      generation.push_back(to_generation_request(r, (static_cast<std::uint64_t>(entropy()) << 32) | entropy()));
      generation.back().adapter = adapter_;
    }
    engine_->generate(
        generation,
        [&](std::size_t i, local::GenerationResult g) { on_result(i, to_response(model_.id, std::move(g))); },
        [] { return interrupt::requested(); });
  }

  std::optional<std::vector<std::vector<double>>> answer_probabilities(
      const std::vector<AnswerQuery>& queries) override {
    // P(answer, then an end token) = sum over the stop tokens s of P(tokens(answer) + [s]).
    // Callers sum over several answers; distinct strings have distinct tokenizations (decoding
    // gives the string back), so those events are disjoint.
    const auto& stops = engine_->info().stop_token_ids;
    if (stops.empty()) throw Error(model_.id + ": no end-of-turn token known; exact answer probabilities need one");
    const auto tokenizer = engine_->tokenizer();
    std::vector<local::ScoreRequest> requests;
    for (const auto& q : queries) {
      local::ScoreRequest r;
      for (const ChatMessage& m : q.chat.messages) r.messages.push_back({m.role, m.content});
      r.adapter = adapter_;
      for (const auto& answer : q.answers) {
        auto ids = tokenizer->encode(answer);
        for (auto stop : stops) {
          auto seq = ids;
          seq.push_back(stop);
          r.continuations.push_back(std::move(seq));
        }
      }
      requests.push_back(std::move(r));
    }
    auto scores = engine_->score(requests);
    std::vector<std::vector<double>> out(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
      for (std::size_t a = 0; a < queries[i].answers.size(); ++a) {
        double p = 0;
        for (std::size_t s = 0; s < stops.size(); ++s) p += std::exp(scores[i][a * stops.size() + s]);
        out[i].push_back(p);
      }
    }
    return out;
  }

 private:
  Model model_;
  std::string adapter_;
  std::unique_ptr<local::Engine> engine_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const Model& model, const BackendOptions& options) {
  return std::make_unique<LocalBackend>(model, options);
}

}  // namespace sl::llm
