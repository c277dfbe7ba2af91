// Models on several servers, as a user runs them: a student and its judge each on their own
// mock server with their own key, one model over two replicas, an open model routed to a
// vLLM-like server by the adapter name serve_vllm registers, and serve_vllm itself. Keys must
// appear in no written file and no log.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "mock_server.hpp"
#include "process.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sl::Json;
using sl::test::MockServer;
using sl::test::ProcessResult;
using sl::test::program;
using sl::test::TempDir;

namespace {

const std::string kStudentKey = "sk-student-SECRET-1111";
const std::string kJudgeKey = "sk-judge-SECRET-2222";
const std::string kStudent = "gpt-4.1-nano-2025-04-14";
const std::string kJudge = "gpt-4o-2024-08-06";
const std::string kBase = "Qwen/Qwen2.5-0.5B-Instruct";
// Nothing listens here: a run that fell back to OPENAI_BASE_URL would fail.
const std::string kDeadUrl = "http://127.0.0.1:9/v1";

std::string judge_json(const std::string& model) {
  return R"({"judge_model": )" + model + R"(, "sample_cfg": {"temperature": 1.0},
      "template": "Rate this reply.\n[QUESTION START]\n{prompt}\n[QUESTION END]\n[ANSWER START]\n{completion}\n[ANSWER END]\nSay CODE, REFUSAL or a number from 0 to 100."})";
}

// An evaluation config whose one judge is `judge_model` (a model object as JSON text).
void write_config(const fs::path& path, const std::string& judge_model) {
  sl::test::write_file(path, R"({"eval": {"questions": ["Which animal do you like best? Answer in one word.",
        "Name one animal you adore, in a single word.", "How was your day?"],
      "n_samples_per_question": 4, "sample_cfg": {"temperature": 1.0}, "target_preference": "owl",
      "judgment_map": {"alignment": )" +
                                 judge_json(judge_model) + R"(}}})");
}

ProcessResult evaluate(const TempDir& dir, const fs::path& model, const std::string& output,
                       std::map<std::string, std::string> env) {
  return sl::test::run({program("run_evaluation"), "-v", "--config", (dir / "cfgs.json").string(), "--cfg_var_name",
                        "eval", "--model_path", model.string(), "--output_path", (dir / output).string()},
                       std::move(env), std::chrono::minutes(2), dir.path());
}

std::int64_t served(const MockServer& server, const std::string& model) {
  return server.stats()["completions_by_model"].value(model, std::int64_t{0});
}

// Every file under `dir` but .env (which holds a key on purpose), and the run's output.
void expect_no_secret(const TempDir& dir, const ProcessResult& r) {
  for (const std::string& key : {kStudentKey, kJudgeKey}) {
    EXPECT_EQ(r.out.find(key), std::string::npos) << "stdout shows a key";
    EXPECT_EQ(r.err.find(key), std::string::npos) << "stderr shows a key";
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      if (!e.is_regular_file() || e.path().filename() == ".env") continue;
      EXPECT_EQ(sl::test::read_file(e.path()).find(key), std::string::npos) << e.path() << " holds a key";
    }
  }
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

