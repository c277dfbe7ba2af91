#include "sl/local/runtime/io/checkpoint.hpp"

#include <bit>
#include <cstring>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"

namespace sl::local {

namespace fs = std::filesystem;
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string shape_text(torch::IntArrayRef shape) {
  return shape_text(std::vector<std::int64_t>(shape.begin(), shape.end()));
}

// Shard names come from a JSON file: only plain file names inside the folder are accepted.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name.find('\\') == std::string::npos && name != "." &&
         name != "..";
}

}  // namespace

torch::Tensor tensor_from_safetensors(const SafetensorsFile& file, const TensorInfo& info,
                                      const ComputeDevice& device) {
  torch::ScalarType src;
  switch (info.dtype) {
    case DType::F32:
      src = torch::kFloat32;
      break;
    case DType::F16:
      src = torch::kFloat16;
      break;
    case DType::BF16:
      src = torch::kBFloat16;
      break;
    default:
      throw UsageError(file.path().string() + ": tensor \"" + info.name + "\": dtype " +
                       std::string(dtype_name(info.dtype)) + " is not supported for weights (F32, F16, BF16)");
  }
  const auto bytes = file.data(info);
  const auto mapping = file.mapping();
  // The mapping is private and copy-on-write, so handing torch a writable pointer is safe: a
  // stray in-place write would change this process's copy, never the file.
  void* ptr = const_cast<std::byte*>(bytes.data());
  const bool aligned = reinterpret_cast<std::uintptr_t>(ptr) % dtype_size(info.dtype) == 0;
  torch::Tensor view;
  if (aligned && !bytes.empty()) {
    view = torch::from_blob(
        ptr, info.shape, [mapping](void*) {}, torch::TensorOptions().dtype(src));
  } else {
    view = torch::empty(info.shape, torch::TensorOptions().dtype(src));
    if (!bytes.empty()) std::memcpy(view.data_ptr(), bytes.data(), bytes.size());
  }
  if (device.is_cpu() && src == device.dtype) return view;
  torch::Tensor out = view.to(device.device, device.dtype, /*non_blocking=*/false, /*copy=*/true);
  mapping->release(file.data_offset() + info.begin, info.end - info.begin);
  return out;
}

CheckpointWeights::CheckpointWeights(const fs::path& dir, ComputeDevice device) : dir_(dir), device_(device) {
  std::error_code ec;
  const fs::path single = dir / "model.safetensors";
  const fs::path index = dir / "model.safetensors.index.json";
  auto add_file = [&](const fs::path& path) {
    auto file = SafetensorsFile::open(path);
    file_bytes_ += file->mapping()->size();
    return file;
  };
  if (fs::exists(index, ec)) {
    const Json j = json::parse(files::read_text(index), index.string());
    auto map = j.find("weight_map");
    if (!j.is_object() || map == j.end() || !map->is_object())
      throw UsageError(index.string() + ": weight_map: expected an object of tensor name -> shard file");
    std::map<std::string, std::shared_ptr<const SafetensorsFile>> shards;
    for (auto it = map->begin(); it != map->end(); ++it) {
      if (!it.value().is_string() || !is_plain_file_name(it.value().get<std::string>()))
        throw UsageError(index.string() + ": weight_map." + it.key() +
                         ": expected a shard file name in the same folder, got " + json::describe_value(it.value()));
      const std::string shard = it.value().get<std::string>();
      auto& file = shards[shard];
      if (!file) {
        if (!fs::exists(dir / shard, ec))
          throw UsageError(index.string() + ": shard " + shard + " (for tensor \"" + it.key() + "\") is missing from " +
                           dir.string());
        file = add_file(dir / shard);
      }
      const TensorInfo* info = file->find(it.key());
      if (!info)
        throw UsageError(index.string() + ": tensor \"" + it.key() + "\" is listed in " + shard +
                         " but that file does not contain it");
      entries_[it.key()] = Entry{file, info, false};
    }
  } else if (fs::exists(single, ec)) {
    auto file = add_file(single);
    for (const auto& t : file->tensors()) entries_[t.name] = Entry{file, &t, false};
  } else {
    std::string hint;
    if (fs::exists(dir / "pytorch_model.bin", ec) || fs::exists(dir / "pytorch_model.bin.index.json", ec))
      hint = " (pytorch_model.bin is not supported: convert the checkpoint to safetensors)";
    throw UsageError(dir.string() + ": no model.safetensors or model.safetensors.index.json" + hint);
  }
}

