// Limits on JSON from outside: document size, line size, nesting depth; and numbers too large
// for a double (found by fuzzing: nlohmann's out_of_range escaped as a non-sl error).
#include "sl/core/json_limits.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/journal.hpp"
#include "sl/core/json.hpp"
#include "sl/core/jsonl.hpp"
#include "test_support.hpp"

namespace sl {
namespace {

std::string usage_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UsageError";
  return "";
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonLimits, DocumentOverTheSizeLimitIsAClearError) {
  const std::string big(json::kMaxDocumentBytes + 1, ' ');
  const std::string msg = usage_error_of([&] { json::parse(big, "big.json"); });
  EXPECT_EQ(msg, "big.json: JSON document of " + std::to_string(json::kMaxDocumentBytes + 1) +
                     " bytes is over the limit of " + std::to_string(json::kMaxDocumentBytes) + " bytes");
}

TEST(JsonLimits, NestingDepthIsBounded) {
  EXPECT_NO_THROW(json::parse(nested(json::kMaxDepth), "ok.json"));
  const std::string msg = usage_error_of([&] { json::parse(nested(json::kMaxDepth + 1), "deep.json"); });
  EXPECT_NE(msg.find("deep.json: JSON nested deeper than 512 levels (at byte 513)"), std::string::npos) << msg;
  // Brackets inside strings (escaped quotes included) do not count.
  const std::string in_string = "[\"" + std::string(2000, '[') + "\\\"" + std::string(2000, '{') + "\"]";
  EXPECT_NO_THROW(json::parse(in_string, "strings.json"));
}

TEST(JsonLimits, NumberTooLargeForADoubleIsAUsageError) {
  // Fuzz finding (model_configs): "1e357" threw nlohmann's out_of_range, not an sl error.
  const std::string msg = usage_error_of([] { json::parse(R"({"rope_theta": 1e357})", "config.json"); });
  EXPECT_NE(msg.find("config.json: invalid JSON: number overflow parsing '1e357'"), std::string::npos) << msg;
}

TEST(JsonLimits, JsonlLineOverTheLimitNamesFileAndLine) {
  const std::string text = "{\"a\": 1}\n\"" + std::string(json::kMaxLineBytes, 'x') + "\"\n";
  const std::string msg =
      usage_error_of([&] { jsonl::for_each_line(text, "rows.jsonl", [](const Json&, std::size_t) {}); });
  EXPECT_EQ(msg, "rows.jsonl:2: line of " + std::to_string(json::kMaxLineBytes + 2) + " bytes is over the limit of " +
                     std::to_string(json::kMaxLineBytes) + " bytes");
}

TEST(JsonLimits, JournalLinesAreCheckedToo) {
  test::TempDir dir;
  const auto path = dir.path() / "run.journal.jsonl";
  test::write_file(path, "{\"journal\": \"x\"}\n" + nested(json::kMaxDepth + 1) + "\n");
  const std::string msg = usage_error_of([&] { Journal journal(path); });
  EXPECT_NE(msg.find("run.journal.jsonl:2: JSON nested deeper than 512 levels"), std::string::npos) << msg;
  // A number out of range is a corrupt line like any other (was an uncaught nlohmann error).
  test::write_file(path, "{\"journal\": \"x\"}\n{\"i\": 1e400}\n");
  try {
    Journal journal(path);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run.journal.jsonl:2: corrupt journal line"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sl
