// The resumable-run protocol: header identity, restart, replay errors, shard paths and merging.
#include "sl/core/journal_session.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sl::JournalIdentity;
using sl::JournalSession;
using sl::Json;
using sl::Shard;

namespace {

JournalIdentity identity(Json settings = {{"model", "m"}, {"temperature", 1}}) {
  return {"toy_tool", 1, "sampling", std::move(settings), "the original config", "answers"};
}

std::vector<Json> replayed(const JournalSession& session) {
  std::vector<Json> out;
  session.replay([&](const Json& r) { out.push_back(r); });
  return out;
}

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const sl::UsageError& e) {
    return e.what();
  }
  return "no error";
}

std::size_t index_of(const Json& r) { return r.at("i").get<std::size_t>(); }

}  // namespace

TEST(JournalSession, WritesTheHeaderAndResumesOnlyTheSameIdentity) {
  sl::test::TempDir dir;
  const fs::path out = dir / "out.jsonl";
  {
    JournalSession s(out, identity(), false);
    EXPECT_EQ(s.path(), dir / "out.jsonl.journal.jsonl");
    s.append({{"i", 0}});
    s.append({{"i", 1}});
  }
  EXPECT_EQ(sl::test::read_file(dir / "out.jsonl.journal.jsonl"),
            "{\"journal\":\"toy_tool\",\"version\":1,\"sampling\":{\"model\":\"m\",\"temperature\":1}}\n"
            "{\"i\":0}\n{\"i\":1}\n");
  EXPECT_EQ(replayed(JournalSession(out, identity(), false)).size(), 2u);

  EXPECT_EQ(usage_error([&] {
              JournalSession s(out, identity({{"model", "m"}, {"temperature", 0.5}}), false);
            }),
            (dir / "out.jsonl.journal.jsonl").string() +
                ": written by a run with different temperature; rerun with the original config, or with --restart "
                "to discard its 2 answers");
  auto other_tool = identity();
  other_tool.tool = "other_tool";
  EXPECT_EQ(
      usage_error([&] { JournalSession s(out, other_tool, false); }),
      (dir / "out.jsonl.journal.jsonl").string() + ": not a other_tool journal of this version; rerun with --restart");
  auto next_version = identity();
  next_version.version = 2;
  EXPECT_NE(
      usage_error([&] { JournalSession s(out, next_version, false); }).find("not a toy_tool journal of this version"),
      std::string::npos);

  // --restart discards the old journal and its records.
  JournalSession restarted(out, identity({{"model", "other"}}), true);
  EXPECT_TRUE(replayed(restarted).empty());
}

TEST(JournalSession, UnreadableRecordNamesItsNumber) {
  sl::test::TempDir dir;
  const fs::path out = dir / "out.jsonl";
  {
    JournalSession s(out, identity(), false);
    s.append({{"i", 0}});
    s.append({{"j", 1}});
  }
  JournalSession s(out, identity(), false);
  try {
    s.replay([](const Json& r) { index_of(r); });
    FAIL();
  } catch (const sl::Error& e) {
    EXPECT_EQ(std::string(e.what()), s.path().string() + ": record 2 is not a toy_tool record; rerun with --restart");
  }
}

TEST(JournalSession, ShardsOwnDisjointIndicesAndHaveTheirOwnJournals) {
  const Shard a{0, 3}, b{1, 3}, c{2, 3};
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(a.owns(i) + b.owns(i) + c.owns(i), 1) << i;
  EXPECT_TRUE(Shard{}.owns(7));
  EXPECT_EQ(sl::shard_journal_path("d/raw.jsonl", {}), fs::path("d/raw.jsonl.journal.jsonl"));
  EXPECT_EQ(sl::shard_journal_path("d/raw.jsonl", b), fs::path("d/raw.jsonl.journal.shard-1-of-3.jsonl"));
  EXPECT_EQ(usage_error([] {
              sl::shard_journal_path("raw.jsonl", {3, 3});
            }),
            "shard rank 3 of world size 3: the rank must be below the world size");
  EXPECT_NE(usage_error([] { sl::shard_journal_path("raw.jsonl", {0, 0}); }), "no error");
}

TEST(JournalSession, MergeAppendsShardRecordsInIndexOrderOnce) {
  sl::test::TempDir dir;
  const fs::path out = dir / "out.jsonl";
  auto write_shards = [&] {
    JournalSession s0(out, identity(), false, {0, 2}), s1(out, identity(), false, {1, 2});
    // Arrival order within a shard is any order; records of one index keep theirs.
    s0.append({{"i", 4}});
    s0.append({{"i", 0}});
    s0.append({{"i", 0}, {"judged", true}});
    s1.append({{"i", 3}});
    s1.append({{"i", 1}});
  };
  write_shards();
  EXPECT_EQ(usage_error([&] { sl::merge_shard_journals(out, identity(), 3, index_of); }),
            (dir / "out.jsonl.journal.shard-0-of-3.jsonl").string() +
                ": missing; shard 0 of 3 has not run (run it, then merge again)");
  EXPECT_FALSE(fs::exists(sl::journal_path_for(out)));  // a refused merge leaves nothing behind
  sl::merge_shard_journals(out, identity(), 2, index_of);
  EXPECT_FALSE(fs::exists(sl::shard_journal_path(out, {0, 2})));
  EXPECT_FALSE(fs::exists(sl::shard_journal_path(out, {1, 2})));
  const std::string merged = sl::test::read_file(sl::journal_path_for(out));
  EXPECT_EQ(merged.substr(merged.find('\n') + 1),
            "{\"i\":0}\n{\"i\":0,\"judged\":true}\n{\"i\":1}\n{\"i\":3}\n{\"i\":4}\n");

  // A merge interrupted before it deleted the shard journals can be repeated without duplicates.
  write_shards();
  sl::merge_shard_journals(out, identity(), 2, index_of);
  EXPECT_EQ(sl::test::read_file(sl::journal_path_for(out)), merged);

  // A shard written with other settings is refused, not mixed in.
  { JournalSession s0(out, identity({{"model", "other"}}), false, {0, 2}), s1(out, identity(), false, {1, 2}); }
  EXPECT_NE(usage_error([&] { sl::merge_shard_journals(out, identity(), 2, index_of); }).find("different model"),
            std::string::npos);
}
