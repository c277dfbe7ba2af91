// Batched generation with a KV cache and continuous batching.
//
// Up to max_batch sequences live in KV-cache slots 0..live-1. Each loop iteration runs one
// forward pass: either a prefill of newly admitted prompts (packed, no padding), or one decode
// step for every live sequence. A finished sequence leaves at once (its slot is refilled by the
// last live sequence, so live slots stay contiguous) and stops costing compute; free slots are
// refilled from the queue once enough of them are free to make a prefill pass worthwhile.
//
// On a GPU the KV cache is allocated once per run at its full size, from the memory left under
// SL_GPU_MEMORY_FRACTION of the device's total after the weights and a reserve for the
// activations of one forward pass (as vLLM's gpu_memory_utilization): every slot holds the
// longest request, and fewer slots than max_batch are used when they would not fit. On the
// CPU the cache grows on demand and the fraction is not read.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sl/local/runtime/generate/token_sampler.hpp"
#include "sl/local/runtime/model/attention.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"

namespace sl {
class Progress;
}

namespace sl::local {

struct SequenceRequest {
  std::vector<std::int32_t> prompt;
  std::int64_t max_new_tokens = 16;  // >= 1
  TokenChoiceParams sampling;        // step is filled in per token
  int adapter = 0;
};

struct SequenceOutput {
  std::vector<std::int32_t> tokens;  // generated, including the stop token when there is one
  std::vector<TokenChoice> choices;  // per token, when sampling.logprobs >= 0
  bool stopped = false;              // ended on a stop token (else: max_new_tokens)
};

struct GeneratorOptions {
  int max_batch = 64;
  // Prompt tokens per prefill pass at most; longer prompts and larger batches are prefilled in
  // several passes (bounds activation memory). On the CPU 2k-token passes ran as fast as 4k
  // ones, 1k about 8% slower with 2 threads (docs/local-runtime.md).
  std::int64_t max_prefill_tokens = 2048;
  std::vector<std::int32_t> stop_tokens = {};
  // Sample only ids below this (the tokenizer's vocabulary; checkpoints such as Qwen2.5 pad
  // their embedding matrix with rows no token uses); 0 = every row of the LM head.
  std::int64_t sample_vocab = 0;
};

// Time and tokens spent, for benchmarks and logs.
struct GeneratorStats {
  std::int64_t prefill_tokens = 0, decode_tokens = 0, prefill_passes = 0, decode_passes = 0;
  double prefill_seconds = 0, decode_seconds = 0;
};

class Generator {
 public:
  Generator(const CausalLM& model, GeneratorOptions options);

  using Handler = std::function<void(std::size_t index, SequenceOutput output)>;
  // Generates every request; `on_done` runs as each finishes. Returns false when `should_stop`
  // ended the run early (unfinished requests get no call).
  bool run(const std::vector<SequenceRequest>& requests, const Handler& on_done,
           const std::function<bool()>& should_stop = {}, Progress* progress = nullptr);

  const GeneratorStats& stats() const { return stats_; }
  // Sequences decoded together in the last run (max_batch, or fewer where the GPU's KV-cache
  // budget holds fewer), and that budget in bytes (0 on the CPU: no budget).
  int batch_slots() const { return static_cast<int>(cache_.slots()); }
  std::int64_t kv_cache_budget_bytes() const { return kv_budget_bytes_; }

 private:
  struct Live {
    std::size_t request = 0;
    std::int64_t cached = 0;  // tokens of this sequence in its KV-cache slot
    std::int64_t prompt_done = 0;
    std::int32_t next_input = 0;  // the last chosen token, fed in the next decode step
    bool finished = false;
    SequenceOutput out;
  };

  void prefill(std::vector<Live>& live, std::size_t first_new, const std::vector<SequenceRequest>& requests);
  void decode(std::vector<Live>& live, const std::vector<SequenceRequest>& requests);
  // Logits of the ids that may be sampled.
  torch::Tensor sampled_logits(const torch::Tensor& hidden) const;
  // Records the chosen token; true when the sequence is finished.
  bool accept(Live& seq, const SequenceRequest& request, const TokenChoice& choice);
  // On a GPU: a cache of full length for the longest request, in as many slots as the budget holds.
  void size_cache_for(const std::vector<SequenceRequest>& requests);

  const CausalLM& model_;
  GeneratorOptions options_;
  std::vector<bool> is_stop_;
  KvCache cache_;
  std::int64_t kv_budget_bytes_ = 0;
  GeneratorStats stats_;
};

}  // namespace sl::local
