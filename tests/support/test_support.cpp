#include "test_support.hpp"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace sl::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = fs::temp_directory_path() / ("sl-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("SL_KEEP_TEST_FILES")) fs::remove_all(path_, ec);
}

std::optional<fs::path> reference_dir() {
  fs::path p = SL_REFERENCE_DIR;
  if (const char* env = std::getenv("SL_REFERENCE_DIR"); env && *env) p = env;
  std::error_code ec;
  if (fs::is_directory(p, ec)) return fs::canonical(p);
  return std::nullopt;
}

fs::path bin_dir() { return SL_BIN_DIR; }
fs::path source_root() { return SL_SOURCE_ROOT; }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace sl::test
