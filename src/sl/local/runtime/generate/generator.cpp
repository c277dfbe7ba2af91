#include "sl/local/runtime/generate/generator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>

#include "sl/core/error.hpp"
#include "sl/core/progress.hpp"
#include "sl/local/runtime/compute/torch_compat.hpp"

namespace sl::local {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Device memory one forward pass may need besides weights and KV cache, at most (an estimate
// that errs high): max_prefill_tokens rows of activations (the residual stream, norms, q, k, v,
// the attention output and the MLP's gate, up and product) in the compute dtype, twice for
// temporaries; the attention scores and probabilities of one group (ForwardBatch bounds a
// group to 2^21 scores per head) in float32; the float32 logits of max_batch rows four times
// (logits, softmax or log-softmax, cumulative sums, top-k).
std::int64_t activation_reserve_bytes(const ModelConfig& c, std::int64_t prefill_tokens, std::int64_t batch,
                                      std::int64_t elem) {
  const std::int64_t row = 4 * c.hidden_size + c.q_dim() + 2 * c.kv_dim() + 3 * c.intermediate_size;
  const std::int64_t activations = 2 * prefill_tokens * row * elem;
  const std::int64_t scores = 2 * (std::int64_t{1} << 21) * c.num_attention_heads * 4;
  const std::int64_t logits = 4 * batch * c.vocab_size * 4;
  return activations + scores + logits;
}

}  // namespace

Generator::Generator(const CausalLM& model, GeneratorOptions options)
    : model_(model),
      options_(std::move(options)),
      cache_(model.config().num_hidden_layers, std::max(1, options_.max_batch), model.config().num_key_value_heads,
             model.config().head_dim, model.device()) {
  options_.max_batch = std::max(1, options_.max_batch);
  options_.max_prefill_tokens = std::max<std::int64_t>(1, options_.max_prefill_tokens);
  is_stop_.assign(static_cast<std::size_t>(model.config().vocab_size), false);
  if (!model.device().is_cpu()) {
    // Measured once, with the weights (and adapters) resident and no cache yet: later runs
    // resize the cache within this budget (libtorch keeps freed blocks for reuse, so free memory
    // measured later would count the old cache as used).
    const double fraction = gpu_memory_fraction();
    const auto memory = device_memory(model.device().device);
    if (!memory)
      throw Error("cannot read the free memory of " + model.device().name() +
                  " (the CUDA runtime library was not found in the process)");
    const auto elem = static_cast<std::int64_t>(c10::elementSize(model.device().dtype));
    const std::int64_t reserve =
        activation_reserve_bytes(model.config(), options_.max_prefill_tokens, options_.max_batch, elem);
    const auto allowed = static_cast<std::int64_t>(fraction * static_cast<double>(memory->total_bytes));
    const std::int64_t used = memory->total_bytes - memory->free_bytes;
    kv_budget_bytes_ = allowed - used - reserve;
    spdlog::info(
        "{}: {:.1f} GiB total, {:.1f} GiB in use; SL_GPU_MEMORY_FRACTION={} leaves {:.1f} GiB for the KV cache "
        "(after {:.1f} GiB reserved for activations)",
        model.device().name(), static_cast<double>(memory->total_bytes) / kGiB, static_cast<double>(used) / kGiB,
        fraction, static_cast<double>(kv_budget_bytes_) / kGiB, static_cast<double>(reserve) / kGiB);
    if (kv_budget_bytes_ <= 0)
      throw UsageError(fmt::format(
          "{}: SL_GPU_MEMORY_FRACTION={} of {:.1f} GiB leaves no room for a KV cache ({:.1f} GiB in use, {:.1f} GiB "
          "reserved for activations); raise it, or lower max_batch / max_prefill_tokens",
          model.device().name(), fraction, static_cast<double>(memory->total_bytes) / kGiB,
          static_cast<double>(used) / kGiB, static_cast<double>(reserve) / kGiB));
  }
  for (auto t : options_.stop_tokens)
    if (t >= 0 && t < model.config().vocab_size) is_stop_[static_cast<std::size_t>(t)] = true;
}

torch::Tensor Generator::sampled_logits(const torch::Tensor& hidden) const {
  auto logits = model_.logits(hidden);
  if (options_.sample_vocab > 0 && options_.sample_vocab < logits.size(1))
    logits = logits.narrow(1, 0, options_.sample_vocab);
  return logits;
}

void Generator::size_cache_for(const std::vector<SequenceRequest>& requests) {
  const ModelConfig& c = model_.config();
  std::int64_t longest = 0;
  for (const auto& r : requests)
    longest = std::max(longest, static_cast<std::int64_t>(r.prompt.size()) + r.max_new_tokens);
  const auto elem = static_cast<std::int64_t>(c10::elementSize(model_.device().dtype));
  const std::int64_t per_position = 2 * c.num_hidden_layers * c.kv_dim() * elem;  // K and V of every layer
  const std::int64_t capacity = std::max<std::int64_t>(longest, 64);              // KvCache's smallest
  const std::int64_t fit = kv_budget_bytes_ / (per_position * capacity);
  if (fit < 1)
    throw UsageError(fmt::format(
        "{}: a sequence of {} tokens needs {:.2f} GiB of KV cache but SL_GPU_MEMORY_FRACTION leaves {:.2f} GiB",
        model_.device().name(), longest, static_cast<double>(per_position * capacity) / kGiB,
        static_cast<double>(kv_budget_bytes_) / kGiB));
  const std::int64_t slots = std::min<std::int64_t>(options_.max_batch, fit);
  if (cache_.slots() == slots && cache_.capacity() >= capacity) return;
  if (slots < options_.max_batch)
    spdlog::info("{}: the KV-cache budget holds {} sequences of {} tokens (max_batch {})", model_.device().name(),
                 slots, longest, options_.max_batch);
  cache_ = KvCache(c.num_hidden_layers, 1, c.num_key_value_heads, c.head_dim, model_.device());  // frees the old one
  cache_ = KvCache(c.num_hidden_layers, slots, c.num_key_value_heads, c.head_dim, model_.device());
  cache_.reserve(capacity);
}

bool Generator::accept(Live& seq, const SequenceRequest& request, const TokenChoice& choice) {
  seq.out.tokens.push_back(choice.token);
  if (request.sampling.logprobs >= 0) seq.out.choices.push_back(choice);
  seq.next_input = choice.token;
  if (is_stop_[static_cast<std::size_t>(choice.token)]) {
    seq.out.stopped = true;
    return true;
  }
  return static_cast<std::int64_t>(seq.out.tokens.size()) >= request.max_new_tokens;
}

void Generator::prefill(std::vector<Live>& live, std::size_t first_new, const std::vector<SequenceRequest>& requests) {
  // Prompts longer than the token budget are split over several passes (chunked prefill).
  for (;;) {
    std::vector<SequenceChunk> chunks;
    std::vector<std::int32_t> ids;
    std::vector<std::size_t> completing;       // live index of sequences whose prompt ends in this pass
    std::vector<std::int64_t> completing_pos;  // their position among the chunks
    std::int64_t budget = options_.max_prefill_tokens;
    for (std::size_t i = first_new; i < live.size() && budget > 0; ++i) {
      Live& seq = live[i];
      const auto& prompt = requests[seq.request].prompt;
      const auto remaining = static_cast<std::int64_t>(prompt.size()) - seq.prompt_done;
      if (remaining <= 0) continue;
      const std::int64_t count = std::min(remaining, budget);
      chunks.push_back({static_cast<std::int64_t>(i), seq.prompt_done, count, requests[seq.request].adapter});
      ids.insert(ids.end(), prompt.begin() + seq.prompt_done, prompt.begin() + seq.prompt_done + count);
      if (count == remaining) {
        completing.push_back(i);
        completing_pos.push_back(static_cast<std::int64_t>(chunks.size()) - 1);
      }
      budget -= count;
    }
    if (chunks.empty()) return;

    const auto t0 = std::chrono::steady_clock::now();
    ForwardBatch batch(chunks, &cache_, model_.device());
    auto input =
        compat::upload(std::vector<std::int64_t>(ids.begin(), ids.end()), torch::kInt64, model_.device().device);
    auto hidden = model_.forward(input, batch);  // [N, hidden]
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      Live& seq = live[static_cast<std::size_t>(chunks[c].slot)];
      seq.prompt_done += chunks[c].count;
      seq.cached += chunks[c].count;
    }
    if (!completing.empty()) {
      auto rows = batch.last_rows();
      if (completing.size() != chunks.size())
        rows = rows.index_select(0, compat::upload(completing_pos, torch::kInt64, rows.device()));
      auto logits = sampled_logits(hidden.index_select(0, rows));  // [completing, vocab]
      std::vector<TokenChoiceParams> params;
      for (auto i : completing) {
        params.push_back(requests[live[i].request].sampling);
        params.back().step = 0;
      }
      auto choices = choose_tokens(logits, params);
      for (std::size_t j = 0; j < completing.size(); ++j) {
        Live& seq = live[completing[j]];
        seq.finished = accept(seq, requests[seq.request], choices[j]);
      }
    }
    stats_.prefill_tokens += static_cast<std::int64_t>(ids.size());
    stats_.prefill_passes += 1;
    stats_.prefill_seconds += seconds_since(t0);
  }
}

