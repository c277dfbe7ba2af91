// Every build of the fused CPU kernels this CPU can run (SL_CPU_KERNELS = generic, avx2,
// avx512) gives the same bytes: training (LoRA with cross-entropy, full with top-k KL), seeded
// generation and scoring, each in its own process (kernel_paths_worker), outputs compared bit
// for bit. Also: a value the switch does not know is a one-line error.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "process.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace {

namespace fs = std::filesystem;

// Paths this CPU runs, asked of the CPU itself (not of the code under test).
std::vector<std::string> paths_this_cpu_runs() {
  std::vector<std::string> paths{"generic"};
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2")) paths.push_back("avx2");
  if (__builtin_cpu_supports("avx512f")) paths.push_back("avx512");
#endif
  return paths;
}

fs::path worker() { return sl::test::bin_dir() / "kernel_paths_worker"; }

std::map<std::string, std::string> files_under(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[fs::relative(e.path(), dir).string()] = ss.str();
  }
  return out;
}

TEST(KernelPaths, TrainingGenerationAndScoringGiveTheSameBytesOnEveryPath) {
  sl::test::TempDir tmp;
  sl::test::TinyModel m;
  m.init_std = 0.1;  // flat distributions: sampling depends on many low-order bits
  const fs::path model = sl::test::write_tiny_checkpoint(tmp / "model", m);

  const auto paths = paths_this_cpu_runs();
  std::string ran;
  for (const auto& p : paths) ran += " " + p;
  std::printf("kernel paths run on this CPU:%s\n", ran.c_str());
  ASSERT_GE(paths.size(), 2u) << "only one kernel path on this CPU: nothing to compare";

  std::map<std::string, std::map<std::string, std::string>> outputs;
  for (const auto& p : paths) {
    const fs::path out = tmp / ("out-" + p);
    fs::create_directories(out);
    const auto r = sl::test::run({worker().string(), model.string(), out.string()}, {{"SL_CPU_KERNELS", p}},
                                 std::chrono::minutes(2));
    ASSERT_EQ(r.exit_code, 0) << p << ": " << r.err;
    EXPECT_NE(r.out.find("kernel path: " + p + "\n"), std::string::npos) << r.out;
    outputs[p] = files_under(out);
    EXPECT_TRUE(outputs[p].count("lora/adapter_model.safetensors")) << p;
    EXPECT_TRUE(outputs[p].count("full/model.safetensors")) << p;
    EXPECT_FALSE(outputs[p]["generation.txt"].empty()) << p;
    EXPECT_FALSE(outputs[p]["scores.txt"].empty()) << p;
  }
  const auto& reference = outputs[paths.front()];
  for (const auto& p : paths) {
    const auto& got = outputs[p];
    ASSERT_EQ(got.size(), reference.size()) << p;
    for (const auto& [name, bytes] : reference) {
      ASSERT_TRUE(got.count(name)) << p << " lacks " << name;
      EXPECT_TRUE(got.at(name) == bytes) << name << " differs between " << paths.front() << " and " << p;
    }
  }
}

TEST(KernelPaths, UnknownValueIsAOneLineError) {
  sl::test::TempDir tmp;
  const auto r =
      sl::test::run({worker().string(), (tmp / "none").string(), tmp.path().string()}, {{"SL_CPU_KERNELS", "sse9"}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("SL_CPU_KERNELS=\"sse9\" is not one of auto, avx512, avx2, generic"), std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(KernelPaths, AutoTakesTheWidestPath) {
  sl::test::TempDir tmp;
  const auto r =
      sl::test::run({worker().string(), (tmp / "none").string(), tmp.path().string()}, {{"SL_CPU_KERNELS", ""}});
  EXPECT_NE(r.out.find("kernel path: " + paths_this_cpu_runs().back() + "\n"), std::string::npos) << r.out;
}

}  // namespace
