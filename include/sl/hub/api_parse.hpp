// Parsers of the Hub's JSON answers: pure functions from the body text to plain data, one file
// each, so that they can be fuzzed. Untrusted input: any mismatch is an sl::Error naming `where`
// (the URL) and the JSON path; file names are checked with check_repo_path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sl/hub/api_types.hpp"

namespace sl::hub {

ModelInfo parse_model_info(std::string_view body, const std::string& where);
std::vector<TreeEntry> parse_tree(std::string_view body, const std::string& where);
std::vector<PreuploadMode> parse_preupload(std::string_view body, const std::string& where);
std::vector<LfsBatchObject> parse_lfs_batch(std::string_view body, const std::string& where);
CommitInfo parse_commit(std::string_view body, const std::string& where);

// The server's message in an error body: {"error": "..."} or {"message": "..."}, else the body
// cut to one short line.
std::string error_message_of(std::string_view body);

}  // namespace sl::hub
