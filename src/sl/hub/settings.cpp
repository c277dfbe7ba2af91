#include "sl/hub/settings.hpp"

#include <algorithm>
#include <cctype>

#include "sl/core/env.hpp"

namespace sl::hub {

namespace fs = std::filesystem;

fs::path default_cache_dir() {
  if (auto v = env::get("HF_HUB_CACHE")) return *v;
  if (auto v = env::get("HUGGINGFACE_HUB_CACHE")) return *v;  // the older name, still read by huggingface_hub
  if (auto v = env::get("HF_HOME")) return fs::path(*v) / "hub";
  if (auto v = env::get("XDG_CACHE_HOME")) return fs::path(*v) / "huggingface" / "hub";
  if (auto v = env::get("HOME")) return fs::path(*v) / ".cache" / "huggingface" / "hub";
  return fs::path(".cache") / "huggingface" / "hub";
}

Settings settings_from_env() {
  Settings s;
  if (auto v = env::get("HF_ENDPOINT")) s.endpoint = *v;
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  s.token = env::get("HF_TOKEN");
  if (!s.token) s.token = env::get("HUGGING_FACE_HUB_TOKEN");
  if (auto v = env::get("HF_HUB_OFFLINE")) {
    std::string u = *v;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return std::toupper(c); });
    s.offline = u == "1" || u == "ON" || u == "YES" || u == "TRUE";
  }
  s.cache_dir = default_cache_dir();
  return s;
}

}  // namespace sl::hub
