// The device-generic training path (torch ops only: what CUDA runs, and the CPU with
// SL_CPU_KERNELS=torch) against the fused float32 CPU path: its attention, loss and AdamW on
// their own, then real training runs on tiny Qwen2 and Llama checkpoints (LoRA and full, sft and
// kl_topk): per-step losses within float32 tolerance, the same adapter format; gradient
// checkpointing on and off; resume.
//
// Tolerances. Both paths compute in float32 (unit roundoff u = 2^-24 = 6e-8) and differ only in
// the order of their sums and in the exp they use (the fused kernels' own, libm's). One forward
// of these models chains a few hundred roundings per output (sums over hidden 32, intermediate
// 48, vocab 320, two layers), so a step-1 loss or a gradient agrees to ~1e-5 relative at worst;
// single operations (attention, loss, AdamW) to ~1e-6. Over a short run the difference grows:
// AdamW's update lr * m / (sqrt(v) + eps) turns a relative gradient difference d into about
// lr * d per weight and step (less where |g| >> eps), which the next steps' losses feel through
// gradients of size ~1. For the runs below (lr 1e-2, at most 6 steps) that is << 1e-4 of a loss
// of ~5; the runs are checked to 1e-4 relative, the first step to 2e-5. A single weight can
// differ more: where its gradient is a sum that nearly cancels, the relative difference of that
// gradient is large and AdamW (which normalises each weight's step) passes it on at up to lr per
// step. The trained weights are checked to 1% of the largest move AdamW makes in the run
// (lr per step and weight), i.e. that both paths took the same steps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/rng.hpp"
#include "sl/local/runtime/io/checkpoint.hpp"
#include "sl/local/runtime/io/safetensors.hpp"
#include "sl/local/runtime/kernels/training_kernels.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/length_grouped_attention.hpp"
#include "sl/local/runtime/model/packed_attention.hpp"
#include "sl/local/runtime/train/adamw_torch.hpp"
#include "sl/local/runtime/train/lm_head_loss.hpp"
#include "sl/local/runtime/train/trainable_weights.hpp"
#include "sl/local/runtime/train/trainer.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

namespace fs = std::filesystem;
using sl::test::TempDir;

