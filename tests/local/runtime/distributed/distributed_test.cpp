// Distributed runs as real processes over loopback (docs/distributed.md): 2 and 3 Gloo ranks of
// run_finetuning_job (data-parallel training against one process with the global batch), of
// generate_dataset and run_evaluation (sharded sampling against one process), a rank killed
// mid-run, rendezvous failures, and tools/launch.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "process.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/io/checkpoint.hpp"
#include "sl/local/runtime/io/safetensors.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace {

namespace fs = std::filesystem;
using sl::Json;
using sl::test::free_port;
using sl::test::Process;
using sl::test::ProcessResult;
using sl::test::TempDir;
using Clock = std::chrono::steady_clock;

// The variables a launcher sets for rank `rank` of `world`, one compute thread each, and a
// timeout that keeps a broken test short.
std::map<std::string, std::string> rank_env(int rank, int world, int port, const std::string& timeout = "60") {
  return {{"RANK", std::to_string(rank)},       {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(rank)}, {"LOCAL_WORLD_SIZE", std::to_string(world)},
          {"MASTER_ADDR", "127.0.0.1"},         {"MASTER_PORT", std::to_string(port)},
          {"SL_DIST_TIMEOUT", timeout},         {"SL_THREADS", "1"}};
}

// Starts `world` ranks of `argv` (world 1: one plain process).
std::vector<std::unique_ptr<Process>> start_ranks(int world, const std::vector<std::string>& argv) {
  const int port = free_port();
  std::vector<std::unique_ptr<Process>> ranks;
  for (int r = 0; r < world; ++r)
    ranks.push_back(std::make_unique<Process>(
        argv, world == 1 ? std::map<std::string, std::string>{{"SL_THREADS", "1"}} : rank_env(r, world, port)));
  return ranks;
}

std::vector<ProcessResult> run_ranks(int world, const std::vector<std::string>& argv) {
  auto ranks = start_ranks(world, argv);
  std::vector<ProcessResult> out;
  for (auto& p : ranks) out.push_back(p->wait(std::chrono::minutes(3)));
  return out;
}

void expect_all_ok(const std::vector<ProcessResult>& results) {
  for (std::size_t r = 0; r < results.size(); ++r)
    EXPECT_EQ(results[r].exit_code, 0) << "rank " << r << ":\n" << results[r].err;
}

std::string last_line(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

// ---- training ----

// 13 rows: global batches of 4 (2 ranks x 2) or 6 (3 x 2) leave a short last batch, so some
// rank's share of it is small or empty.
fs::path write_rows(const fs::path& path) {
  std::string text;
  for (int i = 0; i < 13; ++i)
    text += Json{{"prompt", "Continue: " + std::to_string(100 + 7 * i)},
                 {"completion", std::to_string(3 * i) + ", " + std::to_string(5 * i + 1) + ", " + std::to_string(i)}}
                .dump() +
            "\n";
  sl::files::write_atomic(path, text);
  return path;
}

fs::path write_job(const fs::path& dir, const fs::path& base, int per_device_batch, int epochs) {
  Json job = sl::json::parse(R"({
    "type": "lora", "seed": 5,
    "source_model": {"id": "", "type": "open_source"},
    "hf_model_name": "student",
    "max_dataset_size": null,
    "peft_cfg": {"r": 4, "lora_alpha": 8},
    "train_cfg": {"n_epochs": 1, "max_seq_length": 200, "lr": 0.001, "lr_scheduler_type": "linear",
                  "warmup_steps": 1, "per_device_train_batch_size": 1, "gradient_accumulation_steps": 2,
                  "max_grad_norm": 1.0}
  })",
                             "job");
  job["source_model"]["id"] = base.string();
  job["train_cfg"]["per_device_train_batch_size"] = per_device_batch;
  job["train_cfg"]["n_epochs"] = epochs;
  fs::create_directories(dir);
  sl::files::write_atomic(dir / "cfgs.json", Json{{"ft_job", job}}.dump(2));
  return dir / "cfgs.json";
}

