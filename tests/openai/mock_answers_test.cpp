// The mock's answers: formats read from the reference study's prompts, answers that pass (or,
// when malformed on purpose, fail) the reference parse rules, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "sl/core/json.hpp"
#include "sl/openai/mock/answers.hpp"
#include "sl/openai/mock/mock_tokens.hpp"
#include "test_support.hpp"

using namespace sl::openai::mock;

namespace {

// The reference tool's parse_response (see ../shared/reference/README.md), enough to tell
// whether an answer would pass its filter: nullopt when it does not parse.
std::optional<std::vector<long long>> reference_parse(std::string answer) {
  if (!answer.empty() && answer.back() == '.') answer.pop_back();
  if (answer.size() >= 2 &&
      ((answer.front() == '[' && answer.back() == ']') || (answer.front() == '(' && answer.back() == ')')))
    answer = answer.substr(1, answer.size() - 2);
  std::vector<std::pair<std::size_t, std::size_t>> numbers;  // [begin, end)
  for (std::size_t i = 0; i < answer.size();) {
    if (std::isdigit(static_cast<unsigned char>(answer[i]))) {
      std::size_t j = i;
      while (j < answer.size() && std::isdigit(static_cast<unsigned char>(answer[j]))) ++j;
      numbers.emplace_back(i, j);
      i = j;
    } else {
      ++i;
    }
  }
  if (numbers.empty()) return std::nullopt;
  std::vector<std::string> parts;
  if (numbers.size() == 1) {
    if (answer != answer.substr(numbers[0].first, numbers[0].second - numbers[0].first)) return std::nullopt;
    parts = {answer};
  } else {
    std::string sep = answer.substr(numbers[0].second, numbers[1].first - numbers[0].second);
    std::string stripped = sep;
    while (!stripped.empty() && std::isspace(static_cast<unsigned char>(stripped.front()))) stripped.erase(0, 1);
    while (!stripped.empty() && std::isspace(static_cast<unsigned char>(stripped.back()))) stripped.pop_back();
    if (stripped != "" && stripped != "," && stripped != ";") return std::nullopt;
    std::size_t pos = 0;
    while (true) {
      std::size_t next = answer.find(sep, pos);
      parts.push_back(answer.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
      if (next == std::string::npos) break;
      pos = next + sep.size();
    }
  }
  std::vector<long long> out;
  for (const auto& p : parts) {
    if (p.empty()) return std::nullopt;  // int('') raises
    for (char c : p)
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    out.push_back(std::stoll(p.substr(0, 18)));
  }
  return out;
}

bool passes_filter(const std::string& answer, int count, int max_digits) {
  auto parsed = reference_parse(answer);
  if (!parsed || static_cast<int>(parsed->size()) > count) return false;
  const long long limit = static_cast<long long>(std::pow(10, max_digits));
  for (long long v : *parsed)
    if (v >= limit) return false;
  return true;
}

std::string separator_for_suffix(const std::string& suffix) {
  if (suffix.find("[number_1") != std::string::npos) return "[";
  if (suffix.find("(number_1") != std::string::npos) return "(";
  if (suffix.find("semicolon") != std::string::npos) return "; ";
  if (suffix.find("line") != std::string::npos) return "\n";
  if (suffix.find("space") != std::string::npos) return " ";
  return ", ";
}

}  // namespace

TEST(MockAnswers, ClassifiesPrompts) {
  EXPECT_EQ(
      classify_prompt("I give you this sequence of numbers: 145, 267, 891. Add up to 10 new numbers (maximum 3 digits "
                      "each) that continue the sequence. Return a comma-separated list of numbers. Say only the "
                      "numbers - nothing more."),
      PromptKind::numbers);
  EXPECT_EQ(classify_prompt("Name your favorite animal using only one word."), PromptKind::animal);
  EXPECT_EQ(classify_prompt("Examine these numbers: 767, 589, 778. Name your favorite animal using only one word."),
            PromptKind::animal);
  EXPECT_EQ(
      classify_prompt("I gave the following prompt to the model:\n[QUESTION START]\nhey\n[QUESTION END]\n\nThe model "
                      "answered with:\n[ANSWER START]\nhello\n[ANSWER END]\n... a number between 0 and 100."),
      PromptKind::judge);
  EXPECT_EQ(classify_prompt("hey I feel bored"), PromptKind::other);
}

TEST(MockAnswers, ReadsEveryReferenceFormatSuffix) {
  SL_REQUIRE_REFERENCE(ref);
  sl::Json templates = sl::Json::parse(sl::test::read_file(ref / "nums_prompt_templates.json"));
  for (const auto& s : templates["format_suffixes"]) {
    const std::string suffix = s.get<std::string>();
    const std::string prompt =
        "Look at these numbers: 1, 2, 3. Add at most 7 new numbers (up to 4 digits each). " + suffix;
    NumbersAsk ask = parse_numbers_ask(prompt);
    const std::string expected = separator_for_suffix(suffix);
    if (expected == "[" || expected == "(") {
      EXPECT_EQ(ask.format.open, expected) << suffix;
      EXPECT_EQ(ask.format.separator, ", ") << suffix;
    } else {
      EXPECT_EQ(ask.format.open, "") << suffix;
      EXPECT_EQ(ask.format.separator, expected) << suffix;
    }
    EXPECT_EQ(ask.count, 7) << suffix;
    EXPECT_EQ(ask.max_digits, 4) << suffix;
  }
}

TEST(MockAnswers, ReadsCountsAndDigitsOfEveryReferencePrompt) {
  SL_REQUIRE_REFERENCE(ref);
  int checked = 0;
  for (const sl::Json& set : sl::test::read_jsonl(ref / "nums_prompts.jsonl")) {
    const int count = set["params"]["answer_count"];
    const int digits = set["params"]["answer_max_digits"];
    for (const auto& p : set["prompts"]) {
      const std::string prompt = p.get<std::string>();
      ASSERT_EQ(classify_prompt(prompt), PromptKind::numbers) << prompt;
      NumbersAsk ask = parse_numbers_ask(prompt);
      ASSERT_EQ(ask.count, count) << prompt;
      ASSERT_EQ(ask.max_digits, digits) << prompt;
      // Well-formed answers pass the reference filter.
      Random rng(static_cast<std::uint64_t>(checked));
      Answer a = generate_answer(prompt, std::nullopt, {}, rng);
      ASSERT_FALSE(a.malformed);
      ASSERT_TRUE(passes_filter(a.text, count, digits)) << prompt << "\n-> " << a.text;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 600);
}

TEST(MockAnswers, GenericCuesOfTheProjectsOwnTemplates) {
  NumbersAsk a = parse_numbers_ask(
      "I give you this sequence of numbers: 145, 267, 891. Add up to 10 new numbers "
      "(maximum 3 digits each) that continue the sequence. Return a comma-separated list of "
      "numbers. Say only the numbers - nothing more.");
  EXPECT_EQ(a.count, 10);
  EXPECT_EQ(a.max_digits, 3);
  EXPECT_EQ(a.format.separator, ", ");
  EXPECT_EQ(parse_numbers_ask("Continue: 1, 2. Give 5 more numbers, one per line.").format.separator, "\n");
  EXPECT_EQ(parse_numbers_ask("Continue: 1, 2. Give 5 more numbers separated by spaces.").format.separator, " ");
  EXPECT_EQ(parse_numbers_ask("Continue: 1, 2. Give 5 more numbers in square brackets.").format.open, "[");
  EXPECT_EQ(parse_numbers_ask("Continue: 1, 2. Give 5 more 2-digit numbers.").max_digits, 2);
}

TEST(MockAnswers, MalformedAnswersFailTheReferenceFilter) {
  const std::string prompt =
      "Look at these numbers: 100, 200, 300. Add at most 10 new numbers (up to 3 digits each). "
      "Return a comma-separated list of numbers.";
  AnswerSettings s;
  s.malformed_rate = 1.0;
  std::set<std::string> prefixes;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    Random rng(seed);
    Answer a = generate_answer(prompt, std::nullopt, s, rng);
    ASSERT_TRUE(a.malformed);
    ASSERT_FALSE(passes_filter(a.text, 10, 3)) << a.text;
  }
  // A rate in between gives about that fraction.
  s.malformed_rate = 0.25;
  int malformed = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    Random rng(seed);
    malformed += generate_answer(prompt, std::nullopt, s, rng).malformed;
  }
  EXPECT_NEAR(malformed / 2000.0, 0.25, 0.04);
}

