#include "sl/local/runtime/train/lm_head_loss_torch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sl::local {

namespace {

// Logits per chunk: 1M values (4 MB in float32) on the CPU, as the fused path; 64M on a GPU,
// where a chunk must be large enough to keep it busy (a few hundred rows of a 150k vocabulary).
std::int64_t chunk_rows(std::int64_t vocab, const torch::Device& device) {
  const std::int64_t values = device.is_cpu() ? std::int64_t{1} << 20 : std::int64_t{1} << 26;
  return std::clamp<std::int64_t>(values / vocab, 16, 65536);
}

torch::Tensor to_device(const std::vector<std::int64_t>& v, const torch::Device& device) {
  return torch::tensor(v, torch::TensorOptions().dtype(torch::kInt64)).to(device);
}

// The teacher's entries of rows [r0, r0 + n) restricted to the allowed ids and renormalised (in
// double, as the fused kernel: top-k log-probabilities may be tiny): local row, id and p of each
// entry with p > 0, the sum of p log p over them, and the rows with no allowed entry.
struct TeacherChunk {
  std::vector<std::int64_t> row, id, empty;
  std::vector<double> p;
  double plogp = 0;
};

TeacherChunk teacher_chunk(const LossTargets& t, std::int64_t r0, std::int64_t n, const std::vector<bool>& allowed) {
  TeacherChunk c;
  for (std::int64_t r = 0; r < n; ++r) {
    const std::int64_t begin = t.offsets[r0 + r], end = t.offsets[r0 + r + 1];
    double z = 0;
    for (std::int64_t k = begin; k < end; ++k)
      if (allowed.empty() || allowed[static_cast<std::size_t>(t.ids[k])])
        z += std::exp(static_cast<double>(t.logprobs[k]));
    if (!(z > 0)) {
      c.empty.push_back(r);
      continue;
    }
    for (std::int64_t k = begin; k < end; ++k) {
      if (!allowed.empty() && !allowed[static_cast<std::size_t>(t.ids[k])]) continue;
      const double pk = std::exp(static_cast<double>(t.logprobs[k])) / z;
      if (!(pk > 0)) continue;
      c.row.push_back(r);
      c.id.push_back(t.ids[k]);
      c.p.push_back(pk);
      c.plogp += pk * std::log(pk);
    }
  }
  return c;
}

}  // namespace

LossSums lm_head_loss_torch(const torch::Tensor& h, const torch::Tensor& head, const LossTargets& targets,
                            const torch::Tensor& allowed, double scale, torch::Tensor& dh,
                            const torch::Tensor& head_grad) {
  torch::NoGradGuard no_grad;
  const auto device = h.device();
  const std::int64_t rows = h.size(0), vocab = head.size(0);
  const auto x = h.contiguous();
  const auto w = head.detach();
  dh = torch::empty_like(x);
  std::vector<bool> allowed_host;
  if (allowed.defined() && targets.soft()) {
    const auto mask = allowed.to(torch::kCPU).contiguous();
    allowed_host.assign(mask.data_ptr<bool>(), mask.data_ptr<bool>() + mask.numel());
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  auto total = torch::zeros({}, f64);  // device-side sum of the rows' losses (one read at the end)
  double host_total = 0;
  LossSums sums;
  const std::int64_t chunk = chunk_rows(vocab, device);
  for (std::int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const std::int64_t n = std::min(chunk, rows - r0);
    auto hc = x.narrow(0, r0, n);
    auto logits = torch::mm(hc, w.t()).to(torch::kFloat32);  // [n, vocab], float32 statistics from here
    torch::Tensor g;                                         // scale * d loss / d logits
    if (targets.soft()) {
      const TeacherChunk c = teacher_chunk(targets, r0, n, allowed_host);
      sums.empty_rows += static_cast<std::int64_t>(c.empty.size());
      // Student: softmax over the allowed ids (exp(-inf) = 0 elsewhere).
      auto masked = allowed.defined()
                        ? logits.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity())
                        : logits;
      auto lse = masked.logsumexp(1, /*keepdim=*/true);  // [n, 1]
      g = (masked - lse).exp_().mul_(scale);
      if (!c.row.empty()) {
        const auto row = to_device(c.row, device), id = to_device(c.id, device);
        const auto p = torch::tensor(c.p, torch::kFloat64).to(device);
        // loss = sum p (log p - log q) = sum p log p - sum p (logit - lse)
        const auto log_q =
            logits.index({row, id}).to(torch::kFloat64) - lse.squeeze(1).index_select(0, row).to(torch::kFloat64);
        total -= (p * log_q).sum();
        host_total += c.plogp;
        g.index_put_({row, id}, (p * -scale).to(torch::kFloat32), /*accumulate=*/true);  // q - p
      }
      if (!c.empty.empty()) g.index_fill_(0, to_device(c.empty, device), 0.0);
    } else {
      const auto target =
          torch::from_blob(const_cast<std::int64_t*>(targets.token.data()) + r0, {n, 1}, torch::kInt64).to(device);
      auto lse = logits.logsumexp(1, /*keepdim=*/true);  // [n, 1]
      total += (lse - logits.gather(1, target)).sum(torch::kFloat64);
      g = (logits - lse).exp_().mul_(scale);  // softmax - onehot
      g.scatter_add_(1, target, torch::full({n, 1}, -scale, g.options()));
    }
    dh.narrow(0, r0, n).copy_(torch::mm(g.to(w.scalar_type()), w));
    if (head_grad.defined()) head_grad.addmm_(g.t().to(head_grad.scalar_type()), hc.to(head_grad.scalar_type()));
  }
  sums.loss = total.item<double>() + host_total;
  return sums;
}

}  // namespace sl::local
