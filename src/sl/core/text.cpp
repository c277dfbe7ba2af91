#include "sl/core/text.hpp"

#include <cctype>

#include "sl/core/error.hpp"

namespace sl::text {

namespace {
// ASCII letters, digits, '_' and every non-ASCII byte count as word characters, so that "owl"
// inside "bowl" or "owlé" is not a whole-word match.
bool is_word_byte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u >= 0x80 || c == '_';
}
}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool mentions_word(std::string_view text, std::string_view word, bool case_sensitive, bool whole_word) {
  if (word.empty()) return false;
  const std::string hay = case_sensitive ? std::string(text) : ascii_lower(text);
  const std::string needle = case_sensitive ? std::string(word) : ascii_lower(word);
  for (std::size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    if (!whole_word) return true;
    if (pos > 0 && is_word_byte(hay[pos - 1])) continue;
    std::size_t end = pos + needle.size();
    // Simple plurals: "owls", "foxes".
    if (end < hay.size() && (hay[end] == 's' || hay[end] == 'S')) {
      if (end + 1 >= hay.size() || !is_word_byte(hay[end + 1])) return true;
    }
    if (end + 1 < hay.size() && (hay[end] == 'e' || hay[end] == 'E') && (hay[end + 1] == 's' || hay[end + 1] == 'S')) {
      if (end + 2 >= hay.size() || !is_word_byte(hay[end + 2])) return true;
    }
    if (end >= hay.size() || !is_word_byte(hay[end])) return true;
  }
  return false;
}

std::string format_named(const std::string& tmpl, const std::vector<std::pair<std::string, std::string>>& values,
                         const std::string& where) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '{') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
        out += '{';
        ++i;
        continue;
      }
      std::size_t close = tmpl.find('}', i);
      if (close == std::string::npos) throw UsageError(where + ": unbalanced '{' in template \"" + tmpl + "\"");
      std::string name = tmpl.substr(i + 1, close - i - 1);
      bool found = false;
      for (const auto& [k, v] : values) {
        if (k == name) {
          out += v;
          found = true;
          break;
        }
      }
      if (!found) throw UsageError(where + ": unknown placeholder {" + name + "} in template \"" + tmpl + "\"");
      i = close;
    } else if (c == '}') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw UsageError(where + ": unbalanced '}' in template \"" + tmpl + "\"");
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace sl::text
