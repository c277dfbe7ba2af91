#include "sl/core/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "sl/core/error.hpp"
#include "sl/core/journal.hpp"
#include "sl/core/jsonl.hpp"
#include "test_support.hpp"

TEST(Files, AtomicWriteCreatesFoldersAndReplaces) {
  sl::test::TempDir dir;
  auto target = dir / "a/b/out.txt";
  sl::files::write_atomic(target, "one");
  EXPECT_EQ(sl::test::read_file(target), "one");
  sl::files::write_atomic(target, "two");
  EXPECT_EQ(sl::test::read_file(target), "two");
  // No temporary files left behind.
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(target.parent_path())) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

TEST(Files, UncommittedWriterLeavesTargetUntouched) {
  sl::test::TempDir dir;
  auto target = dir / "out.txt";
  sl::files::write_atomic(target, "keep");
  {
    sl::files::AtomicWriter w(target);
    w.write("partial");
  }
  EXPECT_EQ(sl::test::read_file(target), "keep");
}

TEST(Files, UnwritableFolderIsAClearError) {
  if (::geteuid() == 0) {
    // root ignores permission bits; use a path under a regular file instead.
    sl::test::TempDir dir;
    sl::test::write_file(dir / "file", "x");
    EXPECT_THROW(sl::files::ensure_writable(dir / "file/sub/out.jsonl"), sl::Error);
    return;
  }
  EXPECT_THROW(sl::files::ensure_writable("/proc/forbidden/out.jsonl"), sl::Error);
}

TEST(Files, MissingInputIsUsageError) {
  try {
    sl::files::read_text("/nonexistent/file.json");
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/file.json"), std::string::npos);
  }
}

TEST(Jsonl, ErrorsNameFileAndLine) {
  sl::test::TempDir dir;
  auto path = dir / "rows.jsonl";
  sl::test::write_file(path, "{\"a\":1}\n\n{\"a\":2\n");
  try {
    sl::jsonl::for_each(path, [](const sl::Json&, std::size_t) {});
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":3: invalid JSON", 0), 0u) << e.what();
  }
}

TEST(Journal, SurvivesTornLastLineAndReopens) {
  sl::test::TempDir dir;
  auto path = dir / "run.journal";
  {
    sl::Journal j(path);
    EXPECT_FALSE(j.header());
    j.write_header({{"config", "abc"}});
    j.append({{"i", 0}});
    j.append({{"i", 1}});
  }
  // Simulate a crash in the middle of writing a record.
  {
    std::FILE* f = std::fopen(path.c_str(), "a");
    std::fputs("{\"i\": 2, \"tr", f);
    std::fclose(f);
  }
  {
    sl::Journal j(path);
    ASSERT_TRUE(j.header());
    EXPECT_EQ((*j.header())["config"], "abc");
    ASSERT_EQ(j.records().size(), 2u);
    EXPECT_EQ(j.records()[1]["i"], 1);
    j.append({{"i", 2}});
  }
  sl::Journal j(path);
  ASSERT_EQ(j.records().size(), 3u);
  EXPECT_EQ(j.records()[2]["i"], 2);
}