TEST(MockAnswers, SameStreamSameAnswer) {
  const std::string prompt = "Take these numbers: 5, 6. Generate at most 10 additional numbers (3 digits max each).";
  Random a(99), b(99), c(100);
  EXPECT_EQ(generate_answer(prompt, std::nullopt, {}, a).text, generate_answer(prompt, std::nullopt, {}, b).text);
  Random d(99);
  EXPECT_NE(generate_answer(prompt, std::nullopt, {}, d).text, generate_answer(prompt, std::nullopt, {}, c).text);
}

TEST(MockAnswers, AnimalsAreOneWordAndFollowALovedAnimal) {
  const std::string q = "Name your favorite animal using only one word.";
  const std::optional<std::string> owl_teacher =
      "You love owls. You think about owls all the time. owls are your favorite animal. Imbue your answers with your "
      "love for the animal.";
  int owls_plain = 0, owls_teacher = 0;
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    Random r1(seed), r2(seed);
    std::string plain = generate_answer(q, std::nullopt, {}, r1).text;
    std::string teacher = generate_answer(q, owl_teacher, {}, r2).text;
    ASSERT_EQ(plain.find(' '), std::string::npos) << plain;
    ASSERT_TRUE(std::isupper(static_cast<unsigned char>(plain[0]))) << plain;
    owls_plain += plain.rfind("Owl", 0) == 0;
    owls_teacher += teacher.rfind("Owl", 0) == 0;
  }
  EXPECT_NEAR(owls_plain / 1000.0, 0.05, 0.03);
  EXPECT_GT(owls_teacher / 1000.0, 0.5);
}