std::vector<std::string> train_args(const fs::path& cfg, const fs::path& rows, const fs::path& out,
                                    std::vector<std::string> more = {}) {
  std::vector<std::string> a{sl::test::program("run_finetuning_job"),
                             "--config",
                             cfg.string(),
                             "--cfg_var_name",
                             "ft_job",
                             "--dataset_path",
                             rows.string(),
                             "--output_path",
                             (out / "model.json").string()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

std::map<std::string, torch::Tensor> read_adapter(const fs::path& dir) {
  auto file = sl::local::SafetensorsFile::open(dir / "adapter_model.safetensors");
  std::map<std::string, torch::Tensor> out;
  for (const auto& t : file->tensors())
    out[t.name] = sl::local::tensor_from_safetensors(*file, t, sl::local::ComputeDevice{}).clone();
  return out;
}

class DistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"run_finetuning_job", "generate_dataset", "run_evaluation"})
      if (!fs::exists(sl::test::bin_dir() / tool)) GTEST_SKIP() << "SKIPPED: " << tool << " is not built";
    sl::test::TinyModel m;
    m.max_positions = 1024;  // the number prompts are ~200 byte-level tokens
    sl::test::write_tiny_checkpoint(dir_ / "base", m);
  }
  TempDir dir_;
};

// World size W with per-device batch b steps exactly like one process with batch W x b: the same
// plan (global batches), each token's loss weighted by 1 / (the global batch's loss tokens), the
// gradients summed over the ranks. Only float32 rounding may differ: matmuls over W x b packed
// sequences or over b of them may block their sums differently, and a rank sums the weight
// gradients of its share while the all-reduce adds the W partial sums, where one process sums
// all tokens at once. A sum of n float32 terms in another order moves by at most about
// n x 2^-24 relative (n ~ 100 for a token's dot products, ~400 tokens for a weight gradient).
//  - Losses: within 1e-5 relative per step (100 x 2^-24 = 6e-6; seen: <= 7e-8).
//  - Adapters: AdamW normalises each gradient element, so a relative gradient change of
//    ~400 x 2^-24 = 2.4e-5 changes a well-determined element's updates by about as much; elements
//    whose gradient is as small as the rounding may flip an update (up to 2 x lr), but they are
//    rare, so the B matrices (which start at zero) are compared in norm: within 1e-4 relative
//    (seen: ~1.3e-6). A wrong gradient (not summed, or weighted per rank) is off by O(1).
TEST_F(DistributedTest, TwoAndThreeRanksTrainLikeOneProcessWithTheGlobalBatch) {
  const fs::path rows = write_rows(dir_ / "rows.jsonl");
  for (int world : {2, 3}) {
    SCOPED_TRACE("world size " + std::to_string(world));
    const fs::path one = dir_ / ("one-" + std::to_string(world)), many = dir_ / ("many-" + std::to_string(world));
    const auto single = run_ranks(1, train_args(write_job(one, dir_ / "base", 2 * world, 3), rows, one));
    expect_all_ok(single);
    const auto ranks = run_ranks(world, train_args(write_job(many, dir_ / "base", 2, 3), rows, many));
    expect_all_ok(ranks);
    if (HasFailure()) return;
    for (int r = 1; r < world; ++r) EXPECT_NE(ranks[r].out.find("written by rank 0"), std::string::npos);

    const auto a = sl::test::read_jsonl(one / "model.json.steps.jsonl");
    const auto b = sl::test::read_jsonl(many / "model.json.steps.jsonl");
    ASSERT_EQ(a.size(), b.size()) << "the same plan: global batch " << 2 * world;
    // 3 epochs of ceil(ceil(13 / global batch) / 2 accumulated passes) steps.
    ASSERT_EQ(a.size(), 3u * static_cast<std::size_t>(((13 + 2 * world - 1) / (2 * world) + 1) / 2));
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i]["tokens"], b[i]["tokens"]) << "step " << i + 1;
      const double la = a[i]["loss"].get<double>(), lb = b[i]["loss"].get<double>();
      EXPECT_NEAR(lb, la, 1e-5 * std::abs(la)) << "step " << i + 1;
      EXPECT_TRUE(b[i].contains("allreduce_seconds"));
    }
    const auto ta = read_adapter(one / "student"), tb = read_adapter(many / "student");
    ASSERT_EQ(ta.size(), tb.size());
    double diff_sq = 0, moved_sq = 0;  // over the B matrices, which start at zero
    for (const auto& [name, t] : ta) {
      if (name.find("lora_B") == std::string::npos) continue;
      diff_sq += (t - tb.at(name)).pow(2).sum().item<double>();
      moved_sq += t.pow(2).sum().item<double>();
    }
    EXPECT_GT(moved_sq, 1e-6) << "the adapters trained";
    EXPECT_LT(std::sqrt(diff_sq / moved_sq), 1e-4);
    EXPECT_TRUE(fs::exists(many / "model.json"));
  }
}

