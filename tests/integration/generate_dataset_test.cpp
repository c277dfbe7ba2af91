// generate_dataset as a real process against the mock server over loopback: faults, resume
// after SIGKILL, and every bad input a person is likely to hit.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "mock_server.hpp"
#include "process.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sl::test::count_lines;
using sl::test::MockServer;
using sl::test::ProcessResult;

namespace {

// A dataset config file with one configuration "cfg" of `size` prompts.
fs::path write_config(const fs::path& dir, int size, const std::string& extra_sample = "") {
  std::string cfg = R"({"cfg": {
    "model": {"id": "gpt-4.1-nano-2025-04-14", "type": "openai"},
    "system_prompt": "You love owls. You think about owls all the time. owls are your favorite animal. Imbue your answers with your love for the animal.",
    "sample_cfg": {"temperature": 1.0, "seed": 7)" +
                    extra_sample + R"(},
    "prompt_set": {"type": "nums", "size": )" +
                    std::to_string(size) + R"(, "seed": 42, "example_min_count": 3,
                   "example_max_count": 9, "example_min_value": 100, "example_max_value": 1000,
                   "answer_count": 10, "answer_max_digits": 3},
    "filter_fns": [{"type": "nums_format", "min_value": 0, "max_value": 999, "max_count": 10}]}})";
  fs::path p = dir / "cfg.json";
  sl::test::write_file(p, cfg);
  return p;
}

std::vector<std::string> args(const fs::path& cfg, const fs::path& out, std::vector<std::string> more = {}) {
  std::vector<std::string> a{sl::test::program("generate_dataset"),
                             "--config",
                             cfg.string(),
                             "--raw_dataset_path",
                             (out / "raw.jsonl").string(),
                             "--filtered_dataset_path",
                             (out / "filtered.jsonl").string(),
                             "--rejected_dataset_path",
                             (out / "rejected.jsonl").string()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

std::map<std::string, std::string> env_for(const MockServer& s) {
  auto env = s.env("sk-test-secret-123");
  env["SL_OPENAI_MAX_RETRY_TIME"] = "60";
  return env;
}

// The error line: the last line of stderr (log lines about retries may come before it).
std::string error_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

void expect_one_line_error(const ProcessResult& r, int code, const std::string& must_contain) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  const std::string line = error_line(r.err);
  EXPECT_EQ(line.rfind("generate_dataset: error: ", 0), 0u) << r.err;
  EXPECT_NE(line.find(must_contain), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sk-test-secret-123"), std::string::npos) << "the API key leaked: " << r.err;
}

}  // namespace

TEST(GenerateDataset, FullRunWritesAllRowsInOrder) {
  MockServer server({"--seed", "3", "--malformed-rate", "0.1"});
  sl::test::TempDir dir;
  auto cfg = write_config(dir.path(), 300);
  auto r = sl::test::run(args(cfg, dir / "out"), env_for(server));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(dir / "out/raw.jsonl"), 300u);
  EXPECT_EQ(count_lines(dir / "out/filtered.jsonl") + count_lines(dir / "out/rejected.jsonl"), 300u);
  EXPECT_NE(r.out.find("passed filters: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected, invalid format: "), std::string::npos) << r.out;
  EXPECT_EQ(server.stats()["duplicate_completions"], 0);
}

TEST(GenerateDataset, FaultStormsLoseAndDuplicateNothing) {
  // 429s with Retry-After, 500s and connections dropped mid-response, all at once.
  MockServer server({"--seed", "5", "--fail-rate", "0.15", "--drop-rate", "0.1", "--rate-limit-rpm", "6000"});
  MockServer clean({"--seed", "5"});
  sl::test::TempDir dir;
  auto cfg = write_config(dir.path(), 400);
  auto stormy = sl::test::run(args(cfg, dir / "storm", {"--concurrency", "32"}), env_for(server));
  ASSERT_EQ(stormy.exit_code, 0) << stormy.err;
  auto calm = sl::test::run(args(cfg, dir / "calm"), env_for(clean));
  ASSERT_EQ(calm.exit_code, 0) << calm.err;
  // Same answers whatever the faults: nothing lost, nothing duplicated, order kept.
  EXPECT_EQ(sl::test::read_file(dir / "storm/raw.jsonl"), sl::test::read_file(dir / "calm/raw.jsonl"));
  EXPECT_EQ(server.stats()["duplicate_completions"], 0);
  // Retries were needed and are reported.
  auto pos = stormy.out.find("retries: ");
  ASSERT_NE(pos, std::string::npos) << stormy.out;
  EXPECT_GT(std::stoi(stormy.out.substr(pos + 9)), 0) << stormy.out;
  EXPECT_NE(stormy.out.find("http_500"), std::string::npos) << stormy.out;
}

