// Model ids -> checkpoint folders, for every executable that loads a local model.
//
// In order: a folder; the local Hugging Face cache (sl::local's locator, see
// sl/local/runtime/io/model_locator.hpp); then, for a hub id "ORG/NAME" that is not cached, a
// download of the files a model needs into that cache (sl::hub; HF_ENDPOINT, HF_TOKEN), unless
// HF_HUB_OFFLINE=1. The download lives here, above both sl::local and sl::hub, because the
// local runtime does not know the network.
//
// Failure is one line naming every place tried: an sl::UsageError when the model does not exist
// or is not accessible (404, 401, 403, offline), an sl::Error when the Hub could not be reached.
#pragma once

#include <filesystem>
#include <string>

namespace sl::llm {

std::filesystem::path model_folder(const std::string& model_id);

}  // namespace sl::llm
