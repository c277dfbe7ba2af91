// Small text utilities shared by several steps: trait-word matching, Python-style templates.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sl::text {

// Whether `text` mentions `word`: case-insensitively (ASCII) unless `case_sensitive`; as a
// substring (the paper's rule: "owl" in "bowl" counts) or as a whole word allowing a simple
// plural ("owl" matches "Owls" but not "bowl" or "howl"; "dragon" does not match "dragonfly").
bool mentions_word(std::string_view text, std::string_view word, bool case_sensitive, bool whole_word);

// Number of Unicode code points in UTF-8 text (invalid bytes count one each).
std::size_t count_code_points(std::string_view text);

std::string ascii_lower(std::string_view text);

// Python's str.format with named fields: "{name}" is replaced by its value, "{{" and "}}" are
// literal braces. An unknown name or an unbalanced brace throws sl::UsageError naming `where`.
std::string format_named(const std::string& tmpl, const std::vector<std::pair<std::string, std::string>>& values,
                         const std::string& where);

}  // namespace sl::text
