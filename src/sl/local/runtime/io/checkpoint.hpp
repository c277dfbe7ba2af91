// The weights of a Hugging Face checkpoint folder: model.safetensors, or the shards listed in
// model.safetensors.index.json. Tensors are handed out one by one, converted to the compute
// device and dtype; on CPU an F32 tensor is used in place from the memory mapping (no copy).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/io/safetensors.hpp"

namespace sl::local {

// Where an architecture gets its weights: a checkpoint folder, or freshly initialised tensors.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // The tensor `name` with exactly `shape`, on the compute device in its dtype. A missing or
  // mis-shaped tensor is an sl::UsageError naming the file and tensor.
  virtual torch::Tensor take(const std::string& name, const std::vector<std::int64_t>& shape) = 0;
  // Whether the source holds `name` (for optional tensors such as an untied lm_head).
  virtual bool contains(const std::string& name) const = 0;
  // After all take()s: tensors nobody asked for, other than those `ignorable` accepts, are an
  // sl::UsageError (a checkpoint of another shape or architecture, not silently half-used).
  virtual void check_all_taken(const std::function<bool(const std::string&)>& ignorable) const = 0;
};

class CheckpointWeights final : public WeightSource {
 public:
  // Opens (maps and validates) every safetensors file of the folder.
  CheckpointWeights(const std::filesystem::path& dir, ComputeDevice device);

  torch::Tensor take(const std::string& name, const std::vector<std::int64_t>& shape) override;
  bool contains(const std::string& name) const override { return entries_.count(name) > 0; }
  void check_all_taken(const std::function<bool(const std::string&)>& ignorable) const override;

  std::size_t file_bytes() const { return file_bytes_; }

 private:
  struct Entry {
    std::shared_ptr<const SafetensorsFile> file;
    const TensorInfo* info = nullptr;
    bool taken = false;
  };
  std::filesystem::path dir_;
  ComputeDevice device_;
  std::map<std::string, Entry> entries_;
  std::size_t file_bytes_ = 0;
};

// Tensors held in memory (fresh initialisation, tests). Shapes are checked like a checkpoint's.
class TensorMapWeights final : public WeightSource {
 public:
  TensorMapWeights(std::map<std::string, torch::Tensor> tensors, ComputeDevice device, std::string origin);
  torch::Tensor take(const std::string& name, const std::vector<std::int64_t>& shape) override;
  bool contains(const std::string& name) const override { return tensors_.count(name) > 0; }
  void check_all_taken(const std::function<bool(const std::string&)>& ignorable) const override;

 private:
  std::map<std::string, torch::Tensor> tensors_;
  std::map<std::string, bool> taken_;
  ComputeDevice device_;
  std::string origin_;
};

// A safetensors tensor as a torch tensor on `device` (zero-copy view of the mapping for CPU F32;
// the mapping stays alive as long as the tensor). Only F32, F16 and BF16 are accepted.
torch::Tensor tensor_from_safetensors(const SafetensorsFile& file, const TensorInfo& info, const ComputeDevice& device);

// Writes tensors as one safetensors file (atomically), each converted to `dtype` on the CPU.
void save_safetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      torch::ScalarType dtype = torch::kFloat32,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace sl::local
