// sl_tokenize: encode, decode and render chats with a model folder's tokenizer, for people
// debugging prompts and for scripted checks. The work is in sl/local/text/tokenize_commands.hpp.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/core/files.hpp"
#include "sl/local/text/tokenize_commands.hpp"

namespace {

std::string read_input(const std::string& path) {
  if (!path.empty() && path != "-") return sl::files::read_text(path);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  namespace cmd = sl::local::tokenize_commands;
  CLI::App app{"Tokenize text, decode ids and render chat prompts with a Hugging Face tokenizer.json", "sl_tokenize"};
  app.footer(R"(Input comes from stdin (or --input FILE) and is used exactly as given: `echo` adds a newline,
`printf` does not. decode and chat print their text without adding a newline.

Examples:
  printf 'Hello, world!' | sl_tokenize --model models/Qwen2.5-7B-Instruct encode
      [9707,11,1879,0]
  printf 'Hello, world!' | sl_tokenize --model path/to/tokenizer.json encode --pieces
      [9707,11,1879,0]
      ["Hello",",","Ġworld","!"]
  echo '[9707,11,1879,0]' | sl_tokenize --model models/Qwen2.5-7B-Instruct decode
      Hello, world!
  echo '[{"role":"user","content":"Hi"}]' | sl_tokenize --model models/Qwen2.5-7B-Instruct chat --add_generation_prompt
  echo '[{"role":"user","content":"Hi"}]' | sl_tokenize --model DIR chat --ids --var date_string="26 Jul 2024"

--model takes a model folder (tokenizer.json, tokenizer_config.json, optional chat_template.jinja)
or a tokenizer.json file (tokenizer_config.json is then read from beside it).
Exit codes: 0 ok, 1 runtime failure, 2 bad flags or input.)");
  sl::cli::add_logging_flags(app);
  app.require_subcommand(1);
  app.fallthrough();
  std::string model_path;
  app.add_option("-m,--model", model_path, "Model folder or tokenizer.json")->required();

  std::string input;
  auto* encode = app.add_subcommand("encode", "Print the token ids of the UTF-8 text on stdin as one JSON array");
  cmd::EncodeOptions encode_options;
  encode->add_flag("--pieces", encode_options.pieces, "Also print the token strings (a second JSON array)");
  encode->add_flag("--add_special_tokens", encode_options.add_special_tokens,
                   "Apply the post-processor (e.g. Llama's <|begin_of_text|>)");
  encode->add_option("-i,--input", input, "Read the text from FILE instead of stdin");

  auto* decode = app.add_subcommand("decode", "Print the text of a JSON array of token ids read from stdin");
  cmd::DecodeOptions decode_options;
  decode->add_flag("--skip_special_tokens", decode_options.skip_special_tokens, "Leave out special tokens");
  decode->add_flag("--clean_up_tokenization_spaces", decode_options.clean_up_tokenization_spaces,
                   "Apply transformers' clean-up (\" .\" -> \".\", ...), as its decode() does when the config says so");
  decode->add_option("-i,--input", input, "Read the ids from FILE instead of stdin");

  auto* chat =
      app.add_subcommand("chat", "Print the prompt the chat template renders for a JSON array of messages on stdin");
  cmd::ChatOptions chat_options;
  std::vector<std::string> variables;
  chat->add_flag("--add_generation_prompt", chat_options.add_generation_prompt, "End with the assistant turn header");
  chat->add_flag("--ids", chat_options.ids, "Print the token ids of the prompt instead of its text");
  chat->add_option("--var", variables, "Template variable KEY=VALUE (VALUE as JSON, else as a string); repeatable");
  chat->add_option("-i,--input", input, "Read the messages from FILE instead of stdin");

  return sl::cli::run(app, argc, argv, [&] {
    const auto model = sl::local::TextModel::load(model_path);
    const std::string in = read_input(input);
    std::string out;
    if (*encode) {
      out = cmd::encode(model, in, encode_options);
    } else if (*decode) {
      out = cmd::decode(model, in, decode_options);
    } else {
      for (const auto& v : variables) {
        auto [key, value] = cmd::parse_variable(v);
        chat_options.variables[key] = value;
      }
      out = cmd::chat(model, in, chat_options);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? sl::cli::kExitOk : sl::cli::kExitFailure;
  });
}
