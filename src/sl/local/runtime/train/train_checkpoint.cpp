#include "sl/local/runtime/train/train_checkpoint.hpp"

#include <cstring>

#include "sl/core/error.hpp"
#include "sl/local/runtime/io/checkpoint.hpp"
#include "sl/local/runtime/io/safetensors.hpp"

namespace sl::local {

namespace {

// 2: the job fingerprint is the hash of the settings' JSON encoding (job_fingerprint.hpp); a
// checkpoint of format 1 (the fingerprint over the settings' bytes) can no longer be matched.
constexpr const char* kFormat = "sl-train-checkpoint-2";
constexpr const char* kOlderFormat = "sl-train-checkpoint-1";

}  // namespace

void save_train_checkpoint(const std::filesystem::path& path, const TrainCheckpointInfo& info,
                           const std::vector<TrainableTensor>& params, const std::vector<torch::Tensor>& adam_m,
                           const std::vector<torch::Tensor>& adam_v) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  tensors.reserve(params.size() * 3);
  for (std::size_t i = 0; i < params.size(); ++i) {
    tensors.emplace_back("param/" + params[i].name, params[i].tensor.detach());
    tensors.emplace_back("adam_m/" + params[i].name, adam_m[i]);
    tensors.emplace_back("adam_v/" + params[i].name, adam_v[i]);
  }
  save_safetensors(path, tensors, torch::kFloat32,
                   {{"format", kFormat},
                    {"step", std::to_string(info.step)},
                    {"total_steps", std::to_string(info.total_steps)},
                    {"fingerprint", info.fingerprint},
                    {"world_size", std::to_string(info.world_size)}});
}

TrainCheckpointInfo load_train_checkpoint(const std::filesystem::path& path, const TrainCheckpointInfo& expected,
                                          std::vector<TrainableTensor>& params, std::vector<torch::Tensor>& adam_m,
                                          std::vector<torch::Tensor>& adam_v) {
  auto file = SafetensorsFile::open(path);
  const auto& meta = file->metadata();
  auto field = [&](const char* key) -> std::string {
    auto it = meta.find(key);
    if (it == meta.end())
      throw UsageError(path.string() + ": not a training checkpoint (no \"" + key + "\" in its metadata)");
    return it->second;
  };
  if (field("format") == kOlderFormat)
    throw UsageError(path.string() + ": a checkpoint of an older version of this toolkit (" + kOlderFormat +
                     "), which this version cannot match to its job; delete it to start the run over");
  if (field("format") != kFormat)
    throw UsageError(path.string() + ": unknown checkpoint format \"" + field("format") + "\"");
  TrainCheckpointInfo info;
  try {
    info.step = std::stoll(field("step"));
    info.total_steps = std::stoll(field("total_steps"));
  } catch (const std::logic_error&) {
    throw UsageError(path.string() + ": step / total_steps in the metadata are not numbers");
  }
  info.fingerprint = field("fingerprint");
  if (meta.count("world_size")) {
    try {
      info.world_size = std::stoi(meta.at("world_size"));
    } catch (const std::logic_error&) {
      throw UsageError(path.string() + ": world_size in the metadata is not a number");
    }
  }
  if (info.world_size != expected.world_size)
    throw UsageError(path.string() + ": a checkpoint of a run on " + std::to_string(info.world_size) +
                     " process(es), this run has " + std::to_string(expected.world_size) +
                     " (WORLD_SIZE); the global batch, and so every step, depends on it: resume with WORLD_SIZE=" +
                     std::to_string(info.world_size) + ", or delete the checkpoint to start over");
  if (info.fingerprint != expected.fingerprint)
    throw UsageError(path.string() +
                     ": this checkpoint belongs to another job (different settings or data); delete it to "
                     "start over, or resume with the job that wrote it");
  if (info.total_steps != expected.total_steps || info.step < 0 || info.step > info.total_steps)
    throw UsageError(path.string() + ": checkpoint at step " + std::to_string(info.step) + " of " +
                     std::to_string(info.total_steps) + " does not fit this run of " +
                     std::to_string(expected.total_steps) + " steps");
  const ComputeDevice cpu{};
  auto read_into = [&](const std::string& name, torch::Tensor& target) {
    const TensorInfo* t = file->find(name);
    if (!t) throw UsageError(path.string() + ": tensor \"" + name + "\" is missing (a checkpoint of another model?)");
    if (t->dtype != DType::F32 || t->shape != std::vector<std::int64_t>(target.sizes().begin(), target.sizes().end()))
      throw UsageError(path.string() + ": tensor \"" + name +
                       "\" does not match this run's shape (a checkpoint of another model?)");
    torch::NoGradGuard no_grad;
    target.copy_(tensor_from_safetensors(*file, *t, cpu));
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    read_into("param/" + params[i].name, params[i].tensor);
    read_into("adam_m/" + params[i].name, adam_m[i]);
    read_into("adam_v/" + params[i].name, adam_v[i]);
  }
  if (file->tensors().size() != params.size() * 3)
    throw UsageError(path.string() +
                     ": the checkpoint holds tensors this run does not train (a checkpoint of another model?)");
  return info;
}

}  // namespace sl::local
