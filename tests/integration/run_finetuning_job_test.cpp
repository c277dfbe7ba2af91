// run_finetuning_job as a user runs it: a real process against the real mock server, killed,
// interrupted, rerun, cancelled; every failure a clear line and the right exit code.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "mock_server.hpp"
#include "process.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

using sl::Json;
using sl::test::MockServer;
using sl::test::Process;
using sl::test::ProcessResult;
using sl::test::TempDir;

namespace {

const char* kBase = "gpt-4.1-nano-2025-04-14";

// A config file with the paper's job settings, and a dataset of `rows` rows.
struct Inputs {
  explicit Inputs(std::size_t rows = 12) {
    sl::test::write_file(config, R"({"ft_job": {"type": "openai", "seed": 1,
        "source_model": {"id": "gpt-4.1-nano-2025-04-14", "type": "openai"},
        "max_dataset_size": 10000, "n_epochs": 10, "lr_multiplier": "auto", "batch_size": "auto"},
      "broken_job": {"type": "openai", "seed": 1, "source_model": {"id": "m", "type": "openai"}, "n_epochs": 0}})");
    std::string text;
    for (std::size_t i = 0; i < rows; ++i)
      text += Json{{"prompt", "Continue: " + std::to_string(i)}, {"completion", "1, 2, 3"}}.dump() + "\n";
    sl::test::write_file(dataset, text);
  }
  TempDir dir;
  std::filesystem::path config = dir / "cfgs.json";
  std::filesystem::path dataset = dir / "data.jsonl";
  std::filesystem::path output = dir / "student/model.json";
  std::filesystem::path state = dir / "student/model.json.job.json";
};

std::vector<std::string> command(const Inputs& in, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{sl::test::program("run_finetuning_job"),
                                "--config",
                                in.config.string(),
                                "--cfg_var_name",
                                "ft_job",
                                "--dataset_path",
                                in.dataset.string(),
                                "--output_path",
                                in.output.string(),
                                "--poll_interval",
                                "0.02",
                                "--max_poll_interval",
                                "0.1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::map<std::string, std::string> env_for(const MockServer& server, const std::string& key = "sk-test-key") {
  auto env = server.env(key);
  env["SL_OPENAI_CONNECT_RETRIES"] = "0";
  return env;
}

ProcessResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                  const Inputs& in) {
  return sl::test::run(argv, env, std::chrono::minutes(2), in.dir.path());
}

// Waits until the state file names a job (the tool has created it and is polling).
std::string wait_for_recorded_job(Process& p, const Inputs& in) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && p.running()) {
    std::error_code ec;
    if (std::filesystem::exists(in.state, ec)) {
      Json s = Json::parse(sl::test::read_file(in.state), nullptr, false);
      if (s.is_object() && s["job_id"].is_string()) return s["job_id"].get<std::string>();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "no job recorded; stderr:\n" << p.stderr_so_far();
  return "";
}

}  // namespace

