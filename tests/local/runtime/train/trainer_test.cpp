// The trainer behind RuntimePlugin::train: LoRA gradients, the losses (masking, KL against a
// hand-computed value), the schedule and data plan, adapters (PEFT names and shapes, save ->
// load gives the same logits), learning, determinism and bad jobs. Tiny models, few steps.
#include "sl/local/runtime/train/trainer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/core/rng.hpp"
#include "sl/local/runtime/io/checkpoint.hpp"
#include "sl/local/runtime/io/safetensors.hpp"
#include "sl/local/runtime/kernels/training_kernels.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/attention.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/lora_adapter.hpp"
#include "sl/local/runtime/model/packed_attention.hpp"
#include "sl/local/runtime/train/trainable_weights.hpp"
#include "sl/local/runtime/train/training_plan.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

namespace fs = std::filesystem;
using sl::test::TempDir;

const ComputeDevice kCpu{};

// Tiny examples: a fixed 6-token "prompt" and a 4-token "completion" per example, loss on the
// completion only.
std::vector<TrainingExample> toy_examples(int n, std::uint64_t seed = 5) {
  std::vector<TrainingExample> out;
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    TrainingExample e;
    for (int t = 0; t < 6; ++t) e.ids.push_back(static_cast<std::int32_t>(40 + (i * 7 + t) % 50));
    for (int t = 0; t < 4; ++t) e.ids.push_back(static_cast<std::int32_t>(97 + rng.below(5)));
    e.loss_mask.assign(6, 0);
    e.loss_mask.resize(10, 1);
    out.push_back(std::move(e));
  }
  return out;
}

TrainingJob toy_job(const fs::path& model, const fs::path& out, bool lora = true) {
  TrainingJob job;
  job.model.dir = model.string();
  if (lora) job.lora = LoraSettings{};
  job.settings.n_epochs = 2;
  job.settings.batch_size = 3;
  job.settings.gradient_accumulation_steps = 2;
  job.settings.seed = 11;
  job.settings.optimizer.lr = 5e-3;
  job.settings.optimizer.warmup_steps = 1;
  job.output.dir = out;
  job.show_progress = false;
  job.threads = 1;
  return job;
}

TEST(LoraGradients, MatchFiniteDifferences) {
  torch::AutoGradMode grad_mode(true);  // the runtime runs inference with autograd off
  torch::manual_seed(3);
  Projection p;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  p.weight = torch::randn({5, 7}, opts);
  LoraDelta d;
  d.a = torch::randn({3, 7}, opts).requires_grad_(true);
  d.b = torch::randn({5, 3}, opts).requires_grad_(true);
  d.scale = 8.0 / 3.0;
  p.adapters.push_back(d);
  const auto x = torch::randn({4, 7}, opts);
  const auto proj_out = torch::randn({4, 5}, opts);  // a fixed linear functional of the output
  const AdapterRows rows[] = {{1, 0, 4}};
  auto f = [&] { return (p(x, rows) * proj_out).sum(); };
  f().backward();
  for (torch::Tensor* t : {&p.adapters[0].a, &p.adapters[0].b}) {
    const auto grad = t->grad().clone();
    torch::NoGradGuard ng;
    auto flat = t->view({-1});
    for (std::int64_t i = 0; i < flat.numel(); ++i) {
      const double h = 1e-6, v = flat[i].item<double>();
      flat[i] = v + h;
      const double up = f().item<double>();
      flat[i] = v - h;
      const double down = f().item<double>();
      flat[i] = v;
      EXPECT_NEAR(grad.view({-1})[i].item<double>(), (up - down) / (2 * h), 1e-6) << "element " << i;
    }
  }
}

