// Loading checkpoints and the transformer's forward pass: the KV cache reproduces a full
// forward pass, packed batches reproduce single sequences, Llama's llama3 RoPE scaling, and
// clear errors for checkpoints that do not match their config.
#include <gtest/gtest.h>

#include <cmath>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

namespace fs = std::filesystem;
using sl::test::TempDir;
using sl::test::TinyModel;

const ComputeDevice kCpu{};

torch::Tensor tokens(const std::vector<std::int64_t>& ids) { return torch::tensor(ids, torch::kInt64); }

// Logits of every position of one sequence, in one forward pass without a cache.
torch::Tensor full_logits(const CausalLM& model, const std::vector<std::int64_t>& ids) {
  torch::NoGradGuard no_grad;
  ForwardBatch batch({{0, 0, static_cast<std::int64_t>(ids.size()), 0}}, nullptr, kCpu);
  return model.logits(model.forward(tokens(ids), batch));
}

// Logits of every position, feeding `first` tokens at once and then one token per step.
torch::Tensor incremental_logits(const CausalLM& model, const std::vector<std::int64_t>& ids, std::int64_t first) {
  c10::InferenceMode guard;
  const auto& c = model.config();
  KvCache cache(c.num_hidden_layers, 3, c.num_key_value_heads, c.head_dim, kCpu);
  const std::int64_t slot = 2;
  std::vector<torch::Tensor> rows;
  ForwardBatch prefill({{slot, 0, first, 0}}, &cache, kCpu);
  rows.push_back(model.logits(model.forward(tokens({ids.begin(), ids.begin() + first}), prefill)));
  for (std::int64_t t = first; t < static_cast<std::int64_t>(ids.size()); ++t) {
    ForwardBatch step({{slot, t, 1, 0}}, &cache, kCpu);
    rows.push_back(model.logits(model.forward(tokens({ids[t]}), step)));
  }
  return torch::cat(rows, 0);
}

std::vector<std::int64_t> some_ids(std::int64_t n, std::int64_t offset = 0) {
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 0; i < n; ++i) ids.push_back((i * 37 + offset * 11 + 5) % 256);
  return ids;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

class ModelTest : public ::testing::TestWithParam<std::string> {
 protected:
  TinyModel spec() const {
    TinyModel m;
    m.architecture = GetParam();
    m.llama3_scaling = GetParam() == "LlamaForCausalLM";
    m.tied = GetParam() != "LlamaForCausalLM";
    return m;
  }
};

TEST_P(ModelTest, LoadsWithTheConfiguredShapes) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir.path(), spec());
  auto model = load_causal_lm(dir.path(), kCpu);
  EXPECT_EQ(model->config().architecture, GetParam());
  std::int64_t expected = 0;
  for (const auto& w : checkpoint_layout(model->config())) {
    std::int64_t n = 1;
    for (auto d : w.shape) n *= d;
    expected += n;
  }
  EXPECT_EQ(model->parameter_count(), expected);
  EXPECT_EQ(model->projections().size(), 7u * 2);
}

TEST_P(ModelTest, KvCacheMatchesFullForward) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir.path(), spec());
  auto model = load_causal_lm(dir.path(), kCpu);
  const auto ids = some_ids(40);
  const auto full = full_logits(*model, ids);
  ASSERT_EQ(full.sizes(), (std::vector<std::int64_t>{40, 320}));
  EXPECT_LT(max_diff(full, incremental_logits(*model, ids, 1)), 1e-4);
  EXPECT_LT(max_diff(full, incremental_logits(*model, ids, 17)), 1e-4);
  // The KV cache grows past its first capacity (64) without changing results.
  const auto long_ids = some_ids(100, 3);
  EXPECT_LT(max_diff(full_logits(*model, long_ids), incremental_logits(*model, long_ids, 50)), 1e-4);
}

TEST_P(ModelTest, PackedBatchMatchesSingleSequences) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir.path(), spec());
  auto model = load_causal_lm(dir.path(), kCpu);
  const std::vector<std::vector<std::int64_t>> seqs = {some_ids(5, 1), some_ids(23, 2), some_ids(1, 3),
                                                       some_ids(12, 4)};
  std::vector<SequenceChunk> chunks;
  std::vector<std::int64_t> packed;
  for (const auto& s : seqs) {
    chunks.push_back({0, 0, static_cast<std::int64_t>(s.size()), 0});
    packed.insert(packed.end(), s.begin(), s.end());
  }
  torch::NoGradGuard no_grad;
  ForwardBatch batch(chunks, nullptr, kCpu);
  const auto all = model->logits(model->forward(tokens(packed), batch));
  std::int64_t row = 0;
  for (const auto& s : seqs) {
    const auto n = static_cast<std::int64_t>(s.size());
    EXPECT_LT(max_diff(all.narrow(0, row, n), full_logits(*model, s)), 1e-4) << "sequence of " << n;
    row += n;
  }
}

