// PEFT LoRA adapters applied unmerged: the same results as a merged checkpoint, per-request
// selection inside one batch, and clear errors for adapters that do not fit.
#include "sl/local/runtime/model/lora_adapter.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/local/runtime/generate/local_engine.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

namespace fs = std::filesystem;
using sl::test::TempDir;

const ComputeDevice kCpu{};
const std::vector<std::string> kModules = {"model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                                           "model.layers.1.self_attn.o_proj", "model.layers.1.mlp.down_proj",
                                           "model.layers.0.mlp.gate_proj"};

// Writes a PEFT adapter for kModules by hand (r 4, alpha 8: scale 2) and returns its tensors.
std::map<std::string, torch::Tensor> write_adapter(const fs::path& dir, const CausalLM& model, std::uint64_t seed,
                                                   const std::string& extra_module = "",
                                                   Json config_edit = Json::object()) {
  LoraAdapterConfig config;
  config.lora.r = 4;
  config.lora.lora_alpha = 8;
  config.lora.target_modules = {"q_proj", "v_proj", "o_proj", "down_proj", "gate_proj"};
  auto gen = at::detail::createCPUGenerator(seed);
  std::map<std::string, torch::Tensor> tensors;
  auto modules = kModules;
  if (!extra_module.empty()) modules.push_back(extra_module);
  for (const auto& m : modules) {
    std::int64_t out = 16, in = 32;
    for (const auto& [name, proj] : const_cast<CausalLM&>(model).projections())
      if (name == m) out = proj->out_features(), in = proj->in_features();
    tensors[peft_tensor_name(m, 'A')] = at::normal(0.0, 0.3, {4, in}, gen);
    tensors[peft_tensor_name(m, 'B')] = at::normal(0.0, 0.3, {out, 4}, gen);
  }
  fs::create_directories(dir);
  Json j = config.to_json();
  for (auto it = config_edit.begin(); it != config_edit.end(); ++it) j[it.key()] = it.value();
  files::write_atomic(dir / "adapter_config.json", j.dump(2));
  save_safetensors(dir / "adapter_model.safetensors", {tensors.begin(), tensors.end()});
  return tensors;
}

// The base checkpoint's weights with each adapted projection merged: W + 2 * B A.
void write_merged(const fs::path& dir, const CausalLM& base, const std::map<std::string, torch::Tensor>& adapter) {
  auto weights = base.named_weights();
  for (auto& [name, w] : weights) {
    for (const auto& m : kModules) {
      if (name == m + ".weight")
        w = w + 2.0 * torch::mm(adapter.at(peft_tensor_name(m, 'B')), adapter.at(peft_tensor_name(m, 'A')));
    }
  }
  save_checkpoint(dir, base.config(), weights);
  sl::test::write_tiny_tokenizer(dir);
}

torch::Tensor logits_of(const CausalLM& model, const std::vector<std::vector<std::int64_t>>& seqs,
                        const std::vector<int>& adapters) {
  c10::InferenceMode guard;
  std::vector<SequenceChunk> chunks;
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    chunks.push_back({0, 0, static_cast<std::int64_t>(seqs[i].size()), adapters[i]});
    ids.insert(ids.end(), seqs[i].begin(), seqs[i].end());
  }
  ForwardBatch batch(chunks, nullptr, kCpu);
  return model.logits(model.forward(torch::tensor(ids, torch::kInt64), batch));
}

