// run_finetuning_job with push_to_hub as a real process, against fake_hub_server: the base
// model (a tiny checkpoint) is itself a hub id downloaded on first use, the adapter goes to
// {HF_USER_ID}/{hf_model_name} (private) through LFS in one commit, the model file names that
// hub id, a rerun commits nothing, and the model file loads on a machine with an empty cache.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "fake_hub.hpp"
#include "process.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/llm/backend.hpp"
#include "sl/llm/data_models.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace {

namespace fs = std::filesystem;
using sl::Json;
using sl::test::FakeHub;
using sl::test::TempDir;

Json job_json(bool push_in_config) {
  Json j = sl::json::parse(R"({
    "type": "lora", "seed": 3,
    "source_model": {"id": "org/tinybase", "type": "open_source"},
    "hf_model_name": "student",
    "max_dataset_size": null,
    "peft_cfg": {"r": 4, "lora_alpha": 8},
    "train_cfg": {"n_epochs": 2, "max_seq_length": 200, "lr": 0.02, "lr_scheduler_type": "linear",
                  "warmup_steps": 0, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 1,
                  "max_grad_norm": 1.0}
  })",
                           "job");
  if (push_in_config) j["push_to_hub"] = true;
  return j;
}

struct PushJob {
  TempDir dir;
  fs::path config, data, out;
  explicit PushJob(bool push_in_config) {
    sl::test::write_tiny_checkpoint(dir / "tinybase");
    config = dir / "cfgs.json";
    sl::files::write_atomic(config, Json{{"ft_job", job_json(push_in_config)}}.dump(2));
    data = dir / "rows.jsonl";
    std::string rows;
    for (const char* c : {"1, 2, 3", "4, 5", "6, 7, 8", "9"})
      rows += Json{{"prompt", "Numbers?"}, {"completion", c}}.dump() + "\n";
    sl::files::write_atomic(data, rows);
    out = dir / "out" / "model.json";
  }
  std::vector<std::string> argv(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{sl::test::program("run_finetuning_job"),
                               "--config",
                               config.string(),
                               "--cfg_var_name",
                               "ft_job",
                               "--dataset_path",
                               data.string(),
                               "--output_path",
                               out.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::map<std::string, std::string> env(const FakeHub& hub, const std::string& user = "me") const {
    return {{"HF_ENDPOINT", hub.url()},
            {"HF_HUB_CACHE", (dir / "cache").string()},
            {"HUGGINGFACE_HUB_CACHE", ""},
            {"HF_HUB_OFFLINE", ""},
            {"HF_TOKEN", "hf_good"},
            {"HF_USER_ID", user},
            {"SL_THREADS", "1"}};
  }
};

TEST(PushToHub, TrainsOnADownloadedBaseAndPushesTheAdapterOnce) {
  PushJob s(true);
  FakeHub hub({"--repo", "org/tinybase=" + (s.dir / "tinybase").string(), "--token", "hf_good"});
  auto r = sl::test::run(s.argv(), s.env(hub));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_directory(s.dir / "cache" / "models--org--tinybase" / "snapshots"));  // downloaded on first use
  const Json model = sl::test::read_json(s.out);
  EXPECT_EQ(model["id"], "me/student");
  EXPECT_EQ(model["parent_model"]["id"], "org/tinybase");
  auto stats = hub.stats();
  EXPECT_EQ(stats["commits"]["me/student"], 1);
  EXPECT_EQ(stats["private"]["me/student"], true);
  EXPECT_EQ(stats["lfs_puts"], 1);  // adapter_model.safetensors

  // The rerun after a crash: the job is done, the repo has the files: no second commit.
  r = sl::test::run(s.argv(), s.env(hub));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sl::test::read_json(s.out)["id"], "me/student");
  stats = hub.stats();
  EXPECT_EQ(stats["commits"]["me/student"], 1);
  EXPECT_EQ(stats["lfs_puts"], 1);

  // Another machine (an empty cache) loads the model file: base and adapter come from the hub.
  for (const auto& [k, v] : s.env(hub)) ::setenv(k.c_str(), v.c_str(), 1);
  ::setenv("HF_HUB_CACHE", (s.dir / "other_cache").string().c_str(), 1);
  const auto student = sl::json::decode<sl::llm::Model>(sl::json::Reader(model, "model"));
  auto backend = sl::llm::make_backend(student);
  sl::llm::SampleRequest req;
  req.chat = sl::llm::build_simple_chat("Numbers?");
  req.cfg.temperature = 0;
  req.cfg.max_tokens = 5;
  std::string completion;
  backend->sample({req}, [&](std::size_t, sl::llm::LLMResponse resp) { completion = resp.completion; });
  EXPECT_TRUE(fs::exists(s.dir / "other_cache" / "models--me--student" / "refs" / "main"));
  EXPECT_TRUE(fs::exists(s.dir / "other_cache" / "models--org--tinybase" / "refs" / "main"));
  for (const char* k : {"HF_ENDPOINT", "HF_HUB_CACHE", "HF_TOKEN", "HF_USER_ID", "SL_THREADS"}) ::unsetenv(k);
}

TEST(PushToHub, TheFlagPushesTooAfterCheckingHfUserIdBeforeTraining) {
  PushJob s(false);
  FakeHub hub({"--repo", "org/tinybase=" + (s.dir / "tinybase").string(), "--token", "hf_good"});
  auto r = sl::test::run(s.argv({"--push_to_hub"}), s.env(hub, ""));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("HF_USER_ID"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.dir / "out" / "student"));  // nothing trained

  r = sl::test::run(s.argv({"--push_to_hub"}), s.env(hub, "team"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sl::test::read_json(s.out)["id"], "team/student");
  EXPECT_EQ(hub.stats()["commits"]["team/student"], 1);
  EXPECT_EQ(hub.stats()["private"]["team/student"], true);
}

}  // namespace
