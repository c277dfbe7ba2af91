// Finds and loads the runtime plugin (libsl_local_runtime.so) once per process.
//
// Where it looks, in order:
//   1. $SL_LOCAL_RUNTIME (the path of the .so itself);
//   2. next to the running executable (/proc/self/exe's folder);
//   3. ../lib/ relative to that folder (an installed layout: bin/ + lib/).
// A missing or incompatible plugin is an sl::Error naming every place it looked.
#pragma once

#include <filesystem>
#include <string>

#include "sl/local/runtime/plugin/plugin.hpp"

namespace sl::local {

// The file name of the plugin in a build or install tree.
inline constexpr const char* kRuntimePluginFileName = "libsl_local_runtime.so";

// Loads the plugin on first use (thread-safe) and returns it; never unloaded.
const RuntimePlugin& runtime_plugin();

// Where runtime_plugin() found (or would look for) the plugin, for messages.
std::filesystem::path runtime_plugin_path();

}  // namespace sl::local