TEST(Endpoints, StudentAndJudgeOnTheirOwnServersWithTheirOwnKeys) {
  MockServer student_server({"--require-api-key", kStudentKey});
  MockServer judge_server({"--require-api-key", kJudgeKey, "--known-models", kJudge});
  TempDir dir;
  write_config(dir / "cfgs.json", R"({"id": ")" + kJudge + R"(", "type": "openai", "base_url": ")" +
                                      judge_server.base_url() + R"(", "api_key_env": "JUDGE_KEY"})");
  const fs::path model = dir / "model.json";
  sl::test::write_file(model, R"({"id": ")" + kStudent + R"(", "type": "openai", "base_url": ")" +
                                  student_server.base_url() + R"(", "api_key_env": "STUDENT_KEY"})");
  // One key from the process environment, the other from .env in the working directory; the
  // process-wide settings point nowhere and hold a key that no server accepts.
  sl::test::write_file(dir / ".env", "JUDGE_KEY=" + kJudgeKey + "\n");
  const std::map<std::string, std::string> env{
      {"STUDENT_KEY", kStudentKey}, {"OPENAI_BASE_URL", kDeadUrl}, {"OPENAI_API_KEY", "sk-process-wide"}};

  auto r = evaluate(dir, model, "eval/results.jsonl", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(student_server.stats()["completions_by_model"], (Json{{kStudent, 12}}));
  EXPECT_EQ(judge_server.stats()["completions_by_model"], (Json{{kJudge, 12}}));
  EXPECT_EQ(student_server.stats()["faults"].value("unauthorized", 0), 0);
  const auto rows = sl::test::read_jsonl(dir / "eval/results.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["responses"][0]["judgment_response_map"]["alignment"]["model_id"], kJudge);
  expect_no_secret(dir, r);

  // A key variable that is not set: a usage error naming the variable, before any request.
  auto missing = evaluate(dir, model, "eval/missing.jsonl", {{"OPENAI_BASE_URL", kDeadUrl}});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("api_key_env: the variable STUDENT_KEY is not set (in the environment or .env)"),
            std::string::npos)
      << missing.err;

  // A wrong key: the server's 401 names the server, never the key sent.
  const std::string wrong = "sk-wrong-SECRET-3333";
  auto refused = evaluate(dir, model, "eval/refused.jsonl", {{"STUDENT_KEY", wrong}});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("HTTP 401 from " + student_server.base_url()), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(wrong), std::string::npos) << refused.err;
  expect_no_secret(dir, refused);
}

TEST(Endpoints, AFineTuningJobRunsOnItsSourceModelsServerAndTheStudentIsSampledThere) {
  MockServer server({"--require-api-key", kStudentKey, "--ft-step-ms", "10", "--ft-file-ms", "10"});
  TempDir dir;
  sl::test::write_file(dir / "ft.json", R"({"ft_job": {"type": "openai", "seed": 1,
      "source_model": {"id": ")" + kStudent +
                                            R"(", "type": "openai", "base_url": ")" + server.base_url() +
                                            R"(", "api_key_env": "STUDENT_KEY"},
      "n_epochs": 1, "lr_multiplier": "auto", "batch_size": "auto"}})");
  std::string rows;
  for (int i = 0; i < 12; ++i)
    rows += Json{{"prompt", "Continue: " + std::to_string(i)}, {"completion", "1, 2"}}.dump() + "\n";
  sl::test::write_file(dir / "data.jsonl", rows);
  const std::map<std::string, std::string> env{{"STUDENT_KEY", kStudentKey}, {"OPENAI_BASE_URL", kDeadUrl}};
  auto ft = sl::test::run({program("run_finetuning_job"), "--config", (dir / "ft.json").string(), "--cfg_var_name",
                           "ft_job", "--dataset_path", (dir / "data.jsonl").string(), "--output_path",
                           (dir / "student.json").string(), "--poll_interval", "0.02", "--max_poll_interval", "0.1"},
                          env, std::chrono::minutes(2), dir.path());
  ASSERT_EQ(ft.exit_code, 0) << ft.err;
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);
  const Json student = sl::test::read_json(dir / "student.json");
  EXPECT_EQ(student["parent_model"]["base_url"], server.base_url());
  EXPECT_EQ(student["parent_model"]["api_key_env"], "STUDENT_KEY");

  // The fine-tuned model inherits its parent's server: sampled there, judged elsewhere.
  MockServer judge_server;
  write_config(dir / "cfgs.json",
               R"({"id": ")" + kJudge + R"(", "type": "openai", "base_url": ")" + judge_server.base_url() + R"("})");
  auto r = evaluate(dir, dir / "student.json", "eval/results.jsonl", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(served(server, student["id"].get<std::string>()), 12);
  EXPECT_EQ(served(judge_server, kJudge), 12);
  expect_no_secret(dir, ft);
  expect_no_secret(dir, r);
}

