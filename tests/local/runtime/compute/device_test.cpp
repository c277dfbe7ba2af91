// Device settings read from the environment: SL_GPU_MEMORY_FRACTION (validated wherever it is
// read; only GPUs read it) and SL_DTYPE (the compute dtype choose_device returns).
#include "sl/local/runtime/compute/device.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "sl/core/error.hpp"

namespace sl::local {
namespace {

// Sets (or, with nullptr, unsets) a variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(GpuMemoryFraction, DefaultsToNineTenthsAndReadsValuesInZeroToOne) {
  {
    ScopedEnv e("SL_GPU_MEMORY_FRACTION", nullptr);
    EXPECT_DOUBLE_EQ(gpu_memory_fraction(), 0.9);
  }
  {
    ScopedEnv e("SL_GPU_MEMORY_FRACTION", "0.5");
    EXPECT_DOUBLE_EQ(gpu_memory_fraction(), 0.5);
  }
  {
    ScopedEnv e("SL_GPU_MEMORY_FRACTION", "1");
    EXPECT_DOUBLE_EQ(gpu_memory_fraction(), 1.0);
  }
}

TEST(GpuMemoryFraction, RejectsValuesOutsideZeroToOneAndNonNumbers) {
  for (const char* bad : {"0", "-0.2", "1.01", "abc", "0.5x", "nan", "inf"}) {
    ScopedEnv e("SL_GPU_MEMORY_FRACTION", bad);
    try {
      gpu_memory_fraction();
      ADD_FAILURE() << bad << " was accepted";
    } catch (const UsageError& err) {
      EXPECT_NE(std::string(err.what()).find("SL_GPU_MEMORY_FRACTION=\"" + std::string(bad) + "\""), std::string::npos)
          << err.what();
    }
  }
}

TEST(ChooseDevice, ComputeDtypeIsFloat32OnTheCpuUnlessSlDtypeSaysOtherwise) {
  {
    ScopedEnv e("SL_DTYPE", nullptr);
    EXPECT_EQ(choose_device("cpu").dtype, torch::kFloat32);
  }
  {
    ScopedEnv e("SL_DTYPE", "bfloat16");
    EXPECT_EQ(choose_device("cpu").dtype, torch::kBFloat16);
  }
  {
    ScopedEnv e("SL_DTYPE", "half");
    EXPECT_THROW(choose_device("cpu"), UsageError);
  }
}

TEST(DeviceMemory, IsNotReportedForTheCpu) { EXPECT_FALSE(device_memory(torch::kCPU).has_value()); }

}  // namespace
}  // namespace sl::local
