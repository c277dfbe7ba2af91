// The device-generic inference path (libtorch ops, as on CUDA) against the fused CPU kernels, on
// tiny random Qwen2 and Llama checkpoints, as real processes (SL_CPU_KERNELS and SL_DTYPE are
// read once per process): float32 greedy output equal with log-probabilities, scores and logits
// within float32 tolerance; bfloat16 logits within bfloat16 tolerance of float32. The
// tolerances and their derivation are in device_parity_worker.cpp.
#include <gtest/gtest.h>

#include <string>

#include "process.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using sl::test::ProcessResult;
using sl::test::TempDir;

ProcessResult worker(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), SL_PARITY_WORKER);
  // Unset what the caller's environment might set, unless the test sets it.
  for (const char* name : {"SL_DEVICE", "SL_DTYPE", "SL_CPU_KERNELS"}) env.emplace(name, "");
  env.emplace("SL_THREADS", "1");
  return sl::test::run(args, env);
}

class DeviceParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DeviceParityTest, GenericPathMatchesFusedInFloat32AndBfloat16IsClose) {
  TempDir tmp;
  const fs::path model = tmp.path() / "model";
  auto r = worker({"write-tiny", model.string(), GetParam()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const std::string fused = (tmp.path() / "fused.json").string();
  const std::string generic = (tmp.path() / "generic.json").string();
  const std::string bf16 = (tmp.path() / "bf16.json").string();
  r = worker({"probe", model.string(), fused});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cpu float32, fused CPU kernels: yes"), std::string::npos) << r.out;
  r = worker({"probe", model.string(), generic}, {{"SL_CPU_KERNELS", "torch"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cpu float32, fused CPU kernels: no"), std::string::npos) << r.out;
  r = worker({"probe", model.string(), bf16}, {{"SL_DTYPE", "bfloat16"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cpu bfloat16, fused CPU kernels: no"), std::string::npos) << r.out;

  r = worker({"compare", fused, generic, "exact"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ok   greedy tokens equal"), std::string::npos) << r.out;
  r = worker({"compare", fused, bf16, "bf16"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The float32 check is tight enough to tell bfloat16 arithmetic from float32.
  r = worker({"compare", fused, bf16, "exact"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("parity: FAIL"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Architectures, DeviceParityTest, ::testing::Values("qwen2", "llama"));

TEST(DeviceSettings, BadValuesAreOneLineErrorsNamingTheVariable) {
  TempDir tmp;
  const fs::path model = tmp.path() / "model";
  ASSERT_EQ(worker({"write-tiny", model.string(), "qwen2"}).exit_code, 0);
  auto r = worker({"probe", model.string(), (tmp.path() / "x.json").string()}, {{"SL_DTYPE", "float16"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("SL_DTYPE=\"float16\" is not one of float32, bfloat16"), std::string::npos) << r.err;
}

}  // namespace
