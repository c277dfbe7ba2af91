// A GPT-like split of text into tokens, for max_completion_tokens, usage counts and logprobs.
// Not any real tokenizer: just consistent (the tokens always join back to the text).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sl/openai/mock/mock_random.hpp"

namespace sl::openai::mock {

// Words with their leading space (" world"), digit runs in chunks of at most 3, single
// punctuation marks, newlines.
std::vector<std::string> split_tokens(std::string_view text);

struct TokenLogprobs {
  std::string token;
  double logprob = 0.0;
  // `top_k` entries, most likely first, log-probs <= 0, the chosen token among them.
  std::vector<std::pair<std::string, double>> top;
};

// Plausible log-probabilities: the chosen token is the most likely and the alternatives share
// the remaining probability mass (so the probabilities never sum above 1).
std::vector<TokenLogprobs> make_logprobs(const std::vector<std::string>& tokens, int top_k, Random& rng);

}  // namespace sl::openai::mock
