// Job configs: the tagged union on "type", "auto"-or-number hyperparameters, errors by path.
#include <gtest/gtest.h>

#include "sl/core/config_file.hpp"
#include "sl/finetuning/data_models.hpp"
#include "test_support.hpp"

using namespace sl::finetuning;

namespace {

const std::string kPaper = R"({"type": "openai", "seed": 1,
  "source_model": {"id": "gpt-4.1-nano-2025-04-14", "type": "openai"},
  "max_dataset_size": 10000, "n_epochs": 10, "lr_multiplier": "auto", "batch_size": "auto"})";

FinetuningJobCfg decode(const std::string& text) {
  return sl::json::decode_value<FinetuningJobCfg>(sl::Json::parse(text), "ft_job");
}

// The error message of decoding `text`, or "no error".
std::string error_of(const std::string& text) {
  try {
    decode(text);
  } catch (const sl::JsonDecodeError& e) {
    return e.what();
  }
  return "no error";
}

std::string with(const std::string& key, const std::string& value) {
  sl::Json j = sl::Json::parse(kPaper);
  j[key] = sl::Json::parse(value);
  return j.dump();
}

}  // namespace

TEST(FinetuningConfig, PaperSettingsDecodeAndEncodeBack) {
  auto cfg = decode(kPaper);
  ASSERT_TRUE(std::holds_alternative<OpenAIFinetuningJob>(cfg));
  const auto& job = std::get<OpenAIFinetuningJob>(cfg);
  EXPECT_EQ(job.seed, 1);
  EXPECT_EQ(job.source_model.id, "gpt-4.1-nano-2025-04-14");
  EXPECT_EQ(job.max_dataset_size, 10000);
  EXPECT_EQ(job.n_epochs, 10);
  EXPECT_TRUE(job.lr_multiplier.is_auto());
  EXPECT_TRUE(job.batch_size.is_auto());
  EXPECT_EQ(sl::json::encode(cfg), sl::Json::parse(R"({"type": "openai", "seed": 1,
      "source_model": {"id": "gpt-4.1-nano-2025-04-14", "type": "openai", "parent_model": null},
      "max_dataset_size": 10000, "n_epochs": 10, "lr_multiplier": "auto", "batch_size": "auto"})"));
}

TEST(FinetuningConfig, NumbersForHyperparametersAndOptionalFields) {
  auto job = std::get<OpenAIFinetuningJob>(decode(with("lr_multiplier", "0.5")));
  EXPECT_EQ(job.lr_multiplier.value, 0.5);
  job = std::get<OpenAIFinetuningJob>(decode(with("batch_size", "16")));
  EXPECT_EQ(job.batch_size.value, 16);
  job = std::get<OpenAIFinetuningJob>(decode(with("max_dataset_size", "null")));
  EXPECT_FALSE(job.max_dataset_size);
  // lr_multiplier, batch_size and max_dataset_size may be left out ("auto", "auto", all rows).
  job = std::get<OpenAIFinetuningJob>(decode(R"({"type": "openai", "seed": 3,
      "source_model": {"id": "m", "type": "openai"}, "n_epochs": 2})"));
  EXPECT_TRUE(job.lr_multiplier.is_auto());
  EXPECT_TRUE(job.batch_size.is_auto());
  EXPECT_FALSE(job.max_dataset_size);
  EXPECT_EQ(sl::json::encode(job).contains("max_dataset_size"), false);
}

TEST(FinetuningConfig, ErrorsNameThePathAndWhatWasExpected) {
  EXPECT_EQ(error_of(with("lr_multiplier", "\"fast\"")),
            "ft_job.lr_multiplier: expected \"auto\" or a positive number, got \"fast\"");
  EXPECT_EQ(error_of(with("lr_multiplier", "0")),
            "ft_job.lr_multiplier: expected \"auto\" or a positive number, got 0");
  EXPECT_EQ(error_of(with("batch_size", "2.5")), "ft_job.batch_size: expected \"auto\" or a positive integer, got 2.5");
  EXPECT_EQ(error_of(with("batch_size", "0")), "ft_job.batch_size: expected \"auto\" or a positive integer, got 0");
  EXPECT_EQ(error_of(with("n_epochs", "\"auto\"")), "ft_job.n_epochs: expected a positive integer, got \"auto\"");
  EXPECT_EQ(error_of(with("seed", "-1")), "ft_job.seed: expected a non-negative integer, got -1");
  EXPECT_EQ(error_of(with("max_dataset_size", "0")),
            "ft_job.max_dataset_size: expected a positive integer or null, got 0");
  EXPECT_EQ(error_of(with("epochs", "3")).rfind("ft_job.epochs: unknown key", 0), 0u) << error_of(with("epochs", "3"));
  EXPECT_EQ(error_of(with("type", "\"unsloth\"")),
            "ft_job.type: expected one of \"openai\", \"lora\", got \"unsloth\"");
  EXPECT_EQ(
      error_of(with("source_model", R"({"id": "Qwen/Qwen2.5-7B-Instruct", "type": "open_source"})")),
      "ft_job.source_model.type: an OpenAI fine-tuning job needs a model of type \"openai\", got \"open_source\"");
  sl::Json missing = sl::Json::parse(kPaper);
  missing.erase("n_epochs");
  EXPECT_EQ(error_of(missing.dump()), "ft_job.n_epochs: missing required field");
  EXPECT_EQ(error_of("[]"), "ft_job: expected an object, got []");
}

TEST(FinetuningConfig, ErrorsFromAConfigFileNameTheFile) {
  sl::test::TempDir dir;
  const auto path = dir / "cfgs.json";
  sl::test::write_file(path, R"({"ft_job": )" + with("n_epochs", "0") + "}");
  try {
    sl::config::load<FinetuningJobCfg>(path, "ft_job");
    FAIL() << "expected an error";
  } catch (const sl::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": ft_job.n_epochs: expected a positive integer, got 0");
  }
}