// Sets SL_CPU_KERNELS while it lives (the trainer reads it when a job starts).
class CpuKernels {
 public:
  explicit CpuKernels(const char* value) {
    if (const char* old = std::getenv("SL_CPU_KERNELS")) old_ = old;
    ::setenv("SL_CPU_KERNELS", value, 1);
  }
  ~CpuKernels() {
    if (old_.empty()) ::unsetenv("SL_CPU_KERNELS");
    else ::setenv("SL_CPU_KERNELS", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

// True when a and b agree to `rel` of their size (plus `abs` for values near 0).
::testing::AssertionResult close(double a, double b, double rel, double abs = 0) {
  if (std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + abs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (relative difference "
                                       << std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b)) << ")";
}

// Sequences of different lengths (7 to 16 tokens), loss on the last 5 tokens, some positions
// with the teacher's top-3 (for kl_topk).
std::vector<TrainingExample> examples(int n, bool soft) {
  std::vector<TrainingExample> out;
  Rng rng(21);
  for (int i = 0; i < n; ++i) {
    TrainingExample e;
    const int prompt = 2 + (i * 5) % 10;
    for (int t = 0; t < prompt; ++t) e.ids.push_back(static_cast<std::int32_t>(40 + (i * 7 + t) % 50));
    for (int t = 0; t < 5; ++t) e.ids.push_back(static_cast<std::int32_t>(97 + rng.below(6)));
    e.loss_mask.assign(static_cast<std::size_t>(prompt), 0);
    e.loss_mask.resize(e.ids.size(), 1);
    if (soft) {
      for (int t = 0; t < 5; ++t) {
        const auto top = e.ids[static_cast<std::size_t>(prompt + t)];
        // The third entry is outside the kl token set below; the last example's first position
        // has no allowed entry at all (no loss there).
        if (i == n - 1 && t == 0) e.soft_targets.push_back({{120, 121}, {std::log(0.7f), std::log(0.2f)}});
        else e.soft_targets.push_back({{top, 100, 120}, {std::log(0.6f), std::log(0.25f), std::log(0.1f)}});
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

TrainingJob job_for(const fs::path& model, const fs::path& out, bool lora) {
  TrainingJob job;
  job.model.dir = model.string();
  if (lora) {
    job.lora = LoraSettings{};
    job.lora->r = 4;
    job.lora->lora_alpha = 8;
  }
  job.settings.n_epochs = 3;
  job.settings.batch_size = 4;
  job.settings.gradient_accumulation_steps = 2;
  job.settings.seed = 3;
  job.settings.optimizer.lr = 1e-2;
  job.settings.optimizer.warmup_steps = 1;
  job.settings.optimizer.weight_decay = 0.01;
  job.output.dir = out;
  job.show_progress = false;
  job.threads = 1;
  return job;
}

struct Curve {
  std::vector<double> loss, grad_norm;
};

Curve train(const TrainingJob& job, const std::vector<TrainingExample>& ex, const char* kernels) {
  CpuKernels env(kernels);
  Curve r;
  TrainingHooks hooks;
  hooks.on_step = [&](const TrainingStep& s) {
    r.loss.push_back(s.loss);
    r.grad_norm.push_back(s.grad_norm);
  };
  train_model(job, ex, hooks);
  return r;
}

// Name -> (dtype, shape) of a safetensors file, and its tensors as float32.
std::map<std::string, std::pair<DType, std::vector<std::int64_t>>> layout(const fs::path& file) {
  std::map<std::string, std::pair<DType, std::vector<std::int64_t>>> out;
  const auto f = SafetensorsFile::open(file);
  for (const auto& t : f->tensors()) out[t.name] = {t.dtype, t.shape};
  return out;
}

torch::Tensor read_tensor(const fs::path& file, const std::string& name) {
  auto f = SafetensorsFile::open(file);
  return tensor_from_safetensors(*f, *f->find(name), ComputeDevice{}).clone();
}

void expect_same_run(const Curve& fused, const Curve& generic) {
  ASSERT_EQ(fused.loss.size(), generic.loss.size());
  ASSERT_GE(fused.loss.size(), 3u);
  EXPECT_TRUE(close(fused.loss[0], generic.loss[0], 2e-5)) << "step 1";
  for (std::size_t i = 0; i < fused.loss.size(); ++i) {
    EXPECT_TRUE(close(fused.loss[i], generic.loss[i], 1e-4)) << "loss of step " << i + 1;
    EXPECT_TRUE(close(fused.grad_norm[i], generic.grad_norm[i], 1e-4)) << "grad norm of step " << i + 1;
  }
  EXPECT_LT(fused.loss.back(), fused.loss.front());  // the runs learn something
}

// The trained tensors of two output folders: same names, dtypes and shapes; values within atol.
void expect_same_weights(const fs::path& a, const fs::path& b, double atol) {
  const auto la = layout(a), lb = layout(b);
  ASSERT_EQ(la, lb);
  for (const auto& [name, info] : la) {
    const auto x = read_tensor(a, name), y = read_tensor(b, name);
    EXPECT_TRUE(torch::allclose(x, y, 0, atol)) << name << ": max difference " << (x - y).abs().max().item<double>();
  }
}

// 1% of the largest move of a weight in `steps` AdamW steps at learning rate lr (see the top).
double weight_tolerance(const TrainingJob& job, std::size_t steps) {
  return 0.01 * job.settings.optimizer.lr * static_cast<double>(steps);
}

class GenericPath : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path base() {
    sl::test::TinyModel m;
    m.architecture = GetParam();
    m.tied = GetParam() == "Qwen2ForCausalLM";  // Llama with its own lm_head
    return sl::test::write_tiny_checkpoint(dir_ / "base", m);
  }
  TempDir dir_;
};

TEST_P(GenericPath, LoraSftMatchesTheFusedPathAndWritesTheSameAdapter) {
  const auto model = base();
  const auto ex = examples(8, false);
  auto fused_job = job_for(model, dir_ / "fused", true);
  fused_job.output.merged_dir = dir_ / "fused-merged";
  auto generic_job = fused_job;
  generic_job.output.dir = dir_ / "generic";
  generic_job.output.merged_dir = dir_ / "generic-merged";
  const Curve fused = train(fused_job, ex, "auto");
  const Curve generic = train(generic_job, ex, "torch");
  expect_same_run(fused, generic);
  EXPECT_EQ(files::read_text(dir_ / "fused" / "adapter_config.json"),
            files::read_text(dir_ / "generic" / "adapter_config.json"));
  const double tol = weight_tolerance(fused_job, fused.loss.size());
  expect_same_weights(dir_ / "fused" / "adapter_model.safetensors", dir_ / "generic" / "adapter_model.safetensors",
                      tol);
  // Merged: W + scale B A; scale 2 times a sum over r = 4 of products with |A| < 0.2 (and |B| <
  // 0.1): a difference in A or B moves a merged weight by at most ~3 times as much.
  expect_same_weights(dir_ / "fused-merged" / "model.safetensors", dir_ / "generic-merged" / "model.safetensors",
                      3 * tol);
  EXPECT_EQ(files::read_text(dir_ / "fused-merged" / "config.json"),
            files::read_text(dir_ / "generic-merged" / "config.json"));
}

TEST_P(GenericPath, FullTrainingMatchesTheFusedPath) {
  const auto model = base();
  const auto ex = examples(8, false);
  auto fused_job = job_for(model, dir_ / "fused", false);
  fused_job.settings.optimizer.lr = 2e-3;
  auto generic_job = fused_job;
  generic_job.output.dir = dir_ / "generic";
  const Curve fused = train(fused_job, ex, "auto");
  expect_same_run(fused, train(generic_job, ex, "torch"));
  expect_same_weights(dir_ / "fused" / "model.safetensors", dir_ / "generic" / "model.safetensors",
                      weight_tolerance(fused_job, fused.loss.size()));
  EXPECT_EQ(files::read_text(dir_ / "fused" / "config.json"), files::read_text(dir_ / "generic" / "config.json"));
}

TEST_P(GenericPath, KlTopkMatchesTheFusedPath) {
  const auto model = base();
  const auto ex = examples(8, true);
  auto fused_job = job_for(model, dir_ / "fused", true);
  fused_job.settings.loss = "kl_topk";
  fused_job.settings.kl_token_ids = {97, 98, 99, 100, 101, 102, 121};
  auto generic_job = fused_job;
  generic_job.output.dir = dir_ / "generic";
  expect_same_run(train(fused_job, ex, "auto"), train(generic_job, ex, "torch"));
  // Over the whole vocabulary as well.
  fused_job.settings.kl_token_ids.clear();
  generic_job.settings.kl_token_ids.clear();
  const Curve fused = train(fused_job, ex, "auto");
  expect_same_run(fused, train(generic_job, ex, "torch"));
  expect_same_weights(dir_ / "fused" / "adapter_model.safetensors", dir_ / "generic" / "adapter_model.safetensors",
                      weight_tolerance(fused_job, fused.loss.size()));
}

INSTANTIATE_TEST_SUITE_P(TinyModels, GenericPath, ::testing::Values("Qwen2ForCausalLM", "LlamaForCausalLM"),
                         [](const auto& info) { return info.param == "Qwen2ForCausalLM" ? "Qwen2" : "Llama"; });

// The torch-op attention over packed sequences of mixed lengths (equal lengths, padded groups,
// a reordered pack) against the fused one, outputs and gradients.
TEST(LengthGroupedAttention, MatchesTheFusedPackedAttentionAndItsGradients) {
  torch::AutoGradMode grad_mode(true);
  torch::manual_seed(8);
  const std::vector<std::int64_t> lengths = {5, 1, 7, 3, 7, 6, 12, 2};
  std::vector<std::int64_t> begins;
  std::int64_t n = 0;
  for (auto l : lengths) begins.push_back(n), n += l;
  const std::int64_t heads = 4, kv_heads = 2, d = 8;
  auto q = torch::randn({n, heads, d}).requires_grad_(true);
  auto k = torch::randn({n, kv_heads, d}).requires_grad_(true);
  auto v = torch::randn({n, kv_heads, d}).requires_grad_(true);
  const auto w = torch::randn({n, heads * d});
  auto fused = packed_causal_attention(q, k, v, begins, lengths);
  (fused * w).sum().backward();
  const auto gq = q.grad().clone(), gk = k.grad().clone(), gv = v.grad().clone();
  q.mutable_grad().zero_(), k.mutable_grad().zero_(), v.mutable_grad().zero_();
  auto grouped = LengthGroupedAttention(begins, lengths, torch::kCPU)(q, k, v);
  (grouped * w).sum().backward();
  EXPECT_TRUE(torch::allclose(fused, grouped, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(gq, q.grad(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(gk, k.grad(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(gv, v.grad(), 1e-5, 1e-6));
}

// The loss and its gradients (dh, and dW when the head trains) in torch ops against the fused
// kernel: sft, and kl_topk with a token mask, an empty row and over every id.
TEST(TorchLoss, MatchesTheFusedKernel) {
  torch::manual_seed(9);
  const std::int64_t rows = 40, hidden = 16, vocab = 70000;  // chunks of 16 rows on both paths
  const auto h = torch::randn({rows, hidden});
  const auto head = torch::randn({vocab, hidden}) * 0.5;
  LossTargets hard, soft;
  soft.offsets.push_back(0);
  for (std::int64_t r = 0; r < rows; ++r) {
    hard.token.push_back((r * 7) % vocab);
    if (r == 3) {  // no allowed id: no loss
      soft.ids.insert(soft.ids.end(), {1, 2});
      soft.logprobs.insert(soft.logprobs.end(), {std::log(0.5f), std::log(0.5f)});
    } else {
      soft.ids.insert(soft.ids.end(), {static_cast<std::int32_t>(10 + r % 20), 5, 2});
      soft.logprobs.insert(soft.logprobs.end(), {std::log(0.7f), std::log(0.2f), std::log(0.05f)});
    }
    soft.offsets.push_back(static_cast<std::int64_t>(soft.ids.size()));
  }
  std::vector<float> allowed(vocab, 1.0f);
  allowed[1] = allowed[2] = 0;
  const ComputeDevice fused_device{}, torch_device{torch::kCPU, torch::kFloat32, true};
  for (const auto* targets : {&hard, &soft}) {
    for (bool masked : {true, false}) {
      if (masked && !targets->soft()) continue;
      SCOPED_TRACE(std::string(targets->soft() ? "kl_topk" : "sft") + (masked ? " masked" : ""));
      LmHeadLoss fused(masked ? allowed : std::vector<float>{}, fused_device);
      LmHeadLoss generic(masked ? allowed : std::vector<float>{}, torch_device);
      torch::Tensor dh_fused, dh_generic;
      auto gw_fused = torch::zeros_like(head), gw_generic = torch::zeros_like(head);
      const auto a = fused.run(h, head, *targets, 0.25, dh_fused, gw_fused);
      const auto b = generic.run(h, head, *targets, 0.25, dh_generic, gw_generic);
      EXPECT_TRUE(close(a.loss, b.loss, 1e-6));
      EXPECT_EQ(a.empty_rows, b.empty_rows);
      EXPECT_EQ(b.empty_rows, masked ? 1 : 0);
      EXPECT_TRUE(torch::allclose(dh_fused, dh_generic, 1e-5, 1e-6));
      EXPECT_TRUE(torch::allclose(gw_fused, gw_generic, 1e-5, 1e-6));
    }
  }
}

// AdamW in torch ops against the fused kernel over a few steps, with weight decay and clipping.
TEST(TorchAdamW, MatchesTheFusedKernel) {
  torch::manual_seed(10);
  auto p_fused = torch::randn({257}), m_fused = torch::zeros({257}), v_fused = torch::zeros({257});
  auto p_torch = p_fused.clone(), m_torch = m_fused.clone(), v_torch = v_fused.clone();
  p_torch.mutable_grad() = torch::zeros({257});
  for (int step = 1; step <= 5; ++step) {
    const auto g = torch::randn({257}) * (step == 3 ? 1e-9 : 1.0);  // a step of gradients below eps too
    const double lr = 1e-3 * step, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01, clip = step == 2 ? 0.5 : 1.0;
    const double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
    train_kernels::adamw_update(
        p_fused.data_ptr<float>(), g.data_ptr<float>(), m_fused.data_ptr<float>(), v_fused.data_ptr<float>(), 257,
        {static_cast<float>(lr), static_cast<float>(b1), static_cast<float>(b2), static_cast<float>(eps),
         static_cast<float>(wd), static_cast<float>(clip), static_cast<float>(bc1), static_cast<float>(bc2)});
    p_torch.mutable_grad().copy_(g);
    adamw_update_torch(p_torch, m_torch, v_torch, {lr, b1, b2, eps, wd, clip, bc1, bc2});
  }
  // The same float32 operations, some fused into one rounding by ATen (a + alpha * b): a few
  // roundings of terms of size ~1 (|g| < 5, |p| < 5), where m and v may themselves be near 0.
  EXPECT_TRUE(torch::allclose(p_fused, p_torch, 1e-6, 1e-6)) << (p_fused - p_torch).abs().max().item<double>();
  EXPECT_TRUE(torch::allclose(m_fused, m_torch, 1e-6, 1e-6)) << (m_fused - m_torch).abs().max().item<double>();
  EXPECT_TRUE(torch::allclose(v_fused, v_torch, 1e-6, 1e-6)) << (v_fused - v_torch).abs().max().item<double>();
}

// Gradient checkpointing recomputes each layer in backward with the same operations in the same
// order (and the same LoRA dropout masks), so on the CPU the gradients are the same bits as
// those of the plain backward, on the fused and on the generic path.
TEST(GradientCheckpointing, GivesTheSameGradientsWithLoraDropout) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  for (const ComputeDevice& device : {ComputeDevice{}, ComputeDevice{torch::kCPU, torch::kFloat32, true}}) {
    SCOPED_TRACE(device.torch_ops ? "torch ops" : "fused");
    std::vector<std::vector<torch::Tensor>> grads;
    for (bool checkpointing : {false, true}) {
      auto model = load_causal_lm(dir / "base", device);
      LoraSettings lora;
      lora.lora_dropout = 0.3;
      auto params = attach_trainable_lora(*model, lora, 5);
      {  // B = 0 at init would leave A without gradient
        torch::NoGradGuard ng;
        for (auto& p : params)
          if (p.name.ends_with("lora_B")) p.tensor.normal_(0, 0.3, at::detail::createCPUGenerator(1));
      }
      model->set_gradient_checkpointing(checkpointing);
      torch::AutoGradMode grad_mode(true);
      torch::manual_seed(77);
      std::vector<std::int64_t> ids = {3, 70, 71, 72, 100, 101, 5, 40, 41, 42, 43};
      ForwardBatch fb({{0, 0, 4, 1}, {0, 0, 7, 1}}, nullptr, device);
      auto hidden = model->forward(torch::tensor(ids), fb);
      (hidden * torch::linspace(-1, 1, hidden.numel()).view(hidden.sizes())).sum().backward();
      std::vector<torch::Tensor> g;
      for (auto& p : params) g.push_back(p.tensor.grad().clone());
      grads.push_back(std::move(g));
    }
    for (std::size_t i = 0; i < grads[0].size(); ++i) {
      EXPECT_GT(grads[0][i].abs().sum().item<double>(), 0) << i;
      EXPECT_TRUE(torch::equal(grads[0][i], grads[1][i]))
          << i << ": " << (grads[0][i] - grads[1][i]).abs().max().item<double>();
    }
  }
}

// Whole runs with gradient checkpointing on and off (generic path, LoRA with dropout, and full):
// the same losses and weights, bit for bit on the CPU (see above).
TEST(GradientCheckpointing, TrainsTheSameOnTheGenericPath) {
  TempDir dir;
  const auto model = sl::test::write_tiny_checkpoint(dir / "base");
  const auto ex = examples(8, false);
  for (bool lora : {true, false}) {
    SCOPED_TRACE(lora ? "lora" : "full");
    auto off = job_for(model, dir / "off", lora);
    if (lora) off.lora->lora_dropout = 0.1;
    off.settings.gradient_checkpointing = false;
    auto on = off;
    on.output.dir = dir / "on";
    on.settings.gradient_checkpointing = true;
    const Curve a = train(off, ex, "torch"), b = train(on, ex, "torch");
    ASSERT_EQ(a.loss.size(), b.loss.size());
    for (std::size_t i = 0; i < a.loss.size(); ++i) EXPECT_EQ(a.loss[i], b.loss[i]) << i;
    const std::string file = lora ? "adapter_model.safetensors" : "model.safetensors";
    expect_same_weights(dir / "off" / file, dir / "on" / file, 0);
  }
}

// A generic-path run stopped after a step and resumed gives the bytes of an uninterrupted run.
TEST(GenericPathResume, ContinuesToTheSameBytes) {
  TempDir dir;
  const auto model = sl::test::write_tiny_checkpoint(dir / "base");
  const auto ex = examples(8, false);
  CpuKernels env("torch");
  auto whole = job_for(model, dir / "whole", true);
  train_model(whole, ex, {});
  auto parts = job_for(model, dir / "parts", true);
  parts.checkpoint.path = dir / "parts.checkpoint.safetensors";
  parts.checkpoint.resume = true;
  int polls = 0;
  TrainingHooks stop_after_one;
  stop_after_one.should_stop = [&] { return ++polls > 1; };
  ASSERT_TRUE(train_model(parts, ex, stop_after_one).interrupted);
  ASSERT_TRUE(fs::exists(parts.checkpoint.path));
  const auto r = train_model(parts, ex, {});
  EXPECT_EQ(r.resumed_from_step, 1);
  EXPECT_EQ(files::read_text(dir / "whole" / "adapter_model.safetensors"),
            files::read_text(dir / "parts" / "adapter_model.safetensors"));
}

// CUDA's precision recipe, run on the CPU: bfloat16 base weights and activations, float32 LoRA
// adapters (the delta computed in float32), the loss statistics in float32. One LoRA step's
// gradients of A and B must be float32 and agree with those of the float32 model to bfloat16
// accuracy. bfloat16 keeps 8 significant bits (2^-9 = 0.2% per rounding); the logits (|z| of a
// few units with init_std 0.1) are rounded once at the GEMM's output, which moves the softmax,
// and so d loss / d logits, by about |z| 2^-9 ~ 1-2%, and the activations before them go through
// a few dozen roundings that partly cancel. 10% of each gradient's norm bounds that with room; a
// wrong precision path (a dropped delta, a broken gradient) is off by ~100%.
TEST(Bfloat16Training, LoraGradientsAreFloat32AndMatchTheFloat32Model) {
  TempDir dir;
  sl::test::TinyModel m;
  m.init_std = 0.1;
  sl::test::write_tiny_checkpoint(dir / "base", m);
  std::vector<std::vector<torch::Tensor>> grads;
  for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    const ComputeDevice device{torch::kCPU, dtype, true};
    auto model = load_causal_lm(dir / "base", device);
    EXPECT_EQ(model->weights().layers[0].self_attn.q_proj.weight.scalar_type(), dtype);
    auto params = attach_trainable_lora(*model, LoraSettings{}, 5);
    {
      torch::NoGradGuard ng;
      for (auto& p : params)
        if (p.name.ends_with("lora_B")) p.tensor.normal_(0, 0.3, at::detail::createCPUGenerator(1));
    }
    model->set_gradient_checkpointing(true);
    torch::AutoGradMode grad_mode(true);
    std::vector<std::int64_t> ids = {3, 70, 71, 72, 100, 101, 5, 40, 41, 42, 43};
    ForwardBatch fb({{0, 0, 4, 1}, {0, 0, 7, 1}}, nullptr, device);
    auto hidden = model->forward(torch::tensor(ids), fb);
    EXPECT_EQ(hidden.scalar_type(), dtype);
    LossTargets targets;
    targets.token = {71, 72, 100, 41, 42, 43};
    auto rows = torch::tensor(std::vector<std::int64_t>{1, 2, 3, 7, 8, 9});
    auto selected = hidden.index_select(0, rows);
    LmHeadLoss loss({}, device);
    torch::Tensor dh;
    {
      torch::NoGradGuard ng;
      loss.run(selected.detach(), model->weights().lm_head, targets, 1.0 / 6, dh, torch::Tensor());
    }
    EXPECT_EQ(dh.scalar_type(), dtype);
    torch::autograd::backward({selected}, {dh});
    std::vector<torch::Tensor> g;
    for (auto& p : params) {
      EXPECT_EQ(p.tensor.scalar_type(), torch::kFloat32) << p.name;
      EXPECT_EQ(p.tensor.grad().scalar_type(), torch::kFloat32) << p.name;
      g.push_back(p.tensor.grad().clone());
    }
    grads.push_back(std::move(g));
  }
  double worst = 0;
  for (std::size_t i = 0; i < grads[0].size(); ++i) {
    const double norm = grads[0][i].norm().item<double>();
    EXPECT_GT(norm, 0) << i;
    const double diff = (grads[0][i] - grads[1][i]).norm().item<double>();
    EXPECT_LT(diff, 0.1 * norm) << i;
    worst = std::max(worst, diff / norm);
  }
  std::printf("largest relative gradient difference, bfloat16 vs float32: %.4f\n", worst);
}

// SL_DEVICE=cuda with a libtorch that has no CUDA (or no GPU) is one clear usage error.
TEST(CudaTraining, WithoutCudaIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is visible: tools/gpu_check covers CUDA training";
  TempDir dir;
  const auto model = sl::test::write_tiny_checkpoint(dir / "base");
  auto job = job_for(model, dir / "out", true);
  job.device = "cuda";
  try {
    train_model(job, examples(2, false), {});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("no CUDA support or no GPU is visible"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// On a machine with a GPU (tools/gpu_check runs these; skipped without one): CUDA training of a
// tiny Qwen2 against the fused CPU path. LoRA computes in bfloat16 (u = 2^-9 = 2e-3 per rounding,
// a few dozen roundings deep, partly cancelling): losses within 2% of the CPU's, and the same
// adapter files' layout. Full training computes in float32 (float32 master weights; cuBLAS
// without TF32, libtorch's default): the CPU generic path's tolerance, 1e-4.
TEST(CudaTraining, LossCurvesFollowTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no GPU visible";
  TempDir dir;
  sl::test::TinyModel m;
  m.init_std = 0.1;  // logits of a few units: their bfloat16 rounding moves the loss by ~0.1%
  const auto model = sl::test::write_tiny_checkpoint(dir / "base", m);
  const auto ex = examples(8, false);
  for (bool lora : {true, false}) {
    SCOPED_TRACE(lora ? "lora" : "full");
    auto cpu = job_for(model, dir / "cpu", lora);
    auto cuda = cpu;
    cuda.output.dir = dir / "cuda";
    cuda.device = "cuda";
    const Curve a = train(cpu, ex, "auto"), b = train(cuda, ex, "auto");
    ASSERT_EQ(a.loss.size(), b.loss.size());
    for (std::size_t i = 0; i < a.loss.size(); ++i)
      EXPECT_TRUE(close(a.loss[i], b.loss[i], lora ? 2e-2 : 1e-4)) << "step " << i + 1;
    const std::string file = lora ? "adapter_model.safetensors" : "model.safetensors";
    EXPECT_EQ(layout(dir / "cpu" / file), layout(dir / "cuda" / file));
    if (lora)
      EXPECT_EQ(files::read_text(dir / "cpu" / "adapter_config.json"),
                files::read_text(dir / "cuda" / "adapter_config.json"));
  }
}

}  // namespace
}  // namespace sl::local
