// Helpers for tests: temporary folders, the shared reference vectors, paths of built programs,
// reading and writing files (JSONL included).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::test {

// A fresh folder under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// ../shared/reference beside the checkout (or $SL_REFERENCE_DIR), if present.
std::optional<std::filesystem::path> reference_dir();

// Folder of the built executables (build/bin).
std::filesystem::path bin_dir();
// A built executable: bin_dir() / name, as a string for argv[0].
std::string program(const std::string& name);
// An executable on $PATH (node, npm, ...), if there is one.
std::optional<std::filesystem::path> find_on_path(const std::string& name);
// The project's source root (for cfgs/ and the like).
std::filesystem::path source_root();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

// The lines of `text` without their '\n'; a last line without '\n' counts, a final '\n' adds
// no empty line.
std::vector<std::string> lines_of(const std::string& text);
// Newline characters in a file: its records, for a JSONL file that ends with one.
std::size_t count_lines(const std::filesystem::path& path);
// Every line of a JSONL file, parsed (an unparsable line throws, naming the file).
std::vector<Json> read_jsonl(const std::filesystem::path& path);
// A JSON file, parsed.
Json read_json(const std::filesystem::path& path);

// A loopback TCP port the kernel says is free now (the probing socket is closed before
// returning, so nothing listens there: connections are refused until someone binds it).
int free_port();

}  // namespace sl::test

// Skips the current test with a visible message when the reference vectors are absent.
#define SL_REQUIRE_REFERENCE(var)                                                                  \
  auto var##_opt = ::sl::test::reference_dir();                                                    \
  if (!var##_opt) GTEST_SKIP() << "SKIPPED: ../shared/reference not found (set SL_REFERENCE_DIR)"; \
  const std::filesystem::path var = *var##_opt
