// What every fuzz target shares: the input as text, split into parts, and the rule that a
// malformed input may only end in an sl::Error (a clear one-line message). Any other exception
// escapes LLVMFuzzerTestOneInput and aborts, which libFuzzer reports as a crash, as it does a
// sanitizer finding, a timeout (a hang) or an allocation over -malloc_limit_mb.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sl/core/error.hpp"

namespace sl::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits at NUL bytes into at most `parts` pieces (the last keeps any further NULs), so one
// input can carry e.g. a tokenizer.json and a text to encode with it.
inline std::vector<std::string_view> split_parts(std::string_view text, std::size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    const std::size_t nul = text.find('\0');
    if (nul == std::string_view::npos) break;
    out.push_back(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  out.push_back(text);
  return out;
}

// Runs `fn`; an sl::Error is an accepted way to refuse the input.
template <class Fn>
void expect_clean(Fn&& fn) {
  try {
    fn();
  } catch (const sl::Error&) {
  }
}

}  // namespace sl::fuzz
