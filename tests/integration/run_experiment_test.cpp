// tools/run_experiment, the whole paper workflow, against the real mock: every step's files with
// the right shapes, the report, a rerun that pays for nothing, and a failure that names its step.
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "process.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

using sl::Json;
using sl::test::MockServer;
using sl::test::ProcessResult;
using sl::test::read_json;
using sl::test::read_jsonl;
using sl::test::TempDir;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> experiment(const fs::path& cfg_dir, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{(sl::test::source_root() / "tools/run_experiment").string(), "--bin_dir",
                                sl::test::bin_dir().string(), "--poll_interval", "0.02"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(cfg_dir.string());
  argv.push_back(out.string());
  return argv;
}

const fs::path kMockExperiment = fs::path("cfgs") / "mock_experiment";

}  // namespace

TEST(RunExperiment, HelpSaysHowConfigsAreFound) {
  auto r = sl::test::run({(sl::test::source_root() / "tools/run_experiment").string(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* needle : {"control_dataset_cfg", "<TRAIT>_dataset_cfg", "ft_job", "base_model.json", "Example:"})
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle;
  r = sl::test::run({(sl::test::source_root() / "tools/run_experiment").string(), "only-one-argument"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected CONFIG_DIR and OUTPUT_DIR"), std::string::npos) << r.err;
}

TEST(RunExperiment, WholeWorkflowOnTheMockConfig) {
  MockServer server({"--ft-step-ms", "30", "--ft-file-ms", "10"});
  TempDir tmp;
  const fs::path out = tmp / "experiment";
  const auto argv = experiment(sl::test::source_root() / kMockExperiment, out,
                               {"--evaluations", "animal_evaluation,misalignment_evaluation"});
  auto r = sl::test::run(argv, server.env(), std::chrono::minutes(5), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;

  // Step 1: both datasets.
  for (const char* label : {"control", "owl"}) {
    EXPECT_EQ(read_jsonl(out / label / "raw_dataset.jsonl").size(), 40u) << label;
    const auto filtered = read_jsonl(out / label / "filtered_dataset.jsonl");
    EXPECT_GE(filtered.size(), 30u) << label;
    for (const Json& row : filtered) EXPECT_EQ(row.size(), 2u);
  }
  // Step 2: two students, two jobs, model files naming their base.
  const Json control = read_json(out / "control/model.json");
  const Json owl = read_json(out / "owl/model.json");
  for (const Json& m : {control, owl}) {
    EXPECT_EQ(m["id"].get<std::string>().rfind("ft:gpt-4.1-nano-2025-04-14:mock::", 0), 0u) << m;
    EXPECT_EQ(m["type"], "openai");
    EXPECT_EQ(m["parent_model"]["id"], "gpt-4.1-nano-2025-04-14");
  }
  EXPECT_NE(control["id"], owl["id"]);
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 2);
  EXPECT_EQ(read_json(out / "owl/model.json.job.json")["status"], "succeeded");
  // The owl student trained on at most max_dataset_size (30) of the owl teacher's rows.
  const auto training = read_jsonl(out / "owl/model.json.training.jsonl");
  EXPECT_EQ(training.size(), std::min<std::size_t>(30, read_jsonl(out / "owl/filtered_dataset.jsonl").size()));
  EXPECT_EQ(training[0]["messages"][1]["role"], "assistant");

  // Step 3: three models per evaluation, results in the reference's shape, summaries.
  std::vector<double> p_owl;
  for (const char* label : {"base", "control", "owl"}) {
    const fs::path results = out / "evaluations/animal_evaluation" / (std::string(label) + ".jsonl");
    const auto rows = read_jsonl(results);
    ASSERT_EQ(rows.size(), 4u) << label;
    for (const Json& row : rows) ASSERT_EQ(row["responses"].size(), 5u);
    const std::string expected_model = std::string(label) == "base"  ? "gpt-4.1-nano-2025-04-14"
                                       : std::string(label) == "owl" ? owl["id"].get<std::string>()
                                                                     : control["id"].get<std::string>();
    EXPECT_EQ(rows[0]["responses"][0]["response"]["model_id"], expected_model);
    const Json summary = read_json(out / "evaluations/animal_evaluation" / (std::string(label) + ".summary.json"));
    EXPECT_EQ(summary["target"]["target"], "owl");
    p_owl.push_back(summary["target"]["p_target"]["mean"].get<double>());

    const auto mis_rows = read_jsonl(out / "evaluations/misalignment_evaluation" / (std::string(label) + ".jsonl"));
    ASSERT_EQ(mis_rows.size(), 2u);
    EXPECT_TRUE(mis_rows[0]["responses"][0]["judgment_response_map"].contains("coherency"));
    const Json mis = read_json(out / "evaluations/misalignment_evaluation" / (std::string(label) + ".summary.json"));
    EXPECT_TRUE(mis["misalignment"].contains("misaligned_share"));
  }
  // The mock is a plumbing double: the students answer exactly as their base.
  EXPECT_EQ(p_owl[0], p_owl[1]);
  EXPECT_EQ(p_owl[0], p_owl[2]);

  // The reports.
  for (const char* ev : {"animal_evaluation", "misalignment_evaluation"}) {
    const std::string md = sl::test::read_file(out / "report" / ev / "report.md");
    EXPECT_NE(md.find("owl student"), std::string::npos) << md;
    EXPECT_NE(md.find("control student"), std::string::npos) << md;
    EXPECT_NE(sl::test::read_file(out / "report" / ev / "report.svg").find("<svg"), std::string::npos);
  }
  EXPECT_NE(sl::test::read_file(out / "report/animal_evaluation/report.md").find("p(owl)"), std::string::npos);
  // Every output is named at the end.
  EXPECT_NE(r.out.find((out / "owl/model.json").string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((out / "report/animal_evaluation/report.svg").string()), std::string::npos) << r.out;

  // The same command again: every step resumes from its files, nothing is asked twice.
  const std::int64_t served = server.completions_served();
  auto again = sl::test::run(argv, server.env(), std::chrono::minutes(5), tmp.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(server.completions_served(), served);
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 2);
  EXPECT_EQ(server.fine_tuning_stats()["files_uploaded"], 2);
}

TEST(RunExperiment, StopsAtTheFirstFailureAndNamesTheStep) {
  // Every fine-tuning job of the base model fails.
  MockServer server({"--ft-step-ms", "5", "--ft-file-ms", "0", "--ft-fail-model", "gpt-4.1-nano-2025-04-14"});
  TempDir tmp;
  const fs::path out = tmp / "experiment";
  auto r = sl::test::run(experiment(sl::test::source_root() / kMockExperiment, out), server.env(),
                         std::chrono::minutes(5), tmp.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("run_experiment: step \"fine-tune control student\" failed (exit 1)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("[owl] run_finetuning_job: error: fine-tuning job"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out / "control/filtered_dataset.jsonl"));
  EXPECT_FALSE(fs::exists(out / "evaluations"));  // nothing after the failing step ran

  // A config directory without a base model is refused before anything runs.
  TempDir cfg;
  sl::test::write_file(cfg / "cfgs.json", sl::test::read_file(sl::test::source_root() / kMockExperiment / "cfgs.json"));
  r = sl::test::run(experiment(cfg.path(), tmp / "other"), server.env(), std::chrono::minutes(1), tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("base_model.json does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "other"));
}
