// Answers of the Hugging Face Hub (or whatever HF_ENDPOINT points at): model info with its file
// list, tree listings, preupload modes, LFS batch answers, commit answers and error bodies, plus
// the repo ids and file names they carry. Every parser reads the same body, as the client would
// whatever endpoint it called; a name that passes check_repo_path must stay inside a folder.
#include <algorithm>
#include <string>

#include "fuzz_input.hpp"
#include "sl/hub/api_parse.hpp"
#include "sl/hub/repo_paths.hpp"

namespace {

// What check_repo_path promises the cache: a relative path with no "." or ".." segment and no
// backslash, so joining it under a folder cannot leave the folder.
void check_contained(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos) __builtin_trap();
  std::size_t begin = 0;
  while (begin <= path.size()) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string_view segment = path.substr(begin, end - begin);
    if (segment.empty() || segment == "." || segment == "..") __builtin_trap();
    begin = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = sl::fuzz::as_text(data, size);
  const std::string where = "https://hub.test/api/models/org/name";
  (void)sl::hub::error_message_of(body);
  sl::fuzz::expect_clean([&] {
    for (const auto& sibling : sl::hub::parse_model_info(body, where).siblings) check_contained(sibling.rfilename);
  });
  sl::fuzz::expect_clean([&] {
    for (const auto& entry : sl::hub::parse_tree(body, where)) check_contained(entry.path);
  });
  sl::fuzz::expect_clean([&] { (void)sl::hub::parse_preupload(body, where); });
  sl::fuzz::expect_clean([&] { (void)sl::hub::parse_lfs_batch(body, where); });
  sl::fuzz::expect_clean([&] { (void)sl::hub::parse_commit(body, where); });
  // The body's first line as a repo id and as a file name from the server.
  const std::string_view line = body.substr(0, body.find('\n'));
  sl::fuzz::expect_clean([&] { (void)sl::hub::cache_folder_name(sl::hub::parse_repo_id(line)); });
  sl::fuzz::expect_clean([&] {
    sl::hub::check_repo_path(line, "file name");
    check_contained(line);
  });
  return 0;
}
