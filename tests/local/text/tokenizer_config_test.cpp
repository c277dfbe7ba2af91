// tokenizer_config.json and chat_template.jinja: special tokens, named templates, precedence.
#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/local/text/chat_template.hpp"
#include "sl/local/text/text_model.hpp"
#include "test_support.hpp"
#include "test_tokenizers.hpp"

namespace sl::local {
namespace {

TEST(TokenizerConfig, SpecialTokensAsStringsOrObjects) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / "tokenizer_config.json", R"({
    "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
    "eos_token": "</s>", "pad_token": null, "unk_token": {"content": "<unk>"},
    "additional_special_tokens": ["<a>", {"content": "<b>"}],
    "clean_up_tokenization_spaces": true,
    "chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}"
  })");
  auto config = TokenizerConfig::from_folder(dir.path());
  EXPECT_EQ(config.bos_token, std::optional<std::string>("<s>"));
  EXPECT_EQ(config.eos_token, std::optional<std::string>("</s>"));
  EXPECT_FALSE(config.pad_token.has_value());
  EXPECT_EQ(config.unk_token, std::optional<std::string>("<unk>"));
  EXPECT_TRUE(config.clean_up_tokenization_spaces);
  Json vars = special_token_variables(config);
  EXPECT_EQ(vars["bos_token"], "<s>");
  EXPECT_EQ(vars["additional_special_tokens"], Json::array({"<a>", "<b>"}));
  EXPECT_FALSE(vars.contains("pad_token"));
  auto tpl = ChatTemplate::compile(*config.chat_template, config.chat_template_origin);
  EXPECT_EQ(tpl->render(Json::array({{{"role", "user"}, {"content", "hi"}}}), false, vars), "<s>hi</s>");
}

TEST(TokenizerConfig, NamedTemplatesUseDefaultAndJinjaFileWins) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / "tokenizer_config.json", R"({"chat_template": [
    {"name": "tool_use", "template": "tools"}, {"name": "default", "template": "plain"}]})");
  auto config = TokenizerConfig::from_folder(dir.path());
  EXPECT_EQ(config.chat_template, std::optional<std::string>("plain"));
  EXPECT_EQ(config.named_chat_templates.at("tool_use"), "tools");
  sl::test::write_file(dir / "chat_template.jinja", "from the jinja file\n");
  config = TokenizerConfig::from_folder(dir.path());
  EXPECT_EQ(config.chat_template, std::optional<std::string>("from the jinja file\n"));
  EXPECT_EQ(config.chat_template_origin, (dir / "chat_template.jinja").string());
}

TEST(TokenizerConfig, MissingFileIsEmptyAndBadValuesAreErrors) {
  sl::test::TempDir dir;
  auto config = TokenizerConfig::from_folder(dir.path());
  EXPECT_FALSE(config.chat_template.has_value());
  sl::test::write_file(dir / "tokenizer_config.json", R"({"eos_token": 5})");
  try {
    TokenizerConfig::from_folder(dir.path());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json: eos_token"), std::string::npos) << e.what();
  }
  sl::test::write_file(dir / "tokenizer_config.json", R"({"chat_template": 3})");
  EXPECT_THROW(TokenizerConfig::from_folder(dir.path()), UsageError);
}

TEST(TextModel, LoadsAFolderOrATokenizerFile) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / "tokenizer.json", testing::byte_level_bpe({}).dump());
  sl::test::write_file(
      dir / "tokenizer_config.json",
      R"({"eos_token": "<e>", "chat_template": "{% for m in messages %}[{{ m.content }}]{% endfor %}{{ eos_token }}"})");
  for (const auto& path : {dir.path(), dir / "tokenizer.json"}) {
    auto model = TextModel::load(path);
    Json messages = Json::array({{{"role", "user"}, {"content", "hi"}}});
    EXPECT_EQ(model.render_chat(messages, false), "[hi]<e>");
    EXPECT_EQ(model.encode_chat(messages, false).size(), 7u);  // one byte token per character
  }
  EXPECT_THROW(TextModel::load(dir / "missing"), UsageError);
  sl::test::TempDir empty;
  EXPECT_THROW(TextModel::load(empty.path()), UsageError);
}

}  // namespace
}  // namespace sl::local
