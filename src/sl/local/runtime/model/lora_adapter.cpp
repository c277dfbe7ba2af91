#include "sl/local/runtime/model/lora_adapter.hpp"

#include <cmath>
#include <map>
#include <set>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::local {

namespace fs = std::filesystem;

std::string peft_tensor_name(const std::string& module, char which) {
  return "base_model.model." + module + ".lora_" + std::string(1, which) + ".weight";
}

void attach_lora_adapter(CausalLM& model, const fs::path& dir, int index) {
  if (index < 1) throw Error("adapter numbers start at 1");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError("LoRA adapter folder " + dir.string() + " does not exist");
  const fs::path config_path = dir / "adapter_config.json";
  const fs::path weights_path = dir / "adapter_model.safetensors";
  if (!fs::exists(config_path, ec))
    throw UsageError(dir.string() + ": adapter_config.json is missing (not a PEFT LoRA adapter?)");
  if (!fs::exists(weights_path, ec))
    throw UsageError(dir.string() + ": adapter_model.safetensors is missing" +
                     (fs::exists(dir / "adapter_model.bin", ec)
                          ? " (adapter_model.bin is not supported: save with safetensors)"
                          : ""));
  const LoraAdapterConfig config = LoraAdapterConfig::from_file(config_path);
  auto file = SafetensorsFile::open(weights_path);

  std::set<std::string> used;
  std::size_t attached = 0;
  for (auto& [module, projection] : model.projections()) {
    const std::string a_name = peft_tensor_name(module, 'A'), b_name = peft_tensor_name(module, 'B');
    const TensorInfo* a = file->find(a_name);
    const TensorInfo* b = file->find(b_name);
    if (!a && !b) continue;
    if (!a || !b) throw UsageError(weights_path.string() + ": " + module + " has only one of lora_A and lora_B");
    const std::vector<std::int64_t> a_shape{config.lora.r, projection->in_features()};
    const std::vector<std::int64_t> b_shape{projection->out_features(), config.lora.r};
    if (a->shape != a_shape || b->shape != b_shape)
      throw UsageError(weights_path.string() + ": " + module +
                       ": lora_A/lora_B shapes do not match r = " + std::to_string(config.lora.r) +
                       " and the base model's " + std::to_string(projection->out_features()) + "x" +
                       std::to_string(projection->in_features()) + " projection");
    LoraDelta delta;
    delta.a = tensor_from_safetensors(*file, *a, model.device());
    delta.b = tensor_from_safetensors(*file, *b, model.device());
    delta.scale = config.lora.scale();
    if (projection->adapters.size() < static_cast<std::size_t>(index)) projection->adapters.resize(index);
    projection->adapters[index - 1] = std::move(delta);
    used.insert(a_name);
    used.insert(b_name);
    ++attached;
  }
  for (const auto& t : file->tensors()) {
    if (used.count(t.name)) continue;
    throw UsageError(weights_path.string() + ": tensor \"" + t.name + "\" does not belong to a projection of this " +
                     model.config().architecture + " (q/k/v/o_proj, gate/up/down_proj of layers 0.." +
                     std::to_string(model.config().num_hidden_layers - 1) + ")");
  }
  if (attached == 0) throw UsageError(weights_path.string() + ": no LoRA weights found");
}

}  // namespace sl::local
