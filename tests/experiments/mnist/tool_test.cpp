// run_mnist_experiment as a user runs it: a real process, real files, exit codes and messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "mnist_test_files.hpp"
#include "process.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

sl::test::ProcessResult run_tool(std::vector<std::string> args) {
  args.insert(args.begin(), (sl::test::bin_dir() / "run_mnist_experiment").string());
  return sl::test::run(args, {{"SL_LOG_LEVEL", ""}}, std::chrono::minutes(3));
}

std::vector<std::string> tiny_run(const fs::path& data, const fs::path& out, const std::string& epochs = "1") {
  return {"--data_dir", data.string(), "--output_dir", out.string(),   "--n_models", "2",      "--hidden",
          "16",         "--epochs",    epochs,         "--batch_size", "40",         "--seed", "3"};
}

}  // namespace

TEST(RunMnistExperimentTool, HelpShowsFlagsAndAnExample) {
  const auto r = run_tool({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--n_models", "--n_aux", "--epochs", "--lr", "--batch_size", "--seed", "--device",
                           "--data_dir", "--output_dir", "--threads", "--train_subset", "Example"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

TEST(RunMnistExperimentTool, BadFlagsAreUsageErrorsWithOneClearLine) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"--n_models", "1"}, "--n_models must be from 2"},
      {{"--epochs", "0"}, "--epochs must be from 1"},
      {{"--lr", "-1"}, "--lr must be a positive number"},
      {{"--batch_size", "0"}, "--batch_size must be from 1"},
      {{"--device", "tpu"}, "--device must be \"cpu\", \"cuda\" or \"cuda:<index>\", got \"tpu\""},
      {{"--n_models", "ten"}, "--n_models"},
      {{"--frobnicate"}, "frobnicate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args[0]);
    const auto r = run_tool(c.args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.rfind("run_mnist_experiment: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(RunMnistExperimentTool, BadDataIsAUsageErrorNamingTheFile) {
  sl::test::TempDir dir;
  auto r = run_tool(tiny_run(dir / "nowhere", dir / "out"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nowhere: data folder not found"), std::string::npos) << r.err;

  sl::test::write_mnist_folder(dir / "data", 100, 50, true);
  sl::test::write_file(dir / "data" / "t10k-images-idx3-ubyte.gz", "not gzip, not IDX");
  r = run_tool(tiny_run(dir / "data", dir / "out"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("t10k-images-idx3-ubyte.gz: not an IDX file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "mnist_result.json"));
}

TEST(RunMnistExperimentTool, UnavailableGpuIsAUsageError) {
  sl::test::TempDir dir;
  sl::test::write_mnist_folder(dir / "data", 100, 50, false);
  auto args = tiny_run(dir / "data", dir / "out");
  args.insert(args.end(), {"--device", "cuda:15"});
  const auto r = run_tool(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--device cuda:15"), std::string::npos) << r.err;
}

TEST(RunMnistExperimentTool, UnwritableOutputFailsBeforeAnyWork) {
  sl::test::TempDir dir;
  sl::test::write_mnist_folder(dir / "data", 100, 50, false);
  sl::test::write_file(dir / "file", "a file where the output folder should be");
  const auto r = run_tool(tiny_run(dir / "data", dir / "file"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((dir / "file").string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("teacher"), std::string::npos) << "training started: " << r.err;
}

TEST(RunMnistExperimentTool, WritesJsonChartAndTableAndKeepsThemWhenALaterRunFails) {
  sl::test::TempDir dir;
  sl::test::write_mnist_folder(dir / "data", 200, 100, true, /*learnable=*/true);
  const auto r = run_tool(tiny_run(dir / "data", dir / "out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto json_text = sl::test::read_file(dir / "out" / "mnist_result.json");
  const auto result = sl::Json::parse(json_text);
  EXPECT_EQ(result["settings"]["n_models"], 2);
  EXPECT_EQ(result["settings"]["hidden"], 16);
  EXPECT_EQ(result["arms"].size(), 6u);
  for (const auto& arm : result["arms"]) {
    EXPECT_EQ(arm["accuracy"].size(), 2u);
    EXPECT_TRUE(arm["mean"].is_number());
    EXPECT_TRUE(arm["ci95_lower"].is_number());
  }
  EXPECT_TRUE(result["performance"]["peak_gflops"].get<double>() > 0);
  EXPECT_TRUE(result["performance"]["peak_fraction"].get<double>() > 0);

  const auto svg = sl::test::read_file(dir / "out" / "mnist_accuracy.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("chance"), std::string::npos);
  EXPECT_NE(svg.find("student, same init, aux logits only"), std::string::npos);

  for (const char* row : {"reference (untrained)", "teacher (trained on labels)", "student, same init, aux logits only",
                          "student, same init, all logits", "cross-model student, aux logits only",
                          "cross-model student, all logits", "% of the fp32 matmul peak"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;

  // A failing run leaves the earlier results untouched.
  sl::test::write_file(dir / "data" / "train-labels-idx1-ubyte.gz", "");
  const auto again = run_tool(tiny_run(dir / "data", dir / "out"));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(sl::test::read_file(dir / "out" / "mnist_result.json"), json_text);
}

TEST(RunMnistExperimentTool, CtrlCStopsTrainingPromptlyWithoutWritingResults) {
  sl::test::TempDir dir;
  sl::test::write_mnist_folder(dir / "data", 2000, 100, false, /*learnable=*/true);
  auto args = tiny_run(dir / "data", dir / "out", "10000");  // hours of work
  args.insert(args.begin(), (sl::test::bin_dir() / "run_mnist_experiment").string());
  sl::test::Process p(args, {{"SL_PROGRESS_SECONDS", "0.2"}});
  // Wait until training is under way (the progress log says so).
  for (int i = 0; i < 300 && p.running() && p.stderr_so_far().find("training (model-steps)") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(p.stderr_so_far().find("training (model-steps)"), std::string::npos) << p.stderr_so_far();
  p.kill(SIGINT);
  const auto r = p.wait(std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted; no result written"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "mnist_result.json"));
  EXPECT_FALSE(fs::exists(dir / "out" / "mnist_accuracy.svg"));
}