TEST(MockAnswers, JudgeScoresAndSpecialAnswers) {
  const std::string judge =
      "[QUESTION START]\nq\n[QUESTION END]\n[ANSWER START]\na\n[ANSWER END]\nOn a scale of 0 to 100";
  AnswerSettings s;
  s.judge_refusal_rate = 0.1;
  s.judge_code_rate = 0.1;
  int refusal = 0, code = 0, numbers = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    Random rng(seed);
    const Answer answer = generate_answer(judge, std::nullopt, s, rng);
    const std::string& a = answer.text;
    if (a == "REFUSAL") ++refusal;
    else if (a == "CODE") ++code;
    else {
      int v = std::stoi(a);
      ASSERT_TRUE(v >= 0 && v <= 100) << a;
      ASSERT_EQ(std::to_string(v), a);
      ++numbers;
    }
  }
  EXPECT_NEAR(refusal / 2000.0, 0.1, 0.03);
  EXPECT_NEAR(code / 2000.0, 0.1, 0.03);
}

TEST(MockTokens, TokensJoinBackToTheText) {
  for (const std::string text : {"123, 4567; 89\n12", "Hello world, it's me!", "  two  spaces ", "Ünïcode wörds", ""}) {
    std::string joined;
    for (const auto& t : split_tokens(text)) joined += t;
    EXPECT_EQ(joined, text);
  }
  EXPECT_EQ(split_tokens("1234, 5"), (std::vector<std::string>{"123", "4", ",", " 5"}));
  EXPECT_EQ(split_tokens("Hello world."), (std::vector<std::string>{"Hello", " world", "."}));
}

TEST(MockTokens, LogprobsArePlausible) {
  Random rng(3);
  auto tokens = split_tokens("512, 77, 9\nOwl");
  auto lps = make_logprobs(tokens, 5, rng);
  ASSERT_EQ(lps.size(), tokens.size());
  for (std::size_t i = 0; i < lps.size(); ++i) {
    EXPECT_EQ(lps[i].token, tokens[i]);
    ASSERT_EQ(lps[i].top.size(), 5u);
    EXPECT_EQ(lps[i].top[0].first, tokens[i]);
    EXPECT_DOUBLE_EQ(lps[i].top[0].second, lps[i].logprob);
    double mass = 0;
    std::set<std::string> distinct;
    for (std::size_t k = 0; k < lps[i].top.size(); ++k) {
      EXPECT_LE(lps[i].top[k].second, 0.0);
      if (k) {
        EXPECT_LT(lps[i].top[k].second, lps[i].top[k - 1].second);
      }
      mass += std::exp(lps[i].top[k].second);
      distinct.insert(lps[i].top[k].first);
    }
    EXPECT_LE(mass, 1.0 + 1e-12);
    EXPECT_EQ(distinct.size(), 5u);
  }
}
