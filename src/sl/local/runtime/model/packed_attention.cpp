#include "sl/local/runtime/model/packed_attention.hpp"

#include <cmath>

#include "sl/local/runtime/kernels/packed_attention_kernels.hpp"

namespace sl::local {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

class PackedAttention : public torch::autograd::Function<PackedAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor q, torch::Tensor k, torch::Tensor v,
                               std::vector<std::int64_t> begins, std::vector<std::int64_t> lengths) {
    q = q.contiguous(), k = k.contiguous(), v = v.contiguous();
    const auto n = q.size(0), heads = q.size(1), d = q.size(2);
    auto out = torch::empty({n, heads, d}, q.options());
    auto lse = torch::empty({n, heads}, q.options());
    const train_kernels::AttentionShape shape{heads, k.size(1), d,
                                              static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)))};
    const train_kernels::PackedSequences seqs{begins.data(), lengths.data(), static_cast<std::int64_t>(begins.size())};
    train_kernels::packed_attention_forward(q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(),
                                            out.data_ptr<float>(), lse.data_ptr<float>(), seqs, shape);
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["begins"] = begins;
    ctx->saved_data["lengths"] = lengths;
    return out.view({n, heads * d});
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
    const auto begins = ctx->saved_data["begins"].toIntVector();
    const auto lengths = ctx->saved_data["lengths"].toIntVector();
    const auto dout = grads[0].contiguous();
    auto dq = torch::zeros_like(q), dk = torch::zeros_like(k), dv = torch::zeros_like(v);
    const train_kernels::AttentionShape shape{q.size(1), k.size(1), q.size(2),
                                              static_cast<float>(1.0 / std::sqrt(static_cast<double>(q.size(2))))};
    const train_kernels::PackedSequences seqs{begins.data(), lengths.data(), static_cast<std::int64_t>(begins.size())};
    train_kernels::packed_attention_backward(
        q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(), out.data_ptr<float>(), lse.data_ptr<float>(),
        dout.data_ptr<float>(), dq.data_ptr<float>(), dk.data_ptr<float>(), dv.data_ptr<float>(), seqs, shape);
    return {dq, dk, dv, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor packed_causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const std::vector<std::int64_t>& begins,
                                      const std::vector<std::int64_t>& lengths) {
  return PackedAttention::apply(q, k, v, begins, lengths);
}

}  // namespace sl::local
