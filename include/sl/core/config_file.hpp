// Configuration files: a JSON object whose top-level keys name configurations, the way the
// reference tool's Python config modules hold variables:
//
//   { "owl_dataset_cfg": {...}, "control_dataset_cfg": {...} }
//
// `--config FILE --cfg_var_name NAME` picks one. Decoding is strict; every error is one line
// naming the file, the configuration and the JSON path:
//
//   cfgs/x.json: owl_dataset_cfg.prompt_set.size: expected a positive integer, got "30k"
#pragma once

#include <filesystem>
#include <string>

#include "sl/core/error.hpp"
#include "sl/core/json.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::config {

// The raw JSON of configuration `name` in `path` (errors: missing file, bad JSON, not an object,
// no such configuration: the message lists the ones available).
Json load_raw(const std::filesystem::path& path, const std::string& name);

// One value inside configuration `name` of `path`, by a dotted path of object keys and array
// indices ("prompt_set.size", "questions.0"; "" is the whole configuration). Errors name the
// file, the configuration and the first part of the path that is not there.
Json load_value(const std::filesystem::path& path, const std::string& name, const std::string& dotted_path);

// Decodes configuration `name` of `path` as a T.
template <class T>
T load(const std::filesystem::path& path, const std::string& name) {
  Json raw = load_raw(path, name);
  try {
    return json::decode_value<T>(raw, name);
  } catch (const JsonDecodeError& e) {
    throw UsageError(path.string() + ": " + e.what());
  }
}

// Decodes a whole JSON file (model files and the like) as a T; errors name the file and path.
template <class T>
T load_document(const std::filesystem::path& path);

// A path written inside a config file: absolute paths stay; relative paths are taken from the
// working directory when they exist there, else from the config file's folder.
std::filesystem::path resolve_path(const std::filesystem::path& config_file, const std::string& value);

}  // namespace sl::config

// ---- implementation ----
#include "sl/core/files.hpp"

namespace sl::config {
template <class T>
T load_document(const std::filesystem::path& path) {
  Json raw = json::parse(files::read_text(path), path.string());
  try {
    return json::decode_value<T>(raw);
  } catch (const JsonDecodeError& e) {
    throw UsageError(path.string() + ": " + e.what());
  }
}
}  // namespace sl::config
