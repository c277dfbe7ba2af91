// Every vector in ../shared/reference/tokenizers (made with Hugging Face tokenizers and
// transformers' Jinja setup): encode, ignore_merges, decode (+ cleanup) and chat cases, for the
// Qwen2.5 and Llama 3.1 tokenizers. Skipped visibly when the folder is absent.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "sl/core/json.hpp"
#include "sl/local/text/text_model.hpp"
#include "test_support.hpp"

namespace sl::local {
namespace {

namespace fs = std::filesystem;

// One loaded model per folder for the whole run (loading is ~0.5 s).
const TextModel& model_for(const fs::path& dir) {
  static std::map<fs::path, TextModel> cache;
  auto it = cache.find(dir);
  if (it == cache.end()) it = cache.emplace(dir, TextModel::load(dir)).first;
  return it->second;
}

std::vector<Json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(Json::parse(line));
  return rows;
}

std::string show(const Json& j) { return j.dump(-1, ' ', true).substr(0, 300); }

class ReferenceVectors : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path folder() {
    auto ref = sl::test::reference_dir();
    if (!ref) return {};
    return *ref / "tokenizers" / GetParam();
  }
};

#define SL_REFERENCE_FOLDER(var) \
  const fs::path var = folder(); \
  if (var.empty()) GTEST_SKIP() << "SKIPPED: ../shared/reference not found (set SL_REFERENCE_DIR)"

TEST_P(ReferenceVectors, Encode) {
  SL_REFERENCE_FOLDER(dir);
  const auto& model = model_for(dir);
  std::size_t checked = 0;
  for (const char* file : {"encode_cases.jsonl", "ignore_merges_cases.jsonl"}) {
    if (!fs::exists(dir / file)) continue;
    for (const auto& row : read_jsonl(dir / file)) {
      auto ids = model.tokenizer->encode(row["text"].get<std::string>(), row["add_special_tokens"].get<bool>());
      EXPECT_EQ(Json(ids), row["ids"]) << file << ": " << show(row["text"]);
      ++checked;
    }
  }
  EXPECT_GE(checked, 241u);
}

TEST_P(ReferenceVectors, Decode) {
  SL_REFERENCE_FOLDER(dir);
  const auto& model = model_for(dir);
  auto rows = read_jsonl(dir / "decode_cases.jsonl");
  EXPECT_EQ(rows.size(), 30u);
  for (const auto& row : rows) {
    auto ids = row["ids"].get<std::vector<std::int32_t>>();
    bool skip = row["skip_special_tokens"].get<bool>();
    std::string text = model.tokenizer->decode(ids, skip);
    EXPECT_EQ(text, row["text"].get<std::string>()) << show(row["ids"]);
    if (row.contains("text_with_cleanup")) {
      EXPECT_TRUE(model.config.clean_up_tokenization_spaces);
      EXPECT_EQ(model.decode_like_transformers(ids, skip), row["text_with_cleanup"].get<std::string>())
          << show(row["ids"]);
    }
    // Streaming the same ids gives the same text, never broken UTF-8 on the way.
    StreamDecoder stream(model.tokenizer, skip);
    std::string streamed;
    for (auto id : ids) streamed += stream.push(id);
    streamed += stream.finish();
    EXPECT_EQ(streamed, text) << show(row["ids"]);
  }
}

TEST_P(ReferenceVectors, Chat) {
  SL_REFERENCE_FOLDER(dir);
  const auto& model = model_for(dir);
  auto rows = read_jsonl(dir / "chat_cases.jsonl");
  EXPECT_GE(rows.size(), 31u);
  for (const auto& row : rows) {
    Json vars = Json::object();
    if (row.contains("date_string")) vars["date_string"] = row["date_string"];
    std::string rendered = model.render_chat(row["messages"], row["add_generation_prompt"].get<bool>(), vars);
    EXPECT_EQ(rendered, row["rendered"].get<std::string>()) << show(row["messages"]);
    EXPECT_EQ(Json(model.tokenizer->encode(rendered, false)), row["ids"]) << show(row["messages"]);
  }
}

TEST_P(ReferenceVectors, KnownIdsFromTheModelReadme) {
  SL_REFERENCE_FOLDER(dir);
  const auto& model = model_for(dir);
  if (GetParam() == "qwen") {
    EXPECT_EQ(model.tokenizer->encode("Hello, world!"), (std::vector<std::int32_t>{9707, 11, 1879, 0}));
    EXPECT_EQ(model.tokenizer->encode(" <|im_start|> "), (std::vector<std::int32_t>{220, 151644, 220}));
    EXPECT_EQ(model.tokenizer->vocab_size(), 151665u);
  } else {
    EXPECT_EQ(model.tokenizer->encode("Hello world"), (std::vector<std::int32_t>{9906, 1917}));
    EXPECT_EQ(model.tokenizer->encode("Hello world", true), (std::vector<std::int32_t>{128000, 9906, 1917}));
    EXPECT_EQ(model.tokenizer->vocab_size(), 128256u);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ReferenceVectors, ::testing::Values("qwen", "llama3.1"), [](const auto& info) {
  return info.param == "qwen" ? std::string("Qwen") : std::string("Llama3_1");
});

}  // namespace
}  // namespace sl::local
