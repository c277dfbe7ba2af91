#include "sl/local/runtime/generate/token_sampler.hpp"

#include <algorithm>
#include <cmath>

#include "sl/core/error.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/compute/torch_compat.hpp"
#include "sl/local/runtime/kernels/cpu_kernels.hpp"

namespace sl::local {

namespace {

std::uint64_t mix64(std::uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

torch::Tensor index_tensor(const std::vector<std::int64_t>& rows, const torch::Device& device) {
  return compat::upload(rows, torch::kInt64, device);
}

// Rows `rows` of x (all of x when rows covers it in order).
torch::Tensor take_rows(const torch::Tensor& x, const std::vector<std::int64_t>& rows) {
  if (static_cast<std::int64_t>(rows.size()) == x.size(0)) return x;
  return x.index_select(0, index_tensor(rows, x.device()));
}

// The token at cumulative probability `target` of a row read in order: the first token whose
// running sum exceeds it (zero-probability tokens are never chosen). Sums in double.
template <class Probability>
std::int64_t pick(std::int64_t n, double target, Probability&& p) {
  double acc = 0;
  std::int64_t last_nonzero = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double pi = p(i);
    if (pi <= 0) continue;
    acc += pi;
    last_nonzero = i;
    if (acc > target) return i;
  }
  return last_nonzero;  // rounding left target at the very end
}

}  // namespace

double uniform_draw(std::uint64_t seed, std::uint64_t step) {
  const std::uint64_t z = mix64(seed ^ 0x6A09E667F3BCC909ULL) + (step + 1) * 0x9E3779B97F4A7C15ULL;
  return static_cast<double>(mix64(z) >> 11) * 0x1.0p-53;
}

std::vector<TokenChoice> choose_tokens(const torch::Tensor& logits, std::span<const TokenChoiceParams> params) {
  const std::int64_t batch = logits.size(0), vocab = logits.size(1);
  if (static_cast<std::int64_t>(params.size()) != batch) throw Error("choose_tokens: one parameter set per row needed");
  const torch::Device device = logits.device();
  std::vector<TokenChoice> out(static_cast<std::size_t>(batch));
  std::vector<std::int64_t> greedy, plain, nucleus, with_logprobs;
  for (std::int64_t i = 0; i < batch; ++i) {
    const auto& p = params[i];
    if (p.temperature <= 0) greedy.push_back(i);
    else if (p.top_p < 1.0) nucleus.push_back(i);
    else plain.push_back(i);
    if (p.logprobs >= 0) with_logprobs.push_back(i);
  }

  // The chosen id of every row, kept on the logits' device so that the log-probabilities can be
  // gathered there: everything the host needs then comes back in one copy (one wait for the
  // device per step on an accelerator). Rows decided on the host are written into it.
  torch::Tensor chosen;
  std::vector<std::int64_t> host_rows, host_ids;
  auto set_rows = [&](const std::vector<std::int64_t>& rows, const torch::Tensor& ids) {
    if (static_cast<std::int64_t>(rows.size()) == batch) chosen = ids;
    else {
      if (!chosen.defined()) chosen = torch::zeros({batch}, torch::TensorOptions().dtype(torch::kInt64).device(device));
      chosen.index_put_({index_tensor(rows, device)}, ids);
    }
  };

  if (!greedy.empty()) set_rows(greedy, take_rows(logits, greedy).argmax(1));

  // Temperature-scaled probabilities of the sampled rows.
  auto probabilities = [&](const std::vector<std::int64_t>& rows) {
    std::vector<double> inv_t;
    for (auto r : rows) inv_t.push_back(1.0 / params[r].temperature);
    auto scale = compat::upload(inv_t, torch::kFloat32, device).unsqueeze(1);
    return torch::softmax(take_rows(logits, rows) * scale, 1);
  };

  if (!plain.empty()) {
    std::vector<double> u;
    std::vector<float> inv_t;
    for (auto r : plain) {
      u.push_back(uniform_draw(params[r].seed, params[r].step));
      inv_t.push_back(static_cast<float>(1.0 / params[r].temperature));
    }
    auto rows = take_rows(logits, plain).contiguous();
    if (use_cpu_kernels(rows)) {
      // One fused pass per row (max, exp and running sum) instead of softmax + cumsum.
      std::vector<std::int64_t> ids(plain.size());
      cpu::sample_rows(rows.data_ptr<float>(), static_cast<std::int64_t>(plain.size()), vocab, inv_t.data(), u.data(),
                       ids.data());
      host_rows.insert(host_rows.end(), plain.begin(), plain.end());
      host_ids.insert(host_ids.end(), ids.begin(), ids.end());
    } else {
      // Device-generic: cumulative sums and a binary search per row, on the device.
      auto cdf = probabilities(plain).cumsum(1);
      auto targets = compat::upload(u, torch::kFloat32, device).unsqueeze(1) * cdf.narrow(1, vocab - 1, 1);
      auto ids = torch::searchsorted(cdf, targets, /*out_int32=*/false, /*right=*/true).clamp_max(vocab - 1).squeeze(1);
      set_rows(plain, ids);
    }
  }

  if (!nucleus.empty()) {
    // The smallest set of most likely tokens whose mass reaches top_p. Usually a few hundred
    // candidates hold it; rows where they do not are sorted in full. Decided on the host.
    auto probs = probabilities(nucleus);
    const std::int64_t k0 = std::min<std::int64_t>(vocab, 256);
    auto [top_p_vals, top_p_ids] = probs.topk(k0, 1, /*largest=*/true, /*sorted=*/true);
    auto vals = top_p_vals.to(torch::kCPU).contiguous();
    auto ids = top_p_ids.to(torch::kCPU).contiguous();
    for (std::size_t j = 0; j < nucleus.size(); ++j) {
      const auto& p = params[nucleus[j]];
      torch::Tensor row_vals = vals[j], row_ids = ids[j];
      double mass = 0;
      std::int64_t keep = 0;
      auto v = row_vals.accessor<float, 1>();
      for (; keep < k0 && mass < p.top_p; ++keep) mass += v[keep];
      if (mass < p.top_p && k0 < vocab) {
        auto [sv, si] = probs[j].sort(0, /*descending=*/true);
        row_vals = sv.to(torch::kCPU).contiguous();
        row_ids = si.to(torch::kCPU).contiguous();
        auto all = row_vals.accessor<float, 1>();
        mass = 0;
        keep = 0;
        for (; keep < vocab && mass < p.top_p; ++keep) mass += all[keep];
      }
      auto kept = row_vals.accessor<float, 1>();
      const double target = uniform_draw(p.seed, p.step) * mass;
      const std::int64_t pos = pick(keep, target, [&](std::int64_t i) { return static_cast<double>(kept[i]); });
      host_rows.push_back(nucleus[j]);
      host_ids.push_back(row_ids.accessor<std::int64_t, 1>()[pos]);
    }
  }
  if (!host_rows.empty()) set_rows(host_rows, index_tensor(host_ids, device));

  // One tensor back to the host: the chosen ids, then per row with logprobs its chosen token's
  // log-probability, then the top k values and ids (float64 holds ids and float32 values exactly).
  std::vector<torch::Tensor> parts{chosen.to(torch::kFloat64)};
  std::int64_t k = 0;
  if (!with_logprobs.empty()) {
    auto logp = torch::log_softmax(take_rows(logits, with_logprobs), 1);
    for (auto r : with_logprobs) k = std::max<std::int64_t>(k, params[r].logprobs);
    k = std::min(k, vocab);
    parts.push_back(logp.gather(1, take_rows(chosen, with_logprobs).unsqueeze(1)).squeeze(1).to(torch::kFloat64));
    if (k > 0) {
      auto [tv, ti] = logp.topk(k, 1, true, true);
      parts.push_back(tv.reshape({-1}).to(torch::kFloat64));
      parts.push_back(ti.reshape({-1}).to(torch::kFloat64));
    }
  }
  const auto host = (parts.size() == 1 ? parts[0] : torch::cat(parts)).to(torch::kCPU).contiguous();
  const double* h = host.data_ptr<double>();
  for (std::int64_t i = 0; i < batch; ++i) out[i].token = static_cast<std::int32_t>(h[i]);
  const auto n = static_cast<std::int64_t>(with_logprobs.size());
  const double* chosen_lp = h + batch;
  const double* top_vals = chosen_lp + n;
  const double* top_ids = top_vals + n * k;
  for (std::int64_t j = 0; j < n; ++j) {
    auto& o = out[with_logprobs[j]];
    o.logprob = static_cast<float>(chosen_lp[j]);
    const std::int64_t kj = std::min<std::int64_t>(params[with_logprobs[j]].logprobs, vocab);
    for (std::int64_t t = 0; t < kj; ++t)
      o.top.emplace_back(static_cast<std::int32_t>(top_ids[j * k + t]), static_cast<float>(top_vals[j * k + t]));
  }
  return out;
}

}  // namespace sl::local
