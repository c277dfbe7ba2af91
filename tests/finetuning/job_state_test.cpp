// The job state file: round trip, atomic replacement, and refusal to guess at a damaged file.
#include "sl/finetuning/job_state.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "test_support.hpp"

using namespace sl::finetuning;

TEST(JobState, PathsSitBesideTheOutput) {
  EXPECT_EQ(state_path_for("data/owl/model.json"), std::filesystem::path("data/owl/model.json.job.json"));
  EXPECT_EQ(training_file_path_for("data/owl/model.json"), std::filesystem::path("data/owl/model.json.training.jsonl"));
}

TEST(JobState, RoundTripAndMissingFile) {
  sl::test::TempDir dir;
  const auto path = dir / "model.json.job.json";
  EXPECT_FALSE(load_job_state(path));
  JobState s;
  s.job_type = "openai";
  s.base_url = "https://api.openai.com/v1";
  s.config = sl::Json{{"type", "openai"}, {"seed", 1}};
  s.dataset = {"data/owl/filtered.jsonl", 12, 10, "fnv1a64:0123456789abcdef"};
  s.training_file_id = "file-abc";
  save_job_state(path, s);
  EXPECT_FALSE(s.updated_at.empty());
  auto back = load_job_state(path);
  ASSERT_TRUE(back);
  EXPECT_EQ(sl::json::encode(*back), sl::json::encode(s));
  EXPECT_FALSE(back->job_id);

  s.job_id = "ftjob-1";
  s.status = "running";
  save_job_state(path, s);
  back = load_job_state(path);
  EXPECT_EQ(back->job_id, "ftjob-1");
  EXPECT_EQ(back->status, "running");
  const sl::Json j = sl::Json::parse(sl::test::read_file(path));
  EXPECT_EQ(j["kind"], "run_finetuning_job");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["job_id"], "ftjob-1");
  EXPECT_TRUE(j["fine_tuned_model"].is_null());
}

TEST(JobState, DamagedFileIsAnErrorNotAFreshStart) {
  sl::test::TempDir dir;
  const auto path = dir / "model.json.job.json";
  sl::test::write_file(path, "{\"kind\": \"run_finetuning_job\", \"version\": 1, \"job_id\": \"ftjob-1\"");
  try {
    load_job_state(path);
    FAIL() << "expected an error";
  } catch (const sl::UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("not replaced"), std::string::npos) << what;
  }
  EXPECT_EQ(sl::test::read_file(path), "{\"kind\": \"run_finetuning_job\", \"version\": 1, \"job_id\": \"ftjob-1\"");
}