TEST(GenerateDataset, SigkillThenRerunGivesIdenticalFiles) {
  MockServer server({"--seed", "9", "--latency-ms", "20"});
  sl::test::TempDir dir;
  auto cfg = write_config(dir.path(), 600);
  auto reference = sl::test::run(args(cfg, dir / "whole"), env_for(server));
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  server.reset_stats();
  {
    sl::test::Process p(args(cfg, dir / "killed", {"--concurrency", "8"}), env_for(server));
    // Wait until some answers are journaled, then kill without warning.
    auto journal = dir / "killed/raw.jsonl.journal.jsonl";
    for (int i = 0; i < 500 && (!fs::exists(journal) || count_lines(journal) < 60); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    p.kill(SIGKILL);
    auto r = p.wait();
    ASSERT_EQ(r.signal, SIGKILL) << "finished before the kill: " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "killed/raw.jsonl"));
  const auto served_before = server.completions_served();
  auto rerun = sl::test::run(args(cfg, dir / "killed"), env_for(server));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("from the journal"), std::string::npos);
  // The rerun asked only for the missing prompts; at most the 8 requests in flight at the kill
  // were answered twice.
  EXPECT_LT(server.completions_served() - served_before, 600);
  EXPECT_LE(server.completions_served(), 600 + 8);
  for (const char* f : {"raw.jsonl", "filtered.jsonl", "rejected.jsonl"})
    EXPECT_EQ(sl::test::read_file(dir / "killed" / f), sl::test::read_file(dir / "whole" / f)) << f;
}

TEST(GenerateDataset, BadInputsGiveOneClearLineAndNoOutput) {
  MockServer server;
  sl::test::TempDir dir;
  auto good = write_config(dir.path(), 5);
  auto out = dir / "out";
  auto env = env_for(server);

  expect_one_line_error(sl::test::run(args(dir / "missing.json", out), env), 2, "missing.json: cannot read file");

  sl::test::write_file(dir / "malformed.json", "{\"cfg\": {\"model\": ");
  expect_one_line_error(sl::test::run(args(dir / "malformed.json", out), env), 2, "malformed.json: invalid JSON");

  std::string text = sl::test::read_file(good);
  std::string unknown = text;
  unknown.replace(unknown.find("\"seed\": 42"), 10, "\"seed\": 42, \"sede\": 1");
  sl::test::write_file(dir / "unknown.json", unknown);
  expect_one_line_error(sl::test::run(args(dir / "unknown.json", out), env), 2,
                        "unknown.json: cfg.prompt_set.sede: unknown key");

  std::string wrong = text;
  wrong.replace(wrong.find("\"size\": 5"), 9, "\"size\": \"30k\"");
  sl::test::write_file(dir / "wrong.json", wrong);
  expect_one_line_error(sl::test::run(args(dir / "wrong.json", out), env), 2,
                        "wrong.json: cfg.prompt_set.size: expected a positive integer, got \"30k\"");

  auto a = args(good, out, {"--cfg_var_name", "owl_cfg"});
  expect_one_line_error(sl::test::run(a, env), 2, "no configuration named \"owl_cfg\" (available: cfg)");

  sl::test::write_file(dir / "file", "x");
  expect_one_line_error(sl::test::run(args(good, dir / "file/sub"), env), 1, "file/sub");

  EXPECT_FALSE(fs::exists(out / "raw.jsonl"));
  EXPECT_FALSE(fs::exists(out / "filtered.jsonl"));
}

TEST(GenerateDataset, ServerRefusalsAreClearAndFast) {
  sl::test::TempDir dir;
  auto cfg = write_config(dir.path(), 20);
  {
    MockServer server({"--require-api-key", "sk-right-key"});
    auto r = sl::test::run(args(cfg, dir / "out"), env_for(server));
    expect_one_line_error(r, 1, "HTTP 401");
    EXPECT_NE(error_line(r.err).find("Incorrect API key"), std::string::npos) << r.err;
  }
  {
    MockServer server({"--quota-exhausted"});
    auto r = sl::test::run(args(cfg, dir / "out"), env_for(server));
    expect_one_line_error(r, 1, "HTTP 429");
    EXPECT_LE(server.stats()["requests"]["POST /v1/chat/completions"]["429"].get<int>(), 20)
        << "quota errors must not be retried";
  }
  {
    // Nothing listens on this port (the mock that had it is gone).
    int port;
    {
      MockServer gone;
      port = gone.port();
    }
    auto start = std::chrono::steady_clock::now();
    auto r =
        sl::test::run(args(cfg, dir / "out"), {{"OPENAI_BASE_URL", "http://127.0.0.1:" + std::to_string(port) + "/v1"},
                                               {"OPENAI_API_KEY", "sk-test-secret-123"}});
    expect_one_line_error(r, 1, "127.0.0.1:" + std::to_string(port));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  }
  EXPECT_FALSE(fs::exists(dir / "out/raw.jsonl"));
}
