// The OpenAI fine-tuning job runner against the real mock_openai_server process over loopback:
// the whole flow, resuming from the state file, lost answers, refusals, failures, cancelling.
#include "sl/finetuning/openai_job.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "mock_server.hpp"
#include "sl/core/error.hpp"
#include "sl/finetuning/job_state.hpp"
#include "sl/openai/fine_tuning_api.hpp"
#include "test_support.hpp"

using namespace sl::finetuning;
using sl::Json;
using sl::test::MockServer;

namespace {

const char* kBase = "gpt-4.1-nano-2025-04-14";

sl::openai::ClientConfig client_for(const MockServer& server) {
  sl::openai::ClientConfig c;
  c.base_url = server.base_url();
  c.concurrency = 4;
  c.connect_timeout_s = 2;
  c.request_timeout_s = 30;
  c.retry.initial_delay_s = 0.01;
  c.retry.max_delay_s = 0.05;
  return c;
}

PollSettings fast_poll() {
  PollSettings p;
  p.interval_s = 0.02;
  p.max_interval_s = 0.1;
  p.file_timeout_s = 30;
  return p;
}

OpenAIFinetuningJob job_cfg(std::optional<std::int64_t> max_rows = std::nullopt, std::int64_t n_epochs = 10) {
  OpenAIFinetuningJob cfg;
  cfg.type = "openai";
  cfg.seed = 1;
  cfg.source_model = sl::llm::Model{kBase, "openai", nullptr};
  cfg.max_dataset_size = max_rows;
  cfg.n_epochs = n_epochs;
  return cfg;
}

// A dataset whose row i has prompt "prompt i".
std::filesystem::path write_dataset(const sl::test::TempDir& dir, std::size_t rows,
                                    const std::string& name = "data.jsonl") {
  std::string text;
  for (std::size_t i = 0; i < rows; ++i)
    text +=
        Json{{"prompt", "prompt " + std::to_string(i)}, {"completion", std::to_string(100 + i) + ", 7, 42"}}.dump() +
        "\n";
  const auto path = dir / name;
  sl::test::write_file(path, text);
  return path;
}

std::int64_t requests(const MockServer& server, const std::string& endpoint, const std::string& status) {
  const Json s = server.stats()["requests"];
  if (!s.contains(endpoint) || !s[endpoint].contains(status)) return 0;
  return s[endpoint][status].get<std::int64_t>();
}

template <class E, class Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

// One test's setting: the mock (fine-tuning steps of `step_ms`, uploads processed after
// `file_ms`, plus `more_mock_flags`), a folder holding a 12-row dataset, and the model file to
// write. run() is what a user's command does, with fast polling.
struct JobSetup {
  explicit JobSetup(std::vector<std::string> more_mock_flags = {}, int step_ms = 5, int file_ms = 0)
      : server(mock_flags(std::move(more_mock_flags), step_ms, file_ms)), dataset(write_dataset(dir, 12)) {}

  JobResult run(const OpenAIFinetuningJob& cfg = job_cfg()) const { return run(cfg, dataset); }
  JobResult run(const OpenAIFinetuningJob& cfg, const std::filesystem::path& data) const {
    return run_openai_job(cfg, data, output, client_for(server), fast_poll());
  }
  std::filesystem::path state_path() const { return state_path_for(output); }
  std::optional<JobState> state() const { return load_job_state(state_path()); }

  MockServer server;
  sl::test::TempDir dir;
  std::filesystem::path dataset;
  std::filesystem::path output = dir / "model.json";

 private:
  static std::vector<std::string> mock_flags(std::vector<std::string> more, int step_ms, int file_ms) {
    std::vector<std::string> flags{"--ft-step-ms", std::to_string(step_ms), "--ft-file-ms", std::to_string(file_ms)};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
  }
};

}  // namespace