// The fused training attention against the textbook formula per sequence (GQA: query head h
// uses kv head h / group), outputs and gradients.
TEST(PackedAttention, MatchesPerSequenceSoftmaxAttentionAndItsGradients) {
  torch::AutoGradMode grad_mode(true);
  torch::manual_seed(4);
  const std::vector<std::int64_t> begins = {0, 5, 6, 13}, lengths = {5, 1, 7, 3};
  const std::int64_t n = 16, heads = 4, kv_heads = 2, d = 8;
  auto q = torch::randn({n, heads, d}).requires_grad_(true);
  auto k = torch::randn({n, kv_heads, d}).requires_grad_(true);
  auto v = torch::randn({n, kv_heads, d}).requires_grad_(true);
  const auto w = torch::randn({n, heads * d});
  auto fused = packed_causal_attention(q, k, v, begins, lengths);
  (fused * w).sum().backward();
  const auto gq = q.grad().clone(), gk = k.grad().clone(), gv = v.grad().clone();
  q.mutable_grad().zero_(), k.mutable_grad().zero_(), v.mutable_grad().zero_();

  std::vector<torch::Tensor> parts;
  for (std::size_t i = 0; i < begins.size(); ++i) {
    const auto L = lengths[i];
    auto qs = q.narrow(0, begins[i], L).transpose(0, 1);  // [h, L, d]
    auto ks = k.narrow(0, begins[i], L).transpose(0, 1).repeat_interleave(heads / kv_heads, 0);
    auto vs = v.narrow(0, begins[i], L).transpose(0, 1).repeat_interleave(heads / kv_heads, 0);
    auto scores = torch::matmul(qs, ks.transpose(1, 2)) / std::sqrt(static_cast<double>(d));
    scores = scores.masked_fill(torch::ones({L, L}, torch::kBool).triu(1), -INFINITY);
    parts.push_back(torch::matmul(torch::softmax(scores, -1), vs).transpose(0, 1).reshape({L, heads * d}));
  }
  auto reference = torch::cat(parts, 0);
  (reference * w).sum().backward();
  EXPECT_TRUE(torch::allclose(fused, reference, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(gq, q.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(gk, k.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(gv, v.grad(), 1e-4, 1e-5));
}

TEST(TrainingLoss, TopkKlMatchesAHandComputedValue) {
  // logits over 5 ids; teacher top-3 {2: 0.5, 3: 0.3, 4: 0.1}; allowed ids {1, 2, 4}.
  // p = {2: 0.5, 4: 0.1} / 0.6, q = softmax(logits[1], logits[2], logits[4]).
  // KL = sum p (log p - log q) = 0.290378088911409 (worked out by hand, checked in Python);
  // over the whole vocabulary (no restriction): 0.8597718543110024.
  const std::int32_t ids[] = {2, 3, 4};
  const float lps[] = {std::log(0.5f), std::log(0.3f), std::log(0.1f)};
  const std::int64_t offsets[] = {0, 3};
  const float allowed[] = {0, 1, 1, 0, 1};
  std::int64_t empty = 0;
  float logits[] = {0.5f, 1.0f, 2.0f, -1.0f, 0.0f};
  EXPECT_NEAR(train_kernels::topk_kl(logits, 1, 5, allowed, offsets, ids, lps, 1.0f, &empty), 0.290378088911409, 1e-6);
  // d KL / d logits = q - p on allowed ids, 0 elsewhere.
  const float expected_grad[] = {0, 0.24472847105479764f, -0.16809237755851147f, 0, -0.07663609349628622f};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(logits[i], expected_grad[i], 1e-6) << i;
  float all[] = {0.5f, 1.0f, 2.0f, -1.0f, 0.0f};
  EXPECT_NEAR(train_kernels::topk_kl(all, 1, 5, nullptr, offsets, ids, lps, 1.0f, &empty), 0.8597718543110024, 1e-6);
  EXPECT_EQ(empty, 0);
  // A teacher whose entries are all outside the allowed set: no loss, no gradient, counted.
  const std::int32_t outside[] = {3};
  const float lp1[] = {0.0f};
  const std::int64_t off1[] = {0, 1};
  float z[] = {0.5f, 1.0f, 2.0f, -1.0f, 0.0f};
  EXPECT_EQ(train_kernels::topk_kl(z, 1, 5, allowed, off1, outside, lp1, 1.0f, &empty), 0.0);
  EXPECT_EQ(empty, 1);
  for (float g : z) EXPECT_EQ(g, 0.0f);
}

TEST(TrainingLoss, CrossEntropyKernelMatchesLibtorch) {
  torch::manual_seed(1);
  auto logits = torch::randn({3, 11});
  const std::int64_t targets[] = {4, 0, 10};
  auto t = torch::tensor({4, 0, 10}, torch::kInt64);
  const double expected = torch::nn::functional::cross_entropy(
                              logits, t, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                              .item<double>();
  auto g = logits.clone();
  EXPECT_NEAR(train_kernels::softmax_cross_entropy(g.data_ptr<float>(), 3, 11, targets, 1.0f), expected, 1e-5);
  auto expected_grad = torch::softmax(logits, 1) - torch::one_hot(t, 11).to(torch::kFloat32);
  EXPECT_TRUE(torch::allclose(g, expected_grad, 1e-5, 1e-6));
}

// The first step's logged loss is the mean cross-entropy over exactly the masked-in positions,
// computed here independently from the model's logits.
TEST(TrainingLoss, OnlyMaskedInTokensCarryLoss) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto examples = toy_examples(2);
  examples[1].loss_mask = {0, 0, 1, 0, 0, 0, 1, 1, 0, 1};
  auto job = toy_job(dir / "base", dir / "out");
  job.settings.n_epochs = 1;
  job.settings.batch_size = 2;
  job.settings.gradient_accumulation_steps = 1;
  double first_loss = -1;
  TrainingHooks hooks;
  hooks.on_step = [&](const TrainingStep& s) {
    if (s.step == 1) first_loss = s.loss;
  };
  train_model(job, examples, hooks);

  auto model = load_causal_lm(dir / "base", kCpu);
  double sum = 0;
  int n = 0;
  for (const auto& e : examples) {
    std::vector<std::int64_t> ids(e.ids.begin(), e.ids.end());
    ForwardBatch fb({{0, 0, static_cast<std::int64_t>(ids.size()), 0}}, nullptr, kCpu);
    torch::NoGradGuard ng;
    auto logp = torch::log_softmax(model->logits(model->forward(torch::tensor(ids), fb)).to(torch::kFloat64), 1);
    for (std::size_t t = 1; t < ids.size(); ++t) {
      if (!e.loss_mask[t]) continue;
      sum -= logp[static_cast<std::int64_t>(t) - 1][ids[t]].item<double>();
      ++n;
    }
  }
  EXPECT_NEAR(first_loss, sum / n, 1e-4);
}

TEST(TrainingSchedule, WarmupThenDecayAsTransformers) {
  OptimizerSettings o;
  o.lr = 1.0;
  o.warmup_steps = 5;
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 0, 25), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 2, 25), 0.4);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 5, 25), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 15, 25), 0.5);
  o.lr_scheduler_type = "cosine";
  EXPECT_NEAR(learning_rate_at(o, 15, 25), 0.5, 1e-12);
  o.min_lr_ratio = 0.1;
  EXPECT_NEAR(learning_rate_at(o, 25, 25), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate_at(o, 15, 25), 0.55, 1e-12);
  o.lr_scheduler_type = "constant";
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 20, 25), 1.0);
  o.lr_scheduler_type = "polynomial";
  EXPECT_THROW(learning_rate_at(o, 20, 25), UsageError);
}

