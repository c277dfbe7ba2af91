#include "sl/local/runtime/train/data_parallel.hpp"

#include <spdlog/spdlog.h>

#include "sl/core/error.hpp"

namespace sl::local {

std::unique_ptr<DataParallel> DataParallel::join(const TrainingJob& job) {
  if (!job.launch.distributed()) return nullptr;
  return std::unique_ptr<DataParallel>(new DataParallel(job.launch));
}

void DataParallel::agree(const std::string& what, const std::function<void()>& check) {
  std::string failure;
  bool usage = false;
  try {
    check();
  } catch (const UsageError& e) {
    failure = e.what(), usage = true;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  group_.agree(what, failure, usage);
}

TrainingSettings DataParallel::global_settings(const TrainingSettings& settings) const {
  TrainingSettings global = settings;
  global.batch_size = settings.batch_size * world_size();
  return global;
}

PlannedStep DataParallel::share(const PlannedStep& step) const {
  PlannedStep mine;
  mine.epoch_end = step.epoch_end;
  for (const auto& batch : step.batches) {
    auto& out = mine.batches.emplace_back();
    for (std::size_t j = static_cast<std::size_t>(rank()); j < batch.size();
         j += static_cast<std::size_t>(world_size()))
      out.push_back(batch[j]);
  }
  return mine;
}

void DataParallel::check_same_job(const std::string& fingerprint) {
  const auto all = group_.all_gather("the job's fingerprint", fingerprint);
  for (int r = 1; r < world_size(); ++r)
    if (all[static_cast<std::size_t>(r)] != all[0])
      throw UsageError("rank " + std::to_string(r) +
                       " trains another job than rank 0 (different settings, model or examples): every rank must run "
                       "the same command on the same data");
}

std::int64_t DataParallel::resume(TrainState& state, const CheckpointSettings& checkpoint,
                                  const TrainCheckpointInfo& expected) {
  std::int64_t start = 0;
  agree("resuming", [&] {
    if (is_root()) start = state.resume(checkpoint, expected);
  });
  auto step = torch::full({1}, static_cast<double>(start), torch::kFloat64);
  std::vector<torch::Tensor> tensors{step};
  for (auto& t : state.state_tensors()) tensors.push_back(t.detach());
  torch::NoGradGuard no_grad;
  group_.broadcast_from_root(tensors, "receiving rank 0's training state");
  return static_cast<std::int64_t>(step.item<double>());
}

void DataParallel::attach(TrainState& state) {
  buckets_ = std::make_unique<GradientBuckets>(group_, state.trained_tensors());
  spdlog::info("data-parallel training: {}, gradients summed in {} bucket(s)", group_.env().describe(),
               buckets_->bucket_count());
}

double DataParallel::sum_gradients(double& loss_sum) {
  auto extra = torch::full({1}, loss_sum, torch::kFloat64);
  const double seconds = buckets_->sum(extra);
  loss_sum = extra.item<double>();
  return seconds;
}

bool DataParallel::any_stop(bool stop) { return group_.any("agreeing whether to stop", stop); }

}  // namespace sl::local
