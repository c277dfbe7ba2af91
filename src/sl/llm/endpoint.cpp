#include "sl/llm/endpoint.hpp"

#include <filesystem>

namespace sl::llm {

ModelEndpoint endpoint_of(const Model& model) {
  for (const Model* m = &model; m; m = m->parent_model.get())
    if (!m->base_urls.empty() || m->api_key_env) return {m->base_urls, m->api_key_env};
  return {};
}

bool served_over_http(const Model& model) { return model.is_openai() || !endpoint_of(model).base_urls.empty(); }

bool is_lora_adapter(const Model& model) {
  if (!model.is_open_source() || !model.parent_model) return false;
  std::error_code ec;
  const std::filesystem::path dir(model.id);
  const bool whole_model_here =
      std::filesystem::is_directory(dir, ec) && !std::filesystem::exists(dir / "adapter_config.json", ec);
  return !whole_model_here;
}

std::string served_model_name(const Model& model) {
  if (!is_lora_adapter(model)) return model.id;
  std::string id = model.id;
  while (id.size() > 1 && id.back() == '/') id.pop_back();
  const auto slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

}  // namespace sl::llm
