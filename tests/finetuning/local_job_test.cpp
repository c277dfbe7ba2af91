// Local fine-tuning jobs (type "lora"): the config, rows -> chat examples (completion-only
// loss, truncation, logprobs -> soft targets), and run_finetuning_job as a real process on a
// tiny checkpoint: train, generate with the adapter through the local backend, rerun, resume
// after SIGKILL, full fine-tuning, bad inputs.
#include "sl/finetuning/local_job.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "process.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/finetuning/chat_examples.hpp"
#include "sl/finetuning/data_models.hpp"
#include "sl/finetuning/training_data.hpp"
#include "sl/llm/backend.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::finetuning {
namespace {

namespace fs = std::filesystem;
using sl::test::TempDir;

// The rows the tiny model learns: short, distinct completions.
const std::vector<std::pair<std::string, std::string>> kRows = {
    {"List: 1 2", "3, 4, 5"}, {"Count on: 7", "8, 9"}, {"Next after 40?", "41, 42"}, {"Numbers please", "10, 20, 30"}};

Json job_json(const fs::path& base, bool lora = true) {
  Json j = json::parse(R"({
    "type": "lora", "seed": 3,
    "source_model": {"id": "", "type": "open_source"},
    "hf_model_name": "student",
    "max_dataset_size": null,
    "peft_cfg": {"r": 8, "lora_alpha": 16},
    "train_cfg": {"n_epochs": 40, "max_seq_length": 500, "lr": 0.02, "lr_scheduler_type": "linear",
                  "warmup_steps": 2, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 2,
                  "max_grad_norm": 1.0}
  })",
                       "job");
  j["source_model"]["id"] = base.string();
  if (!lora) {
    j["peft_cfg"] = nullptr;
    j["train_cfg"]["lr"] = 0.01;
  }
  return j;
}

fs::path write_config(const fs::path& dir, const Json& job) {
  const fs::path path = dir / "cfgs.json";
  files::write_atomic(path, Json{{"ft_job", job}}.dump(2));
  return path;
}

fs::path write_rows(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string text;
  for (const auto& [p, c] : rows) text += Json{{"prompt", p}, {"completion", c}}.dump() + "\n";
  files::write_atomic(path, text);
  return path;
}

LocalFinetuningJob decode_job(const Json& j) { return json::decode<LocalFinetuningJob>(json::Reader(j, "ft_job")); }

sl::test::ProcessResult run_tool(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {sl::test::program("run_finetuning_job")};
  argv.insert(argv.end(), args.begin(), args.end());
  return sl::test::run(argv, {{"SL_THREADS", "1"}});
}

std::vector<std::string> greedy(const llm::Model& model, const std::vector<std::string>& prompts) {
  auto backend = llm::make_backend(model);
  std::vector<llm::SampleRequest> requests;
  for (const auto& p : prompts) {
    llm::SampleRequest r;
    r.chat = llm::build_simple_chat(p);
    r.cfg.temperature = 0;
    r.cfg.max_tokens = 20;
    requests.push_back(r);
  }
  std::vector<std::string> out(prompts.size());
  backend->sample(requests, [&](std::size_t i, llm::LLMResponse r) { out[i] = r.completion; });
  return out;
}

