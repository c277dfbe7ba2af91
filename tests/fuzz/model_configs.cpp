// A model folder's config.json (ModelConfig) and a LoRA adapter's adapter_config.json, read
// from the same input; an accepted config.json must also write back out (to_json).
#include "fuzz_input.hpp"
#include "sl/core/json.hpp"
#include "sl/local/runtime/model/lora_adapter_config.hpp"
#include "sl/local/runtime/model/model_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = sl::fuzz::as_text(data, size);
  sl::fuzz::expect_clean([&] {
    const sl::Json json = sl::json::parse(text, "config.json");
    sl::fuzz::expect_clean([&] {
      const auto config = sl::local::ModelConfig::from_json(json, "config.json");
      (void)sl::json::dump(config.to_json());
    });
    sl::fuzz::expect_clean([&] {
      const auto adapter = sl::local::LoraAdapterConfig::from_json(json, "adapter_config.json");
      (void)sl::json::dump(adapter.to_json());
    });
  });
  return 0;
}
