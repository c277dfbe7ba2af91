// Snapshot downloads into the shared cache (cache.hpp), the way huggingface_hub's
// snapshot_download does: the revision's commit and file list from
// GET /api/models/{repo}/revision/{rev}, then for each file a HEAD of
// /{repo}/resolve/{commit}/{file} (X-Repo-Commit, X-Linked-Etag / ETag, X-Linked-Size, and the
// CDN Location it redirects to), the bytes into blobs/<etag>.incomplete (resumed with Range),
// checked against the ETag (sha256 or git blob sha1) and the size, then moved into blobs/ and
// linked into snapshots/<commit>/. Several files at once; progress on stderr.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/hub/settings.hpp"

namespace sl::hub {

// What a model needs: config, generation config, tokenizer files, safetensors weights and
// their index, chat templates, and PEFT adapter files.
const std::vector<std::string>& default_model_patterns();

// Shell-style globs ("*.safetensors", "tokenizer*") matched against the whole path in the repo,
// with '*' crossing '/' as in huggingface_hub's allow_patterns (fnmatch without FNM_PATHNAME).
bool matches_any(const std::string& path, const std::vector<std::string>& patterns);

struct DownloadRequest {
  std::string repo;  // ORG/NAME
  std::string revision = "main";
  std::vector<std::string> patterns;  // empty: default_model_patterns()
  bool all_files = false;             // every file of the repo
  bool show_progress = true;
};

struct DownloadResult {
  std::filesystem::path snapshot;  // <cache>/models--ORG--NAME/snapshots/<commit>
  std::string commit;
  std::size_t files = 0;       // files in the snapshot that matched
  std::size_t downloaded = 0;  // of which fetched now
  std::uint64_t bytes = 0;     // bytes fetched now
};

// Downloads (or, with HF_HUB_OFFLINE, only finds) a snapshot. Errors are one line: HTTP status,
// the server's message, the URL and a hint; offline, the cache paths that were looked at.
DownloadResult snapshot_download(const DownloadRequest& request, const Settings& settings);

// The cached snapshot of `revision` (refs/<revision>, or the commit itself), if complete
// enough to exist; `why` says what was missing otherwise.
std::optional<std::filesystem::path> cached_snapshot(const std::string& repo, const std::string& revision,
                                                     const Settings& settings, std::string* why = nullptr);

}  // namespace sl::hub
