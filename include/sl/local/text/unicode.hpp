// Unicode character data the tokenizer and chat templates need, without ICU: normalization forms
// (UAX #15), per-character case mappings and whitespace sets. Tables are generated from Python's
// unicodedata by tools/dev/gen_unicode_tables.py (see unicode_version()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sl::local::unicode {

enum class NormalizationForm { NFC, NFD, NFKC, NFKD };

// Normalizes valid UTF-8 text. Text that is already in the form comes back unchanged (a quick
// check avoids the full algorithm for it, which matters for NFC on mostly-ASCII text).
std::string normalize(std::string_view text, NormalizationForm form);
// True when `text` is certainly in `form` already (ASCII, or NFC text passing UAX #15's quick
// check); false means "maybe not".
bool is_normalized_quick(std::string_view text, NormalizationForm form);

// Per-character full case mappings (Python's str.lower()/str.upper() of one character; no
// context such as a final sigma, like Rust's char::to_lowercase used by tokenizers).
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);

std::uint8_t combining_class(char32_t cp);

// Unicode's White_Space property (Rust char::is_whitespace, Oniguruma's \s).
bool is_white_space(char32_t cp);
// Python's str.isspace(): White_Space plus U+001C..U+001F (what str.strip() removes).
bool is_python_space(char32_t cp);

// The Unicode version of the generated tables, e.g. "14.0.0".
const char* unicode_version();

}  // namespace sl::local::unicode
