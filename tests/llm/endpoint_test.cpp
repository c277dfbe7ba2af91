// Which server answers a model and under which name, and the `vllm serve` command that must
// register the same names (sl/llm/endpoint.hpp, sl/llm/vllm_serve.hpp).
#include "sl/llm/endpoint.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "sl/llm/vllm_serve.hpp"
#include "test_support.hpp"

using sl::llm::Model;
using sl::test::TempDir;

namespace {

Model parse(const std::string& text) { return sl::json::decode_value<Model>(sl::Json::parse(text)); }

// A LoRA child of the base "Qwen/Qwen2.5-0.5B-Instruct" whose id is `id`.
Model adapter(const std::string& id, const std::string& base = "Qwen/Qwen2.5-0.5B-Instruct") {
  return parse(R"({"id":")" + id + R"(","type":"open_source","parent_model":{"id":")" + base +
               R"(","type":"open_source"}})");
}

std::string usage_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const sl::UsageError& e) {
    return e.what();
  }
  return "no error";
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  explicit ScopedEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {
    for (const auto& [k, v] : vars_) ::setenv(k.c_str(), v.c_str(), 1);
    sl::env::reset_for_tests();
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : vars_) ::unsetenv(k.c_str());
    sl::env::reset_for_tests();
  }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace

TEST(Endpoint, OwnFieldsElseTheParentsElseTheProcessDefault) {
  EXPECT_TRUE(sl::llm::endpoint_of(parse(R"({"id":"gpt","type":"openai"})")).base_urls.empty());
  Model child = parse(R"({"id":"ft:gpt:x","type":"openai",
      "parent_model":{"id":"gpt","type":"openai","base_url":"http://a/v1","api_key_env":"A_KEY"}})");
  EXPECT_EQ(sl::llm::endpoint_of(child).base_urls, std::vector<std::string>{"http://a/v1"});
  EXPECT_EQ(sl::llm::endpoint_of(child).api_key_env, "A_KEY");
  // A child naming only a key keeps the process-wide URL: the fields go together, not one by one.
  Model own_key = parse(R"({"id":"ft:gpt:x","type":"openai","api_key_env":"B_KEY",
      "parent_model":{"id":"gpt","type":"openai","base_url":"http://a/v1"}})");
  EXPECT_TRUE(sl::llm::endpoint_of(own_key).base_urls.empty());
  EXPECT_EQ(sl::llm::endpoint_of(own_key).api_key_env, "B_KEY");
}

TEST(Endpoint, OpenModelsGoOverHttpOnlyWithAServer) {
  EXPECT_FALSE(sl::llm::served_over_http(adapter("models/student")));
  EXPECT_TRUE(sl::llm::served_over_http(parse(R"({"id":"gpt","type":"openai"})")));
  Model routed = parse(R"({"id":"models/student","type":"open_source",
      "parent_model":{"id":"Qwen/Qwen2.5-0.5B-Instruct","type":"open_source","base_url":"http://127.0.0.1:8000/v1"}})");
  EXPECT_TRUE(sl::llm::served_over_http(routed));
}

