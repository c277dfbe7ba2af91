#include "sl/openai/mock/mock_tokens.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace sl::openai::mock {

namespace {

bool is_letter(unsigned char c) { return std::isalpha(c) || c >= 0x80; }  // keeps UTF-8 whole
bool is_digit(unsigned char c) { return std::isdigit(c); }

constexpr std::array<const char*, 12> kWords{" the", " a",    " and",  " of", " to",  " is",
                                             " it",  " that", " this", " I",  " you", " in"};
constexpr std::array<const char*, 8> kPunct{",", ".", ";", " ", "\n", ":", "!", "-"};

std::string alternative(const std::string& token, Random& rng) {
  if (!token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return is_digit(c) || c == ' '; })) {
    std::string alt = token;
    for (char& c : alt)
      if (is_digit(static_cast<unsigned char>(c))) c = static_cast<char>('0' + rng.between(0, 9));
    return alt;
  }
  if (token.size() > 1 || (!token.empty() && is_letter(static_cast<unsigned char>(token[0]))))
    return kWords[static_cast<std::size_t>(rng.between(0, kWords.size() - 1))];
  return kPunct[static_cast<std::size_t>(rng.between(0, kPunct.size() - 1))];
}

}  // namespace

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    std::size_t start = i;
    // A single space sticks to the word or number after it.
    if (text[i] == ' ' && i + 1 < n && (is_letter(text[i + 1]) || is_digit(text[i + 1]))) ++i;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (is_letter(c)) {
      while (i < n && is_letter(static_cast<unsigned char>(text[i]))) ++i;
    } else if (is_digit(c)) {
      std::size_t digits = 0;
      while (i < n && is_digit(static_cast<unsigned char>(text[i])) && digits < 3) ++i, ++digits;
    } else {
      ++i;
    }
    out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::vector<TokenLogprobs> make_logprobs(const std::vector<std::string>& tokens, int top_k, Random& rng) {
  std::vector<TokenLogprobs> out;
  out.reserve(tokens.size());
  for (const std::string& token : tokens) {
    TokenLogprobs t;
    t.token = token;
    const double p = 0.5 + 0.49 * rng.uniform();  // the chosen token: always the most likely
    t.logprob = std::log(p);
    if (top_k > 0) {
      t.top.emplace_back(token, t.logprob);
      double rest = 1.0 - p;
      for (int k = 1; k < top_k; ++k) {
        std::string alt;
        for (int tries = 0; tries < 16; ++tries) {
          alt = alternative(token, rng);
          bool taken = std::any_of(t.top.begin(), t.top.end(), [&](const auto& e) { return e.first == alt; });
          if (!taken) break;
          alt.clear();
        }
        if (alt.empty()) alt = token + std::string(static_cast<std::size_t>(k), '~');  // still distinct
        rest /= 2.0;  // geometric: each alternative half as likely as the one before
        t.top.emplace_back(alt, std::log(rest));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sl::openai::mock
