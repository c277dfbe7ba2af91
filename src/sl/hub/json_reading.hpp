// Small helpers for the answer parsers: typed member access that fails with the JSON path.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sl/core/error.hpp"

namespace sl::hub::detail {

using J = nlohmann::json;

inline J parse_body(std::string_view body, const std::string& where) {
  J j = J::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) throw Error("answer of " + where + " is not JSON");
  return j;
}

[[noreturn]] inline void bad(const std::string& where, const std::string& path, const std::string& what) {
  throw Error("answer of " + where + ": " + path + " " + what);
}

inline const J& member(const J& obj, const char* key, const std::string& where, const std::string& path) {
  if (!obj.is_object()) bad(where, path, "is not an object");
  auto it = obj.find(key);
  if (it == obj.end()) bad(where, path + "." + key, "is missing");
  return *it;
}

inline std::string string_at(const J& obj, const char* key, const std::string& where, const std::string& path) {
  const J& v = member(obj, key, where, path);
  if (!v.is_string()) bad(where, path + "." + key, "is not a string");
  return v.get<std::string>();
}

inline std::optional<std::string> optional_string(const J& obj, const char* key, const std::string& where,
                                                  const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(where, path + "." + key, "is not a string");
  return it->get<std::string>();
}

inline std::optional<std::uint64_t> optional_size(const J& obj, const char* key, const std::string& where,
                                                  const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0))
    bad(where, path + "." + key, "is not a size");
  return it->get<std::uint64_t>();
}

inline const J& array_at(const J& obj, const char* key, const std::string& where, const std::string& path) {
  const J& v = member(obj, key, where, path);
  if (!v.is_array()) bad(where, path + "." + key, "is not an array");
  return v;
}

}  // namespace sl::hub::detail
