#include "sl/openai/client_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "test_support.hpp"

using namespace sl::openai;

namespace {

// Runs `fn` in an empty working directory (no stray .env) with the given variables set.
class EnvScope {
 public:
  explicit EnvScope(std::initializer_list<std::pair<const char*, const char*>> vars) : vars_(vars.begin(), vars.end()) {
    for (const char* name : kAll) ::unsetenv(name);
    for (auto& [k, v] : vars_) ::setenv(k, v, 1);
    old_cwd_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_.path());
    sl::env::reset_for_tests();
  }
  ~EnvScope() {
    for (const char* name : kAll) ::unsetenv(name);
    std::filesystem::current_path(old_cwd_);
    sl::env::reset_for_tests();
  }
  const sl::test::TempDir& dir() const { return dir_; }

 private:
  static constexpr const char* kAll[] = {"OPENAI_BASE_URL",
                                         "OPENAI_API_KEY",
                                         "SL_OPENAI_MAX_RETRIES",
                                         "SL_OPENAI_CONNECT_RETRIES",
                                         "SL_OPENAI_TIMEOUT",
                                         "SL_OPENAI_CONNECT_TIMEOUT",
                                         "SL_OPENAI_MAX_TOKENS_FIELD",
                                         "SL_OPENAI_MAX_RETRY_TIME"};
  std::vector<std::pair<const char*, const char*>> vars_;
  sl::test::TempDir dir_;
  std::filesystem::path old_cwd_;
};

std::string usage_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const sl::UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ClientConfig, Defaults) {
  EnvScope env({});
  ClientConfig c = ClientConfig::from_env();
  EXPECT_EQ(c.base_url, "https://api.openai.com/v1");
  EXPECT_FALSE(c.api_key);
  EXPECT_EQ(c.concurrency, 64);
  EXPECT_EQ(c.max_tokens_field, "max_completion_tokens");
}

TEST(ClientConfig, FromEnvironmentAndOverrides) {
  EnvScope env({{"OPENAI_BASE_URL", "http://127.0.0.1:8000/v1/"},
                {"OPENAI_API_KEY", "sk-test"},
                {"SL_OPENAI_MAX_RETRIES", "2"},
                {"SL_OPENAI_CONNECT_RETRIES", "0"},
                {"SL_OPENAI_TIMEOUT", "30"},
                {"SL_OPENAI_CONNECT_TIMEOUT", "0.5"},
                {"SL_OPENAI_MAX_TOKENS_FIELD", "max_tokens"},
                {"SL_OPENAI_MAX_RETRY_TIME", "60"}});
  ClientConfig c = ClientConfig::from_env();
  EXPECT_EQ(c.base_url, "http://127.0.0.1:8000/v1");  // trailing slash dropped
  EXPECT_EQ(c.api_key, "sk-test");
  EXPECT_EQ(c.retry.max_retries, 2);
  EXPECT_EQ(c.retry.max_connect_retries, 0);
  EXPECT_DOUBLE_EQ(c.request_timeout_s, 30);
  EXPECT_DOUBLE_EQ(c.connect_timeout_s, 0.5);
  EXPECT_EQ(c.max_tokens_field, "max_tokens");
  EXPECT_DOUBLE_EQ(c.retry.max_total_s, 60);
}

TEST(ClientConfig, DotenvIsReadAndTheProcessEnvironmentWins) {
  EnvScope env({{"OPENAI_BASE_URL", "http://from-process:1/v1"}});
  sl::test::write_file(env.dir() / ".env", "OPENAI_BASE_URL=http://from-file:2/v1\nOPENAI_API_KEY=sk-from-file\n");
  sl::env::reset_for_tests();
  ClientConfig c = ClientConfig::from_env();
  EXPECT_EQ(c.base_url, "http://from-process:1/v1");
  EXPECT_EQ(c.api_key, "sk-from-file");
}

TEST(ClientConfig, BadValuesNameTheVariable) {
  {
    EnvScope env({{"SL_OPENAI_MAX_RETRIES", "many"}});
    EXPECT_EQ(usage_error([] { ClientConfig::from_env(); }),
              "SL_OPENAI_MAX_RETRIES: expected a non-negative integer, got \"many\"");
  }
  {
    EnvScope env({{"SL_OPENAI_TIMEOUT", "-1"}});
    EXPECT_EQ(usage_error([] { ClientConfig::from_env(); }),
              "SL_OPENAI_TIMEOUT: expected a positive number of seconds, got \"-1\"");
  }
  {
    EnvScope env({{"OPENAI_BASE_URL", "api.openai.com/v1"}});
    EXPECT_EQ(usage_error([] { ClientConfig::from_env(); }),
              "OPENAI_BASE_URL: expected an http:// or https:// URL, got \"api.openai.com/v1\"");
  }
  {
    EnvScope env({{"OPENAI_API_KEY", "sk-secret\nX-Injected: 1"}});
    std::string msg = usage_error([] { ClientConfig::from_env(); });
    EXPECT_EQ(msg, "OPENAI_API_KEY: contains a line break");
    EXPECT_EQ(msg.find("sk-secret"), std::string::npos);
  }
}
