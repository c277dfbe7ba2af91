// A small model repo folder for the fake hub (config, tokenizer files, a "safetensors" file
// large enough to be served through LFS and the CDN, a README a model does not need, a nested
// file), and the environment that points the client at a fake hub.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "sl/hub/settings.hpp"

namespace sl::test {

struct HubTestRepo {
  std::filesystem::path folder;
  std::string weights;  // model.safetensors' bytes (300 kB, deterministic)
};

HubTestRepo write_hub_test_repo(const std::filesystem::path& folder);

// Settings for the in-process client: the fake hub, a cache folder, fast retries.
hub::Settings fake_hub_settings(const std::string& endpoint, const std::filesystem::path& cache,
                                std::optional<std::string> token = std::nullopt);

}  // namespace sl::test
