#include "sl/core/config_file.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {
struct Cfg {
  std::int64_t size = 0;
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("size", &Cfg::size, positive())};
  }
};

std::string error_of(const std::filesystem::path& p, const std::string& name) {
  try {
    sl::config::load<Cfg>(p, name);
  } catch (const sl::UsageError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(ConfigFile, PicksNamedConfiguration) {
  sl::test::TempDir dir;
  auto p = dir / "x.json";
  sl::test::write_file(p, R"({"cfg": {"size": 3}, "other": {"size": 5}})");
  EXPECT_EQ(sl::config::load<Cfg>(p, "other").size, 5);
  EXPECT_EQ(sl::config::load<Cfg>(p, "cfg").size, 3);
}

TEST(ConfigFile, OneLineErrors) {
  sl::test::TempDir dir;
  auto p = dir / "x.json";
  sl::test::write_file(p, R"({"owl_dataset_cfg": {"size": "30k"}})");
  EXPECT_EQ(error_of(p, "owl_dataset_cfg"),
            p.string() + ": owl_dataset_cfg.size: expected a positive integer, got \"30k\"");
  EXPECT_EQ(error_of(p, "nope"), p.string() + ": no configuration named \"nope\" (available: owl_dataset_cfg)");
  sl::test::write_file(p, "{\"a\": ");
  EXPECT_EQ(error_of(p, "a").rfind(p.string() + ": invalid JSON: ", 0), 0u);
  EXPECT_EQ(error_of(dir / "missing.json", "a").rfind((dir / "missing.json").string() + ": cannot read file", 0), 0u);
}

TEST(ConfigFile, ValueByDottedPath) {
  sl::test::TempDir dir;
  auto p = dir / "x.json";
  sl::test::write_file(p, R"({"_comment": "x", "cfg": {"prompt_set": {"size": 5000}, "questions": ["a", "b", "c"]}})");
  EXPECT_EQ(sl::config::load_value(p, "cfg", "prompt_set.size"), 5000);
  EXPECT_EQ(sl::config::load_value(p, "cfg", "questions").size(), 3u);
  EXPECT_EQ(sl::config::load_value(p, "cfg", "questions.2"), "c");
  EXPECT_EQ(sl::config::load_value(p, "cfg", ""), sl::config::load_raw(p, "cfg"));
  auto error = [&](const std::string& path) {
    try {
      sl::config::load_value(p, "cfg", path);
    } catch (const sl::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("prompt_set.siz"), p.string() + ": cfg.prompt_set: no key \"siz\"");
  EXPECT_EQ(error("questions.3"), p.string() + ": cfg.questions: no element \"3\" (an array of 3)");
  EXPECT_EQ(error("questions.-1"), p.string() + ": cfg.questions: no element \"-1\" (an array of 3)");
  EXPECT_EQ(error("prompt_set.size.x").rfind(p.string() + ": cfg.prompt_set.size: ", 0), 0u)
      << error("prompt_set.size.x");
  EXPECT_EQ(error("prompt_set..size"), p.string() + ": cfg.prompt_set: empty key in \"prompt_set..size\"");
  EXPECT_EQ(error("prompt_set."), p.string() + ": cfg.prompt_set: empty key in \"prompt_set.\"");
}
