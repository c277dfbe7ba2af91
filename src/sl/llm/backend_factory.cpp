#include "backends.hpp"
#include "sl/core/error.hpp"
#include "sl/llm/endpoint.hpp"

namespace sl::llm {

std::unique_ptr<Backend> make_backend(const Model& model, const BackendOptions& options) {
  // An open model with a server (its own base_url or its parent's) is answered by that
  // OpenAI-compatible server (vLLM), by name; without one, by the in-process runtime.
  if (served_over_http(model)) return make_openai_backend(model, options);
  if (model.is_open_source()) {
    if (endpoint_of(model).api_key_env)
      throw UsageError("model " + model.id +
                       ": api_key_env without base_url; an open_source model needs a base_url to be served over HTTP");
    return make_local_backend(model, options);
  }
  throw UsageError("model " + model.id + ": unknown type \"" + model.type + "\"");
}

}  // namespace sl::llm
