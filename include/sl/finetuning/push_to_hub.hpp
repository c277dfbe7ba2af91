// Publishing a local fine-tune on the Hugging Face Hub, as the reference does after a LoRA job:
// the adapter (or checkpoint) folder goes to {HF_USER_ID}/{hf_model_name} in one commit, and
// the model file then names that hub id, which any machine can load (sl::llm::model_folder
// downloads it on first use). A rerun uploads nothing that the repo already has and makes no
// empty commit (sl::hub::upload_folder compares the remote files' oids first).
#pragma once

#include <filesystem>
#include <string>

namespace sl::finetuning {

// "{HF_USER_ID}/{hf_model_name}"; a UsageError when HF_USER_ID or HF_TOKEN is missing, when
// HF_HUB_OFFLINE=1, or when the name is not a valid hub repo name.
std::string hub_repo_for(const std::string& hf_model_name);

// Uploads `folder` to `repo` (created private unless `private_repo` is false).
void push_folder_to_hub(const std::filesystem::path& folder, const std::string& repo, bool private_repo);

}  // namespace sl::finetuning