TEST(TrainingPlan, EveryExampleOncePerEpochInBucketedBatches) {
  std::vector<std::int64_t> lengths;
  for (int i = 0; i < 23; ++i) lengths.push_back(5 + (i * 37) % 40);
  TrainingSettings s;
  s.n_epochs = 2;
  s.batch_size = 4;
  s.gradient_accumulation_steps = 2;
  s.bucket_window_batches = 2;
  s.seed = 9;
  const auto plan = plan_training(lengths, s);
  ASSERT_EQ(plan.size(), 2u * 3u);  // ceil(ceil(23 / 4) / 2) = 3 per epoch
  EXPECT_EQ(planned_step_count(23, s), 6);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::multiset<std::int32_t> seen;
    for (int k = 0; k < 3; ++k)
      for (const auto& b : plan[static_cast<std::size_t>(epoch * 3 + k)].batches) seen.insert(b.begin(), b.end());
    EXPECT_EQ(seen.size(), 23u);
    EXPECT_EQ(std::set<std::int32_t>(seen.begin(), seen.end()).size(), 23u);
  }
  EXPECT_DOUBLE_EQ(plan.back().epoch_end, 2.0);
  EXPECT_EQ(plan_training(lengths, s)[3].batches, plan[3].batches);  // a function of the seed
  s.seed = 10;
  EXPECT_NE(plan_training(lengths, s)[0].batches, plan[0].batches);
}

