#include "sl/core/env.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "sl/core/error.hpp"
#include "test_support.hpp"

TEST(Env, DotenvIsReadAndProcessEnvironmentWins) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / ".env",
                       "# comment\nSL_TEST_A=from_file\nexport SL_TEST_B=\"quoted value\"\nSL_TEST_C=x # note\n");
  ::setenv("SL_TEST_A", "from_process", 1);
  sl::env::reset_for_tests();
  sl::env::load_dotenv(dir / ".env");
  EXPECT_EQ(sl::env::get("SL_TEST_A"), "from_process");
  EXPECT_EQ(sl::env::get("SL_TEST_B"), "quoted value");
  EXPECT_EQ(sl::env::get("SL_TEST_C"), "x");
  EXPECT_FALSE(sl::env::get("SL_TEST_MISSING"));
  ::unsetenv("SL_TEST_A");
  EXPECT_EQ(sl::env::get("SL_TEST_A"), "from_file");
  sl::env::reset_for_tests();
}

TEST(Env, MalformedLineNamesFileAndLine) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / ".env", "OK=1\nnot a setting\n");
  sl::env::reset_for_tests();
  try {
    sl::env::load_dotenv(dir / ".env");
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(".env:2: expected KEY=VALUE"), std::string::npos);
  }
  sl::env::reset_for_tests();
}
