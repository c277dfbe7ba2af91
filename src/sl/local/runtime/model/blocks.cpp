#include "sl/local/runtime/model/blocks.hpp"

#include <cmath>

#include "sl/local/runtime/kernels/cpu_kernels.hpp"

namespace sl::local {

torch::Tensor Projection::operator()(const torch::Tensor& x, std::span<const AdapterRows> rows) const {
  torch::Tensor y;
  if (use_cpu_kernels(x) && x.size(0) == 1) {
    // One row: a matrix-vector product. BLAS gemm pays its packing costs even for one row
    // (about 5x slower here for a 256x256 weight, 2x for the LM head).
    auto xv = x.view({x.size(1)});
    y = (bias.defined() ? torch::addmv(bias, weight, xv) : torch::mv(weight, xv)).view({1, weight.size(0)});
  } else {
    y = torch::linear(x, weight, bias);
  }
  for (const auto& r : rows) {
    if (r.adapter <= 0 || static_cast<std::size_t>(r.adapter) > adapters.size()) continue;
    const LoraDelta& d = adapters[r.adapter - 1];
    if (!d.defined()) continue;
    auto xs = x.narrow(0, r.begin, r.end - r.begin);
    // Trained adapters are float32 over bfloat16 base weights (CUDA): the delta is computed in
    // the adapter's dtype and added in the layer's, as PEFT does.
    if (xs.scalar_type() != d.a.scalar_type()) xs = xs.to(d.a.scalar_type());
    if (d.dropout > 0 && torch::GradMode::is_enabled()) xs = torch::dropout(xs, d.dropout, /*train=*/true);
    y.narrow(0, r.begin, r.end - r.begin).add_(torch::linear(torch::linear(xs, d.a), d.b), d.scale);
  }
  return y;
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  if (use_cpu_kernels(x) && x.dim() == 2 && x.is_contiguous() && weight.is_contiguous() &&
      weight.scalar_type() == torch::kFloat32) {
    auto y = torch::empty_like(x);
    cpu::rms_norm(x.data_ptr<float>(), weight.data_ptr<float>(), y.data_ptr<float>(), x.size(0), x.size(1),
                  static_cast<float>(eps));
    return y;
  }
  auto h = x.to(torch::kFloat32);
  h = h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * h.to(x.scalar_type());
}

torch::Tensor rope_inverse_frequencies(std::int64_t head_dim, double theta) {
  auto exponents = torch::arange(0, head_dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(head_dim);
  return 1.0 / torch::pow(torch::tensor(theta, torch::kFloat32), exponents);
}

torch::Tensor llama3_scaled_frequencies(const torch::Tensor& inv_freq, const Llama3RopeScaling& s) {
  // Wavelengths longer than the original context / low_freq_factor are stretched by `factor`,
  // shorter than context / high_freq_factor kept, and those between blended smoothly.
  const double old_context = static_cast<double>(s.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / s.low_freq_factor;
  const double high_freq_wavelen = old_context / s.high_freq_factor;
  auto wavelen = 2 * M_PI / inv_freq;
  auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);
  auto smooth = (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  auto medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return torch::where(medium, smoothed, scaled);
}

RotaryTables rotary_tables(const torch::Tensor& inv_freq, const torch::Tensor& positions, torch::ScalarType dtype) {
  auto freqs = positions.to(torch::kFloat32).unsqueeze(1) * inv_freq.unsqueeze(0);  // [N, d/2], float32
  return {freqs.cos().to(dtype), freqs.sin().to(dtype)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& rope) {
  const std::int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto cos = rope.cos.unsqueeze(1);  // [N, 1, d/2]
  auto sin = rope.sin.unsqueeze(1);
  return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

torch::Tensor self_attention(const torch::Tensor& x, const AttentionWeights& w, const RotaryTables& rope,
                             const ModelConfig& config, std::int64_t layer, const ForwardBatch& batch) {
  const auto& rows = batch.adapter_rows();
  const std::int64_t n = x.size(0);
  auto q = w.q_proj(x, rows).view({n, config.num_attention_heads, config.head_dim});  // [N, heads, d]
  auto k = w.k_proj(x, rows).view({n, config.num_key_value_heads, config.head_dim});  // [N, kv_heads, d]
  auto v = w.v_proj(x, rows).view({n, config.num_key_value_heads, config.head_dim});  // [N, kv_heads, d]
  if (use_cpu_kernels(q) && q.is_contiguous() && k.is_contiguous() && rope.cos.is_contiguous()) {
    // q and k are fresh outputs of their projections: rotate them in place.
    const auto d = config.head_dim;
    cpu::rotary(q.data_ptr<float>(), n, q.size(1) * d, q.size(1), d, rope.cos.data_ptr<float>(),
                rope.sin.data_ptr<float>());
    cpu::rotary(k.data_ptr<float>(), n, k.size(1) * d, k.size(1), d, rope.cos.data_ptr<float>(),
                rope.sin.data_ptr<float>());
  } else {
    q = apply_rotary(q, rope);
    k = apply_rotary(k, rope);
  }
  auto out = batch.attend(q, k, v, layer);  // [N, heads * d]
  return w.o_proj(out, rows);               // [N, hidden]
}

torch::Tensor swiglu_mlp(const torch::Tensor& x, const MlpWeights& w, const ForwardBatch& batch) {
  const auto& rows = batch.adapter_rows();
  auto gate = w.gate_proj(x, rows);
  auto up = w.up_proj(x, rows);
  if (use_cpu_kernels(gate) && gate.is_contiguous() && up.is_contiguous()) {
    cpu::silu_mul(gate.data_ptr<float>(), up.data_ptr<float>(), gate.data_ptr<float>(), gate.numel());
    return w.down_proj(gate, rows);
  }
  return w.down_proj(torch::silu(gate) * up, rows);
}

}  // namespace sl::local
