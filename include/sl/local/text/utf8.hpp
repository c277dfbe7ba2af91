// UTF-8 helpers shared by the tokenizer and the chat-template interpreter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sl::local::utf8 {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Appends the UTF-8 encoding of `cp` (assumed a valid scalar value).
void append(std::string& out, char32_t cp);
std::string encode(char32_t cp);
std::string encode(const std::u32string& cps);

// Length of the valid UTF-8 sequence starting at s[pos], or 0 when the bytes there are not one
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated).
std::size_t valid_sequence_length(std::string_view s, std::size_t pos);

// Decodes the valid sequence at s[pos] (check with valid_sequence_length first).
char32_t decode_at(std::string_view s, std::size_t pos, std::size_t length);

// Offset of the first byte that is not part of valid UTF-8, or nullopt when all of `s` is valid.
std::optional<std::size_t> first_invalid(std::string_view s);

// Decodes valid UTF-8; throws sl::UsageError naming `what` and the byte offset otherwise.
std::u32string decode(std::string_view s, std::string_view what = "text");

// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes one U+FFFD.
std::string to_valid_lossy(std::string_view bytes);

// How many bytes at the end of `bytes` form the beginning of a UTF-8 character that more bytes
// could still complete (0..3). Everything before them can be emitted now.
std::size_t incomplete_suffix_length(std::string_view bytes);

}  // namespace sl::local::utf8