TEST_P(ModelTest, RunsUnderAutogradForTraining) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir.path(), spec());
  auto model = load_causal_lm(dir.path(), kCpu);
  auto& w = model->weights();
  auto trainable = w.layers[0].mlp.down_proj.weight.clone().requires_grad_(true);
  w.layers[0].mlp.down_proj.weight = trainable;
  const auto ids = some_ids(9);
  ForwardBatch batch({{0, 0, 9, 0}}, nullptr, kCpu);
  auto loss = torch::nn::functional::cross_entropy(model->logits(model->forward(tokens(ids), batch)).narrow(0, 0, 8),
                                                   tokens({ids.begin() + 1, ids.end()}));
  loss.backward();
  ASSERT_TRUE(trainable.grad().defined());
  EXPECT_GT(trainable.grad().abs().sum().item<double>(), 0);
  EXPECT_TRUE(std::isfinite(trainable.grad().sum().item<double>()));
}

INSTANTIATE_TEST_SUITE_P(Architectures, ModelTest, ::testing::Values("Qwen2ForCausalLM", "LlamaForCausalLM"));

TEST(Llama3Rope, MatchesTheReferenceFormula) {
  const Llama3RopeScaling s{8.0, 1.0, 4.0, 8192};
  const std::int64_t dim = 128;
  const auto inv = rope_inverse_frequencies(dim, 500000.0);
  const auto scaled = llama3_scaled_frequencies(inv, s);
  for (std::int64_t i = 0; i < dim / 2; ++i) {
    const double f = 1.0 / std::pow(500000.0, static_cast<double>(2 * i) / dim);
    const double wavelen = 2 * M_PI / f;
    double expected;
    if (wavelen < 8192.0 / 4.0) expected = f;
    else if (wavelen > 8192.0 / 1.0) expected = f / 8.0;
    else {
      const double smooth = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
      expected = (1 - smooth) * f / 8.0 + smooth * f;
    }
    EXPECT_NEAR(scaled[i].item<double>(), expected, 1e-6 * expected) << "frequency " << i;
  }
}

TEST(RotaryEmbedding, RotatesPairsHalfADimensionApart) {
  // With one frequency pair, position p rotates (x0, x1) by angle p * inv_freq.
  auto inv = torch::tensor({0.5f});
  auto rope = rotary_tables(inv, torch::tensor({3}, torch::kInt64), torch::kFloat32);
  auto x = torch::tensor({1.0f, 2.0f}).view({1, 1, 2});
  auto y = apply_rotary(x, rope);
  const double a = 1.5;
  EXPECT_NEAR(y[0][0][0].item<double>(), std::cos(a) * 1 - std::sin(a) * 2, 1e-6);
  EXPECT_NEAR(y[0][0][1].item<double>(), std::cos(a) * 2 + std::sin(a) * 1, 1e-6);
}

TEST(Checkpoint, HalfPrecisionFilesLoadAndAgreeWithFloat32) {
  TempDir dir;
  TinyModel m;
  sl::test::write_tiny_checkpoint(dir / "f32", m);
  auto f32 = load_causal_lm(dir / "f32", kCpu);
  for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
    const fs::path half = dir / (dtype == torch::kBFloat16 ? "bf16" : "f16");
    save_checkpoint(half, f32->config(), f32->named_weights(), dtype);
    auto model = load_causal_lm(half, kCpu);
    EXPECT_EQ(model->weights().embed_tokens.scalar_type(), torch::kFloat32);
    const auto ids = some_ids(10);
    EXPECT_LT(max_diff(full_logits(*model, ids), full_logits(*f32, ids)), 0.1) << half;
  }
}

TEST(Checkpoint, Float32WeightsAreUsedInPlaceFromTheMapping) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir.path());
  auto file = SafetensorsFile::open(dir / "model.safetensors");
  const TensorInfo* info = file->find("model.embed_tokens.weight");
  ASSERT_NE(info, nullptr);
  auto t = tensor_from_safetensors(*file, *info, kCpu);
  EXPECT_EQ(t.data_ptr(), static_cast<const void*>(file->data(*info).data()));
}

TEST(Checkpoint, ShardedCheckpointLoadsLikeASingleFile) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "single");
  auto single = load_causal_lm(dir / "single", kCpu);
  const fs::path sharded = dir / "sharded";
  fs::create_directories(sharded);
  fs::copy_file(dir / "single" / "config.json", sharded / "config.json");
  auto weights = single->named_weights();
  std::vector<std::pair<std::string, torch::Tensor>> a(weights.begin(), weights.begin() + weights.size() / 2);
  std::vector<std::pair<std::string, torch::Tensor>> b(weights.begin() + weights.size() / 2, weights.end());
  save_safetensors(sharded / "model-00001-of-00002.safetensors", a);
  save_safetensors(sharded / "model-00002-of-00002.safetensors", b);
  Json map = Json::object();
  for (const auto& [n, t] : a) map[n] = "model-00001-of-00002.safetensors";
  for (const auto& [n, t] : b) map[n] = "model-00002-of-00002.safetensors";
  files::write_atomic(sharded / "model.safetensors.index.json",
                      Json{{"metadata", Json::object()}, {"weight_map", map}}.dump());
  auto model = load_causal_lm(sharded, kCpu);
  EXPECT_EQ(max_diff(full_logits(*model, some_ids(8)), full_logits(*single, some_ids(8))), 0);

  // An index that points outside the folder, or at a missing shard, is refused.
  map.begin().value() = "../single/model.safetensors";
  files::write_atomic(sharded / "model.safetensors.index.json", Json{{"weight_map", map}}.dump());
  EXPECT_THROW(
      {
        try {
          load_causal_lm(sharded, kCpu);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("expected a shard file name"), std::string::npos) << e.what();
          throw;
        }
      },
      UsageError);
  map.begin().value() = "model-00003-of-00002.safetensors";
  files::write_atomic(sharded / "model.safetensors.index.json", Json{{"weight_map", map}}.dump());
  try {
    load_causal_lm(sharded, kCpu);
    ADD_FAILURE() << "missing shard accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("shard model-00003-of-00002.safetensors"), std::string::npos) << e.what();
  }
}