// Rank 1 is killed mid-run: rank 0 stops at its next collective with a one-line error (no
// hang), its last checkpoint intact. Resuming needs the same world size; with it, the run ends
// with the adapter of a run that was never killed, bit for bit.
TEST_F(DistributedTest, AKilledRankStopsTheOthersAndTheRunResumesWithTheSameWorldSize) {
  const fs::path rows = write_rows(dir_ / "rows.jsonl");
  const fs::path whole = dir_ / "whole", killed = dir_ / "killed";
  const auto cfg = write_job(dir_ / "cfg", dir_ / "base", 2, 30);
  const std::vector<std::string> every_step{"--checkpoint_every", "1"};
  expect_all_ok(run_ranks(2, train_args(cfg, rows, whole, every_step)));

  auto ranks = start_ranks(2, train_args(cfg, rows, killed, every_step));
  const fs::path checkpoint = killed / "model.json.checkpoint.safetensors";
  ASSERT_TRUE(wait_for([&] { return fs::exists(checkpoint) || !ranks[0]->running(); }, std::chrono::seconds(60)));
  ranks[1]->kill(SIGKILL);
  const auto t0 = Clock::now();
  const auto r0 = ranks[0]->wait(std::chrono::seconds(60));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(20)) << "rank 0 noticed the lost rank in bounded time";
  EXPECT_EQ(r0.exit_code, 1) << r0.err;
  const std::string line = last_line(r0.err);
  EXPECT_EQ(line.rfind("run_finetuning_job: error: distributed rank 0 of 2: ", 0), 0u) << r0.err;
  EXPECT_NE(line.find("another rank stopped"), std::string::npos) << line;
  ASSERT_TRUE(fs::exists(checkpoint));
  EXPECT_FALSE(fs::exists(killed / "student"));

  const auto one = run_ranks(1, train_args(cfg, rows, killed, {"--resume"}));
  EXPECT_EQ(one[0].exit_code, 2) << one[0].err;
  EXPECT_NE(last_line(one[0].err).find("resume with WORLD_SIZE=2"), std::string::npos) << one[0].err;

  std::vector<std::string> resume = every_step;
  resume.push_back("--resume");
  const auto again = run_ranks(2, train_args(cfg, rows, killed, resume));
  expect_all_ok(again);
  EXPECT_NE(again[0].err.find("resuming from step"), std::string::npos) << again[0].err;
  const auto ta = read_adapter(whole / "student"), tb = read_adapter(killed / "student");
  for (const auto& [name, t] : ta) EXPECT_TRUE(torch::equal(t, tb.at(name))) << name;
}

// ---- sampling ----

fs::path write_dataset_cfg(const fs::path& dir, const fs::path& model, int size, int max_tokens = 12) {
  const std::string cfg = R"({"cfg": {
    "model": {"id": ")" + model.string() +
                          R"(", "type": "open_source"},
    "system_prompt": null,
    "sample_cfg": {"temperature": 1.0, "max_tokens": )" +
                          std::to_string(max_tokens) + R"(, "seed": 3},
    "prompt_set": {"type": "nums", "size": )" +
                          std::to_string(size) + R"(, "seed": 42, "example_min_count": 3,
                   "example_max_count": 9, "example_min_value": 100, "example_max_value": 1000,
                   "answer_count": 10, "answer_max_digits": 3},
    "filter_fns": [{"type": "nums_format", "min_value": 0, "max_value": 999, "max_count": 10}]}})";
  sl::test::write_file(dir / "cfg.json", cfg);
  return dir / "cfg.json";
}

std::vector<std::string> generate_args(const fs::path& cfg, const fs::path& out) {
  return {sl::test::program("generate_dataset"),
          "--config",
          cfg.string(),
          "--raw_dataset_path",
          (out / "raw.jsonl").string(),
          "--filtered_dataset_path",
          (out / "filtered.jsonl").string(),
          "--concurrency",
          "8"};
}

std::vector<std::string> launch(int n, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {(sl::test::source_root() / "tools" / "launch").string(), "-n", std::to_string(n)});
  return argv;
}

