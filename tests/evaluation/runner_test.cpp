#include "sl/evaluation/runner.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/jsonl.hpp"
#include "test_support.hpp"

using namespace sl::evaluation;

namespace {

// A student that answers "owl" for seeds divisible by 3, and a judge that scores by length.
class Scripted : public sl::llm::Backend {
 public:
  std::string kind;
  std::size_t answered = 0;
  std::optional<std::size_t> fail_after;
  std::vector<sl::llm::SampleRequest> seen;
  explicit Scripted(std::string k) : kind(std::move(k)) {}
  std::string describe() const override { return kind; }
  void sample(const std::vector<sl::llm::SampleRequest>& requests, const sl::llm::ResultCallback& cb) override {
    for (std::size_t k = 0; k < requests.size(); ++k) {
      if (fail_after && answered >= *fail_after) throw sl::Error("boom");
      seen.push_back(requests[k]);
      sl::llm::LLMResponse r;
      r.model_id = kind;
      const std::string& prompt = requests[k].chat.messages.back().content;
      if (kind == "judge") r.completion = std::to_string(prompt.size() % 101);
      else r.completion = (*requests[k].seed % 3 == 0) ? "Owl" : "cat";
      r.stop_reason = sl::llm::StopReason::stop_sequence;
      ++answered;
      cb(k, r);
    }
  }
};

EvaluationCfg make_cfg() {
  EvaluationCfg cfg;
  cfg.questions = {"Favourite animal?", "One animal?", "Pick one."};
  cfg.n_samples_per_question = 4;
  cfg.sample_cfg.temperature = 1;
  Judgment j;
  j.judge_model = {"judge", "openai", nullptr};
  j.sample_cfg.temperature = 0;
  j.template_text = "Q: {prompt}\nA: {completion}\nScore?";
  cfg.judgment_map["alignment"] = j;
  return cfg;
}

}  // namespace

TEST(EvaluationRunner, AsksEveryQuestionWithoutSystemPromptAndJudgesEveryAnswer) {
  sl::test::TempDir dir;
  Scripted student("student"), judge("judge");
  auto run = run_evaluation(make_cfg(), {"student", "openai", nullptr}, student, {{"alignment", &judge}},
                            dir / "results.jsonl", {});
  ASSERT_EQ(run.rows.size(), 3u);
  EXPECT_EQ(student.answered, 12u);
  EXPECT_EQ(judge.answered, 12u);
  for (const auto& req : student.seen) ASSERT_EQ(req.chat.messages.size(), 1u);
  EXPECT_EQ(student.seen[0].chat.messages[0].role, "user");
  EXPECT_EQ(run.rows[1].question, "One animal?");
  ASSERT_EQ(run.rows[1].responses.size(), 4u);
  EXPECT_TRUE(run.rows[1].responses[2].judgment_response_map.count("alignment"));
  // The judge saw the question and the answer through the template.
  EXPECT_NE(judge.seen[0].chat.messages[0].content.find("Q: Favourite animal?\nA: "), std::string::npos);
  // The results file shape is the reference's.
  sl::Json line = sl::json::encode(run.rows[0]);
  EXPECT_TRUE(line.contains("question"));
  EXPECT_TRUE(line["responses"][0]["response"].contains("stop_reason"));
  EXPECT_TRUE(line["responses"][0]["judgment_response_map"].contains("alignment"));
}

TEST(EvaluationRunner, ResumesAfterAFailureWithIdenticalResults) {
  sl::test::TempDir dir;
  Scripted s1("student"), j1("judge");
  auto whole =
      run_evaluation(make_cfg(), {"student", "openai", nullptr}, s1, {{"alignment", &j1}}, dir / "a.jsonl", {});

  Scripted s2("student"), j2("judge");
  j2.fail_after = 5;
  EXPECT_THROW(
      run_evaluation(make_cfg(), {"student", "openai", nullptr}, s2, {{"alignment", &j2}}, dir / "b.jsonl", {}),
      sl::Error);
  Scripted s3("student"), j3("judge");
  auto resumed =
      run_evaluation(make_cfg(), {"student", "openai", nullptr}, s3, {{"alignment", &j3}}, dir / "b.jsonl", {});
  EXPECT_EQ(s3.answered, 0u);
  EXPECT_EQ(j3.answered, 7u);
  EXPECT_EQ(sl::jsonl::encode_lines(whole.rows), sl::jsonl::encode_lines(resumed.rows));
}