TEST(LoraAdapter, UnmergedEqualsMergedAndIsSelectedPerSequence) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto base = load_causal_lm(dir / "base", kCpu);
  const auto adapter = write_adapter(dir / "adapter", *base, 7);
  write_merged(dir / "merged", *base, adapter);
  auto merged = load_causal_lm(dir / "merged", kCpu);
  auto served = load_causal_lm(dir / "base", kCpu);
  attach_lora_adapter(*served, dir / "adapter", 1);

  const std::vector<std::int64_t> a = {3, 1, 4, 1, 5, 9, 2, 6}, b = {2, 7, 1, 8};
  const auto mixed = logits_of(*served, {a, b, a}, {1, 0, 0});
  const auto with = logits_of(*merged, {a}, {0});
  const auto without = logits_of(*base, {b, a}, {0, 0});
  EXPECT_LT((mixed.narrow(0, 0, 8) - with).abs().max().item<double>(), 1e-4);
  EXPECT_LT((mixed.narrow(0, 8, 12) - without).abs().max().item<double>(), 1e-5);
  EXPECT_GT((with - without.narrow(0, 4, 8)).abs().max().item<double>(), 1e-2) << "the adapter changes the model";
  // One row (the matrix-vector path) too.
  EXPECT_LT((logits_of(*served, {{5}}, {1}) - logits_of(*merged, {{5}}, {0})).abs().max().item<double>(), 1e-4);
}

TEST(LoraAdapter, EngineServesBaseAndAdapterInOneBatch) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto base = load_causal_lm(dir / "base", kCpu);
  write_merged(dir / "merged", *base, write_adapter(dir / "adapter", *base, 11));
  auto run = [](const EngineOptions& options, const std::vector<std::string>& adapters) {
    auto engine = load_local_engine(options);
    std::vector<GenerationRequest> requests;
    for (const auto& a : adapters) {
      GenerationRequest r;
      r.messages = {{"user", "Name an animal."}};
      r.temperature = 0;
      r.max_tokens = 10;
      r.adapter = a;
      requests.push_back(r);
    }
    std::vector<std::vector<std::int32_t>> out(requests.size());
    engine->generate(requests, [&](std::size_t i, GenerationResult g) { out[i] = g.token_ids; });
    return out;
  };
  EngineOptions served{
      .model = (dir / "base").string(), .adapters = {{"student", dir / "adapter"}}, .show_progress = false};
  const auto both = run(served, {"student", "", "student"});
  EngineOptions merged{.model = (dir / "merged").string(), .show_progress = false};
  EngineOptions plain{.model = (dir / "base").string(), .show_progress = false};
  EXPECT_EQ(both[0], run(merged, {""})[0]);
  EXPECT_EQ(both[2], both[0]);
  EXPECT_EQ(both[1], run(plain, {""})[0]);
}

std::string attach_error(const std::function<void(const fs::path&, const CausalLM&)>& make) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  auto model = load_causal_lm(dir / "base", kCpu);
  make(dir / "adapter", *model);
  try {
    attach_lora_adapter(*model, dir / "adapter", 1);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LoraAdapter, ClearErrors) {
  EXPECT_NE(attach_error([](auto& d, auto& m) { write_adapter(d, m, 1, "model.layers.7.self_attn.q_proj"); })
                .find("tensor \"base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight\" does not belong to a "
                      "projection"),
            std::string::npos);
  EXPECT_NE(attach_error([](auto& d, auto& m) {
              write_adapter(d, m, 1, "", {{"use_dora", true}});
            }).find("use_dora: DoRA is not supported"),
            std::string::npos);
  EXPECT_NE(attach_error([](auto& d, auto& m) {
              write_adapter(d, m, 1, "", {{"r", 8}});
            }).find("shapes do not match r = 8"),
            std::string::npos);
  EXPECT_NE(attach_error([](auto& d, auto& m) {
              write_adapter(d, m, 1, "", {{"bias", "all"}});
            }).find("bias: \"all\""),
            std::string::npos);
  EXPECT_NE(attach_error([](auto& d, auto& m) {
              write_adapter(d, m, 1);
              fs::remove(d / "adapter_model.safetensors");
            }).find("adapter_model.safetensors is missing"),
            std::string::npos);
  EXPECT_NE(attach_error([](auto&, auto&) {}).find("does not exist"), std::string::npos);
}

TEST(LoraAdapter, ScaleFollowsPeft) {
  LoraSettings c;
  c.r = 16;
  c.lora_alpha = 8;
  EXPECT_DOUBLE_EQ(c.scale(), 0.5);
  c.use_rslora = true;
  EXPECT_DOUBLE_EQ(c.scale(), 2.0);
}

}  // namespace
}  // namespace sl::local
