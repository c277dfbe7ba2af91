// Data-parallel gradients: the gradients of the trained tensors live in a few flat float32
// buckets (each CPU tensor's .grad is a view into its bucket, as DistributedDataParallel's
// gradient_as_bucket_view; a GPU tensor's is copied in and out, since Gloo sums CPU buffers and
// this libtorch has no NCCL), and after the backward passes of a step each bucket is summed over
// the ranks with one Gloo all-reduce, all buckets in flight at once. Buckets hold tensors in
// reverse order of the list given (roughly the order backward finishes them, as DDP's) and about
// `bucket_bytes` each (DDP's default 25 MiB).
//
// The sum is what the step needs: every rank weighs each of its loss tokens by 1 / (the loss
// tokens of the whole global batch), so the summed gradient is the gradient of the global
// batch's mean loss, the same as one process computing the whole batch.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <vector>

#include "sl/local/runtime/distributed/c10d_group.hpp"

namespace sl::local {

class GradientBuckets {
 public:
  // `params` are leaf tensors with their .grad allocated (contiguous float32); their gradients
  // are moved into the buckets (values kept).
  GradientBuckets(C10dGroup& group, const std::vector<torch::Tensor>& params,
                  std::size_t bucket_bytes = std::size_t{25} << 20);

  // Sums every gradient over the ranks, in place. `extra` (a few float64 values, e.g. the
  // step's loss sum) is summed in the same round. Returns the seconds spent (for logs and the
  // benchmark).
  double sum(torch::Tensor& extra);

  std::size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    torch::Tensor flat;
    std::vector<torch::Tensor> params;
    std::vector<torch::Tensor> views;
  };
  C10dGroup& group_;
  std::vector<Bucket> buckets_;
};

}  // namespace sl::local
