// JSON types used across the project.
//
// We use nlohmann's ordered_json everywhere so that files we write keep their keys in the
// order a person expects (e.g. {"prompt", "completion"} as in the reference tool), not sorted.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sl {

using Json = nlohmann::ordered_json;

namespace json {

// Short rendering of a JSON value for error messages: strings quoted, long values cut.
std::string describe_value(const Json& value);

// Parses text; a syntax error becomes a UsageError naming `where` (a file, "file:line", ...).
Json parse(std::string_view text, const std::string& where);

// Serialises compactly with UTF-8 kept as is (invalid UTF-8 is replaced, never thrown on).
std::string dump(const Json& value);

}  // namespace json
}  // namespace sl
