// Model ids -> checkpoint folders, the way Hugging Face tools find them.
//
// An id is, in order:
//   1. an existing folder (absolute or relative to the working directory);
//   2. a hub id "ORG/NAME" in the local hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else
//      $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub; inside it
//      models--ORG--NAME/snapshots/<revision>/ with <revision> read from refs/main (or the only
//      snapshot when there is no refs/main).
// Nothing is downloaded here (the local runtime knows no network): sl::llm::model_folder
// downloads a hub id that this does not find. Failure is an sl::UsageError listing every place
// that was tried.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sl::local {

// The hub cache folders consulted, in order (only those set by the environment or defaulted).
std::vector<std::filesystem::path> hub_cache_dirs();

std::filesystem::path resolve_model_dir(const std::string& model_id);

}  // namespace sl::local
