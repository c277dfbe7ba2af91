// Choosing each sequence's next token from its logits: greedy, temperature, top_p, plus the
// log-probabilities callers asked for.
//
// Randomness is per sequence and counter-based: draw `step` of a sequence seeded `seed` is
// uniform_draw(seed, step), whatever else shares the batch, so a request's completion depends
// only on its own seed (and the model).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace sl::local {

struct TokenChoiceParams {
  double temperature = 1.0;  // 0 = greedy
  double top_p = 1.0;
  std::uint64_t seed = 0;
  std::uint64_t step = 0;  // index of the token being chosen in its completion
  int logprobs = -1;       // k >= 0: report the chosen token's log-probability and the top k
};

struct TokenChoice {
  std::int32_t token = 0;
  float logprob = 0;                                // log-softmax of the raw logits
  std::vector<std::pair<std::int32_t, float>> top;  // most likely first
};

// A uniform double in [0, 1) (53 random bits) from stream `seed` at position `step`.
double uniform_draw(std::uint64_t seed, std::uint64_t step);

// logits: [B, V] float32 on any device; params: one per row.
std::vector<TokenChoice> choose_tokens(const torch::Tensor& logits, std::span<const TokenChoiceParams> params);

}  // namespace sl::local
