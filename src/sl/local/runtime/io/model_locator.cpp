#include "sl/local/runtime/io/model_locator.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"

namespace sl::local {

namespace fs = std::filesystem;

std::vector<fs::path> hub_cache_dirs() {
  std::vector<fs::path> dirs;
  auto add = [&](const fs::path& p) {
    if (std::find(dirs.begin(), dirs.end(), p) == dirs.end()) dirs.push_back(p);
  };
  // Hugging Face's own precedence: HF_HUB_CACHE, then HF_HOME/hub, then the XDG / home default.
  // We consult every one that is set, so a model cached under a default still resolves after
  // someone sets HF_HOME for a new download location.
  if (auto v = env::get("HF_HUB_CACHE")) add(*v);
  if (auto v = env::get("HUGGINGFACE_HUB_CACHE")) add(*v);
  if (auto v = env::get("HF_HOME")) add(fs::path(*v) / "hub");
  if (auto v = env::get("XDG_CACHE_HOME")) add(fs::path(*v) / "huggingface" / "hub");
  if (auto v = env::get("HOME")) add(fs::path(*v) / ".cache" / "huggingface" / "hub");
  return dirs;
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// The snapshot folder of `repo_dir` (models--ORG--NAME), or empty with `why` filled in.
fs::path pick_snapshot(const fs::path& repo_dir, std::string& why) {
  std::error_code ec;
  const fs::path snapshots = repo_dir / "snapshots";
  const fs::path ref = repo_dir / "refs" / "main";
  if (fs::is_regular_file(ref, ec)) {
    std::ifstream in(ref);
    std::string revision;
    std::getline(in, revision);
    revision = trim(revision);
    if (revision.empty() || revision.find('/') != std::string::npos || revision == "..") {
      why = ref.string() + " holds no valid revision";
      return {};
    }
    fs::path dir = snapshots / revision;
    if (fs::is_directory(dir, ec)) return dir;
    why = ref.string() + " names revision " + revision + " but " + dir.string() + " is missing";
    return {};
  }
  std::vector<fs::path> found;
  if (fs::is_directory(snapshots, ec)) {
    for (const auto& entry : fs::directory_iterator(snapshots, ec))
      if (entry.is_directory(ec)) found.push_back(entry.path());
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    why = snapshots.string() + " has no snapshot";
  } else {
    why = snapshots.string() + " has " + std::to_string(found.size()) + " snapshots and no refs/main to choose one";
  }
  return {};
}

}  // namespace

fs::path resolve_model_dir(const std::string& model_id) {
  if (model_id.empty()) throw UsageError("model id is empty");
  std::error_code ec;
  const fs::path as_path(model_id);
  if (fs::is_directory(as_path, ec)) return fs::absolute(as_path, ec);

  std::vector<std::string> tried{as_path.string() + " (not a folder)"};
  // A hub id is exactly ORG/NAME (or NAME) without path tricks.
  const auto slash = model_id.find('/');
  const bool hub_like = model_id.find("..") == std::string::npos && model_id.front() != '/' &&
                        model_id.find('/', slash == std::string::npos ? 0 : slash + 1) == std::string::npos;
  if (hub_like) {
    std::string repo = "models--" + model_id;
    if (slash != std::string::npos) repo = "models--" + model_id.substr(0, slash) + "--" + model_id.substr(slash + 1);
    for (const auto& cache : hub_cache_dirs()) {
      const fs::path repo_dir = cache / repo;
      if (!fs::is_directory(repo_dir, ec)) {
        tried.push_back(repo_dir.string() + " (missing)");
        continue;
      }
      std::string why;
      fs::path snapshot = pick_snapshot(repo_dir, why);
      if (!snapshot.empty()) return snapshot;
      tried.push_back(why);
    }
  }
  std::string message = "model \"" + model_id + "\" not found; looked at: ";
  for (std::size_t i = 0; i < tried.size(); ++i) message += (i ? "; " : "") + tried[i];
  message += " (put the checkpoint in the Hugging Face cache or pass a folder)";
  throw UsageError(message);
}

}  // namespace sl::local