TEST(OpenAIJob, RunsToTheEndAndRecordsEverything) {
  JobSetup job({}, 20, 20);
  job.output = job.dir / "out/model.json";
  auto result = job.run();
  ASSERT_FALSE(result.interrupted);
  ASSERT_TRUE(result.model);
  EXPECT_EQ(result.model->id.rfind(std::string("ft:") + kBase + ":mock::", 0), 0u) << result.model->id;
  EXPECT_EQ(result.model->type, "openai");
  ASSERT_TRUE(result.model->parent_model);
  EXPECT_EQ(result.model->parent_model->id, kBase);
  EXPECT_FALSE(result.already_done);
  EXPECT_EQ(result.status, "succeeded");

  auto state = job.state();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->job_id, result.job_id);
  EXPECT_EQ(state->status, "succeeded");
  EXPECT_EQ(state->fine_tuned_model, result.model->id);
  EXPECT_EQ(state->base_url, job.server.base_url());
  EXPECT_EQ(state->dataset.rows, 12);
  EXPECT_EQ(state->dataset.rows_used, 12);
  ASSERT_TRUE(state->training_file_id);

  // What the server got is the training file beside the output, one chat per row, once each.
  const std::string training = sl::test::read_file(training_file_path_for(job.output));
  EXPECT_EQ(sl::test::lines_of(training).size(), 12u);
  std::string root = job.server.base_url();
  auto content = sl::test::http_request("GET", root + "/files/" + *state->training_file_id + "/content");
  EXPECT_EQ(content.status, 200);
  EXPECT_EQ(content.body, training);

  // The job asked for the paper's hyperparameters ("auto" passed through).
  auto created = sl::test::http_request("GET", root + "/fine_tuning/jobs/" + *result.job_id);
  const Json j = Json::parse(created.body);
  EXPECT_EQ(j["seed"], 1);
  EXPECT_EQ(j["hyperparameters"]["n_epochs"], 10);
  EXPECT_EQ(j["training_file"], *state->training_file_id);

  EXPECT_EQ(job.server.fine_tuning_stats()["files_uploaded"], 1);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);

  // Rerunning the same command pays for nothing: the recorded model comes back.
  auto again = job.run();
  EXPECT_TRUE(again.already_done);
  ASSERT_TRUE(again.model);
  EXPECT_EQ(again.model->id, result.model->id);
  EXPECT_EQ(job.server.fine_tuning_stats()["files_uploaded"], 1);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);
}

TEST(OpenAIJob, UploadsThePythonSubsampleInItsOrder) {
  JobSetup job;
  auto result = job.run(job_cfg(12), write_dataset(job.dir, 30, "thirty.jsonl"));
  ASSERT_TRUE(result.model);
  // random.Random(1).sample(range(30), 12), printed by CPython 3.11.
  const std::vector<int> expected{4, 18, 27, 25, 24, 2, 8, 3, 15, 14, 21, 12};
  const auto lines = sl::test::lines_of(sl::test::read_file(training_file_path_for(job.output)));
  ASSERT_EQ(lines.size(), expected.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(Json::parse(lines[i])["messages"][0]["content"], "prompt " + std::to_string(expected[i]));
  EXPECT_EQ(job.state()->dataset.rows_used, 12);
}

TEST(OpenAIJob, LostCreateAnswerIsLookedUpNotSentAgain) {
  // The first job is created, but the answer is cut off mid-body: the client cannot know.
  JobSetup job({"--ft-drop-create", "1"});
  ASSERT_TRUE(job.run().model);
  EXPECT_EQ(job.server.fine_tuning_stats()["create_responses_dropped"], 1);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);  // found by its training file, not created twice
  EXPECT_EQ(requests(job.server, "POST /v1/fine_tuning/jobs", "dropped"), 1);
  EXPECT_EQ(requests(job.server, "POST /v1/fine_tuning/jobs", "200"), 0);
}

TEST(OpenAIJob, JobCreatedButNeverRecordedIsAdoptedOnRerun) {
  JobSetup job;
  auto first = job.run();
  ASSERT_TRUE(first.model);
  // As if the process died between the server creating the job and the state file recording it.
  auto state = *job.state();
  state.job_id.reset();
  state.status.reset();
  state.fine_tuned_model.reset();
  save_job_state(job.state_path(), state);

  auto second = job.run();
  ASSERT_TRUE(second.model);
  EXPECT_EQ(second.job_id, first.job_id);
  EXPECT_EQ(second.model->id, first.model->id);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);
  EXPECT_EQ(job.server.fine_tuning_stats()["files_uploaded"], 1);
  EXPECT_EQ(job.state()->job_id, first.job_id);
}

TEST(OpenAIJob, OtherConfigOrDatasetForARecordedJobIsRefused) {
  JobSetup job;
  auto first = job.run();
  ASSERT_TRUE(first.model);
  const std::string state_before = sl::test::read_file(job.state_path());

  std::string e = error_of<sl::UsageError>([&] { job.run(job_cfg(std::nullopt, 3)); });
  EXPECT_NE(e.find("records fine-tuning job " + *first.job_id), std::string::npos) << e;
  EXPECT_NE(e.find("different config (n_epochs)"), std::string::npos) << e;
  e = error_of<sl::UsageError>([&] { job.run(job_cfg(), write_dataset(job.dir, 13, "other.jsonl")); });
  EXPECT_NE(e.find("different dataset"), std::string::npos) << e;
  EXPECT_EQ(sl::test::read_file(job.state_path()), state_before);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);

  // Another server (OPENAI_BASE_URL changed) does not know the recorded ids.
  auto elsewhere = client_for(job.server);
  elsewhere.base_url = "http://127.0.0.1:9/v1";
  e = error_of<sl::UsageError>([&] { run_openai_job(job_cfg(), job.dataset, job.output, elsewhere, fast_poll()); });
  EXPECT_NE(e.find("belong to " + job.server.base_url()), std::string::npos) << e;
}

