// torch.distributed's process group for the ranks of one run: a c10d TCPStore at
// MASTER_ADDR:MASTER_PORT (rank 0 serves it) for the rendezvous and small exchanges, and
// ProcessGroupGloo for tensors (CPU; Gloo's TCP transport). Both wait at most LaunchEnv::timeout.
//
// Errors are one line, naming this rank, what it was doing and the c10d/Gloo reason without its
// backtrace: the rendezvous (port in use, address unreachable, ranks missing after the timeout)
// and collectives (a rank died: "Connection reset by peer"; a rank hangs: timeout).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "sl/local/runtime/distributed/launch_env.hpp"
#include "sl/local/runtime/distributed/process_group.hpp"

namespace sl::local {

class C10dGroup final : public ProcessGroup {
 public:
  // Joins the run's process group: every rank must call it (sl::Error when the rendezvous fails).
  explicit C10dGroup(const LaunchEnv& env);
  ~C10dGroup() override;

  int rank() const override { return env_.rank; }
  int world_size() const override { return env_.world_size; }
  const LaunchEnv& env() const { return env_; }

  void barrier(const std::string& what) override;
  void agree(const std::string& what, const std::string& failure, bool usage) override;

  // Every rank's `value`, in rank order (a barrier, then through the store: for short strings).
  std::vector<std::string> all_gather(const std::string& what, const std::string& value);
  // True on every rank when `flag` is true on any.
  bool any(const std::string& what, bool flag);
  // Element-wise sums over the ranks, in place (float32 or float64 CPU tensors).
  c10::intrusive_ptr<c10d::Work> start_sum(torch::Tensor& tensor);
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what);
  // Rank 0's tensors on every rank (same shapes and types on all), in place.
  void broadcast_from_root(std::vector<torch::Tensor>& tensors, const std::string& what);

 private:
  [[noreturn]] void fail(const std::string& what, const std::exception& e) const;

  LaunchEnv env_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> gloo_;
  std::uint64_t exchanges_ = 0;  // numbers the store keys of all_gather
};

}  // namespace sl::local