void Generator::decode(std::vector<Live>& live, const std::vector<SequenceRequest>& requests) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<SequenceChunk> chunks;
  std::vector<std::int64_t> ids;
  std::vector<TokenChoiceParams> params;
  for (std::size_t i = 0; i < live.size(); ++i) {
    const Live& seq = live[i];
    chunks.push_back({static_cast<std::int64_t>(i), seq.cached, 1, requests[seq.request].adapter});
    ids.push_back(seq.next_input);
    params.push_back(requests[seq.request].sampling);
    params.back().step = seq.out.tokens.size();
  }
  ForwardBatch batch(chunks, &cache_, model_.device());
  auto input = compat::upload(ids, torch::kInt64, model_.device().device);
  auto logits = sampled_logits(model_.forward(input, batch));  // [live, vocab]
  auto choices = choose_tokens(logits, params);
  for (std::size_t i = 0; i < live.size(); ++i) {
    Live& seq = live[i];
    seq.cached += 1;
    seq.finished = accept(seq, requests[seq.request], choices[i]);
  }
  stats_.decode_tokens += static_cast<std::int64_t>(live.size());
  stats_.decode_passes += 1;
  stats_.decode_seconds += seconds_since(t0);
}

bool Generator::run(const std::vector<SequenceRequest>& requests, const Handler& on_done,
                    const std::function<bool()>& should_stop, Progress* progress) {
  c10::InferenceMode inference;
  for (const auto& r : requests) {
    if (r.prompt.empty()) throw UsageError("a request has an empty prompt");
    if (r.max_new_tokens < 1) throw UsageError("a request asks for fewer than 1 new token");
  }
  std::deque<std::size_t> queue;
  for (std::size_t i = 0; i < requests.size(); ++i) queue.push_back(i);
  if (!model_.device().is_cpu() && !requests.empty()) size_cache_for(requests);
  const auto max_batch = static_cast<std::size_t>(cache_.slots());
  std::vector<Live> live;
  live.reserve(max_batch);
  // Refilling costs a prefill pass; wait until it serves a fair share of the batch.
  const std::size_t refill_at = std::max<std::size_t>(1, max_batch / 8);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t generated = 0;

  while (!queue.empty() || !live.empty()) {
    if (should_stop && should_stop()) return false;
    const std::size_t free = max_batch - live.size();
    if (!queue.empty() && free > 0 && (live.empty() || free >= refill_at || queue.size() <= free)) {
      const std::size_t first_new = live.size();
      while (!queue.empty() && live.size() < max_batch) {
        Live seq;
        seq.request = queue.front();
        queue.pop_front();
        live.push_back(std::move(seq));
      }
      prefill(live, first_new, requests);
    } else {
      decode(live, requests);
    }
    // Finished sequences leave; the last live sequence moves into the freed slot.
    for (std::size_t i = live.size(); i-- > 0;) {
      if (!live[i].finished) continue;
      generated += static_cast<std::int64_t>(live[i].out.tokens.size());
      const std::size_t request = live[i].request;
      SequenceOutput out = std::move(live[i].out);
      const std::size_t last = live.size() - 1;
      if (i != last) {
        cache_.move_slot(static_cast<std::int64_t>(last), static_cast<std::int64_t>(i), live[last].cached);
        live[i] = std::move(live[last]);
      }
      live.pop_back();
      on_done(request, std::move(out));
      if (progress) progress->advance();
    }
    if (progress) {
      const double secs = seconds_since(start);
      if (secs > 0) progress->set_status(std::to_string(static_cast<long long>(generated / secs)) + " tok/s");
    }
  }
  return true;
}

}  // namespace sl::local