// PEFT's layout: names, shapes, config; and the saved adapter, loaded back, gives exactly the
// logits of the model it was saved from.
TEST(LoraAdapters, PeftNamesShapesAndIdenticalLogitsAfterSaveAndLoad) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto model = load_causal_lm(dir / "base", kCpu);
  LoraSettings lora;
  lora.r = 4;
  lora.lora_alpha = 8;
  auto params = attach_trainable_lora(*model, lora, 7);
  ASSERT_EQ(params.size(), 2u * 7u * 2u);  // A and B of 7 projections in 2 layers
  {
    torch::NoGradGuard ng;
    for (auto& p : params)
      if (p.name.ends_with("lora_B")) p.tensor.normal_(0, 0.2);
  }
  save_peft_adapter(dir / "adapter", *model, lora, "tiny-base");

  const Json config = json::parse(files::read_text(dir / "adapter" / "adapter_config.json"), "adapter_config.json");
  EXPECT_EQ(config["peft_type"], "LORA");
  EXPECT_EQ(config["task_type"], "CAUSAL_LM");
  EXPECT_EQ(config["r"], 4);
  EXPECT_EQ(config["lora_alpha"], 8.0);
  EXPECT_EQ(config["base_model_name_or_path"], "tiny-base");
  auto file = SafetensorsFile::open(dir / "adapter" / "adapter_model.safetensors");
  EXPECT_EQ(file->tensors().size(), 28u);
  const sl::test::TinyModel tiny;
  const TensorInfo* a = file->find("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight");
  const TensorInfo* b = file->find("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight");
  const TensorInfo* down = file->find("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight");
  ASSERT_TRUE(a && b && down);
  EXPECT_EQ(a->shape, (std::vector<std::int64_t>{4, tiny.hidden}));
  EXPECT_EQ(b->shape, (std::vector<std::int64_t>{tiny.kv_heads * (tiny.hidden / tiny.heads), 4}));
  EXPECT_EQ(down->shape, (std::vector<std::int64_t>{4, tiny.intermediate}));

  auto reloaded = load_causal_lm(dir / "base", kCpu);
  attach_lora_adapter(*reloaded, dir / "adapter", 1);
  std::vector<std::int64_t> ids = {3, 70, 71, 72, 100, 101, 5};
  ForwardBatch fb({{0, 0, 7, 1}}, nullptr, kCpu);
  torch::NoGradGuard ng;
  auto before = model->logits(model->forward(torch::tensor(ids), fb));
  auto after = reloaded->logits(reloaded->forward(torch::tensor(ids), fb));
  EXPECT_TRUE(torch::equal(before, after));
  auto base = load_causal_lm(dir / "base", kCpu);
  ForwardBatch plain({{0, 0, 7, 0}}, nullptr, kCpu);
  EXPECT_FALSE(torch::allclose(base->logits(base->forward(torch::tensor(ids), plain)), after));
}

// LoRA and full training both learn the toy completions; same job = same bytes; the merged
// checkpoint is base + scale B A.
TEST(Trainer, LearnsDeterministicallyAndWritesItsOutputs) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  const auto examples = toy_examples(6);
  for (bool lora : {true, false}) {
    SCOPED_TRACE(lora ? "lora" : "full");
    auto job = toy_job(dir / "base", dir / (lora ? "a1" : "f1"), lora);
    job.settings.n_epochs = 25;
    job.settings.optimizer.lr = lora ? 2e-2 : 5e-3;
    if (lora) job.output.merged_dir = dir / "merged";
    job.step_log = dir / (lora ? "a1.steps.jsonl" : "f1.steps.jsonl");
    std::vector<double> losses;
    TrainingHooks hooks;
    hooks.on_step = [&](const TrainingStep& s) { losses.push_back(s.loss); };
    const auto r = train_model(job, examples, hooks);
    EXPECT_EQ(r.steps_done, 25 * 1);  // 6 examples / 3 per batch / 2 batches per step
    ASSERT_EQ(losses.size(), 25u);
    EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
    const std::string log = files::read_text(job.step_log);
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 25);

    auto again = job;
    again.output.dir = dir / (lora ? "a2" : "f2");
    again.output.merged_dir.reset();
    again.step_log.clear();
    train_model(again, examples, {});
    const std::string file = lora ? "adapter_model.safetensors" : "model.safetensors";
    EXPECT_EQ(files::read_text(job.output.dir / file), files::read_text(again.output.dir / file));
    if (!lora) {
      EXPECT_TRUE(fs::exists(dir / "f1" / "tokenizer.json"));
      EXPECT_TRUE(fs::exists(dir / "f1" / "config.json"));
      load_causal_lm(dir / "f1", kCpu);
    }
  }
  // Merged = base with the adapter applied.
  auto merged = load_causal_lm(dir / "merged", kCpu);
  auto adapted = load_causal_lm(dir / "base", kCpu);
  attach_lora_adapter(*adapted, dir / "a1", 1);
  std::vector<std::int64_t> ids = {40, 41, 42, 97, 98};
  torch::NoGradGuard ng;
  auto m = merged->logits(merged->forward(torch::tensor(ids), ForwardBatch({{0, 0, 5, 0}}, nullptr, kCpu)));
  auto a = adapted->logits(adapted->forward(torch::tensor(ids), ForwardBatch({{0, 0, 5, 1}}, nullptr, kCpu)));
  EXPECT_TRUE(torch::allclose(m, a, 1e-4, 1e-4));
}

