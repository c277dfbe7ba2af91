#include "hub_test_repo.hpp"

#include "test_support.hpp"

namespace sl::test {

HubTestRepo write_hub_test_repo(const std::filesystem::path& folder) {
  HubTestRepo r;
  r.folder = folder;
  std::uint32_t x = 12345;
  r.weights.resize(300 * 1000);
  for (char& c : r.weights) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  write_file(folder / "config.json", R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 32})");
  write_file(folder / "generation_config.json", R"({"eos_token_id": 2})");
  write_file(folder / "tokenizer.json", R"({"model": {"type": "BPE"}})");
  write_file(folder / "tokenizer_config.json", R"({"chat_template": "{{ messages }}"})");
  write_file(folder / "model.safetensors", r.weights);
  write_file(folder / "README.md", "# not needed to run the model\n");
  write_file(folder / "docs" / "notes.txt", "nested\n");
  return r;
}

hub::Settings fake_hub_settings(const std::string& endpoint, const std::filesystem::path& cache,
                                std::optional<std::string> token) {
  hub::Settings s;
  s.endpoint = endpoint;
  s.cache_dir = cache;
  s.token = std::move(token);
  s.retry_base_s = 0.05;
  return s;
}

}  // namespace sl::test
