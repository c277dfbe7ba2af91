// Placeholder until the OpenAI-compatible client lands.
#include "backends.hpp"
#include "sl/core/error.hpp"

namespace sl::llm {
std::unique_ptr<Backend> make_openai_backend(const Model& model, const BackendOptions&) {
  throw UsageError("model " + model.id + ": the OpenAI backend is not built yet");
}
}  // namespace sl::llm
