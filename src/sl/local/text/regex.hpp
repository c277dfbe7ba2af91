// The regular expressions of tokenizer.json, run with PCRE2 (UTF + Unicode properties + JIT).
//
// Hugging Face tokenizers compiles these patterns with Oniguruma (Ruby syntax). PCRE2 reads the
// same syntax with a few differences in meaning, which translate_oniguruma() removes:
//   \s, \S  Oniguruma: Unicode White_Space. PCRE2 (10.42) also counts U+180E -> \p{White_Space}
//   \w, \W  Oniguruma: Letter | Mark | Number | Connector_Punctuation; PCRE2: L | N | "_"
//   \h, \H  Oniguruma: hex digit; PCRE2: horizontal space
//   \uHHHH  Oniguruma only -> \x{HHHH}
//   (?m)    Ruby's "dot matches newline" = PCRE2's (?s); ^ and $ always work per line in Ruby
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "function_ref.hpp"

namespace sl::local {

// Translates an Oniguruma (Ruby syntax) pattern into an equivalent PCRE2 pattern. Throws
// sl::UsageError (naming `origin`) for constructs PCRE2 cannot express.
std::string translate_oniguruma(std::string_view pattern, const std::string& origin);

// Escapes `text` so that it matches literally.
std::string regex_escape(std::string_view text);

class Regex {
 public:
  // `pcre2_pattern` is PCRE2 syntax (use translate_oniguruma for tokenizer.json patterns).
  // A pattern that does not compile is an sl::UsageError naming `origin`.
  Regex(const std::string& pcre2_pattern, const std::string& origin);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  using Span = std::pair<std::size_t, std::size_t>;  // [begin, end) byte offsets
  // Every non-overlapping match in `subject` (valid UTF-8), leftmost first, like Rust's find_iter
  // (an empty match advances by one character). Appends to `out`.
  void find_all(std::string_view subject, std::vector<Span>& out) const;
  // The same matches, handed to `on_match(begin, end)` as they are found (which may itself run
  // regexes: nothing of this search is kept across the call).
  void for_each_match(std::string_view subject, FunctionRef<void(std::size_t, std::size_t)> on_match) const;
  // Whether the pattern matches at exactly `pos` (anchored there).
  bool matches_at(std::string_view subject, std::size_t pos) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
};

}  // namespace sl::local