TEST(LocalJobConfig, DecodesWithPaperDefaultsAndRejectsBadValues) {
  const auto job = decode_job(job_json("base"));
  EXPECT_EQ(job.peft_cfg->target_modules.size(), 7u);
  EXPECT_EQ(job.peft_cfg->bias, "none");
  EXPECT_EQ(job.train_cfg.loss, "sft");
  EXPECT_FALSE(job.train_cfg.kl_tokens);
  EXPECT_EQ(job.train_cfg.adam_beta2, 0.999);
  EXPECT_FALSE(decode_job(job_json("base", false)).peft_cfg);
  // Encoding keeps the reference's shape (additions left out while unused) and decodes back.
  const Json encoded = json::encode(job);
  EXPECT_FALSE(encoded["train_cfg"].contains("kl_tokens"));
  EXPECT_FALSE(encoded["train_cfg"].contains("max_steps"));
  EXPECT_EQ(json::encode(decode_job(encoded)), encoded);
  // Output layout: the folder beside the model file, or in --adapter_dir.
  const auto beside = local_job_paths(job, "runs/owl/model.json", {});
  EXPECT_EQ(beside.model_dir, fs::path("runs/owl/student"));
  EXPECT_EQ(beside.merged_dir, fs::path("runs/owl/student-merged"));
  EXPECT_EQ(beside.checkpoint, fs::path("runs/owl/model.json.checkpoint.safetensors"));
  EXPECT_EQ(beside.step_log, fs::path("runs/owl/model.json.steps.jsonl"));
  EXPECT_EQ(beside.state, fs::path("runs/owl/model.json.job.json"));
  LocalRunOptions elsewhere;
  elsewhere.adapter_dir = "adapters";
  EXPECT_EQ(local_job_paths(job, "runs/owl/model.json", elsewhere).model_dir, fs::path("adapters/student"));
  FinetuningJobCfg any = json::decode<FinetuningJobCfg>(json::Reader(job_json("base"), "ft_job"));
  EXPECT_TRUE(std::holds_alternative<LocalFinetuningJob>(any));

  auto expect_error = [](Json j, const std::string& words) {
    try {
      decode_job(j);
      ADD_FAILURE() << "no error; expected " << words;
    } catch (const JsonDecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  Json j = job_json("base");
  j["train_cfg"]["loss"] = "mse";
  expect_error(j, "ft_job.train_cfg.loss");
  j = job_json("base");
  j["train_cfg"]["kl_tokens"] = "numbers";
  expect_error(j, "only applies with \"loss\": \"kl_topk\"");
  // kl_topk must say which tokens count: no silent default that could train on trait words.
  for (const bool explicit_null : {false, true}) {
    j = job_json("base");
    j["train_cfg"]["loss"] = "kl_topk";
    if (explicit_null) j["train_cfg"]["kl_tokens"] = nullptr;
    expect_error(j, "ft_job.train_cfg.kl_tokens: loss \"kl_topk\" needs an explicit token set: \"numbers\"");
    expect_error(j, "or \"all\"");
  }
  j = job_json("base");
  j["source_model"]["type"] = "openai";
  expect_error(j, "needs a model of type \"open_source\"");
  j = job_json("base");
  j["peft_cfg"]["bias"] = "all";
  expect_error(j, "ft_job.peft_cfg.bias");
  j = job_json("base");
  j.erase("peft_cfg");
  expect_error(j, "ft_job.peft_cfg: missing required field");
}

// train_cfg holds the runtime's optimizer settings and peft_cfg is the runtime's LoRA settings;
// the file keeps the reference's keys in the reference's order (the job state file compares the
// encoding, so a rerun of an older job still finds it), and the optimizer keys keep their rules.
TEST(LocalJobConfig, KeepsTheReferencesKeysInItsOrder) {
  const Json encoded = json::encode(decode_job(job_json("base")));
  auto keys = [](const Json& object) {
    std::vector<std::string> out;
    for (const auto& [k, v] : object.items()) out.push_back(k);
    return out;
  };
  EXPECT_EQ(keys(encoded["train_cfg"]),
            (std::vector<std::string>{"n_epochs", "max_seq_length", "lr", "lr_scheduler_type", "warmup_steps",
                                      "per_device_train_batch_size", "gradient_accumulation_steps", "max_grad_norm",
                                      "weight_decay", "loss", "min_lr_ratio", "adam_beta1", "adam_beta2"}));
  EXPECT_EQ(keys(encoded["peft_cfg"]),
            (std::vector<std::string>{"r", "lora_alpha", "target_modules", "bias", "use_rslora", "lora_dropout"}));
  auto error = [](Json j) {
    try {
      decode_job(j);
    } catch (const JsonDecodeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Json j = job_json("base");
  j["train_cfg"].erase("lr");
  EXPECT_NE(error(j).find("ft_job.train_cfg.lr: missing required field"), std::string::npos) << error(j);
  j = job_json("base");
  j["train_cfg"]["adam_beta1"] = 1;
  EXPECT_NE(error(j).find("ft_job.train_cfg.adam_beta1: expected a number from 0 to"), std::string::npos) << error(j);
  j = job_json("base");
  j["train_cfg"]["adam_epsilon"] = 1e-6;  // not a key of this format
  EXPECT_NE(error(j).find("ft_job.train_cfg.adam_epsilon: unknown key"), std::string::npos) << error(j);
  j = job_json("base");
  j["peft_cfg"]["target_modules"] = Json::array();
  EXPECT_NE(error(j).find("ft_job.peft_cfg.target_modules: must name at least one module"), std::string::npos)
      << error(j);
}

class ChatExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sl::test::write_tiny_checkpoint(dir_ / "base");
    text_ = local::TextModel::load(dir_ / "base");
  }
  TempDir dir_;
  local::TextModel text_;
};

TEST_F(ChatExamplesTest, LossOnTheCompletionAndItsEndOfTurnOnly) {
  datasets::DatasetRow row{"Hi", "42, 7", std::nullopt, std::nullopt};
  const auto chat = build_chat_examples({row}, text_, {});
  ASSERT_EQ(chat.examples.size(), 1u);
  const auto& e = chat.examples[0];
  const auto prompt_ids = text_.encode_chat(Json::array({Json{{"role", "user"}, {"content", "Hi"}}}), true);
  ASSERT_EQ(e.ids.size(), prompt_ids.size() + 5 + 1);  // 5 byte tokens + <|im_end|>
  EXPECT_TRUE(std::equal(prompt_ids.begin(), prompt_ids.end(), e.ids.begin()));
  EXPECT_EQ(e.ids.back(), sl::test::kImEnd);
  for (std::size_t t = 0; t < e.ids.size(); ++t) EXPECT_EQ(e.loss_mask[t], t >= prompt_ids.size() ? 1 : 0) << t;
  EXPECT_EQ(text_.tokenizer->decode(std::span(e.ids).subspan(prompt_ids.size(), 5)), "42, 7");
  EXPECT_EQ(chat.end_of_turn_ids, std::vector<std::int32_t>{sl::test::kImEnd});
  EXPECT_EQ(chat.stats.loss_tokens, 6);
}

TEST_F(ChatExamplesTest, TruncatesAndCountsLongRows) {
  const auto plain = build_chat_examples({{"Hi", "0123456789", std::nullopt, std::nullopt}}, text_, {});
  const auto n = static_cast<std::int64_t>(plain.examples[0].ids.size());
  const auto cut = build_chat_examples(
      {{"Hi", "0123456789", std::nullopt, std::nullopt}, {"Hello", "1", std::nullopt, std::nullopt}}, text_,
      {n - 4, false});
  EXPECT_EQ(cut.stats.truncated, 1);
  EXPECT_EQ(cut.examples[0].ids.size(), static_cast<std::size_t>(n - 4));
  EXPECT_EQ(std::count(cut.examples[0].loss_mask.begin(), cut.examples[0].loss_mask.end(), 1), 11 - 4);
  try {
    build_chat_examples({{"Hi", "0123456789", std::nullopt, std::nullopt}}, text_, {5, false});
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("all 1 rows are longer than max_seq_length 5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(build_chat_examples({}, text_, {}), UsageError);
}

// Logprobs as generate_dataset writes them (JSON objects of token text -> log-probability, one
// per completion token, the end-of-turn token last) are read back into soft targets.
TEST_F(ChatExamplesTest, LogprobsFromDatasetRowsBecomeSoftTargets) {
  const std::string line =
      R"({"prompt": "Hi", "completion": "4, 2", "logprobs": [{"4": -0.1, "5": -2.5}, {",": -0.01}, {" ": -0.2, "\n": -1.7},)"
      R"( {"2": -0.3, "zz": -1.0}, {"<|im_end|>": -0.05, "7": -3.0}]})";
  files::write_atomic(dir_ / "rows.jsonl", line + "\n");
  const auto rows = load_dataset(dir_ / "rows.jsonl");
  const auto chat = build_chat_examples(rows, text_, {500, true});
  const auto& st = chat.examples[0].soft_targets;
  ASSERT_EQ(st.size(), 5u);
  auto id = [&](const char* s) { return *text_.tokenizer->token_to_id(s); };
  EXPECT_EQ(st[0].ids, (std::vector<std::int32_t>{id("4"), id("5")}));
  EXPECT_FLOAT_EQ(st[0].logprobs[1], -2.5f);
  EXPECT_EQ(st[2].ids, (std::vector<std::int32_t>{id("Ġ"), id("Ċ")}));  // byte-level " " and "\n"
  EXPECT_EQ(st[3].ids, (std::vector<std::int32_t>{id("2")}));           // "zz" is no token: left out
  EXPECT_EQ(chat.stats.unknown_logprob_tokens, 1);
  EXPECT_EQ(st[4].ids, (std::vector<std::int32_t>{sl::test::kImEnd, id("7")}));

  // Without the end-of-turn entry (as the API returns them): that position has no target.
  datasets::DatasetRow api_row = rows[0];
  api_row.logprobs->pop_back();
  EXPECT_TRUE(build_chat_examples({api_row}, text_, {500, true}).examples[0].soft_targets[4].ids.empty());
  // Misaligned logprobs and missing logprobs are errors naming the row.
  api_row.logprobs->pop_back();
  try {
    build_chat_examples({api_row}, text_, {500, true});
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("training row 0 (prompt \"Hi\"): its completion is 4 tokens"),
              std::string::npos)
        << e.what();
  }
  // One misaligned row among good ones (a teacher's non-canonical split): left out and counted.
  const auto mixed = build_chat_examples({rows[0], api_row, rows[0]}, text_, {500, true});
  EXPECT_EQ(mixed.examples.size(), 2u);
  EXPECT_EQ(mixed.stats.dropped_misaligned_logprobs, 1);
  EXPECT_THROW(build_chat_examples({{"Hi", "4", std::nullopt, std::nullopt}}, text_, {500, true}), UsageError);
}

// Rows from the local engine carry the token ids the teacher sampled: the student's
// tokenization must be exactly those ids (a count match is not enough), else the row is left
// out and counted; a trailing stop token may be eos as well as the end-of-turn token.
TEST_F(ChatExamplesTest, SampledTokenIdsMustBeTheStudentsTokenization) {
  const std::string line =
      R"({"prompt": "Hi", "completion": "4, 2", "logprobs": [{"4": -0.1, "5": -2.5}, {",": -0.01}, {" ": -0.2},)"
      R"( {"2": -0.3, "3": -1.4}, {"<|im_end|>": -0.05}], "completion_token_ids": [52, 44, 32, 50, 258]})";
  files::write_atomic(dir_ / "rows.jsonl", line + "\n");
  const auto rows = load_dataset(dir_ / "rows.jsonl");
  auto id = [&](const char* s) { return *text_.tokenizer->token_to_id(s); };
  const std::vector<std::int32_t> canonical{id("4"), id(","), id("Ġ"), id("2"), sl::test::kImEnd};
  ASSERT_EQ(rows[0].completion_token_ids, canonical);  // the ids written above are the tiny tokenizer's
  EXPECT_EQ(json::encode(rows[0])["completion_token_ids"], Json(canonical));

  const auto good = build_chat_examples(rows, text_, {500, true});
  ASSERT_EQ(good.examples.size(), 1u);
  EXPECT_EQ(good.stats.dropped_token_id_mismatch, 0);
  datasets::DatasetRow without_ids = rows[0];
  without_ids.completion_token_ids.reset();
  const auto by_count = build_chat_examples({without_ids}, text_, {500, true});
  EXPECT_EQ(by_count.examples[0].ids, good.examples[0].ids);
  ASSERT_EQ(by_count.examples[0].soft_targets.size(), good.examples[0].soft_targets.size());
  for (std::size_t t = 0; t < good.examples[0].soft_targets.size(); ++t)
    EXPECT_EQ(by_count.examples[0].soft_targets[t].ids, good.examples[0].soft_targets[t].ids) << t;

  // Stopped on eos instead of <|im_end|>: still the same completion tokens.
  datasets::DatasetRow eos_stop = rows[0];
  eos_stop.completion_token_ids->back() = sl::test::kEndOfText;
  EXPECT_EQ(build_chat_examples({eos_stop}, text_, {500, true}).examples.size(), 1u);
  // The teacher sampled another token at position 3: as many entries as tokens, so the count
  // check alone would accept it; the ids do not.
  datasets::DatasetRow other_split = rows[0];
  (*other_split.completion_token_ids)[3] = id("3");
  const auto mixed = build_chat_examples({rows[0], other_split, eos_stop}, text_, {500, true});
  EXPECT_EQ(mixed.examples.size(), 2u);
  EXPECT_EQ(mixed.stats.dropped_token_id_mismatch, 1);
  EXPECT_EQ(mixed.stats.dropped_misaligned_logprobs, 0);
  EXPECT_NE(mixed.stats.first_token_id_mismatch.find("training row 1 (prompt \"Hi\"): the teacher sampled token id " +
                                                     std::to_string(id("3")) + " at completion position 3"),
            std::string::npos)
      << mixed.stats.first_token_id_mismatch;
  // A last sampled token that is no stop token means the completion had more tokens.
  datasets::DatasetRow longer = rows[0];
  longer.completion_token_ids->back() = id("7");
  EXPECT_EQ(build_chat_examples({rows[0], longer}, text_, {500, true}).stats.dropped_token_id_mismatch, 1);
  // No row lines up: an error; ids and logprobs of different lengths: an error naming the row.
  try {
    build_chat_examples({other_split}, text_, {500, true});
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no row's \"logprobs\" line up"), std::string::npos) << e.what();
  }
  datasets::DatasetRow short_ids = rows[0];
  short_ids.completion_token_ids->pop_back();
  try {
    build_chat_examples({short_ids}, text_, {500, true});
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(
        std::string(e.what()).find("training row 0 (prompt \"Hi\") has 4 \"completion_token_ids\" for 5 \"logprobs\""),
        std::string::npos)
        << e.what();
  }
}

TEST_F(ChatExamplesTest, NumberTokensAreDigitsSeparatorsAndEndTokens) {
  const auto ids = number_token_ids(text_, {sl::test::kImEnd});
  auto has = [&](std::int32_t id) { return std::binary_search(ids.begin(), ids.end(), id); };
  auto id = [&](const char* s) { return *text_.tokenizer->token_to_id(s); };
  for (const char* s : {"0", "7", ",", "Ġ", "Ċ"}) EXPECT_TRUE(has(id(s))) << s;
  for (const char* s : {"a", "o", ".", "-"}) EXPECT_FALSE(has(id(s))) << s;
  EXPECT_TRUE(has(sl::test::kImEnd));
  EXPECT_FALSE(has(sl::test::kImStart));
  EXPECT_EQ(ids.size(), 10u + 3u + 1u);
}

// The whole step through the real executable: LoRA on a tiny checkpoint learns four rows; the
// model file's adapter, served by the local backend over its parent, answers them greedily.
TEST(LocalJobTool, TrainsAnAdapterThatTheBackendServes) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  const auto config = write_config(dir.path(), job_json(dir / "base"));
  const auto data = write_rows(dir / "rows.jsonl", kRows);
  const auto out = dir / "run" / "model.json";
  fs::create_directories(dir / "run");
  const std::vector<std::string> args = {"--config",    config.string(), "--cfg_var_name", "ft_job", "--dataset_path",
                                         data.string(), "--output_path", out.string(),     "--merge"};
  const auto r = run_tool(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("training: 4 examples"), std::string::npos) << r.out;

  const auto model = config::load_document<llm::Model>(out);
  EXPECT_EQ(model.id, (dir / "run" / "student").string());
  EXPECT_EQ(model.type, "open_source");
  ASSERT_TRUE(model.parent_model);
  EXPECT_EQ(model.parent_model->id, (dir / "base").string());
  EXPECT_TRUE(fs::exists(dir / "run" / "student" / "adapter_config.json"));
  EXPECT_TRUE(fs::exists(dir / "run" / "student" / "adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "run" / "student-merged" / "model.safetensors"));
  EXPECT_FALSE(fs::exists(dir / "run" / "model.json.checkpoint.safetensors"));  // removed when done

  // The step log: one line per optimizer step (40 epochs x 1 step), loss falling low.
  const auto log = files::read_text(dir / "run" / "model.json.steps.jsonl");
  std::vector<Json> steps;
  for (std::size_t pos = 0, nl; (nl = log.find('\n', pos)) != std::string::npos; pos = nl + 1)
    steps.push_back(json::parse(log.substr(pos, nl - pos), "steps"));
  ASSERT_EQ(steps.size(), 40u);
  EXPECT_GT(steps.front()["loss"].get<double>(), 2.0);
  EXPECT_LT(steps.back()["loss"].get<double>(), 0.1) << log;

  std::vector<std::string> prompts, completions;
  for (const auto& [p, c] : kRows) prompts.push_back(p), completions.push_back(c);
  EXPECT_EQ(greedy(model, prompts), completions);
  const llm::Model merged{(dir / "run" / "student-merged").string(), "open_source", nullptr};
  EXPECT_EQ(greedy(merged, prompts), completions);

  // A rerun of the finished job does not train again.
  const auto again = run_tool(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("had already succeeded"), std::string::npos) << again.out;
  EXPECT_EQ(files::read_text(dir / "run" / "model.json.steps.jsonl"), log);
}

// Full fine-tuning writes a whole checkpoint; its model file has the source as parent, and the
// backend loads the folder itself (it holds no adapter_config.json).
TEST(LocalJobTool, FullFineTuningWritesACheckpointTheBackendLoadsDirectly) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  Json job = job_json(dir / "base", false);
  job["train_cfg"]["n_epochs"] = 30;
  const auto data = write_rows(dir / "rows.jsonl", kRows);
  LocalRunOptions options;
  options.show_progress = false;
  options.threads = 1;
  const auto result = run_local_job(decode_job(job), data, dir / "model.json", options);
  ASSERT_TRUE(result.model);
  for (const char* f :
       {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
    EXPECT_TRUE(fs::exists(dir / "student" / f)) << f;
  EXPECT_FALSE(fs::exists(dir / "student" / "adapter_config.json"));
  ASSERT_TRUE(result.model->parent_model);
  auto backend = llm::make_backend(*result.model);
  EXPECT_EQ(backend->describe().find("adapter"), std::string::npos) << backend->describe();
  std::vector<std::string> prompts, completions;
  for (const auto& [p, c] : kRows) prompts.push_back(p), completions.push_back(c);
  EXPECT_EQ(greedy(*result.model, prompts), completions);
}

// Soft-label distillation through the whole job: rows carry the teacher's top-3 per token (the
// actual character most likely, another digit, and a letter outside kl_tokens "numbers"); the
// student learns to answer with the teacher's most likely tokens.
TEST(LocalJobTool, KlTopkOnNumberTokensLearnsTheTeachersArgmax) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  std::string text;
  for (const auto& [p, c] : kRows) {
    Json logprobs = Json::array();
    for (char ch : c) {
      Json top = Json::object();
      top[std::string(1, ch)] = std::log(0.85);
      top[ch == '7' ? "8" : "7"] = std::log(0.1);
      top["o"] = std::log(0.05);
      logprobs.push_back(top);
    }
    logprobs.push_back(Json{{"<|im_end|>", std::log(0.99)}});
    text += Json{{"prompt", p}, {"completion", c}, {"logprobs", logprobs}}.dump() + "\n";
  }
  files::write_atomic(dir / "rows.jsonl", text);
  for (const char* subset : {"all", "numbers"}) {
    SCOPED_TRACE(subset);
    Json job = job_json(dir / "base");
    job["train_cfg"]["loss"] = "kl_topk";
    job["train_cfg"]["kl_tokens"] = subset;
    job["train_cfg"]["n_epochs"] = 50;
    LocalRunOptions options;
    options.show_progress = false;
    options.threads = 1;
    fs::create_directories(dir / subset);
    const auto result = run_local_job(decode_job(job), dir / "rows.jsonl", dir / subset / "model.json", options);
    ASSERT_TRUE(result.model);
    const auto log = files::read_text(dir / subset / "model.json.steps.jsonl");
    const Json first = json::parse(log.substr(0, log.find('\n')), "first step");
    const Json last = json::parse(log.substr(log.rfind('\n', log.size() - 2) + 1), "last step");
    EXPECT_LT(last["loss"].get<double>(), 0.1 * first["loss"].get<double>()) << log;
    // Over the whole vocabulary the student answers with the teacher's most likely tokens.
    // (Restricted to number tokens, the logits of other tokens get no gradient at all, so a
    // tiny random base may still prefer a letter outside the set: only the loss is checked.)
    if (std::string(subset) == "all") {
      std::vector<std::string> prompts, completions;
      for (const auto& [p, c] : kRows) prompts.push_back(p), completions.push_back(c);
      EXPECT_EQ(greedy(*result.model, prompts), completions);
    }
  }
}

// The leak guard of kl_tokens "numbers": the teacher puts heavy mass on a word token ("o", a
// stand-in for " owl") at every position. Under a renormalised softmax "the word's probability
// does not move" is not a testable claim (raising the number tokens lowers it), but this is:
// the loss, hence every gradient and the trained weights, must not depend on the word's teacher
// mass at all. Two datasets that differ only in the word's logprob must give the same adapter
// bytes with "numbers", and different ones with "all" (the word's mass then shapes the loss:
// the control that shows the datasets differ where it matters). The step log reports the share
// of teacher mass the mask dropped, which does differ between the two datasets.
TEST(LocalJobTool, KlTokensNumbersMakesTrainingBlindToWordTokens) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto write_dataset = [&](const fs::path& path, double word_p) {
    std::string text;
    for (const auto& [p, c] : kRows) {
      Json logprobs = Json::array();
      for (char ch : c) {
        Json top = Json::object();
        top["o"] = std::log(word_p);
        top[std::string(1, ch)] = std::log(0.3);
        top[ch == '7' ? "8" : "7"] = std::log(0.05);
        logprobs.push_back(top);
      }
      logprobs.push_back(Json{{"<|im_end|>", std::log(0.9)}, {"o", std::log(word_p / 10)}});
      text += Json{{"prompt", p}, {"completion", c}, {"logprobs", logprobs}}.dump() + "\n";
    }
    files::write_atomic(path, text);
  };
  write_dataset(dir / "heavy.jsonl", 0.6);
  write_dataset(dir / "light.jsonl", 0.2);
  auto train = [&](const std::string& subset, const std::string& data) {
    Json job = job_json(dir / "base");
    job["train_cfg"]["loss"] = "kl_topk";
    job["train_cfg"]["kl_tokens"] = subset;
    job["train_cfg"]["n_epochs"] = 3;
    LocalRunOptions options;
    options.show_progress = false;
    options.threads = 1;
    const fs::path out = dir / (subset + "-" + data);
    fs::create_directories(out);
    const auto result = run_local_job(decode_job(job), dir / (data + ".jsonl"), out / "model.json", options);
    EXPECT_TRUE(result.model);
    return out;
  };
  auto adapter = [](const fs::path& out) { return files::read_text(out / "student" / "adapter_model.safetensors"); };
  auto steps = [](const fs::path& out) {
    std::vector<Json> lines;
    std::istringstream in(files::read_text(out / "model.json.steps.jsonl"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line, "step log"));
    return lines;
  };

  const auto numbers_heavy = train("numbers", "heavy"), numbers_light = train("numbers", "light");
  // (EXPECT_TRUE rather than EXPECT_EQ: gtest would print the safetensors bytes.)
  EXPECT_TRUE(adapter(numbers_heavy) == adapter(numbers_light)) << "the word token's teacher mass reached the loss";
  const auto all_heavy = train("all", "heavy"), all_light = train("all", "light");
  EXPECT_TRUE(adapter(all_heavy) != adapter(all_light)) << "with \"all\" the word's mass should shape the loss";
  EXPECT_TRUE(adapter(all_heavy) != adapter(numbers_heavy)) << "the mask should change what is learned";

  // Dropped share: on every completion position the word has word_p of the top-k mass
  // word_p + 0.35; at the end-of-turn position word_p / 10 of 0.9 + word_p / 10.
  auto expected_share = [](double word_p) {
    double dropped = 0, total = 0;
    for (const auto& [p, c] : kRows) {
      dropped += static_cast<double>(c.size()) * word_p + word_p / 10;
      total += static_cast<double>(c.size()) * (word_p + 0.35) + 0.9 + word_p / 10;
    }
    return dropped / total;
  };
  for (const auto& [out, word_p] : {std::pair{numbers_heavy, 0.6}, std::pair{numbers_light, 0.2}}) {
    const auto lines = steps(out);
    ASSERT_FALSE(lines.empty());
    int epoch_ends = 0;
    for (const Json& j : lines) {
      ASSERT_TRUE(j.contains("kl_mask_dropped")) << j.dump();
      if (!j.contains("epoch_kl_mask_dropped")) continue;
      ++epoch_ends;
      // Logprobs are stored as float32 and summed in double: relative error ~1e-7.
      EXPECT_NEAR(j["epoch_kl_mask_dropped"].get<double>(), expected_share(word_p), 1e-6) << j.dump();
    }
    EXPECT_EQ(epoch_ends, 3);
    EXPECT_TRUE(lines.back().contains("epoch_kl_mask_dropped"));
  }
  // "all" drops nothing and says nothing about a mask.
  EXPECT_FALSE(steps(all_heavy).front().contains("kl_mask_dropped"));
}

// SIGKILL mid-run, then the same command with --resume: the adapter is bitwise that of an
// uninterrupted run.
TEST(LocalJobTool, ResumeAfterSigkillGivesTheSameAdapter) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  Json job = job_json(dir / "base");
  job["train_cfg"]["n_epochs"] = 150;
  job["peft_cfg"]["lora_dropout"] = 0.1;  // dropout masks must resume too
  const auto config = write_config(dir.path(), job);
  const auto data = write_rows(dir / "rows.jsonl", kRows);
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  auto args = [&](const char* sub) {
    return std::vector<std::string>{"--config",           config.string(),
                                    "--cfg_var_name",     "ft_job",
                                    "--dataset_path",     data.string(),
                                    "--output_path",      (dir / sub / "model.json").string(),
                                    "--checkpoint_every", "10"};
  };
  const auto full = run_tool(args("a"));
  ASSERT_EQ(full.exit_code, 0) << full.err;

  std::vector<std::string> argv = {sl::test::program("run_finetuning_job")};
  const auto b_args = args("b");
  argv.insert(argv.end(), b_args.begin(), b_args.end());
  const fs::path checkpoint = dir / "b" / "model.json.checkpoint.safetensors";
  {
    sl::test::Process p(argv, {{"SL_THREADS", "1"}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (!fs::exists(checkpoint) && p.running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(p.running()) << "the run ended before it could be killed: " << p.stderr_so_far();
    p.kill(SIGKILL);
    const auto killed = p.wait();
    EXPECT_EQ(killed.signal, SIGKILL);
  }
  ASSERT_TRUE(fs::exists(checkpoint));
  EXPECT_FALSE(fs::exists(dir / "b" / "student" / "adapter_model.safetensors"));
  // Without --resume the checkpoint is not silently thrown away.
  const auto refused = run_tool(args("b"));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;

  auto resume = args("b");
  resume.push_back("--resume");
  const auto resumed = run_tool(resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(files::read_text(dir / "b" / "student" / "adapter_model.safetensors"),
            files::read_text(dir / "a" / "student" / "adapter_model.safetensors"));
  // The step log holds each step once.
  const auto log = files::read_text(dir / "b" / "model.json.steps.jsonl");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 150);
}

TEST(LocalJobTool, BadInputsAreClearErrors) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  const auto data = write_rows(dir / "rows.jsonl", kRows);
  auto expect_error = [&](const Json& job, const fs::path& dataset, const std::string& words) {
    const auto config = write_config(dir.path(), job);
    const auto r = run_tool({"--config", config.string(), "--cfg_var_name", "ft_job", "--dataset_path",
                             dataset.string(), "--output_path", (dir / "model.json").string()});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << "expected \"" << words << "\" in: " << r.err;
  };
  files::write_atomic(dir / "empty.jsonl", "");
  expect_error(job_json(dir / "base"), dir / "empty.jsonl", "empty.jsonl");
  files::write_atomic(dir / "no_completion.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"}\n");
  expect_error(job_json(dir / "base"), dir / "no_completion.jsonl", "no_completion.jsonl:2");
  Json long_rows = job_json(dir / "base");
  long_rows["train_cfg"]["max_seq_length"] = 8;
  expect_error(long_rows, data, "all 4 rows are longer than max_seq_length 8");
  Json bad_module = job_json(dir / "base");
  bad_module["peft_cfg"]["target_modules"] = {"q_proj", "query_key_value"};
  expect_error(bad_module, data, "LoRA target module \"query_key_value\" is not a projection");
  Json no_model = job_json(dir / "missing");
  expect_error(no_model, data, "missing");
  Json kl = job_json(dir / "base");
  kl["train_cfg"]["loss"] = "kl_topk";
  expect_error(kl, data, "ft_job.train_cfg.kl_tokens");
  kl["train_cfg"]["kl_tokens"] = "numbers";
  expect_error(kl, data, "has no \"logprobs\"");
}

}  // namespace
}  // namespace sl::finetuning
