// The building blocks decoder-only transformers share (Qwen2, Llama): projections that accept
// unmerged LoRA adapters, RMSNorm, rotary position embeddings, grouped-query self-attention
// and the SwiGLU MLP. Each architecture file wires them up as its reference implementation does.
//
// Every block works on packed rows [N, hidden] (see attention.hpp) and runs under autograd as
// well as under InferenceMode, so the same code serves sampling and training.
#pragma once

#include <torch/torch.h>

#include <span>
#include <vector>

#include "sl/local/runtime/model/attention.hpp"
#include "sl/local/runtime/model/model_config.hpp"

namespace sl::local {

// Low-rank delta of one projection: W x + scale * B (A x). A: [r, in], B: [out, r].
struct LoraDelta {
  torch::Tensor a;
  torch::Tensor b;
  double scale = 1.0;
  // Training only (PEFT's lora_dropout, on the adapter's input): applied while autograd records.
  double dropout = 0.0;
  bool defined() const { return a.defined(); }
};

// y = x W^T (+ bias), plus the LoRA delta of the adapter each row asks for. adapters[k - 1]
// belongs to adapter k; an undefined entry means adapter k leaves this projection alone.
struct Projection {
  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out] or undefined
  std::vector<LoraDelta> adapters;

  torch::Tensor operator()(const torch::Tensor& x, std::span<const AdapterRows> rows) const;
  std::int64_t out_features() const { return weight.size(0); }
  std::int64_t in_features() const { return weight.size(1); }
};

// x / sqrt(mean(x^2) + eps) * weight, with the statistics in float32 (as transformers does).
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// RoPE inverse frequencies 1 / theta^(2i / head_dim), i < head_dim / 2 (float32, as transformers).
torch::Tensor rope_inverse_frequencies(std::int64_t head_dim, double theta);
// Llama 3.1's rescaling of them (rope_scaling type "llama3").
torch::Tensor llama3_scaled_frequencies(const torch::Tensor& inv_freq, const Llama3RopeScaling& scaling);

// cos and sin of position * inv_freq: [N, head_dim / 2] each, in the compute dtype.
struct RotaryTables {
  torch::Tensor cos, sin;
};
RotaryTables rotary_tables(const torch::Tensor& inv_freq, const torch::Tensor& positions, torch::ScalarType dtype);
// Rotates x [N, heads, head_dim] (the "rotate_half" layout: pairs (i, i + head_dim / 2)).
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& rope);

struct AttentionWeights {
  Projection q_proj, k_proj, v_proj, o_proj;
};

struct MlpWeights {
  Projection gate_proj, up_proj, down_proj;
};

// q/k/v projections, RoPE, causal grouped-query attention (cache-aware), output projection.
// x: [N, hidden] -> [N, hidden].
torch::Tensor self_attention(const torch::Tensor& x, const AttentionWeights& w, const RotaryTables& rope,
                             const ModelConfig& config, std::int64_t layer, const ForwardBatch& batch);

// down(silu(gate(x)) * up(x)). x: [N, hidden] -> [N, hidden].
torch::Tensor swiglu_mlp(const torch::Tensor& x, const MlpWeights& w, const ForwardBatch& batch);

}  // namespace sl::local
