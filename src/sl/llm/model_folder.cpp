#include "sl/llm/model_folder.hpp"

#include <spdlog/spdlog.h>

#include "sl/core/error.hpp"
#include "sl/hub/download.hpp"
#include "sl/hub/repo_paths.hpp"
#include "sl/local/runtime/io/model_locator.hpp"

namespace sl::llm {

std::filesystem::path model_folder(const std::string& model_id) {
  try {
    return local::resolve_model_dir(model_id);
  } catch (const UsageError& not_local) {
    // Only ORG/NAME ids go to the Hub: a mistyped relative folder ("models") stays a local error.
    if (model_id.find('/') == std::string::npos || !hub::looks_like_repo_id(model_id)) throw;
    const hub::Settings settings = hub::settings_from_env();
    const std::string tried = not_local.what();
    if (settings.offline) throw UsageError(tried + "; not downloaded: HF_HUB_OFFLINE=1");
    spdlog::info("{} is not in the local cache: downloading it from {} into {}", model_id, settings.endpoint,
                 settings.cache_dir.string());
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
}

}  // namespace sl::llm