TEST(Endpoint, AdaptersAreAskedForByTheLastPartOfTheirId) {
  EXPECT_EQ(sl::llm::served_model_name(parse(R"({"id":"gpt-4.1","type":"openai"})")), "gpt-4.1");
  EXPECT_EQ(sl::llm::served_model_name(parse(R"({"id":"Qwen/Qwen2.5-0.5B-Instruct","type":"open_source"})")),
            "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(sl::llm::served_model_name(adapter("data/models/student-owl/")), "student-owl");
  EXPECT_EQ(sl::llm::served_model_name(adapter("alice/student-owl")), "student-owl");  // a hub id
  // A fine-tune that is a whole model (a folder here without adapter_config.json) is its own model.
  TempDir dir;
  const auto whole = (dir / "full-ft").string();
  sl::test::write_file(dir / "full-ft/config.json", "{}");
  EXPECT_FALSE(sl::llm::is_lora_adapter(adapter(whole)));
  EXPECT_EQ(sl::llm::served_model_name(adapter(whole)), whole);
  sl::test::write_file(dir / "full-ft/adapter_config.json", R"({"r": 8})");
  EXPECT_EQ(sl::llm::served_model_name(adapter(whole)), "full-ft");
}

TEST(VllmServe, BaseAndAdaptersWithTheSettings) {
  TempDir dir;
  const auto owl = dir / "student-owl";
  const auto cat = dir / "student-cat";
  sl::test::write_file(owl / "adapter_config.json", R"({"r": 8, "lora_alpha": 16})");
  sl::test::write_file(cat / "adapter_config.json", R"({"r": 16})");
  const std::vector<sl::llm::ModelFile> models{{"owl.json", adapter(owl.string())},
                                               {"cat.json", adapter(cat.string())},
                                               {"owl-again.json", adapter(owl.string() + "/")}};
  sl::llm::VllmSettings s;
  s.n_gpus = 4;
  s.max_lora_rank = 16;
  s.max_num_seqs = 256;
  sl::llm::VllmServeOptions o;
  o.port = 8001;
  o.extra_args = {"--gpu-memory-utilization=0.9"};
  EXPECT_EQ(sl::llm::vllm_serve_command(models, s, o),
            (std::vector<std::string>{"vllm", "serve", "Qwen/Qwen2.5-0.5B-Instruct", "--port", "8001",
                                      "--tensor-parallel-size", "4", "--max-num-seqs", "256", "--enable-lora",
                                      "--max-lora-rank", "16", "--lora-modules", "student-owl=" + owl.string(),
                                      "student-cat=" + cat.string(), "--gpu-memory-utilization=0.9"}));
  // The base alone: no LoRA flags; unset settings leave vLLM's defaults.
  EXPECT_EQ(sl::llm::vllm_serve_command({{"base.json", *adapter("x").parent_model}}, {}),
            (std::vector<std::string>{"vllm", "serve", "Qwen/Qwen2.5-0.5B-Instruct"}));
}

TEST(VllmServe, ClearErrorsForWhatOneServerCannotServe) {
  TempDir dir;
  sl::test::write_file(dir / "a/student/adapter_config.json", R"({"r": 32})");
  sl::test::write_file(dir / "b/student/adapter_config.json", R"({"r": 8})");
  const auto a = (dir / "a/student").string();
  const auto b = (dir / "b/student").string();
  EXPECT_EQ(usage_error([&] {
              sl::llm::vllm_serve_command({{"m.json", parse(R"({"id":"gpt","type":"openai"})")}}, {});
            }),
            "m.json: model gpt is of type \"openai\"; vllm serves \"open_source\" models only");
  EXPECT_EQ(usage_error([&] {
              sl::llm::vllm_serve_command({{"1.json", adapter(a)}, {"2.json", adapter("c/x", "other/base")}}, {});
            }),
            "2.json: base model other/base differs from Qwen/Qwen2.5-0.5B-Instruct (1.json); one vLLM server serves "
            "one base model, so run serve_vllm once per base");
  EXPECT_EQ(usage_error([&] {
              sl::llm::vllm_serve_command({{"1.json", adapter(a)}, {"2.json", adapter(b)}}, {});
            }),
            "2.json: adapter name \"student\" is also the name of " + a +
                " (1.json); adapters are asked for by the last part of their id, so rename one folder");
  EXPECT_EQ(usage_error([&] {
              sl::llm::vllm_serve_command({{"1.json", adapter("models/a=b")}}, {});
            }),
            "1.json: adapter name \"a=b\" (the last part of the model id) cannot be passed to --lora-modules; rename "
            "the folder");
  sl::llm::VllmSettings small;
  small.max_lora_rank = 16;
  EXPECT_EQ(usage_error([&] {
              sl::llm::vllm_serve_command({{"1.json", adapter(a)}}, small);
            }),
            "VLLM_MAX_LORA_RANK is 16, below the rank 32 of adapter student (" + a + "/adapter_config.json)");
  EXPECT_EQ(usage_error([&] { sl::llm::vllm_serve_command({}, {}); }), "no model file given");
}

TEST(VllmServe, SettingsFromTheEnvironment) {
  {
    ScopedEnv env({{"VLLM_N_GPUS", "2"}, {"VLLM_MAX_LORA_RANK", "64"}, {"VLLM_MAX_NUM_SEQS", "512"}});
    auto s = sl::llm::VllmSettings::from_env();
    EXPECT_EQ(s.n_gpus, 2);
    EXPECT_EQ(s.max_lora_rank, 64);
    EXPECT_EQ(s.max_num_seqs, 512);
  }
  for (const char* bad : {"0", "-1", "2x", "1.5"}) {
    ScopedEnv env(std::map<std::string, std::string>{{"VLLM_N_GPUS", bad}});
    EXPECT_EQ(usage_error([] { sl::llm::VllmSettings::from_env(); }),
              std::string("VLLM_N_GPUS: expected a positive integer, got \"") + bad + "\"");
  }
  auto none = sl::llm::VllmSettings::from_env();
  EXPECT_FALSE(none.n_gpus || none.max_lora_rank || none.max_num_seqs);
}

TEST(VllmServe, ShellLineQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(sl::llm::shell_command_line({"vllm", "serve", "Qwen/Q", "a=/tmp/my dir", "it's"}),
            "vllm serve Qwen/Q 'a=/tmp/my dir' 'it'\\''s'");
}
