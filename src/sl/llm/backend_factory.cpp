#include "backends.hpp"
#include "sl/core/error.hpp"

namespace sl::llm {

std::unique_ptr<Backend> make_backend(const Model& model, const BackendOptions& options) {
  if (model.is_openai()) return make_openai_backend(model, options);
  if (model.is_open_source()) return make_local_backend(model, options);
  throw UsageError("model " + model.id + ": unknown type \"" + model.type + "\"");
}

}  // namespace sl::llm
