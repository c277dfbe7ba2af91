#include "sl/finetuning/push_to_hub.hpp"

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "sl/hub/repo_paths.hpp"
#include "sl/hub/upload.hpp"

namespace sl::finetuning {

std::string hub_repo_for(const std::string& hf_model_name) {
  const auto user = env::get("HF_USER_ID");
  if (!user) throw UsageError("push_to_hub needs HF_USER_ID (the Hub account or organisation to upload to)");
  const hub::Settings settings = hub::settings_from_env();
  if (!settings.token) throw UsageError("push_to_hub needs HF_TOKEN (a token with write access)");
  if (settings.offline) throw UsageError("push_to_hub needs the network; HF_HUB_OFFLINE=1");
  const std::string repo = *user + "/" + hf_model_name;
  hub::parse_repo_id(repo, "push_to_hub repo {HF_USER_ID}/{hf_model_name}");
  return repo;
}

void push_folder_to_hub(const std::filesystem::path& folder, const std::string& repo, bool private_repo) {
  hub::UploadRequest request;
  request.repo = repo;
  request.folder = folder;
  request.private_repo = private_repo;
  request.message = "Upload " + folder.filename().string() + " (run_finetuning_job)";
  hub::upload_folder(request, hub::settings_from_env());
}

}  // namespace sl::finetuning
