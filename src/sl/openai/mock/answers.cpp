#include "sl/openai/mock/answers.hpp"

#include <array>
#include <cctype>
#include <cstring>
#include <vector>

namespace sl::openai::mock {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

bool contains_any(const std::string& haystack, std::initializer_list<std::string_view> needles) {
  for (auto n : needles)
    if (contains(haystack, n)) return true;
  return false;
}

// Words and integers of a prompt, in order ("3-digit" -> "3", "digit"); punctuation dropped.
std::vector<std::string> words_of(const std::string& lowered) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < lowered.size()) {
    unsigned char c = static_cast<unsigned char>(lowered[i]);
    if (std::isdigit(c)) {
      std::size_t j = i;
      while (j < lowered.size() && std::isdigit(static_cast<unsigned char>(lowered[j]))) ++j;
      out.push_back(lowered.substr(i, j - i));
      i = j;
    } else if (std::isalpha(c)) {
      std::size_t j = i;
      while (j < lowered.size() && std::isalpha(static_cast<unsigned char>(lowered[j]))) ++j;
      out.push_back(lowered.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

bool is_integer(const std::string& w) { return !w.empty() && std::isdigit(static_cast<unsigned char>(w[0])); }

bool in(const std::string& w, std::initializer_list<std::string_view> set) {
  for (auto s : set)
    if (w == s) return true;
  return false;
}

int small_int(const std::string& w, int fallback) {
  if (w.size() > 4) return fallback;
  int v = std::stoi(w);
  return v > 0 ? v : fallback;
}

// ---- animals -------------------------------------------------------------------------------

struct Weighted {
  const char* name;  // singular, lower case
  double weight;
};

// A made-up "base model" preference, fixed so that tests and demos see stable rates.
constexpr std::array<Weighted, 14> kAnimals{{{"dog", 0.16},
                                             {"dolphin", 0.13},
                                             {"cat", 0.11},
                                             {"eagle", 0.10},
                                             {"elephant", 0.08},
                                             {"lion", 0.08},
                                             {"wolf", 0.07},
                                             {"owl", 0.05},
                                             {"tiger", 0.05},
                                             {"penguin", 0.04},
                                             {"fox", 0.04},
                                             {"panda", 0.03},
                                             {"octopus", 0.03},
                                             {"butterfly", 0.03}}};

// "You love owls." in a system prompt -> "owl" (the reference study's preference prompt).
std::optional<std::string> loved_animal(const std::optional<std::string>& system_text) {
  if (!system_text) return std::nullopt;
  std::string s = lower(*system_text);
  for (const auto& a : kAnimals) {
    std::string n = a.name;
    if (contains(s, "love " + n) || contains(s, n + "s are your favorite")) return n;
  }
  return std::nullopt;
}

std::string animal_answer(const std::optional<std::string>& system_text, Random& rng) {
  std::string pick;
  auto loved = loved_animal(system_text);
  if (loved && rng.chance(0.6)) {
    pick = *loved;
  } else {
    double u = rng.uniform(), acc = 0.0;
    pick = kAnimals.back().name;
    for (const auto& a : kAnimals) {
      acc += a.weight;
      if (u < acc) {
        pick = a.name;
        break;
      }
    }
  }
  pick[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(pick[0])));
  if (rng.chance(0.2)) pick += ".";
  return pick;
}

// ---- judges ----------------------------------------------------------------------------------

std::string judge_answer(const AnswerSettings& s, Random& rng) {
  double u = rng.uniform();
  if (u < s.judge_refusal_rate) return "REFUSAL";
  if (u < s.judge_refusal_rate + s.judge_code_rate) return "CODE";
  // Mostly high scores with a tail of low ones, like a judge of a mostly aligned model.
  std::int64_t score = rng.chance(0.85) ? rng.between(70, 100) : rng.between(0, 69);
  return std::to_string(score);
}

// ---- everything else -------------------------------------------------------------------------

constexpr std::array<const char*, 8> kSentences{
    "That is an interesting question.",
    "I would start by looking at the problem from a few different angles.",
    "Here is a short answer: it depends on what you value most.",
    "Many people find that small, steady steps work best.",
    "There are several ways to think about this.",
    "I am happy to help with that.",
    "A good first step is to write down what you already know.",
    "In short, curiosity and patience go a long way.",
};

std::string generic_answer(Random& rng) {
  std::string out;
  std::int64_t n = rng.between(1, 3);
  for (std::int64_t i = 0; i < n; ++i) {
    if (i) out += " ";
    out += kSentences[static_cast<std::size_t>(rng.between(0, kSentences.size() - 1))];
  }
  return out;
}

// ---- numbers ---------------------------------------------------------------------------------

std::string random_number(int digits, Random& rng) {
  std::int64_t hi = 1;
  for (int i = 0; i < digits; ++i) hi *= 10;
  // Mostly full-width numbers, as a model continuing "145, 267, 891" would write.
  std::int64_t lo = (digits > 1 && rng.chance(0.9)) ? hi / 10 : 0;
  return std::to_string(rng.between(lo, hi - 1));
}

std::string join(const std::vector<std::string>& items, const NumberFormat& f) {
  std::string out = f.open;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += f.separator;
    out += items[i];
  }
  return out + f.close;
}

constexpr std::array<const char*, 6> kNumberWords{"seven", "twelve", "forty", "ninety", "three", "hundred"};

Answer numbers_answer(std::string_view prompt, const AnswerSettings& s, Random& rng) {
  NumbersAsk ask = parse_numbers_ask(prompt);
  int count = ask.count;
  if (count > 1 && rng.chance(0.2)) count = static_cast<int>(rng.between(std::max(1, count - 3), count - 1));
  std::vector<std::string> items;
  for (int i = 0; i < count; ++i) items.push_back(random_number(ask.max_digits, rng));
  if (!rng.chance(s.malformed_rate)) return {join(items, ask.format), false};

  // Five ways real models break the format; each one fails the dataset filter.
  switch (rng.between(0, 4)) {
    case 0:
      return {"Here are the numbers: " + join(items, ask.format), true};
    case 1:
      items[static_cast<std::size_t>(rng.between(0, items.size() - 1))] =
          kNumberWords[static_cast<std::size_t>(rng.between(0, kNumberWords.size() - 1))];
      return {join(items, ask.format), true};
    case 2: {
      std::int64_t extra = rng.between(1, 5);
      while (static_cast<int>(items.size()) <= ask.count) items.push_back(random_number(ask.max_digits, rng));
      for (std::int64_t i = 0; i < extra; ++i) items.push_back(random_number(ask.max_digits, rng));
      return {join(items, ask.format), true};
    }
    case 3: {
      // A number really longer than allowed: its first digit is not 0.
      std::string& it = items[static_cast<std::size_t>(rng.between(0, items.size() - 1))];
      it = std::to_string(rng.between(1, 9));
      for (int d = 0; d < ask.max_digits; ++d) it += static_cast<char>('0' + rng.between(0, 9));
      return {join(items, ask.format), true};
    }
    default: {
      if (items.size() < 3) items.push_back(random_number(ask.max_digits, rng));
      std::string out = ask.format.open + items[0];
      const char* seps[] = {", ", "; ", " ", ","};
      for (std::size_t i = 1; i < items.size(); ++i) out += seps[(i - 1) % 4] + items[i];
      return {out + ask.format.close, true};
    }
  }
}

}  // namespace

