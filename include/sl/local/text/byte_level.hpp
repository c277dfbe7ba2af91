// GPT-2's byte-level alphabet: every byte maps to a printable character so that BPE can work on
// text made of any bytes. Printable bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for
// themselves; the other 68 bytes map to U+0100 and up, in byte order (space -> 'Ġ', '\n' -> 'Ċ').
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sl::local::byte_level {

// The character that stands for `byte`.
char32_t char_for_byte(std::uint8_t byte);
// The byte a character stands for, or nullopt when it is not part of the alphabet.
std::optional<std::uint8_t> byte_for_char(char32_t cp);

// UTF-8 text of the mapped characters for `bytes` (e.g. " hi" -> "Ġhi").
std::string encode(std::string_view bytes);
void append_encoded(std::string& out, std::string_view bytes);
// The bytes a byte-level string stands for; nullopt when some character is not in the alphabet.
std::optional<std::string> decode(std::string_view mapped);

}  // namespace sl::local::byte_level
