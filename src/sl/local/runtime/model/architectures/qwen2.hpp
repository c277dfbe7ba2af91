#pragma once

#include "sl/local/runtime/model/causal_lm.hpp"

namespace sl::local {

// Qwen2ForCausalLM (Qwen2, Qwen2.5): see qwen2.cpp.
Architecture qwen2_architecture();

}  // namespace sl::local