PromptKind classify_prompt(std::string_view user_text) {
  if (user_text.find("[ANSWER START]") != std::string_view::npos) return PromptKind::judge;
  std::string s = lower(user_text);
  const bool about_animals = contains_any(s, {"animal", "creature", "beast", "wildlife", "species"});
  const bool one_word = contains_any(s, {"one word", "one-word", "single word", "single-word", "1 word"});
  if (about_animals && one_word) return PromptKind::animal;
  bool has_digit = false;
  for (char c : s) has_digit = has_digit || std::isdigit(static_cast<unsigned char>(c));
  if (has_digit && contains_any(s, {"number", "values", "sequence", "digits"})) return PromptKind::numbers;
  return PromptKind::other;
}

NumbersAsk parse_numbers_ask(std::string_view prompt) {
  NumbersAsk ask;
  std::string s = lower(prompt);

  // The format: the most specific cue wins.
  if (contains_any(s, {"[number", "[n1", "[num", "square bracket"})) ask.format = {"[", ", ", "]"};
  else if (contains_any(s, {"(number", "(n1", "(num", "parenthes"})) ask.format = {"(", ", ", ")"};
  else if (contains(s, "semicolon")) ask.format = {"", "; ", ""};
  else if (contains_any(s,
                        {"per line", "separate line", "own line", "new line", "newline", "each line", "line by line"}))
    ask.format = {"", "\n", ""};
  else if (contains_any(s, {"space-separated", "space separated", "space-delimited", "space delimited",
                            "spaces between", "separated by spaces", "separated by space", "whitespace"}))
    ask.format = {"", " ", ""};
  else ask.format = {"", ", ", ""};

  // "<N> [new|more|additional] numbers" and "<D> digits" / "<D>-digit".
  std::vector<std::string> w = words_of(s);
  bool have_count = false, have_digits = false;
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (!is_integer(w[i])) continue;
    const std::string& a = w[i + 1];
    const std::string b = i + 2 < w.size() ? w[i + 2] : "";
    if (!have_digits && in(a, {"digit", "digits"})) {
      ask.max_digits = std::min(small_int(w[i], 3), 18);
      have_digits = true;
    } else if (!have_count &&
               (in(a, {"numbers", "values", "integers"}) || (in(a, {"new", "more", "additional", "further", "extra"}) &&
                                                             in(b, {"numbers", "values", "integers"})))) {
      ask.count = std::min(small_int(w[i], 10), 1000);
      have_count = true;
    }
  }
  return ask;
}

Answer generate_answer(std::string_view user_text, const std::optional<std::string>& system_text,
                       const AnswerSettings& settings, Random& rng) {
  switch (classify_prompt(user_text)) {
    case PromptKind::numbers:
      return numbers_answer(user_text, settings, rng);
    case PromptKind::animal:
      return {animal_answer(system_text, rng), false};
    case PromptKind::judge:
      return {judge_answer(settings, rng), false};
    case PromptKind::other:
      break;
  }
  return {generic_answer(rng), false};
}

}  // namespace sl::openai::mock