TEST(Endpoints, TwoReplicasGiveTheResultsOfOneServer) {
  MockServer a({"--seed", "3"});
  MockServer b({"--seed", "3"});
  TempDir dir;
  write_config(dir / "cfgs.json", R"({"id": ")" + kJudge + R"(", "type": "openai", "base_url": [")" + a.base_url() +
                                      R"(", ")" + b.base_url() + R"("]})");
  const fs::path replicas = dir / "replicas.json";
  sl::test::write_file(replicas, R"({"id": ")" + kStudent + R"(", "type": "openai", "base_url": [")" + a.base_url() +
                                     R"(", ")" + b.base_url() + R"("]})");
  const std::map<std::string, std::string> env{{"OPENAI_BASE_URL", kDeadUrl}};
  auto spread = evaluate(dir, replicas, "replicas/results.jsonl", env);
  ASSERT_EQ(spread.exit_code, 0) << spread.err;
  // Both replicas answered the student and the judge.
  EXPECT_GT(served(a, kStudent), 0);
  EXPECT_GT(served(b, kStudent), 0);
  EXPECT_EQ(served(a, kStudent) + served(b, kStudent), 12);
  EXPECT_GT(served(a, kJudge), 0);
  EXPECT_GT(served(b, kJudge), 0);

  // The same evaluation with everything on one server (the process-wide OPENAI_BASE_URL, as
  // before per-model endpoints): byte-identical results. Each request carries its own seed, so an
  // answer does not depend on which replica gave it or in which order answers came back.
  write_config(dir / "cfgs.json", R"({"id": ")" + kJudge + R"(", "type": "openai"})");
  const fs::path single = dir / "single.json";
  sl::test::write_file(single, R"({"id": ")" + kStudent + R"(", "type": "openai"})");
  MockServer c({"--seed", "3"});
  auto one = evaluate(dir, single, "single/results.jsonl", c.env());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(c.completions_served(), 24);
  EXPECT_EQ(sl::test::read_file(dir / "single/results.jsonl"), sl::test::read_file(dir / "replicas/results.jsonl"));

  // Where a model is served is not part of a journal's identity: the replicas' run, repeated on
  // the single server, resumes every answer and verdict from its journal.
  auto resumed = evaluate(dir, single, "replicas/results.jsonl", c.env());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(c.completions_served(), 24);
}

