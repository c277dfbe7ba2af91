// The variables every launcher sets for the processes of one distributed run (torchrun,
// tools/launch, the Slurm and SkyPilot recipes in deploy/): RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, plus SL_DIST_TIMEOUT (seconds) for how long a
// rank waits for the others at the rendezvous and at each collective before it gives up.
//
// Torch-free: the executables read it to decide whether they are one of several processes; the
// runtime plugin joins the process group it describes (process_group.hpp).
#pragma once

#include <chrono>
#include <string>

namespace sl::local {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;  // torch's default
  // torch.distributed's default for Gloo (30 minutes). Bounds the rendezvous, every collective
  // and the barrier where ranks wait for the slowest one; a rank that dies is noticed at once
  // (its connections close), a rank that hangs after this long.
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};

  bool distributed() const { return world_size > 1; }
  bool is_root() const { return rank == 0; }
  // "rank 1 of 2"
  std::string describe() const;
};

// Reads the launcher's variables. Without WORLD_SIZE (or with 1) the run is one process and the
// others are not required; with WORLD_SIZE > 1, RANK, MASTER_ADDR and MASTER_PORT must be set.
// A malformed or inconsistent value is an sl::UsageError naming the variable.
LaunchEnv launch_env();

}  // namespace sl::local
