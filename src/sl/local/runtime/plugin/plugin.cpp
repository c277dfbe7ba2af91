// The runtime plugin's entry point: the one symbol libsl_local_runtime.so exports.
#include "sl/local/runtime/plugin/plugin.hpp"

#include <torch/torch.h>

#include "sl/core/error.hpp"
#include "sl/local/runtime/distributed/c10d_group.hpp"
#include "sl/local/runtime/generate/local_engine.hpp"
#include "sl/local/runtime/train/trainer.hpp"

namespace sl::local {
namespace {

class TorchRuntimePlugin final : public RuntimePlugin {
 public:
  int abi() const override { return kRuntimePluginAbi; }
  std::string describe() const override {
    return std::string("libtorch ") + TORCH_VERSION + " (CUDA: " + (torch::cuda::is_available() ? "yes" : "no") + ")";
  }
  std::unique_ptr<Engine> load_engine(const EngineOptions& options) const override {
    return load_local_engine(options);
  }
  TrainingResult train(const TrainingJob& job, const std::vector<TrainingExample>& examples,
                       const TrainingHooks& hooks) const override {
    return train_model(job, examples, hooks);
  }
  std::unique_ptr<ProcessGroup> join_process_group(const LaunchEnv& env) const override {
    try {
      return std::make_unique<C10dGroup>(env);
    } catch (const c10::Error& e) {
      throw Error(std::string("distributed: ") + e.what_without_backtrace());
    }
  }
};

}  // namespace
}  // namespace sl::local

extern "C" __attribute__((visibility("default"))) sl::local::RuntimePlugin* sl_local_runtime_plugin() {
  static sl::local::TorchRuntimePlugin plugin;
  return &plugin;
}