TEST(Trainer, FromRandomWeightsWithKlTargets) {
  TempDir dir;
  sl::test::write_tiny_tokenizer(dir / "tok");
  TrainingJob job;
  job.model.random_init = RandomInit{json::dump(json::parse(files::read_text([&] {
                                                              sl::test::write_tiny_checkpoint(dir / "shape");
                                                              return dir / "shape" / "config.json";
                                                            }()),
                                                            "config")),
                                     4, 0.02};
  job.settings.n_epochs = 3;
  job.settings.batch_size = 2;
  job.settings.loss = "kl_topk";
  job.settings.kl_token_ids = {97, 98, 99, 258};
  job.output.dir = dir / "fresh";
  job.output.copy_files_from = dir / "tok";
  job.show_progress = false;
  auto examples = toy_examples(4);
  for (auto& e : examples)
    for (int k = 0; k < 4; ++k)
      e.soft_targets.push_back({{97, 98, 120}, {std::log(0.6f), std::log(0.3f), std::log(0.1f)}});
  const auto r = train_model(job, examples, {});
  EXPECT_EQ(r.steps_done, 6);
  EXPECT_TRUE(fs::exists(dir / "fresh" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "fresh" / "tokenizer.json"));
  // kl_topk without soft targets is refused before any step.
  auto hard = toy_examples(2);
  EXPECT_THROW(train_model(job, hard, {}), UsageError);
}

TEST(Trainer, BadJobsAreClearErrors) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto job = toy_job(dir / "base", dir / "out");
  auto expect_error = [&](const TrainingJob& j, const std::vector<TrainingExample>& ex, const std::string& words) {
    try {
      train_model(j, ex, {});
      ADD_FAILURE() << "no error; expected: " << words;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_error(job, {}, "no training examples");
  auto bad_module = job;
  bad_module.lora->target_modules = {"q_proj", "c_attn"};
  expect_error(bad_module, toy_examples(2), "\"c_attn\" is not a projection");
  auto out_of_vocab = toy_examples(2);
  out_of_vocab[1].ids[3] = 5000;
  expect_error(job, out_of_vocab, "training example 1: token id 5000");
  auto no_loss = toy_examples(2);
  no_loss[0].loss_mask.assign(10, 0);
  expect_error(job, no_loss, "training example 0: no token carries loss");
}

// A checkpoint is resumed only by the run that wrote it: other settings (their JSON encoding is
// the fingerprint) or the older fingerprint format are clear errors, the same job resumes.
TEST(Trainer, CheckpointsResumeOnlyTheirOwnJob) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  const auto examples = toy_examples(6);
  auto job = toy_job(dir / "base", dir / "out");
  job.checkpoint.path = dir / "run.checkpoint.safetensors";
  job.checkpoint.resume = true;
  int polls = 0;
  TrainingHooks stop_after_one;
  stop_after_one.should_stop = [&] { return ++polls > 1; };
  ASSERT_TRUE(train_model(job, examples, stop_after_one).interrupted);
  ASSERT_TRUE(fs::exists(job.checkpoint.path));

  auto other = job;
  other.settings.optimizer.adam_beta2 = 0.98;
  try {
    train_model(other, examples, {});
    ADD_FAILURE() << "a checkpoint of other settings was resumed";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to another job"), std::string::npos) << e.what();
  }
  EXPECT_EQ(train_model(job, examples, {}).resumed_from_step, 1);

  save_safetensors(
      dir / "old.safetensors", {{"param/x", torch::zeros({1})}}, torch::kFloat32,
      {{"format", "sl-train-checkpoint-1"}, {"step", "1"}, {"total_steps", "2"}, {"fingerprint", "0123456789abcdef"}});
  job.checkpoint.path = dir / "old.safetensors";
  try {
    train_model(job, examples, {});
    ADD_FAILURE() << "a checkpoint of the older format was resumed";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("older version of this toolkit"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sl::local
