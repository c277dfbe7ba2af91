// Prints one value of a config file, so that scripts (tools/demo) can say what a configuration
// does without repeating its numbers and without jq or python.
#include <cstdio>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Print one value of configuration --cfg_var_name in --config: a string as it is, a number or\n"
      "true/false/null as JSON, an object or array as one line of JSON (or its size with --count).",
      "config_value"};
  app.footer(
      "Example:\n"
      "  config_value --config cfgs/demo/pipeline.json --cfg_var_name numbers_dataset prompt_set.size\n"
      "  config_value --config cfgs/demo/pipeline.json --cfg_var_name animal_evaluation questions --count\n"
      "Exit codes: 0 ok, 2 bad flags, missing file or configuration, or no such value.");
  std::string config_path, cfg_name, key_path;
  bool count = false;
  app.add_option("--config,--config_module", config_path, "Config file (JSON object of named configurations)")
      ->required();
  app.add_option("--cfg_var_name", cfg_name, "Which configuration in the file")->required();
  app.add_option("path", key_path,
                 "Dotted path of keys and array indices, e.g. prompt_set.size or questions.0 "
                 "(default: the whole configuration)");
  app.add_flag("--count", count, "Print the number of elements of the array or object instead");
  return sl::cli::run(app, argc, argv, [&] {
    const sl::Json value = sl::config::load_value(config_path, cfg_name, key_path);
    if (count) {
      if (!value.is_array() && !value.is_object())
        throw sl::UsageError(config_path + ": " + cfg_name + (key_path.empty() ? "" : "." + key_path) +
                             ": --count needs an array or object, got " + sl::json::describe_value(value));
      std::printf("%zu\n", value.size());
    } else if (value.is_string()) {
      std::printf("%s\n", value.get<std::string>().c_str());
    } else {
      std::printf("%s\n", value.dump().c_str());
    }
    return sl::cli::kExitOk;
  });
}
