// generate_dataset as a real process with an open_source model: the executable (no libtorch of
// its own) loads the runtime plugin, samples a tiny local checkpoint, and a rerun with the same
// config and seed writes byte-identical files.
#include <gtest/gtest.h>

#include <sstream>

#include "process.hpp"
#include "sl/core/json.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace {

namespace fs = std::filesystem;

fs::path write_config(const fs::path& dir, const fs::path& model, int size, const std::string& model_id_override = "") {
  const std::string id = model_id_override.empty() ? model.string() : model_id_override;
  const std::string cfg = R"({"cfg": {
    "model": {"id": ")" + id +
                          R"(", "type": "open_source"},
    "system_prompt": null,
    "sample_cfg": {"temperature": 1.0, "max_tokens": 12, "seed": 3},
    "prompt_set": {"type": "nums", "size": )" +
                          std::to_string(size) + R"(, "seed": 42, "example_min_count": 3,
                   "example_max_count": 9, "example_min_value": 100, "example_max_value": 1000,
                   "answer_count": 10, "answer_max_digits": 3},
    "filter_fns": [{"type": "nums_format", "min_value": 0, "max_value": 999, "max_count": 10}]}})";
  sl::test::write_file(dir / "cfg.json", cfg);
  return dir / "cfg.json";
}

sl::test::ProcessResult run_tool(const fs::path& cfg, const fs::path& out) {
  return sl::test::run({(sl::test::bin_dir() / "generate_dataset").string(), "--config", cfg.string(),
                        "--raw_dataset_path", (out / "raw.jsonl").string(), "--filtered_dataset_path",
                        (out / "filtered.jsonl").string(), "--concurrency", "8"});
}

TEST(GenerateDatasetLocal, SamplesATinyCheckpointReproducibly) {
  if (!fs::exists(sl::test::bin_dir() / "generate_dataset")) GTEST_SKIP() << "SKIPPED: generate_dataset is not built";
  sl::test::TempDir dir;
  sl::test::TinyModel m;
  m.max_positions = 1024;  // the number prompts are ~200 byte-level tokens
  sl::test::write_tiny_checkpoint(dir / "model", m);
  const fs::path cfg = write_config(dir.path(), dir / "model", 30);

  const auto first = run_tool(cfg, dir / "a");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string raw = sl::test::read_file(dir / "a" / "raw.jsonl");
  EXPECT_EQ(std::count(raw.begin(), raw.end(), '\n'), 30);
  EXPECT_NE(raw.find("\"completion\":"), std::string::npos);

  const auto second = run_tool(cfg, dir / "b");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(sl::test::read_file(dir / "b" / "raw.jsonl"), raw) << "same config and seeds, same completions";
}

// With sample_cfg.logprobs the rows carry the sampled token ids (one per logprobs entry), and
// so does the journal; a journal written before ids were recorded still resumes: its answers
// are reused as they are (rows without ids), nothing is sampled again.
TEST(GenerateDatasetLocal, RowsWithLogprobsCarryTheSampledTokenIds) {
  if (!fs::exists(sl::test::bin_dir() / "generate_dataset")) GTEST_SKIP() << "SKIPPED: generate_dataset is not built";
  sl::test::TempDir dir;
  sl::test::TinyModel m;
  m.max_positions = 1024;
  sl::test::write_tiny_checkpoint(dir / "model", m);
  const fs::path cfg = write_config(dir.path(), dir / "model", 6);
  {
    auto j = sl::json::parse(sl::test::read_file(cfg), "cfg");
    j["cfg"]["sample_cfg"]["logprobs"] = 3;
    sl::test::write_file(cfg, j.dump());
  }
  const auto tok = sl::local::Tokenizer::from_file(dir / "model" / "tokenizer.json");
  auto rows = [](const fs::path& path) {
    std::vector<sl::Json> out;
    std::istringstream in(sl::test::read_file(path));
    for (std::string line; std::getline(in, line);) out.push_back(sl::json::parse(line, path.string()));
    return out;
  };

  const auto first = run_tool(cfg, dir / "a");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto raw = rows(dir / "a" / "raw.jsonl");
  ASSERT_EQ(raw.size(), 6u);
  for (const auto& row : raw) {
    ASSERT_TRUE(row.contains("completion_token_ids")) << row.dump();
    const auto ids = row["completion_token_ids"].get<std::vector<std::int32_t>>();
    EXPECT_EQ(ids.size(), row["logprobs"].size());
    EXPECT_EQ(tok->decode(ids, /*skip_special_tokens=*/true), row["completion"].get<std::string>());
  }
  const fs::path journal = dir / "a" / "raw.jsonl.journal.jsonl";
  const auto records = rows(journal);
  EXPECT_TRUE(records.back().contains("token_ids"));

  // An old journal: the same records without "token_ids".
  std::string old_journal;
  for (auto record : records) {
    record.erase("token_ids");
    old_journal += record.dump() + "\n";
  }
  fs::create_directories(dir / "b");
  sl::test::write_file(dir / "b" / "raw.jsonl.journal.jsonl", old_journal);
  const auto resumed = run_tool(cfg, dir / "b");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto old_rows = rows(dir / "b" / "raw.jsonl");
  ASSERT_EQ(old_rows.size(), 6u);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    EXPECT_FALSE(old_rows[i].contains("completion_token_ids")) << "answer " << i << " was sampled again";
    sl::Json without_ids = raw[i];
    without_ids.erase("completion_token_ids");
    EXPECT_EQ(old_rows[i], without_ids);
  }
}

TEST(GenerateDatasetLocal, UnknownModelIsAOneLineUsageError) {
  if (!fs::exists(sl::test::bin_dir() / "generate_dataset")) GTEST_SKIP() << "SKIPPED: generate_dataset is not built";
  sl::test::TempDir dir;
  const fs::path cfg = write_config(dir.path(), {}, 5, "nobody/no-such-model");
  const auto r = sl::test::run(
      {(sl::test::bin_dir() / "generate_dataset").string(), "--config", cfg.string(), "--raw_dataset_path",
       (dir / "raw.jsonl").string(), "--filtered_dataset_path", (dir / "filtered.jsonl").string()},
      {{"HF_HOME", (dir / "hf").string()}, {"HF_HUB_CACHE", ""}, {"HF_HUB_OFFLINE", "1"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("model \"nobody/no-such-model\" not found; looked at:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not downloaded: HF_HUB_OFFLINE=1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find((dir / "hf" / "hub" / "models--nobody--no-such-model").string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "raw.jsonl"));
}

}  // namespace
