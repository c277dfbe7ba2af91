#include "batched_mlp.hpp"

#include <cmath>

namespace sl::mnist {

MlpParams MlpParams::clone() const {
  MlpParams out;
  auto dst = out.tensors();
  auto src = tensors();
  for (std::size_t i = 0; i < dst.size(); ++i) *dst[i] = src[i]->clone();
  return out;
}

MlpParams MlpParams::zeros_like() const {
  MlpParams out;
  auto dst = out.tensors();
  auto src = tensors();
  for (std::size_t i = 0; i < dst.size(); ++i) *dst[i] = torch::zeros_like(*src[i]);
  return out;
}

MlpParams MlpParams::select_models(const torch::Tensor& index) const {
  MlpParams out;
  auto dst = out.tensors();
  auto src = tensors();
  const auto idx = index.to(w1.device());
  for (std::size_t i = 0; i < dst.size(); ++i) *dst[i] = src[i]->index_select(0, idx);
  return out;
}

MlpParams MlpParams::concat(const std::vector<MlpParams>& parts) {
  MlpParams out;
  auto dst = out.tensors();
  for (std::size_t i = 0; i < dst.size(); ++i) {
    std::vector<torch::Tensor> pieces;
    for (const auto& p : parts) pieces.push_back(*p.tensors()[i]);
    *dst[i] = torch::cat(pieces, 0);
  }
  return out;
}

MlpParams init_mlp(int64_t n_models, int64_t inputs, int64_t hidden, int64_t outputs, torch::Generator& generator,
                   torch::Device device) {
  auto weight = [&](int64_t out, int64_t in) {
    auto w = torch::empty({n_models, out, in}, torch::kFloat32);
    w.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(in)), generator);  // variance 1/fan_in
    return w.to(device);
  };
  auto bias = [&](int64_t out) {
    return torch::zeros({n_models, out}, torch::TensorOptions(torch::kFloat32).device(device));
  };
  MlpParams p;
  p.w1 = weight(hidden, inputs);
  p.b1 = bias(hidden);
  p.w2 = weight(hidden, hidden);
  p.b2 = bias(hidden);
  p.w3 = weight(outputs, hidden);
  p.b3 = bias(outputs);
  return p;
}

BatchedMlp::Buffers& BatchedMlp::buffers_for(int64_t batch) {
  auto it = buffers_.find(batch);
  if (it != buffers_.end()) return it->second;
  const auto opts = p_.w1.options();
  const int64_t n = p_.n_models(), h = p_.hidden(), k = p_.outputs();
  Buffers b;
  b.a1 = torch::empty({n, batch, h}, opts);
  b.a2 = torch::empty({n, batch, h}, opts);
  b.z = torch::empty({n, batch, k}, opts);
  b.d1 = torch::empty({n, batch, h}, opts);
  b.d2 = torch::empty({n, batch, h}, opts);
  return buffers_.emplace(batch, std::move(b)).first->second;
}

const torch::Tensor& BatchedMlp::forward(const torch::Tensor& x) {
  const int64_t n = p_.n_models(), batch = x.size(1);
  Buffers& b = buffers_for(batch);
  last_ = &b;
  x_ = x;
  // Each layer: out[m] = bias[m] + in[m] @ W[m]^T, one BLAS gemm per model. The bias enters as
  // the gemm's C operand (beta = 1) instead of a separate pass over the output.
  at::baddbmm_out(b.a1, p_.b1.unsqueeze(1).expand({n, batch, p_.hidden()}), x, p_.w1.transpose(1, 2));
  at::relu_(b.a1);  // [N, B, H]
  at::baddbmm_out(b.a2, p_.b2.unsqueeze(1).expand({n, batch, p_.hidden()}), b.a1, p_.w2.transpose(1, 2));
  at::relu_(b.a2);  // [N, B, H]
  at::baddbmm_out(b.z, p_.b3.unsqueeze(1).expand({n, batch, p_.outputs()}), b.a2, p_.w3.transpose(1, 2));
  return b.z;  // [N, B, K]
}

void BatchedMlp::backward(const torch::Tensor& dz, MlpParams& g) {
  Buffers& b = *last_;
  // Layer 3: z = a2 W3^T + b3.
  at::bmm_out(g.w3, dz.transpose(1, 2), b.a2);  // [N, K, B] @ [N, B, H] -> [N, K, H]
  at::sum_out(g.b3, dz, {1});
  at::bmm_out(b.d2, dz, p_.w3);                     // [N, B, K] @ [N, K, H] -> [N, B, H]
  at::threshold_backward_out(b.d2, b.d2, b.a2, 0);  // ReLU: zero where the unit was off
  // Layer 2: a2 = relu(a1 W2^T + b2).
  at::bmm_out(g.w2, b.d2.transpose(1, 2), b.a1);  // [N, H, B] @ [N, B, H] -> [N, H, H]
  at::sum_out(g.b2, b.d2, {1});
  at::bmm_out(b.d1, b.d2, p_.w2);  // [N, B, H] @ [N, H, H] -> [N, B, H]
  at::threshold_backward_out(b.d1, b.d1, b.a1, 0);
  // Layer 1: a1 = relu(x W1^T + b1); no gradient for x.
  at::bmm_out(g.w1, b.d1.transpose(1, 2), x_);  // [N, H, B] @ [N, B, in] -> [N, H, in]
  at::sum_out(g.b1, b.d1, {1});
}

}  // namespace sl::mnist
