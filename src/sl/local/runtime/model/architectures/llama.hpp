#pragma once

#include "sl/local/runtime/model/causal_lm.hpp"

namespace sl::local {

// LlamaForCausalLM (Llama 2, 3, 3.1 with rope_scaling "llama3"): see llama.cpp.
Architecture llama_architecture();

}  // namespace sl::local
