// Every executable keeps the command-line conventions (ARCHITECTURE.md): `--help` prints usage
// with an example on stdout and exits 0; an unknown flag is a usage error: exit 2 and a message
// naming the flag. The programs are those in build/bin when the test runs (benchmarks and tools
// alike, so that a new one is covered as soon as it is built) and the scripts in tools/.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <sstream>

#include "process.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

const char* kUnknownFlag = "--no-such-flag-for-the-cli-test";

// GoogleTest programs have GoogleTest's flags; CMake names them in SL_TEST_PROGRAMS.
std::set<std::string> test_programs() {
  std::set<std::string> out;
  std::istringstream in(SL_TEST_PROGRAMS);
  for (std::string name; std::getline(in, name, ',');) out.insert(name);
  return out;
}

bool is_executable_file(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR);
}

// Programs in build/bin: executable files without an extension (the runtime plugin is a .so).
std::vector<fs::path> built_programs() {
  const auto skip = test_programs();
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(sl::test::bin_dir())) {
    const fs::path& p = entry.path();
    if (p.has_extension() || skip.count(p.filename().string()) || !is_executable_file(p)) continue;
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Scripts in tools/ (tools/dev/ holds the developers' generators, not user commands).
std::vector<fs::path> tool_scripts() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(sl::test::source_root() / "tools")) {
    const fs::path& p = entry.path();
    if (p.has_extension() || !is_executable_file(p)) continue;
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void expect_help_and_usage_error(const fs::path& program, bool checks_its_flags = true) {
  SCOPED_TRACE(program.string());
  sl::test::TempDir cwd;  // nothing a program might write by mistake lands in the checkout
  const auto help = sl::test::run({program.string(), "--help"}, {}, std::chrono::seconds(60), cwd.path());
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(lower(help.out).find("usage"), std::string::npos) << "no usage in --help:\n" << help.out;
  EXPECT_NE(lower(help.out).find("example"), std::string::npos) << "no example in --help:\n" << help.out;
  if (!checks_its_flags) return;
  const auto bad = sl::test::run({program.string(), kUnknownFlag}, {}, std::chrono::seconds(60), cwd.path());
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find(kUnknownFlag), std::string::npos) << "the error does not name the flag:\n" << bad.err;
}

}  // namespace

TEST(CliConventions, EveryBuiltProgramHasHelpAndRefusesUnknownFlags) {
  const auto programs = built_programs();
  // The listing itself works: the step executables are always built with the tests.
  for (const char* name : {"generate_dataset", "run_finetuning_job", "run_evaluation", "mock_openai_server"})
    EXPECT_TRUE(std::find(programs.begin(), programs.end(), sl::test::bin_dir() / name) != programs.end()) << name;
  for (const auto& program : programs) expect_help_and_usage_error(program);
}

TEST(CliConventions, EveryToolScriptHasHelpAndRefusesUnknownFlags) {
  const auto scripts = tool_scripts();
  EXPECT_TRUE(std::find(scripts.begin(), scripts.end(), sl::test::source_root() / "tools/demo") != scripts.end());
  // tools/test and tools/sanitize hand every other argument to ctest, which judges them itself
  // (after a build).
  for (const auto& script : scripts)
    expect_help_and_usage_error(script, script.filename() != "test" && script.filename() != "sanitize");
}
