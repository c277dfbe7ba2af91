#include "sl/local/text/text_model.hpp"

#include "sl/core/error.hpp"

namespace sl::local {

TextModel TextModel::load(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  TextModel model;
  fs::path tokenizer_json;
  if (fs::is_directory(path, ec)) {
    model.folder = path;
    tokenizer_json = path / "tokenizer.json";
    if (!fs::exists(tokenizer_json, ec)) throw UsageError(path.string() + ": no tokenizer.json in this folder");
  } else if (fs::exists(path, ec)) {
    tokenizer_json = path;
    model.folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  } else {
    throw UsageError(path.string() + ": no such file or folder (expected a model folder or a tokenizer.json)");
  }
  model.tokenizer = Tokenizer::from_file(tokenizer_json);
  model.config = TokenizerConfig::from_folder(model.folder);
  if (model.config.chat_template)
    model.chat_template = ChatTemplate::compile(*model.config.chat_template, model.config.chat_template_origin);
  return model;
}

std::string TextModel::render_chat(const Json& messages, bool add_generation_prompt, const Json& variables) const {
  if (!chat_template)
    throw UsageError(folder.string() +
                     ": no chat template (neither chat_template.jinja nor a chat_template in "
                     "tokenizer_config.json)");
  Json vars = special_token_variables(config);
  for (auto it = variables.begin(); it != variables.end(); ++it) vars[it.key()] = it.value();
  return chat_template->render(messages, add_generation_prompt, vars);
}

std::vector<std::int32_t> TextModel::encode_chat(const Json& messages, bool add_generation_prompt,
                                                 const Json& variables) const {
  return tokenizer->encode(render_chat(messages, add_generation_prompt, variables), false);
}

std::string TextModel::decode_like_transformers(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::string text = tokenizer->decode(ids, skip_special_tokens);
  return config.clean_up_tokenization_spaces ? clean_up_tokenization(std::move(text)) : text;
}

}  // namespace sl::local
