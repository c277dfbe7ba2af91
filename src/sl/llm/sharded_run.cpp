#include "sl/llm/sharded_run.hpp"

#include "sl/core/error.hpp"
#include "sl/local/runtime/plugin/loader.hpp"

namespace sl::llm {

ShardedRun ShardedRun::join(const Model& model, const std::string& tool) {
  ShardedRun run;
  run.env_ = local::launch_env();
  if (!run.env_.distributed()) return run;
  if (!model.is_open_source())
    throw UsageError(tool + " runs as several processes (WORLD_SIZE=" + std::to_string(run.env_.world_size) +
                     ") only for local (open_source) models; \"" + model.id +
                     "\" is an API model: run one process and raise --concurrency instead");
  run.group_ = local::runtime_plugin().join_process_group(run.env_);
  return run;
}

void ShardedRun::on_every_rank(const std::string& what, const std::function<void()>& step) {
  if (!group_) return step();
  std::string failure;
  bool usage = false;
  try {
    step();
  } catch (const UsageError& e) {
    failure = e.what(), usage = true;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  group_->agree(what, failure, usage);
}

}  // namespace sl::llm
