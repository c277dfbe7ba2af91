// Placeholder until the local libtorch runtime lands.
#include "backends.hpp"
#include "sl/core/error.hpp"

namespace sl::llm {
std::unique_ptr<Backend> make_local_backend(const Model& model, const BackendOptions&) {
  throw UsageError("model " + model.id + ": the local runtime is not built yet");
}
}  // namespace sl::llm
