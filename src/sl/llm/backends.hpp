// Private to sl_backends: one constructor per Backend implementation.
#pragma once

#include <memory>

#include "sl/llm/backend.hpp"

namespace sl::llm {

std::unique_ptr<Backend> make_openai_backend(const Model& model, const BackendOptions& options);
std::unique_ptr<Backend> make_local_backend(const Model& model, const BackendOptions& options);

}  // namespace sl::llm