torch::Tensor CheckpointWeights::take(const std::string& name, const std::vector<std::int64_t>& shape) {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw UsageError(dir_.string() + ": weight \"" + name + "\" is missing (expected shape " + shape_text(shape) + ")");
  Entry& e = it->second;
  if (e.info->shape != shape)
    throw UsageError(e.file->path().string() + ": tensor \"" + name + "\" has shape " + shape_text(e.info->shape) +
                     " but config.json implies " + shape_text(shape));
  e.taken = true;
  return tensor_from_safetensors(*e.file, *e.info, device_);
}

void CheckpointWeights::check_all_taken(const std::function<bool(const std::string&)>& ignorable) const {
  std::vector<std::string> extra;
  for (const auto& [name, e] : entries_)
    if (!e.taken && !ignorable(name)) extra.push_back(name);
  if (extra.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < extra.size() && i < 5; ++i) list += (i ? ", \"" : "\"") + extra[i] + "\"";
  if (extra.size() > 5) list += " and " + std::to_string(extra.size() - 5) + " more";
  throw UsageError(dir_.string() + ": " + std::to_string(extra.size()) +
                   " unexpected weight(s) for this config: " + list + " (does config.json match the weights?)");
}

TensorMapWeights::TensorMapWeights(std::map<std::string, torch::Tensor> tensors, ComputeDevice device,
                                   std::string origin)
    : tensors_(std::move(tensors)), device_(device), origin_(std::move(origin)) {}

torch::Tensor TensorMapWeights::take(const std::string& name, const std::vector<std::int64_t>& shape) {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw UsageError(origin_ + ": weight \"" + name + "\" is missing (expected shape " + shape_text(shape) + ")");
  if (it->second.sizes() != torch::IntArrayRef(shape))
    throw UsageError(origin_ + ": tensor \"" + name + "\" has shape " + shape_text(it->second.sizes()) +
                     " but the config implies " + shape_text(shape));
  taken_[name] = true;
  return it->second.to(device_.device, device_.dtype);
}

void TensorMapWeights::check_all_taken(const std::function<bool(const std::string&)>& ignorable) const {
  for (const auto& [name, t] : tensors_)
    if (!taken_.count(name) && !ignorable(name))
      throw UsageError(origin_ + ": unexpected weight \"" + name + "\" for this config");
}

void save_safetensors(const fs::path& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      torch::ScalarType dtype, const std::map<std::string, std::string>& metadata) {
  DType st;
  switch (dtype) {
    case torch::kFloat32:
      st = DType::F32;
      break;
    case torch::kFloat16:
      st = DType::F16;
      break;
    case torch::kBFloat16:
      st = DType::BF16;
      break;
    default:
      throw Error("save_safetensors: only float32, float16 and bfloat16 are written");
  }
  std::vector<torch::Tensor> keep;  // contiguous CPU copies, alive while writing
  std::vector<TensorBytes> out;
  keep.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    keep.push_back(t.detach().to(torch::kCPU, dtype).contiguous());
    const auto& c = keep.back();
    out.push_back({name,
                   st,
                   std::vector<std::int64_t>(c.sizes().begin(), c.sizes().end()),
                   {static_cast<const std::byte*>(c.data_ptr()), static_cast<std::size_t>(c.nbytes())}});
  }
  write_safetensors(path, out, metadata);
}

}  // namespace sl::local
