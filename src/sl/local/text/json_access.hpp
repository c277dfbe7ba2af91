// Reading tokenizer.json with errors that name the file and the JSON path.
//
// tokenizer.json files are 10+ MB with 150k-entry objects, so they are parsed into the plain
// (std::map based) nlohmann::json rather than sl::Json (ordered_json), whose object inserts are
// linear. Unknown keys are ignored on purpose: every tokenizers release adds some, and
// the component *types* are what decides behaviour (an unknown type is an error).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sl::local::tokjson {

using JsonValue = nlohmann::json;

// A node of the document plus where it is, for messages like
// `tokenizer.json: model.merges[3]: expected a string or a pair of strings`.
class Node {
 public:
  Node(const JsonValue& value, const std::string& origin, std::string path)
      : value_(&value), origin_(&origin), path_(std::move(path)) {}

  const JsonValue& json() const { return *value_; }
  const std::string& origin() const { return *origin_; }
  const std::string& path() const { return path_; }

  bool has(std::string_view key) const;
  // A member that must be present.
  Node at(std::string_view key) const;
  // A member that may be absent or null.
  std::optional<Node> get(std::string_view key) const;
  Node at(std::size_t index) const;
  std::size_t size() const;

  std::string as_string() const;
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_number() const;

  std::string string_or(std::string_view key, std::string fallback) const;
  bool bool_or(std::string_view key, bool fallback) const;
  std::int64_t int_or(std::string_view key, std::int64_t fallback) const;

  void expect_object() const;
  void expect_array() const;

  // The "type" member of a component object (normalizer, model, ...).
  std::string type() const;

  [[noreturn]] void fail(std::string_view detail) const;
  [[noreturn]] void fail_expected(std::string_view what) const;
  // `origin: unsupported <kind> type "X" (at path)`.
  [[noreturn]] void fail_unsupported(std::string_view kind, std::string_view type_name) const;

 private:
  const JsonValue* value_;
  const std::string* origin_;
  std::string path_;
};

}  // namespace sl::local::tokjson