// Writes a checkpoint whose weights are `edit`ed before saving, and returns the load error.
std::string load_error(const std::function<void(std::map<std::string, torch::Tensor>&, Json&)>& edit) {
  TempDir dir;
  TinyModel m;
  auto config = sl::test::tiny_config(m);
  auto weights = random_weights(config, 1);
  Json config_json = config.to_json();
  edit(weights, config_json);
  save_safetensors(dir / "model.safetensors", {weights.begin(), weights.end()});
  files::write_atomic(dir / "config.json", config_json.dump());
  try {
    load_causal_lm(dir.path(), kCpu);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Checkpoint, MismatchedWeightsAreClearErrors) {
  EXPECT_NE(load_error([](auto& w, auto&) {
              w.erase("model.layers.1.mlp.up_proj.weight");
            }).find("weight \"model.layers.1.mlp.up_proj.weight\" is missing (expected shape [48, 32])"),
            std::string::npos);
  EXPECT_NE(
      load_error([](auto& w, auto&) {
        w["model.layers.0.self_attn.k_proj.weight"] = torch::zeros({8, 32});
      }).find("tensor \"model.layers.0.self_attn.k_proj.weight\" has shape [8, 32] but config.json implies [16, 32]"),
      std::string::npos);
  EXPECT_NE(load_error([](auto& w, auto&) {
              w["model.layers.7.extra.weight"] = torch::zeros({2});
            }).find("unexpected weight(s) for this config: \"model.layers.7.extra.weight\""),
            std::string::npos);
  EXPECT_NE(load_error([](auto&, auto& c) { c["num_hidden_layers"] = 1; }).find("unexpected weight(s)"),
            std::string::npos);
  EXPECT_NE(
      load_error([](auto&, auto& c) {
        c["architectures"] = Json::array({"GPT2LMHeadModel"});
      }).find("architecture \"GPT2LMHeadModel\" is not supported (supported: Qwen2ForCausalLM, LlamaForCausalLM)"),
      std::string::npos);
  EXPECT_NE(load_error([](auto&, auto& c) { c["tie_word_embeddings"] = false; }).find("lm_head.weight"),
            std::string::npos);
  // Harmless extras some exports carry are accepted.
  EXPECT_EQ(load_error([](auto& w, auto&) { w["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch::zeros({4}); }),
            "(no error)");
}

TEST(Checkpoint, UnsupportedWeightDtypeIsAClearError) {
  TempDir dir;
  TinyModel m;
  const auto config = sl::test::tiny_config(m);
  auto weights = random_weights(config, 1);
  std::vector<torch::Tensor> keep;
  std::vector<TensorBytes> tensors;
  for (const auto& [name, t] : weights) {
    const bool f64 = name == "model.norm.weight";
    keep.push_back(t.to(f64 ? torch::kFloat64 : torch::kFloat32).contiguous());
    tensors.push_back(
        {name,
         f64 ? DType::F64 : DType::F32,
         std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
         {static_cast<const std::byte*>(keep.back().data_ptr()), static_cast<std::size_t>(keep.back().nbytes())}});
  }
  write_safetensors(dir / "model.safetensors", tensors);
  files::write_atomic(dir / "config.json", config.to_json().dump());
  try {
    load_causal_lm(dir.path(), kCpu);
    ADD_FAILURE() << "F64 weights accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor \"model.norm.weight\": dtype F64 is not supported"), std::string::npos)
        << e.what();
  }
}

TEST(Checkpoint, MissingFilesAreClearErrors) {
  TempDir dir;
  auto error = [&](const fs::path& p) -> std::string {
    try {
      load_causal_lm(p, kCpu);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "(no error)";
  };
  fs::create_directories(dir / "empty");
  EXPECT_NE(error(dir / "empty").find("config.json is missing"), std::string::npos);
  sl::test::write_tiny_checkpoint(dir / "noweights");
  fs::remove(dir / "noweights" / "model.safetensors");
  EXPECT_NE(error(dir / "noweights").find("no model.safetensors or model.safetensors.index.json"), std::string::npos);
}

}  // namespace
}  // namespace sl::local
