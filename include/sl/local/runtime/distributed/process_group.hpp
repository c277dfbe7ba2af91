// The processes of one distributed run, as torch-free executables see them: the runtime plugin
// joins torch.distributed's process group (c10d: a TCPStore rendezvous at MASTER_ADDR:MASTER_PORT
// and a Gloo process group; RuntimePlugin::join_process_group) and hands back this interface.
//
// Every call is collective: each rank makes the same calls in the same order. A rank that died
// (its connections close) or that does not arrive within LaunchEnv::timeout makes the call throw
// sl::Error on the others, naming what they were doing, so no rank hangs.
#pragma once

#include <string>

namespace sl::local {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;

  // Returns once every rank has reached it. `what` names the point for errors ("sampling").
  virtual void barrier(const std::string& what) = 0;

  // Runs the same check on every rank: `failure` is this rank's error message ("" = none). When
  // any rank failed, every rank throws (sl::UsageError when `usage`, else sl::Error) with the
  // message of the lowest failing rank, so that all of them stop with the same one-line reason.
  virtual void agree(const std::string& what, const std::string& failure, bool usage) = 0;
};

}  // namespace sl::local
