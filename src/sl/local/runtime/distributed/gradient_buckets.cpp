#include "sl/local/runtime/distributed/gradient_buckets.hpp"

#include <chrono>

#include "sl/core/error.hpp"

namespace sl::local {

GradientBuckets::GradientBuckets(C10dGroup& group, const std::vector<torch::Tensor>& params, std::size_t bucket_bytes)
    : group_(group) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> groups;
  std::size_t bytes = bucket_bytes;  // start a new bucket at the first tensor
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const auto size = static_cast<std::size_t>(it->numel()) * sizeof(float);
    if (it->scalar_type() != torch::kFloat32 || !it->is_contiguous())
      throw Error("data-parallel training sums gradients of contiguous float32 tensors");
    if (bytes + size > bucket_bytes && bytes > 0) groups.emplace_back(), bytes = 0;
    groups.back().push_back(*it);
    bytes += size;
  }
  for (auto& g : groups) {
    std::int64_t n = 0;
    for (auto& p : g) n += p.numel();
    Bucket b;
    b.flat = torch::zeros({n}, torch::kFloat32);
    std::int64_t offset = 0;
    for (auto& p : g) {
      auto view = b.flat.narrow(0, offset, p.numel()).view(p.sizes());
      if (p.grad().defined()) view.copy_(p.grad());
      // CPU tensors: the gradient lives in the bucket. Others (a GPU): Gloo sums CPU buffers,
      // so the gradient is copied in and out around the all-reduce.
      if (p.device().is_cpu()) p.mutable_grad() = view;
      b.params.push_back(p);
      b.views.push_back(view);
      offset += p.numel();
    }
    buckets_.push_back(std::move(b));
  }
}

double GradientBuckets::sum(torch::Tensor& extra) {
  const auto t0 = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  // Autograd accumulates into an existing .grad in place, so the views normally still hold the
  // gradients; a gradient that was replaced by a new tensor is copied back in.
  for (auto& b : buckets_) {
    for (std::size_t i = 0; i < b.params.size(); ++i) {
      auto& p = b.params[i];
      if (!p.grad().defined() || p.grad().data_ptr() != b.views[i].data_ptr()) {
        if (p.grad().defined()) b.views[i].copy_(p.grad());
        else b.views[i].zero_();
        if (p.device().is_cpu()) p.mutable_grad() = b.views[i];
      }
    }
  }
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  works.reserve(buckets_.size() + 1);
  for (auto& b : buckets_) works.push_back(group_.start_sum(b.flat));
  works.push_back(group_.start_sum(extra));
  for (auto& w : works) group_.wait(w, "summing the gradients over the ranks");
  for (auto& b : buckets_)
    for (std::size_t i = 0; i < b.params.size(); ++i)
      if (!b.params[i].device().is_cpu()) b.params[i].mutable_grad().copy_(b.views[i]);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace sl::local
