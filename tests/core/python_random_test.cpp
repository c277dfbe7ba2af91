// Expected values printed by CPython 3.11 (`random.Random(seed).sample(range(n), k)` etc.).
#include "sl/core/python_random.hpp"

#include <gtest/gtest.h>

TEST(PythonRandom, GetrandbitsMatchesCPython) {
  sl::python::Random r(5);
  EXPECT_EQ(r.getrandbits(32), 2675342405u);
  EXPECT_EQ(r.getrandbits(32), 1097127993u);
  EXPECT_EQ(r.getrandbits(32), 3185950873u);
}

TEST(PythonRandom, SampleMatchesCPythonBothAlgorithms) {
  using V = std::vector<std::size_t>;
  EXPECT_EQ(sl::python::Random(1).sample_indices(100, 10), (V{17, 72, 97, 8, 32, 15, 63, 57, 60, 83}));
  EXPECT_EQ(sl::python::Random(1).sample_indices(30000, 10),
            (V{4402, 18651, 27768, 26288, 25027, 2067, 8358, 3863, 16234, 24935}));
  EXPECT_EQ(sl::python::Random(42).sample_indices(12, 5), (V{10, 1, 0, 4, 3}));
  EXPECT_EQ(sl::python::Random((1ULL << 40) + 3).sample_indices(1000, 3), (V{225, 62, 562}));
  EXPECT_THROW(sl::python::Random(1).sample_indices(3, 4), std::invalid_argument);
}
