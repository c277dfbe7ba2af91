// generate_dataset and run_evaluation as ranks of a distributed run (docs/distributed.md): under
// WORLD_SIZE > 1 each rank samples its share of the requests (index % world == rank) into its
// own shard journal, the ranks wait for each other, and rank 0 merges the shard journals and
// writes the final files from them: byte for byte those of a one-process run, since every
// request is sampled with its own seed whatever else shares the batch.
//
// The ranks meet through torch.distributed's process group (c10d TCPStore + Gloo), which the
// runtime plugin joins (RuntimePlugin::join_process_group): the executables stay torch-free, and
// a sharded run only exists for local models, which load the plugin anyway. A rank that dies
// leaves its journal; the others stop with an error naming the step, and a rerun of the same
// command samples only what is missing.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sl/core/journal_session.hpp"
#include "sl/llm/data_models.hpp"
#include "sl/local/runtime/distributed/launch_env.hpp"
#include "sl/local/runtime/distributed/process_group.hpp"

namespace sl::llm {

class ShardedRun {
 public:
  // Reads the launcher's variables; with WORLD_SIZE > 1 joins the process group (every rank must).
  // `model` is what the run samples: sharding needs a local ("open_source") model (sl::UsageError
  // otherwise: one process serves API models, with --concurrency).
  static ShardedRun join(const Model& model, const std::string& tool);

  bool distributed() const { return group_ != nullptr; }
  bool is_root() const { return env_.is_root(); }
  // The share of this rank ({0, 1} for a one-process run).
  Shard shard() const { return {static_cast<std::size_t>(env_.rank), static_cast<std::size_t>(env_.world_size)}; }

  // Runs `step` on this rank, then waits for every rank; when it failed on any rank (an error,
  // or Ctrl-C), every rank throws that rank's error. One process: just runs `step`.
  void on_every_rank(const std::string& what, const std::function<void()>& step);

 private:
  local::LaunchEnv env_;
  std::shared_ptr<local::ProcessGroup> group_;
};

}  // namespace sl::llm
