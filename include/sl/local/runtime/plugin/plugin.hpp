// The runtime plugin's interface: what the shared library sl_local_runtime exports.
//
// Linking libtorch costs ~160 MB of RSS and ~0.9 s of start-up even when unused, so tools that
// only talk HTTP must not link it. The runtime is therefore a shared library that executables
// load on demand (loader.hpp); this header is all they see of it, and it is torch-free.
//
// Compatibility: the plugin and the executable must come from the same build (same compiler,
// same headers). kRuntimePluginAbi is bumped whenever this interface or the types it passes
// change; the loader refuses a plugin with another number instead of crashing.
#pragma once

#include <memory>
#include <string>

#include "sl/local/runtime/distributed/launch_env.hpp"
#include "sl/local/runtime/distributed/process_group.hpp"
#include "sl/local/runtime/generate/engine.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

inline constexpr int kRuntimePluginAbi = 3;  // 2: train(); 3: join_process_group(), TrainingJob::launch
// The one symbol the plugin exports (extern "C", returns RuntimePlugin*).
inline constexpr const char* kRuntimePluginEntry = "sl_local_runtime_plugin";

class RuntimePlugin {
 public:
  virtual int abi() const = 0;
  // "libtorch 1.13.1 (CUDA: no)": for logs and --version output.
  virtual std::string describe() const = 0;
  // Resolves the model id, reads and validates the checkpoint, puts it on the device.
  // Throws sl::UsageError for bad or missing files, sl::Error for runtime failures.
  virtual std::unique_ptr<Engine> load_engine(const EngineOptions& options) const = 0;
  // Trains (LoRA, full, or from random weights) and writes the result (training.hpp). Bad jobs
  // or examples are sl::UsageErrors naming what is wrong, before any step runs.
  virtual TrainingResult train(const TrainingJob& job, const std::vector<TrainingExample>& examples,
                               const TrainingHooks& hooks) const = 0;
  // Joins torch.distributed's process group of the run `env` describes (every rank must call it;
  // sl::Error when the rendezvous fails, naming the address and the reason).
  virtual std::unique_ptr<ProcessGroup> join_process_group(const LaunchEnv& env) const = 0;

 protected:
  ~RuntimePlugin() = default;  // owned by the plugin, lives as long as the process
};

}  // namespace sl::local

extern "C" {
// Signature of the entry point named by kRuntimePluginEntry.
using SlLocalRuntimePluginEntry = sl::local::RuntimePlugin* (*)();
}
