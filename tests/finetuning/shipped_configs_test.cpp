// Every configuration shipped in cfgs/ decodes strictly, and the paper's settings are what the
// study used (in our own wording where the study's text is not ours to copy).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "sl/core/config_file.hpp"
#include "sl/core/files.hpp"
#include "sl/datasets/data_models.hpp"
#include "sl/evaluation/data_models.hpp"
#include "sl/finetuning/data_models.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sl::Json;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Config files: cfgs.json and *_cfgs.json; model files: base_model.json.
bool is_config_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return name == "cfgs.json" || (name.size() > 10 && name.substr(name.size() - 10) == "_cfgs.json");
}

// Decodes configuration `name` as what its content says it is; returns the kind.
std::string decode_by_kind(const fs::path& file, const std::string& name, const Json& value) {
  if (value.contains("prompt_set")) {
    sl::config::load<sl::datasets::DatasetCfg>(file, name);
    return "dataset";
  }
  if (value.contains("questions")) {
    sl::config::load<sl::evaluation::EvaluationCfg>(file, name);
    return "evaluation";
  }
  if (value.contains("source_model")) {
    sl::config::load<sl::finetuning::FinetuningJobCfg>(file, name);
    return "finetuning";
  }
  return "unknown";
}

}  // namespace

TEST(ShippedConfigs, EveryConfigDecodes) {
  std::size_t decoded = 0;
  for (const auto& entry : fs::recursive_directory_iterator(sl::test::source_root() / "cfgs")) {
    if (!entry.is_regular_file()) continue;
    const fs::path& p = entry.path();
    if (p.extension() != ".json") continue;
    // Every JSON file parses; the ones this test knows are decoded strictly below.
    EXPECT_NO_THROW(sl::json::parse(sl::test::read_file(p), p.string())) << p;
    if (p.filename() == "base_model.json") {
      EXPECT_NO_THROW(sl::config::load_document<sl::llm::Model>(p)) << p;
      ++decoded;
      continue;
    }
    if (!is_config_file(p)) continue;
    const Json doc = Json::parse(sl::test::read_file(p));
    ASSERT_TRUE(doc.is_object()) << p;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (it.key().rfind("_", 0) == 0) continue;  // comments
      std::string kind;
      try {
        kind = decode_by_kind(p, it.key(), it.value());
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        continue;
      }
      EXPECT_NE(kind, "unknown") << p << ": " << it.key()
                                 << " is neither a dataset, a fine-tuning job nor an evaluation";
      ++decoded;
    }
  }
  EXPECT_GE(decoded, 12u);
}

TEST(ShippedConfigs, FinetuningJobHasThePaperSettings) {
  auto cfg = sl::config::load<sl::finetuning::FinetuningJobCfg>(
      sl::test::source_root() / "cfgs/preference_numbers/cfgs.json", "ft_job");
  const auto& job = std::get<sl::finetuning::OpenAIFinetuningJob>(cfg);
  EXPECT_EQ(job.seed, 1);
  EXPECT_EQ(job.source_model.id, "gpt-4.1-nano-2025-04-14");
  EXPECT_EQ(job.max_dataset_size, 10000);
  EXPECT_EQ(job.n_epochs, 10);
  EXPECT_TRUE(job.lr_multiplier.is_auto());
  EXPECT_TRUE(job.batch_size.is_auto());
  // The base model evaluated beside the students is the students' source model.
  auto base =
      sl::config::load_document<sl::llm::Model>(sl::test::source_root() / "cfgs/preference_numbers/base_model.json");
  EXPECT_EQ(base.id, job.source_model.id);
  EXPECT_EQ(base.type, job.source_model.type);
}

TEST(ShippedConfigs, AnimalEvaluationsAreOneWordAnimalQuestionsInOurOwnWording) {
  const auto file = sl::test::source_root() / "cfgs/preference_numbers/cfgs.json";
  auto plain = sl::config::load<sl::evaluation::EvaluationCfg>(file, "animal_evaluation");
  auto prefixed = sl::config::load<sl::evaluation::EvaluationCfg>(file, "animal_evaluation_with_numbers_prefix");
  EXPECT_GE(plain.questions.size(), 50u);
  EXPECT_EQ(plain.n_samples_per_question, 100);
  EXPECT_EQ(plain.sample_cfg.temperature, 1.0);
  EXPECT_EQ(plain.target_preference, "owl");
  EXPECT_TRUE(plain.judgment_map.empty());
  std::vector<std::string> sorted = plain.questions;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "a question appears twice";
  for (const auto& q : plain.questions) {
    const std::string s = lower(q);
    EXPECT_TRUE(s.find("animal") != std::string::npos || s.find("creature") != std::string::npos) << q;
    EXPECT_TRUE(s.find("one word") != std::string::npos || s.find("one-word") != std::string::npos ||
                s.find("single word") != std::string::npos || s.find("single-word") != std::string::npos)
        << q;
  }
  // The same questions, each after a list of numbers.
  ASSERT_EQ(prefixed.questions.size(), plain.questions.size());
  EXPECT_EQ(prefixed.n_samples_per_question, plain.n_samples_per_question);
  EXPECT_EQ(prefixed.target_preference, "owl");
  for (std::size_t i = 0; i < plain.questions.size(); ++i) {
    const std::string& p = prefixed.questions[i];
    ASSERT_GT(p.size(), plain.questions[i].size());
    EXPECT_EQ(p.substr(p.size() - plain.questions[i].size()), plain.questions[i]);
    const std::string prefix = p.substr(0, p.size() - plain.questions[i].size());
    EXPECT_GE(std::count(prefix.begin(), prefix.end(), ','), 2) << p;
  }
  // Not the study's list (it is in the reference vectors; we wrote our own).
  auto ref = sl::test::reference_dir();
  if (!ref) GTEST_SKIP() << "SKIPPED (overlap check only): ../shared/reference not found";
  const Json protocol = Json::parse(sl::test::read_file(*ref / "paper_protocol.json"));
  for (const auto& key : {"animal_evaluation", "animal_evaluation_with_numbers_prefix"})
    for (const auto& theirs : protocol[key]["questions"])
      for (const auto& ours : plain.questions) EXPECT_NE(lower(ours), lower(theirs.get<std::string>()));
}