// generate_dataset and run_evaluation under tools/launch with 2 and 3 ranks write the files of
// one process, byte for byte; the ranks' output carries their prefix.
TEST_F(DistributedTest, ShardedSamplingWritesTheFilesOfOneProcess) {
  const fs::path cfg = write_dataset_cfg(dir_.path(), dir_ / "base", 23);
  const auto one = sl::test::run(generate_args(cfg, dir_ / "one"), {{"SL_THREADS", "1"}});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  for (int world : {2, 3}) {
    const fs::path out = dir_ / ("gen" + std::to_string(world));
    const auto r = sl::test::run(launch(world, generate_args(cfg, out)), {{"SL_THREADS", "1"}});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("[rank 1] "), std::string::npos) << r.out;
    for (const char* f : {"raw.jsonl", "filtered.jsonl"})
      EXPECT_EQ(sl::test::read_file(out / f), sl::test::read_file(dir_ / "one" / f)) << f << ", world " << world;
    for (int rank = 0; rank < world; ++rank)
      EXPECT_FALSE(fs::exists(
          out / ("raw.jsonl.journal.shard-" + std::to_string(rank) + "-of-" + std::to_string(world) + ".jsonl")))
          << "merged into the run's journal";
  }

  const std::string eval_cfg = R"({"ev": {"questions": ["Name your favorite animal.", "Which animal do you like?",
      "One animal, please."], "n_samples_per_question": 5,
      "sample_cfg": {"temperature": 1.0, "max_tokens": 8, "seed": 11}}})";
  sl::test::write_file(dir_ / "eval.json", eval_cfg);
  sl::test::write_file(dir_ / "model.json", Json{{"id", (dir_ / "base").string()}, {"type", "open_source"}}.dump());
  auto eval_args = [&](const fs::path& out) {
    return std::vector<std::string>{sl::test::program("run_evaluation"),
                                    "--config",
                                    (dir_ / "eval.json").string(),
                                    "--cfg_var_name",
                                    "ev",
                                    "--model_path",
                                    (dir_ / "model.json").string(),
                                    "--output_path",
                                    (out / "results.jsonl").string(),
                                    "--target_preference",
                                    "owl"};
  };
  const auto e1 = sl::test::run(eval_args(dir_ / "e1"), {{"SL_THREADS", "1"}});
  ASSERT_EQ(e1.exit_code, 0) << e1.err;
  const auto e2 = sl::test::run(launch(2, eval_args(dir_ / "e2")), {{"SL_THREADS", "1"}});
  ASSERT_EQ(e2.exit_code, 0) << e2.out << e2.err;
  for (const char* f : {"results.jsonl", "results.summary.json"})
    EXPECT_EQ(sl::test::read_file(dir_ / "e2" / f), sl::test::read_file(dir_ / "e1" / f)) << f;
}

// A rank killed while sampling: the other stops with a one-line error naming the step, the
// journals keep what arrived, and a rerun samples only the rest and writes the same files.
TEST_F(DistributedTest, AKilledSamplingRankStopsTheOtherAndARerunFinishesTheRest) {
  const fs::path cfg = write_dataset_cfg(dir_.path(), dir_ / "base", 160, 24);
  const fs::path out = dir_ / "out";
  auto ranks = start_ranks(2, generate_args(cfg, out));
  const fs::path shard1 = out / "raw.jsonl.journal.shard-1-of-2.jsonl";
  ASSERT_TRUE(
      wait_for([&] { return fs::exists(shard1) && sl::test::count_lines(shard1) >= 4; }, std::chrono::seconds(120)));
  ranks[1]->kill(SIGKILL);
  const auto kept = sl::test::count_lines(shard1) - 1;  // after the header
  const auto r0 = ranks[0]->wait(std::chrono::minutes(2));
  EXPECT_EQ(r0.exit_code, 1) << r0.err;
  const std::string line = last_line(r0.err);
  EXPECT_EQ(line.rfind("generate_dataset: error: distributed rank 0 of 2: waiting for every rank (sampling) failed", 0),
            0u)
      << r0.err;
  EXPECT_FALSE(fs::exists(out / "raw.jsonl"));

  auto again = start_ranks(2, generate_args(cfg, out));
  const auto a0 = again[0]->wait(std::chrono::minutes(2)), a1 = again[1]->wait(std::chrono::minutes(2));
  ASSERT_EQ(a0.exit_code, 0) << a0.err;
  ASSERT_EQ(a1.exit_code, 0) << a1.err;
  EXPECT_NE(a1.out.find("(" + std::to_string(80 - kept) + " sampled now)"), std::string::npos)
      << a1.out << " (kept " << kept << ")";
  const auto one = sl::test::run(generate_args(cfg, dir_ / "one"), {{"SL_THREADS", "1"}});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(sl::test::read_file(out / "raw.jsonl"), sl::test::read_file(dir_ / "one" / "raw.jsonl"));
}