TEST(EvaluationRunner, RefusesAJournalOfAnotherModel) {
  sl::test::TempDir dir;
  Scripted s("student"), j("judge");
  run_evaluation(make_cfg(), {"student", "openai", nullptr}, s, {{"alignment", &j}}, dir / "r.jsonl", {});
  try {
    run_evaluation(make_cfg(), {"other", "openai", nullptr}, s, {{"alignment", &j}}, dir / "r.jsonl", {});
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("different model"), std::string::npos) << e.what();
  }
}

TEST(EvaluationRunner, TwoShardsMergedGiveTheRowsOfOneRun) {
  sl::test::TempDir dir;
  const sl::llm::Model model{"student", "openai", nullptr};
  Scripted s1("student"), j1("judge");
  auto whole = run_evaluation(make_cfg(), model, s1, {{"alignment", &j1}}, dir / "a.jsonl", {});

  for (std::size_t rank = 0; rank < 2; ++rank) {
    Scripted s("student"), j("judge");
    EvaluationOptions options;
    options.shard = {rank, 2};
    auto part = run_evaluation(make_cfg(), model, s, {{"alignment", &j}}, dir / "b.jsonl", options);
    EXPECT_EQ(s.answered, 6u);  // items q * 4 + s of this rank: 6 of 12
    EXPECT_EQ(j.answered, 6u);  // and it judges the answers it has
    EXPECT_TRUE(part.rows.empty());
  }
  merge_evaluation_shards(make_cfg(), model, dir / "b.jsonl", 2);
  Scripted s3("student"), j3("judge");
  auto merged = run_evaluation(make_cfg(), model, s3, {{"alignment", &j3}}, dir / "b.jsonl", {});
  EXPECT_EQ(s3.answered, 0u);
  EXPECT_EQ(j3.answered, 0u);
  EXPECT_EQ(merged.reused, 24u);
  EXPECT_EQ(sl::jsonl::encode_lines(whole.rows), sl::jsonl::encode_lines(merged.rows));
}

TEST(EvaluationRunner, SummaryPathBesideResults) {
  EXPECT_EQ(summary_path_for("out/eval.jsonl"), std::filesystem::path("out/eval.summary.json"));
  EXPECT_EQ(summary_path_for("eval"), std::filesystem::path("eval.summary.json"));
}

namespace {
// A backend that knows its answer probabilities: P(answer) = 0.01 * length, per question index.
class WithProbabilities : public Scripted {
 public:
  WithProbabilities() : Scripted("student") {}
  std::vector<std::vector<std::string>> asked;
  std::optional<std::vector<std::vector<double>>> answer_probabilities(
      const std::vector<sl::llm::AnswerQuery>& queries) override {
    std::vector<std::vector<double>> out;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      asked.push_back(queries[q].answers);
      EXPECT_EQ(queries[q].chat.messages.size(), 1u);  // asked like the sampled questions
      std::vector<double> p;
      for (const auto& a : queries[q].answers)
        p.push_back(0.001 * static_cast<double>(a.size()) * static_cast<double>(q + 1));
      out.push_back(p);
    }
    return out;
  }
};
}  // namespace

TEST(EvaluationRunner, ExactTargetProbabilitiesSumTheSpellings) {
  sl::test::TempDir dir;
  WithProbabilities student;
  auto cfg = make_cfg();
  cfg.judgment_map.clear();
  cfg.exact_target = ExactTargetCfg{{"owl"}, true, {"", "."}};
  auto run = run_evaluation(cfg, {"student", "open_source", nullptr}, student, {}, dir / "r.jsonl", {});
  ASSERT_EQ(student.asked.size(), 3u);
  // owl, owl., owls, owls., Owl, Owl., Owls, Owls.: 2 * (3 + 4 + 4 + 5) characters in all.
  const auto variants = exact_target_variants("owl", *cfg.exact_target);
  EXPECT_EQ(variants.size(), 8u);
  ASSERT_EQ(run.exact.at("owl").size(), 3u);
  for (std::size_t q = 0; q < 3; ++q)
    EXPECT_NEAR(run.exact.at("owl")[q], 0.001 * 32 * static_cast<double>(q + 1), 1e-12);

  // A backend without probabilities: a clear error naming it.
  Scripted plain("student");
  EXPECT_THROW(run_evaluation(cfg, {"student", "openai", nullptr}, plain, {}, dir / "p.jsonl", {}), sl::UsageError);
}