TEST(OpenAIJob, StartsOverWhenTheEarlierRunNeverCreatedAJob) {
  JobSetup job;
  // An earlier run with another dataset uploaded a file and stopped before creating a job.
  sl::openai::FineTuningApi api(client_for(job.server));
  auto old_file = api.upload_file(write_dataset(job.dir, 3, "old.jsonl"), "old.jsonl", "fine-tune");
  JobState old;
  old.job_type = "openai";
  old.base_url = job.server.base_url();
  old.config = sl::json::encode(job_cfg());
  old.dataset = {"old.jsonl", 3, 3, "fnv1a64:0000000000000000"};
  old.training_file_id = old_file.id;
  save_job_state(job.state_path(), old);

  ASSERT_TRUE(job.run().model);
  EXPECT_NE(job.state()->training_file_id, old_file.id);
  EXPECT_EQ(job.server.fine_tuning_stats()["files_uploaded"], 2);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);
}

TEST(OpenAIJob, FailedJobGivesTheServersReason) {
  JobSetup job({"--ft-fail-model", kBase});
  std::string e = error_of<sl::Error>([&] { job.run(); });
  EXPECT_NE(e.find("failed: Fine-tuning failed: the training run stopped with an internal error"), std::string::npos)
      << e;
  EXPECT_NE(e.find("(code internal_error)"), std::string::npos) << e;
  EXPECT_NE(e.find("delete that file"), std::string::npos) << e;
  EXPECT_EQ(job.state()->status, "failed");
  EXPECT_FALSE(std::filesystem::exists(job.output));
  // Rerunning reports the same failure; it does not quietly pay for another job.
  e = error_of<sl::Error>([&] { job.run(); });
  EXPECT_NE(e.find("(code internal_error)"), std::string::npos) << e;
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 1);
}

TEST(OpenAIJob, TooSmallTrainingFileFailsValidation) {
  JobSetup job;
  std::string e = error_of<sl::Error>([&] { job.run(job_cfg(), write_dataset(job.dir, 5, "five.jsonl")); });
  EXPECT_NE(e.find("Training file has 5 example(s), but must have at least 10 examples (code invalid_n_examples)"),
            std::string::npos)
      << e;
}

TEST(OpenAIJob, CancelStopsTheRecordedJob) {
  JobSetup job({}, 400);
  EXPECT_NE(error_of<sl::UsageError>([&] {
              cancel_openai_job(job.output, client_for(job.server));
            }).find("nothing to cancel"),
            std::string::npos);

  std::string run_error = "(no error)";
  std::thread runner([&] {
    try {
      auto r = job.run();
      run_error =
          "(returned: interrupted " + std::to_string(r.interrupted) + ", status " + r.status.value_or("-") + ")";
    } catch (const std::exception& e) {
      run_error = e.what();
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::optional<std::string> job_id;
  while (!job_id && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      if (auto s = job.state()) job_id = s->job_id;
    } catch (const sl::UsageError&) {  // never half a file: atomic writes; keep looking
    }
  }
  ASSERT_TRUE(job_id) << "the runner never recorded a job";
  auto cancelled = cancel_openai_job(job.output, client_for(job.server));
  EXPECT_EQ(cancelled.job_id, *job_id);
  EXPECT_EQ(cancelled.status, "cancelled");
  EXPECT_FALSE(cancelled.was_finished);
  runner.join();
  EXPECT_NE(run_error.find("fine-tuning job " + *job_id + " was cancelled"), std::string::npos) << run_error;
  EXPECT_EQ(job.state()->status, "cancelled");
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_cancelled"], 1);

  auto again = cancel_openai_job(job.output, client_for(job.server));
  EXPECT_TRUE(again.was_finished);
  EXPECT_EQ(again.status, "cancelled");
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_cancelled"], 1);
}

TEST(OpenAIJob, InsufficientQuotaIsNotRetried) {
  JobSetup job({"--quota-exhausted"});
  auto e = error_of<sl::HttpError>([&] { job.run(); });
  EXPECT_NE(e.find("HTTP 429"), std::string::npos) << e;
  EXPECT_NE(e.find("exceeded your current quota"), std::string::npos) << e;
  EXPECT_EQ(requests(job.server, "POST /v1/fine_tuning/jobs", "429"), 1);
  EXPECT_EQ(job.server.fine_tuning_stats()["jobs_created"], 0);
  EXPECT_FALSE(job.state()->job_id);
}
