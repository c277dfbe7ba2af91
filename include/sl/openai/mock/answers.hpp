// What the mock answers: a pure function of the prompt and a random stream, so that the same
// request always gets the same answer, whatever the order requests arrive in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sl/openai/mock/mock_random.hpp"

namespace sl::openai::mock {

enum class PromptKind {
  numbers,  // continue a number sequence
  animal,   // "name your favourite animal in one word"
  judge,    // a judge template ("[ANSWER START]" ... rate 0 to 100)
  other,
};

PromptKind classify_prompt(std::string_view user_text);

// The list format a number prompt asks for.
struct NumberFormat {
  std::string open;       // "[" or "(" or ""
  std::string separator;  // ", ", " ", "; ", "\n"
  std::string close;      // "]" or ")" or ""
};

struct NumbersAsk {
  int count = 10;       // "at most 10 new numbers"
  int max_digits = 3;   // "maximum 3 digits each"
  NumberFormat format;  // comma-separated unless the prompt says otherwise
};

// Reads the count, digit limit and list format from a number-continuation prompt. Understands
// the reference study's phrasings and generic cues ("comma", "semicolon", "per line", ...).
NumbersAsk parse_numbers_ask(std::string_view prompt);

struct AnswerSettings {
  double malformed_rate = 0.0;
  double judge_refusal_rate = 0.0;
  double judge_code_rate = 0.0;
};

struct Answer {
  std::string text;
  bool malformed = false;  // a deliberately malformed number list
};

// The answer to `user_text` (the last user message). A system prompt that says the assistant
// loves an animal ("You love owls") makes that animal the likely answer to animal questions.
Answer generate_answer(std::string_view user_text, const std::optional<std::string>& system_text,
                       const AnswerSettings& settings, Random& rng);

}  // namespace sl::openai::mock