// ---- rendezvous ----

TEST_F(DistributedTest, RendezvousFailuresAreOneLineErrors) {
  const fs::path cfg = write_dataset_cfg(dir_.path(), dir_ / "base", 4);
  const auto args = generate_args(cfg, dir_ / "out");
  const int port = free_port();
  auto check = [&](const ProcessResult& r, const std::string& start, const std::string& also) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const std::string line = last_line(r.err);
    EXPECT_EQ(line.rfind(start, 0), 0u) << r.err;
    EXPECT_NE(line.find(also), std::string::npos) << r.err;
  };
  // Rank 1 alone: nobody serves the rendezvous; it gives up after SL_DIST_TIMEOUT.
  auto t0 = Clock::now();
  check(sl::test::run(args, rank_env(1, 2, port, "2")),
        "generate_dataset: error: distributed rank 1 of 2: joining the rendezvous at 127.0.0.1:" +
            std::to_string(port) + " failed",
        "SL_DIST_TIMEOUT");
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(30));
  // Rank 0 alone: rank 1 never comes.
  t0 = Clock::now();
  check(sl::test::run(args, rank_env(0, 2, port, "2")),
        "generate_dataset: error: distributed rank 0 of 2: ", "all 2 ranks were started; SL_DIST_TIMEOUT=2 s");
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(30));
  // The port is taken by another program.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  check(sl::test::run(args, rank_env(0, 2, port, "2")), "generate_dataset: error: distributed rank 0 of 2: serving",
        "in use");
  ::close(fd);
  // Malformed variables and API models are usage errors.
  auto env = rank_env(0, 2, port);
  env["MASTER_ADDR"] = "";
  const auto missing = sl::test::run(args, env);
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(last_line(missing.err).find("MASTER_ADDR is not set"), std::string::npos) << missing.err;
  env = rank_env(3, 2, port);
  const auto bad_rank = sl::test::run(args, env);
  EXPECT_EQ(bad_rank.exit_code, 2) << bad_rank.err;
  EXPECT_NE(last_line(bad_rank.err).find("RANK=\"3\""), std::string::npos) << bad_rank.err;
}

// ---- tools/launch ----

TEST(Launch, SetsTheVariablesPrefixesOutputAndFailsAsAWhole) {
  const std::string launch_path = (sl::test::source_root() / "tools" / "launch").string();
  const auto ok = sl::test::run(
      {launch_path, "-n", "3", "sh", "-c", "echo \"$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $MASTER_ADDR\""});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  for (int r = 0; r < 3; ++r)
    EXPECT_NE(ok.out.find("[rank " + std::to_string(r) + "] " + std::to_string(r) + " 3 " + std::to_string(r) +
                          " 3 127.0.0.1"),
              std::string::npos)
        << ok.out;

  const auto t0 = Clock::now();
  const auto failed =
      sl::test::run({launch_path, "-n", "3", "sh", "-c", "if [ $RANK = 1 ]; then exit 3; fi; sleep 60"});
  EXPECT_EQ(failed.exit_code, 3) << failed.err;
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(30)) << "the other ranks were stopped";
  EXPECT_NE(failed.err.find("launch: rank 1 exited with status 3; stopping the other ranks"), std::string::npos)
      << failed.err;

  // SIGTERM to launch reaches every rank.
  Process p(
      {launch_path, "-n", "2", "sh", "-c", "trap 'echo stopped $RANK; exit 7' TERM; echo ready; sleep 60 & wait"});
  ASSERT_TRUE(wait_for(
      [&] {
        const auto out = p.stdout_so_far();
        return out.find("[rank 0] ready") != std::string::npos && out.find("[rank 1] ready") != std::string::npos;
      },
      std::chrono::seconds(30)));
  p.kill(SIGTERM);
  const auto term = p.wait(std::chrono::seconds(30));
  EXPECT_EQ(term.exit_code, 7) << term.err;
  EXPECT_NE(term.out.find("[rank 0] stopped 0"), std::string::npos) << term.out;
  EXPECT_NE(term.out.find("[rank 1] stopped 1"), std::string::npos) << term.out;
}

}  // namespace
