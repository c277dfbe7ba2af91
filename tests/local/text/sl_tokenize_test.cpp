// sl_tokenize as a real process on the Qwen reference folder: encode, decode and chat round trips,
// stdin input, help, and exit codes for bad input.
#include <gtest/gtest.h>

#include "process.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

std::string tool() { return (sl::test::bin_dir() / "sl_tokenize").string(); }

sl::test::ProcessResult run(std::vector<std::string> args) {
  args.insert(args.begin(), tool());
  return sl::test::run(args);
}

TEST(SlTokenize, HelpHasExamples) {
  auto r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  EXPECT_NE(r.out.find("encode"), std::string::npos);
}

TEST(SlTokenize, EncodeDecodeChatRoundTripOnQwen) {
  SL_REQUIRE_REFERENCE(ref);
  const fs::path qwen = ref / "tokenizers" / "qwen";
  sl::test::TempDir tmp;
  const std::string text = "Hello, world! 145, 267 caf\u00E9 \U0001F600\n<|im_start|>";
  sl::test::write_file(tmp / "text.txt", text);

  auto enc = run({"--model", qwen.string(), "encode", "--input", (tmp / "text.txt").string(), "--pieces"});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  auto newline = enc.out.find('\n');
  auto ids = sl::Json::parse(enc.out.substr(0, newline));
  auto pieces = sl::Json::parse(enc.out.substr(newline + 1));
  ASSERT_TRUE(ids.is_array());
  EXPECT_EQ(ids.size(), pieces.size());
  EXPECT_EQ(ids[0], 9707);
  EXPECT_EQ(pieces[0], "Hello");
  EXPECT_EQ(ids.back(), 151644);

  sl::test::write_file(tmp / "ids.json", ids.dump());
  auto dec = run({"--model", (qwen / "tokenizer.json").string(), "decode", "-i", (tmp / "ids.json").string()});
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, text);

  sl::test::write_file(tmp / "chat.json", R"([{"role": "user", "content": "Hello!"}])");
  auto chat = run({"--model", qwen.string(), "chat", "--add_generation_prompt", "-i", (tmp / "chat.json").string()});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(chat.out,
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
  auto chat_ids =
      run({"--model", qwen.string(), "chat", "--ids", "--add_generation_prompt", "-i", (tmp / "chat.json").string()});
  ASSERT_EQ(chat_ids.exit_code, 0) << chat_ids.err;
  EXPECT_EQ(sl::Json::parse(chat_ids.out),
            sl::Json::parse("[151644,8948,198,2610,525,1207,16948,11,3465,553,54364,14817,13,1446,525,264,10950,17847,"
                            "13,151645,198,151644,872,198,9707,0,151645,198,151644,77091,198]"));
}

TEST(SlTokenize, ReadsStdin) {
  SL_REQUIRE_REFERENCE(ref);
  sl::test::TempDir tmp;
  sl::test::write_file(tmp / "in.txt", "Hello, world!");
  // The test harness gives children /dev/null as stdin, so a shell redirects the file.
  auto r = sl::test::run({"/bin/sh", "-c", "exec \"$0\" --model \"$1\" encode < \"$2\"", tool(),
                          (ref / "tokenizers" / "qwen").string(), (tmp / "in.txt").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[9707,11,1879,0]\n");
}

TEST(SlTokenize, BadInputExitsWithTwoAndOneLine) {
  SL_REQUIRE_REFERENCE(ref);
  sl::test::TempDir tmp;
  const std::string qwen = (ref / "tokenizers" / "qwen").string();
  auto missing = run({"--model", (tmp / "nope").string(), "encode"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such file or folder"), std::string::npos) << missing.err;

  sl::test::write_file(tmp / "bad.json", "[1, -3]");
  auto bad_ids = run({"--model", qwen, "decode", "-i", (tmp / "bad.json").string()});
  EXPECT_EQ(bad_ids.exit_code, 2);
  EXPECT_NE(bad_ids.err.find("[1]: expected a token id"), std::string::npos) << bad_ids.err;

  sl::test::write_file(tmp / "msgs.json", R"({"role": "user"})");
  auto bad_chat = run({"--model", qwen, "chat", "-i", (tmp / "msgs.json").string()});
  EXPECT_EQ(bad_chat.exit_code, 2);
  EXPECT_NE(bad_chat.err.find("expected a JSON array"), std::string::npos) << bad_chat.err;

  auto no_command = run({"--model", qwen});
  EXPECT_EQ(no_command.exit_code, 2);

  sl::test::write_file(tmp / "latin1.txt", "caf\xE9");
  auto not_utf8 = run({"--model", qwen, "encode", "-i", (tmp / "latin1.txt").string()});
  EXPECT_EQ(not_utf8.exit_code, 2);
  EXPECT_NE(not_utf8.err.find("not valid UTF-8"), std::string::npos) << not_utf8.err;
}

}  // namespace
