// Loads the runtime plugin with dlopen. Torch-free: this is what executables link.
#include "sl/local/runtime/plugin/loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <optional>
#include <vector>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "sl/local/runtime/compute/library_numerics.hpp"

namespace sl::local {

namespace fs = std::filesystem;

namespace {

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::vector<fs::path> candidate_paths() {
  std::vector<fs::path> paths;
  if (auto v = env::get("SL_LOCAL_RUNTIME")) {
    paths.emplace_back(*v);  // an explicit choice: nothing else is tried
    return paths;
  }
  const fs::path dir = executable_dir();
  if (!dir.empty()) {
    paths.push_back(dir / kRuntimePluginFileName);
    paths.push_back((dir / ".." / "lib" / kRuntimePluginFileName).lexically_normal());
  }
  return paths;
}

struct Loaded {
  const RuntimePlugin* plugin = nullptr;
  fs::path path;
};

Loaded load() {
  std::string tried;
  for (const auto& path : candidate_paths()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      tried += (tried.empty() ? "" : "; ") + path.string() + " (missing)";
      continue;
    }
    // OpenBLAS and ATen read their kernel choice when the plugin brings them in: pinned here
    // (normally already done by the start-up hook; a value the user set is kept).
    pin_library_kernels();
    // RTLD_LOCAL keeps the plugin's copies of our static libraries (and libtorch's symbols) out
    // of the executable's namespace; RTLD_NOW reports missing symbols here, not mid-run.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* err = dlerror();
      throw Error("cannot load the local runtime plugin " + path.string() + ": " + (err ? err : "unknown error"));
    }
    auto entry = reinterpret_cast<SlLocalRuntimePluginEntry>(dlsym(handle, kRuntimePluginEntry));
    if (!entry) throw Error("the local runtime plugin " + path.string() + " does not export " + kRuntimePluginEntry);
    const RuntimePlugin* plugin = entry();
    if (!plugin) throw Error("the local runtime plugin " + path.string() + " returned no runtime");
    if (plugin->abi() != kRuntimePluginAbi)
      throw Error("the local runtime plugin " + path.string() + " has interface version " +
                  std::to_string(plugin->abi()) + ", this program needs " + std::to_string(kRuntimePluginAbi) +
                  " (rebuild both from the same sources)");
    return {plugin, path};  // never dlclose'd: libtorch does not support being unloaded
  }
  throw Error("the local model runtime (" + std::string(kRuntimePluginFileName) +
              ") was not found; looked at: " + (tried.empty() ? "nowhere" : tried) +
              " (build the target sl_local_runtime, or set SL_LOCAL_RUNTIME to its path)");
}

std::mutex g_mutex;
std::optional<Loaded> g_loaded;

}  // namespace

const RuntimePlugin& runtime_plugin() {
  std::lock_guard lock(g_mutex);
  if (!g_loaded) g_loaded = load();
  return *g_loaded->plugin;
}

fs::path runtime_plugin_path() {
  {
    std::lock_guard lock(g_mutex);
    if (g_loaded) return g_loaded->path;
  }
  auto paths = candidate_paths();
  return paths.empty() ? fs::path(kRuntimePluginFileName) : paths.front();
}

}  // namespace sl::local
