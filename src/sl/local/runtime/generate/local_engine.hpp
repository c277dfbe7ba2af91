// The Engine implementation behind the plugin (and for programs that link sl_local directly,
// such as tests and the pretraining tool).
#pragma once

#include <memory>

#include "sl/local/runtime/generate/engine.hpp"

namespace sl::local {

// Loads the model (see RuntimePlugin::load_engine).
std::unique_ptr<Engine> load_local_engine(const EngineOptions& options);

}  // namespace sl::local