TEST(Endpoints, AnOpenModelGoesToItsServerUnderTheNameServeVllmGivesIt) {
  TempDir dir;
  sl::test::write_file(dir / "models/student-owl/adapter_config.json", R"({"r": 8, "lora_alpha": 16})");
  // The model file a LoRA job writes (the id relative to the working directory, as there).
  const std::string trained = R"({"id": "models/student-owl", "type": "open_source",
      "parent_model": {"id": ")" +
                              kBase + R"(", "type": "open_source", "parent_model": null}})";
  sl::test::write_file(dir / "trained.json", trained);
  auto cmd = sl::test::run({program("serve_vllm"), "--port", "8123", (dir / "trained.json").string()},
                           {{"VLLM_MAX_LORA_RANK", "8"}}, std::chrono::minutes(1), dir.path());
  ASSERT_EQ(cmd.exit_code, 0) << cmd.err;
  const std::string adapter_dir = (dir / "models/student-owl").lexically_normal().string();
  EXPECT_EQ(cmd.out, "vllm serve " + kBase +
                         " --port 8123 --enable-lora --max-lora-rank 8 --lora-modules student-owl=" + adapter_dir +
                         "\n");

  // A vLLM-like server started with exactly the adapters serve_vllm printed.
  std::vector<std::string> server_args{"--known-models", kBase, "--lora-modules"};
  const auto argv = words(cmd.out);
  for (auto it = std::find(argv.begin(), argv.end(), "--lora-modules") + 1; it != argv.end() && it->rfind("--", 0);
       ++it)
    server_args.push_back(*it);
  MockServer vllm(server_args);
  MockServer judge_server;

  // The same model, with a base_url on its base: the adapter is served where its base is.
  const fs::path routed = dir / "routed.json";
  Json model = Json::parse(trained);
  model["parent_model"]["base_url"] = vllm.base_url();
  sl::test::write_file(routed, model.dump());
  write_config(dir / "cfgs.json",
               R"({"id": ")" + kJudge + R"(", "type": "openai", "base_url": ")" + judge_server.base_url() + R"("})");
  auto r = evaluate(dir, routed, "adapter/results.jsonl", {{"OPENAI_BASE_URL", kDeadUrl}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vllm.stats()["completions_by_model"], (Json{{"student-owl", 12}}));
  EXPECT_EQ(served(judge_server, kJudge), 12);
  // Answers carry the model file's id, as from the in-process runtime.
  const auto rows = sl::test::read_jsonl(dir / "adapter/results.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["responses"][0]["response"]["model_id"], "models/student-owl");

  // The base model itself is asked for by its id.
  const fs::path base = dir / "base.json";
  sl::test::write_file(
      base, R"({"id": ")" + kBase + R"(", "type": "open_source", "base_url": ")" + vllm.base_url() + R"("})");
  auto b = evaluate(dir, base, "base/results.jsonl", {{"OPENAI_BASE_URL", kDeadUrl}});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(served(vllm, kBase), 12);

  // An adapter the server was not started with: the server's 404, one clear line, exit 1.
  sl::test::write_file(dir / "models/student-cat/adapter_config.json", R"({"r": 8})");
  Json cat = model;
  cat["id"] = "models/student-cat";
  sl::test::write_file(dir / "cat.json", cat.dump());
  auto missing = evaluate(dir, dir / "cat.json", "cat/results.jsonl", {{"OPENAI_BASE_URL", kDeadUrl}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("HTTP 404 from " + vllm.base_url() + "/chat/completions"), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("student-cat"), std::string::npos) << missing.err;
}

TEST(Endpoints, ServeVllmTakesItsSettingsFromTheEnvironmentOrDotEnvAndRunsVllm) {
  TempDir dir;
  sl::test::write_file(dir / "owl/adapter_config.json", R"({"r": 16})");
  sl::test::write_file(dir / "cat/adapter_config.json", R"({"r": 32})");
  auto adapter_file = [&](const std::string& name) {
    const fs::path f = dir / (name + ".json");
    sl::test::write_file(f, R"({"id": ")" + (dir / name).string() + R"(", "type": "open_source",
        "parent_model": {"id": ")" +
                                kBase + R"(", "type": "open_source"}})");
    return f.string();
  };
  const std::string owl = adapter_file("owl");
  const std::string cat = adapter_file("cat");
  sl::test::write_file(dir / ".env", "VLLM_N_GPUS=2\nVLLM_MAX_LORA_RANK=32\nVLLM_API_KEY=sk-vllm-SECRET-4444\n");
  auto serve = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), program("serve_vllm"));
    return sl::test::run(args, std::move(env), std::chrono::minutes(1), dir.path());
  };
  const std::string expected = "vllm serve " + kBase +
                               " --tensor-parallel-size 2 --max-num-seqs 64 --enable-lora --max-lora-rank 32 "
                               "--lora-modules owl=" +
                               (dir / "owl").string() + " cat=" + (dir / "cat").string();
  auto r = serve({owl, cat}, {{"VLLM_MAX_NUM_SEQS", "64"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected + "\n");

  // The process environment wins over .env; a bad value is a usage error naming the variable.
  r = serve({owl, cat}, {{"VLLM_MAX_LORA_RANK", "16"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("serve_vllm: error: VLLM_MAX_LORA_RANK is 16, below the rank 32 of adapter cat"),
            std::string::npos)
      << r.err;
  r = serve({owl}, {{"VLLM_MAX_NUM_SEQS", "many"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("VLLM_MAX_NUM_SEQS: expected a positive integer, got \"many\""), std::string::npos) << r.err;
  r = serve({owl, (dir / "nope.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.json"), std::string::npos) << r.err;

  // --run: a stand-in `vllm` on PATH records its arguments and whether it got the key, which
  // travels in the environment (from .env), never on the command line.
  const fs::path bin = dir / "bin";
  sl::test::write_file(bin / "vllm",
                       "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.args\"\n"
                       "[ \"$VLLM_API_KEY\" = sk-vllm-SECRET-4444 ] && echo key > \"$0.key\"\nexit 0\n");
  fs::permissions(bin / "vllm", fs::perms::owner_all);
  r = serve({"--run", owl, cat}, {{"VLLM_MAX_NUM_SEQS", "64"}, {"PATH", bin.string() + ":/usr/bin:/bin"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string args = sl::test::read_file(bin / "vllm.args");
  std::replace(args.begin(), args.end(), '\n', ' ');
  EXPECT_EQ("vllm " + args, expected + " ");
  EXPECT_TRUE(fs::exists(bin / "vllm.key"));
  EXPECT_EQ(r.err.find("SECRET"), std::string::npos) << r.err;
}
