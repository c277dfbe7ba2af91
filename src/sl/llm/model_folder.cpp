#include "sl/llm/model_folder.hpp"

#include <spdlog/spdlog.h>

#include "sl/core/error.hpp"
#include "sl/hub/cache.hpp"
#include "sl/hub/download.hpp"
#include "sl/hub/repo_paths.hpp"
#include "sl/local/runtime/io/model_locator.hpp"

namespace sl::llm {

namespace {

namespace fs = std::filesystem;

// Only ORG/NAME ids go to the Hub: a mistyped relative folder ("models") stays a local error.
bool is_hub_id(const std::string& id) { return id.find('/') != std::string::npos && hub::looks_like_repo_id(id); }

fs::path download(const std::string& model_id, const hub::Settings& settings, const std::string& tried) {
  hub::DownloadRequest request;
  request.repo = model_id;
  try {
    return hub::snapshot_download(request, settings).snapshot;
  } catch (const HttpError& e) {
    const std::string message = tried + "; download: " + e.what();
    if (e.status() == 401 || e.status() == 403 || e.status() == 404) throw UsageError(message);
    throw Error(message);
  } catch (const UsageError& e) {
    throw UsageError(tried + "; download: " + e.what());
  } catch (const Error& e) {
    throw Error(tried + "; download: " + e.what());
  }
}

// A snapshot in the download cache without refs/main is one that a download began and did not
// finish (the ref is written last); the locator would take it as the only snapshot.
bool unfinished_download(const std::string& model_id, const fs::path& found, const hub::Settings& settings) {
  const hub::RepoCache cache(settings.cache_dir, hub::parse_repo_id(model_id));
  std::error_code ec;
  return found.parent_path() == cache.folder() / "snapshots" && !fs::exists(cache.ref("main"), ec);
}

}  // namespace

fs::path model_folder(const std::string& model_id) {
  fs::path found;
  try {
    found = local::resolve_model_dir(model_id);
  } catch (const UsageError& not_local) {
    if (!is_hub_id(model_id)) throw;
    const hub::Settings settings = hub::settings_from_env();
    const std::string tried = not_local.what();
    if (settings.offline) throw UsageError(tried + "; not downloaded: HF_HUB_OFFLINE=1");
    spdlog::info("{} is not in the local cache: downloading it from {} into {}", model_id, settings.endpoint,
                 settings.cache_dir.string());
    return download(model_id, settings, tried);
  }
  if (is_hub_id(model_id)) {
    const hub::Settings settings = hub::settings_from_env();
    if (!settings.offline && unfinished_download(model_id, found, settings)) {
      spdlog::info("{}: an earlier download did not finish; completing it", model_id);
      return download(model_id, settings, "model \"" + model_id + "\" is only partly in " + found.string());
    }
  }
  return found;
}

}  // namespace sl::llm