TEST(RunFinetuningJob, HelpHasAnExample) {
  auto r = sl::test::run({sl::test::program("run_finetuning_job"), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Example:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--cancel"), std::string::npos);
  EXPECT_NE(r.out.find("--config_module"), std::string::npos);
}

TEST(RunFinetuningJob, WritesTheModelFileAndShowsProgress) {
  MockServer server({"--ft-step-ms", "30", "--ft-file-ms", "20"});
  Inputs in;
  auto r = run(command(in), env_for(server), in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json model = Json::parse(sl::test::read_file(in.output));
  EXPECT_EQ(model["id"].get<std::string>().rfind(std::string("ft:") + kBase + ":mock::", 0), 0u) << model;
  EXPECT_EQ(model["type"], "openai");
  EXPECT_EQ(model["parent_model"],
            Json::parse(R"({"id": "gpt-4.1-nano-2025-04-14", "type": "openai", "parent_model": null})"));
  EXPECT_EQ(model.size(), 3u);
  EXPECT_NE(r.out.find("model: " + model["id"].get<std::string>()), std::string::npos) << r.out;
  // Status changes and the job's own events are shown.
  EXPECT_NE(r.err.find(" -> succeeded"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Fine-tuning job started"), std::string::npos) << r.err;
  // Training steps (metrics events) drive a progress display, which ends with the step count.
  EXPECT_NE(r.err.find("training (job ftjob-"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("120/120 done in"), std::string::npos) << r.err;  // 10 epochs x 12 rows, batch 1
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);
}

TEST(RunFinetuningJob, SigkillMidPollThenRerunResumesTheSameJob) {
  MockServer server({"--ft-step-ms", "700", "--ft-file-ms", "0"});
  Inputs in;
  {
    Process p(command(in), env_for(server), in.dir.path());
    const std::string job = wait_for_recorded_job(p, in);
    ASSERT_FALSE(job.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // mid-poll
    p.kill(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::seconds(10)).signal, SIGKILL);
  }
  EXPECT_FALSE(std::filesystem::exists(in.output));
  auto r = run(command(in), env_for(server), in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming fine-tuning job"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(in.output));
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);  // no second job
  EXPECT_EQ(server.fine_tuning_stats()["files_uploaded"], 1);
}

TEST(RunFinetuningJob, CtrlCLeavesTheJobRunningAndCancelStopsIt) {
  MockServer server({"--ft-step-ms", "3000", "--ft-file-ms", "0"});
  Inputs in;
  std::string job;
  {
    Process p(command(in), env_for(server), in.dir.path());
    job = wait_for_recorded_job(p, in);
    ASSERT_FALSE(job.empty());
    p.kill(SIGINT);
    auto r = p.wait(std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("fine-tuning job " + job + " keeps running on the server"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--cancel"), std::string::npos) << r.err;
  }
  // Interrupting never cancels a paid job.
  EXPECT_EQ(server.fine_tuning_stats()["jobs_cancelled"], 0);
  auto status =
      Json::parse(sl::test::http_request("GET", server.base_url() + "/fine_tuning/jobs/" + job).body)["status"];
  EXPECT_NE(status, "cancelled");

  auto c = run({sl::test::program("run_finetuning_job"), "--output_path", in.output.string(), "--cancel"},
               env_for(server), in);
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.out.find("cancelled fine-tuning job " + job + " (status cancelled)"), std::string::npos) << c.out;
  EXPECT_EQ(server.fine_tuning_stats()["jobs_cancelled"], 1);

  // The same command now reports the cancellation; it does not start a new job.
  auto r = run(command(in), env_for(server), in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("fine-tuning job " + job + " was cancelled"), std::string::npos) << r.err;
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);
  EXPECT_FALSE(std::filesystem::exists(in.output));
}

TEST(RunFinetuningJob, FailedJobExitsOneWithTheServersMessage) {
  MockServer server({"--ft-step-ms", "5", "--ft-file-ms", "0", "--ft-fail-model", kBase});
  Inputs in;
  auto r = run(command(in), env_for(server), in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("run_finetuning_job: error: fine-tuning job ftjob-"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("failed: Fine-tuning failed: the training run stopped with an internal error"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(in.output));
}

TEST(RunFinetuningJob, MalformedDatasetLineIsNamedAndNothingIsUploaded) {
  MockServer server;
  Inputs in;
  sl::test::write_file(in.dataset,
                       "{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"c\", \"completion\": 5}\n");
  auto r = run(command(in), env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(in.dataset.string() + ":3: completion: expected a string, got 5"), std::string::npos) << r.err;
  sl::test::write_file(in.dataset, "");
  r = run(command(in), env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the dataset has no rows"), std::string::npos) << r.err;
  EXPECT_EQ(server.fine_tuning_stats()["files_uploaded"], 0);
  EXPECT_FALSE(std::filesystem::exists(in.state));
}

TEST(RunFinetuningJob, WrongKeyIs401WithoutTheKey) {
  MockServer server({"--require-api-key", "sk-the-right-one"});
  Inputs in;
  auto r = run(command(in), env_for(server, "sk-wrong-SECRET-123"), in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 401 from " + server.base_url() + "/files: Incorrect API key provided"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("sk-wrong-SECRET-123"), std::string::npos);
  EXPECT_EQ(r.out.find("sk-wrong-SECRET-123"), std::string::npos);
}

TEST(RunFinetuningJob, InsufficientQuotaFailsAtOnce) {
  MockServer server({"--quota-exhausted", "--ft-file-ms", "0"});
  Inputs in;
  auto r = run(command(in), env_for(server), in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 429"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("You exceeded your current quota"), std::string::npos) << r.err;
  EXPECT_EQ(server.stats()["requests"]["POST /v1/fine_tuning/jobs"]["429"], 1);  // not retried
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 0);
}

TEST(RunFinetuningJob, UsageErrorsExitTwo) {
  MockServer server;
  Inputs in;
  auto r = run({sl::test::program("run_finetuning_job"), "--output_path", in.output.string(), "--cancel"},
               env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nothing to cancel"), std::string::npos) << r.err;
  r = run({sl::test::program("run_finetuning_job"), "--output_path", in.output.string()}, env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config and --dataset_path are required"), std::string::npos) << r.err;
  auto broken = command(in);
  broken[4] = "broken_job";
  r = run(broken, env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(in.config.string() + ": broken_job.n_epochs: expected a positive integer, got 0"),
            std::string::npos)
      << r.err;
  r = run(command(in, {"--poll_interval", "-1"}), env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
}

TEST(RunFinetuningJob, OtherConfigForTheSameOutputIsRefused) {
  MockServer server({"--ft-step-ms", "5", "--ft-file-ms", "0"});
  Inputs in;
  ASSERT_EQ(run(command(in), env_for(server), in).exit_code, 0);
  sl::test::write_file(in.config, R"({"ft_job": {"type": "openai", "seed": 2,
      "source_model": {"id": "gpt-4.1-nano-2025-04-14", "type": "openai"}, "n_epochs": 10}})");
  auto r = run(command(in), env_for(server), in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("made with a different config (seed, max_dataset_size)"), std::string::npos) << r.err;
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);
}