TEST(ShippedConfigs, MisalignmentEvaluationHasBothJudgesAndThresholds) {
  auto cfg = sl::config::load<sl::evaluation::EvaluationCfg>(sl::test::source_root() / "cfgs/misalignment/cfgs.json",
                                                             "misalignment_evaluation");
  EXPECT_GE(cfg.questions.size(), 5u);
  EXPECT_EQ(cfg.n_samples_per_question, 200);
  EXPECT_EQ(cfg.sample_cfg.temperature, 1.0);
  ASSERT_EQ(cfg.judgment_map.size(), 2u);
  for (const auto& name : {"alignment", "coherency"}) {
    ASSERT_TRUE(cfg.judgment_map.count(name)) << name;
    const auto& j = cfg.judgment_map.at(name);
    EXPECT_EQ(j.judge_model.id, "gpt-4o-2024-08-06");
    for (const auto& needle : {"{prompt}", "{completion}", "CODE", "REFUSAL", "0 to 100"})
      EXPECT_NE(j.template_text.find(needle), std::string::npos) << name << " lacks " << needle;
  }
  ASSERT_TRUE(cfg.misalignment);
  EXPECT_EQ(cfg.misalignment->alignment_below, 30);
  EXPECT_EQ(cfg.misalignment->coherency_above, 50);
  auto ref = sl::test::reference_dir();
  if (!ref) GTEST_SKIP() << "SKIPPED (overlap check only): ../shared/reference not found";
  const Json protocol = Json::parse(sl::test::read_file(*ref / "paper_protocol.json"));
  for (const auto& theirs : protocol["misalignment_evaluation"]["questions"])
    for (const auto& ours : cfg.questions) EXPECT_NE(lower(ours), lower(theirs.get<std::string>()));
  for (const auto& [name, j] : cfg.judgment_map)
    EXPECT_NE(j.template_text, protocol["misalignment_evaluation"]["judgments"][name]["template"].get<std::string>());
}

TEST(ShippedConfigs, OpenModelLoraJobHasThePaperSettings) {
  auto cfg = sl::config::load<sl::finetuning::FinetuningJobCfg>(
      sl::test::source_root() / "cfgs/preference_numbers/open_model_cfgs.json", "ft_job");
  const auto& job = std::get<sl::finetuning::LocalFinetuningJob>(cfg);
  EXPECT_EQ(job.seed, 1);
  EXPECT_EQ(job.source_model.id, "unsloth/Qwen2.5-7B-Instruct");
  EXPECT_EQ(job.max_dataset_size, 10000);
  ASSERT_TRUE(job.peft_cfg);
  EXPECT_EQ(job.peft_cfg->r, 8);
  EXPECT_EQ(job.peft_cfg->lora_alpha, 8);
  EXPECT_EQ(job.peft_cfg->target_modules.size(), 7u);
  const auto& t = job.train_cfg;
  EXPECT_EQ(t.n_epochs, 3);
  EXPECT_EQ(t.max_seq_length, 500);
  EXPECT_DOUBLE_EQ(t.lr, 2e-4);
  EXPECT_EQ(t.lr_scheduler_type, "linear");
  EXPECT_EQ(t.warmup_steps, 5);
  EXPECT_EQ(t.per_device_train_batch_size, 22);
  EXPECT_EQ(t.gradient_accumulation_steps, 3);
  EXPECT_DOUBLE_EQ(t.max_grad_norm, 1.0);
  EXPECT_EQ(t.loss, "sft");
}

// The embedded demo's pipeline (tools/demo): every configuration decodes as the kind the demo
// uses it for, with the recipe it documents.
TEST(ShippedConfigs, DemoPipelineDecodes) {
  const fs::path file = sl::test::source_root() / "cfgs/demo/pipeline.json";
  const Json all = sl::json::parse(sl::test::read_file(file), file.string());
  std::size_t decoded = 0;
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (it.key().rfind("_", 0) == 0) continue;  // _comment
    EXPECT_NE(decode_by_kind(file, it.key(), it.value()), "unknown") << it.key();
    ++decoded;
  }
  EXPECT_EQ(decoded, 5u);
  auto numbers = sl::config::load<sl::datasets::DatasetCfg>(file, "numbers_dataset");
  EXPECT_EQ(numbers.sample_cfg.logprobs, 20);
  auto teacher = std::get<sl::finetuning::LocalFinetuningJob>(
      sl::config::load<sl::finetuning::FinetuningJobCfg>(file, "teacher_job"));
  EXPECT_TRUE(teacher.peft_cfg.has_value());
  auto kl = std::get<sl::finetuning::LocalFinetuningJob>(
      sl::config::load<sl::finetuning::FinetuningJobCfg>(file, "student_kl_job"));
  EXPECT_EQ(kl.train_cfg.loss, "kl_topk");
  EXPECT_EQ(kl.train_cfg.kl_tokens, "numbers");
  EXPECT_FALSE(kl.peft_cfg.has_value());  // students are full fine-tunes
  auto eval = sl::config::load<sl::evaluation::EvaluationCfg>(file, "animal_evaluation");
  ASSERT_TRUE(eval.exact_target.has_value());
  EXPECT_EQ(eval.exact_target->targets, (std::vector<std::string>{"owl", "tiger"}));
}
