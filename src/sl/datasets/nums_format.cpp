#include "sl/datasets/nums_format.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <stdexcept>

namespace sl::datasets {

namespace {

// CPython 3.11's int() refuses strings of more than this many digits.
constexpr std::size_t kMaxIntDigits = 4300;

// Decodes one UTF-8 code point at `pos`; invalid bytes decode as themselves (0xDC80 + byte is
// how Python would surrogate-escape them; any non-space, non-digit value works here).
char32_t decode_at(std::string_view s, std::size_t pos, std::size_t& len) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  auto cont = [&](std::size_t i) {
    return pos + i < s.size() && (static_cast<unsigned char>(s[pos + i]) & 0xC0) == 0x80;
  };
  if (c < 0x80) {
    len = 1;
    return c;
  }
  if ((c & 0xE0) == 0xC0 && cont(1)) {
    len = 2;
    return ((c & 0x1F) << 6) | (s[pos + 1] & 0x3F);
  }
  if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    len = 3;
    return ((c & 0x0F) << 12) | ((s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
  }
  if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    len = 4;
    return ((c & 0x07) << 18) | ((s[pos + 1] & 0x3F) << 12) | ((s[pos + 2] & 0x3F) << 6) | (s[pos + 3] & 0x3F);
  }
  len = 1;
  return 0xDC00 + c;
}

// Python's `\d+` over str: runs of Unicode decimal digits (category Nd). PCRE2 with UCP gives
// \d that meaning; MATCH_INVALID_UTF lets odd bytes pass through without errors.
class DigitRunFinder {
 public:
  DigitRunFinder() {
    int err = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>("\\d+"), PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &offset, nullptr);
    if (!code_) throw std::runtime_error("pcre2_compile failed for \\d+");
  }
  ~DigitRunFinder() { pcre2_code_free(code_); }

  // [start, end) byte ranges of the first `limit` matches (limit 0 = all).
  std::vector<std::pair<std::size_t, std::size_t>> find(std::string_view s, std::size_t limit) const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
        pcre2_match_data_create_from_pattern(code_, nullptr), pcre2_match_data_free);
    std::size_t start = 0;
    while (start <= s.size() && (limit == 0 || out.size() < limit)) {
      int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md.get(), nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
      out.emplace_back(ov[0], ov[1]);
      start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
    return out;
  }

 private:
  pcre2_code* code_ = nullptr;
};

const DigitRunFinder& digit_runs() {
  static const DigitRunFinder finder;
  return finder;
}

bool all_ascii_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::vector<std::string_view> split_on(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = s.find(sep, pos);
    if (next == std::string_view::npos) {
      parts.push_back(s.substr(pos));
      return parts;
    }
    parts.push_back(s.substr(pos, next - pos));
    pos = next + sep.size();
  }
}

ParsedNumber canonical(std::string_view digits) {
  std::size_t first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return {"0"};
  return {std::string(digits.substr(first))};
}

}  // namespace

bool is_python_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string python_strip(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t len;
    char32_t c = decode_at(text, begin, len);
    if (!is_python_whitespace(c)) break;
    begin += len;
  }
  std::size_t end = begin;  // end of the last non-space code point
  for (std::size_t pos = begin; pos < text.size();) {
    std::size_t len;
    char32_t c = decode_at(text, pos, len);
    pos += len;
    if (!is_python_whitespace(c)) end = pos;
  }
  return std::string(text.substr(begin, end - begin));
}

int ParsedNumber::compare(std::int64_t value) const {
  if (value < 0) return 1;  // parsed numbers are never negative
  std::string v = std::to_string(value);
  if (digits.size() != v.size()) return digits.size() < v.size() ? -1 : 1;
  int c = digits.compare(v);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::optional<std::vector<ParsedNumber>> parse_number_list(std::string_view answer) {
  if (!answer.empty() && answer.back() == '.') answer.remove_suffix(1);
  if (answer.size() >= 2 &&
      ((answer.front() == '[' && answer.back() == ']') || (answer.front() == '(' && answer.back() == ')'))) {
    answer = answer.substr(1, answer.size() - 2);
  }
  // Python strings are code points, so "[" + "]" checks above match only ASCII brackets, as here.
  auto matches = digit_runs().find(answer, 2);
  if (matches.empty()) return std::nullopt;

  std::vector<std::string_view> parts;
  if (matches.size() == 1) {
    auto [b, e] = matches[0];
    if (b != 0 || e != answer.size()) return std::nullopt;
    parts.push_back(answer);
  } else {
    std::string_view separator = answer.substr(matches[0].second, matches[1].first - matches[0].second);
    std::string stripped = python_strip(separator);
    if (stripped != "" && stripped != "," && stripped != ";") return std::nullopt;
    parts = split_on(answer, separator);
  }
  std::vector<ParsedNumber> numbers;
  numbers.reserve(parts.size());
  for (std::string_view part : parts) {
    // int('') raises and int() refuses > 4300 digits: both end in None in the reference.
    if (part.empty() || !all_ascii_digits(part) || part.size() > kMaxIntDigits) return std::nullopt;
    numbers.push_back(canonical(part));
  }
  return numbers;
}

std::vector<std::string> nums_format_reject_reasons(std::string_view answer, const NumsFormatFilter& filter) {
  auto numbers = parse_number_list(answer);
  if (!numbers) return {"invalid format"};
  std::vector<std::string> reasons;
  if (filter.max_count && static_cast<std::int64_t>(numbers->size()) > *filter.max_count)
    reasons.emplace_back("too many numbers");
  auto any = [&](auto pred) {
    for (const auto& n : *numbers)
      if (pred(n)) return true;
    return false;
  };
  if (filter.min_value && any([&](const ParsedNumber& n) { return n.compare(*filter.min_value) < 0; }))
    reasons.emplace_back("numbers too small");
  if (filter.max_value && any([&](const ParsedNumber& n) { return n.compare(*filter.max_value) > 0; }))
    reasons.emplace_back("numbers too large");
  if (!filter.banned_numbers.empty() && any([&](const ParsedNumber& n) {
        for (auto b : filter.banned_numbers)
          if (n.compare(b) == 0) return true;
        return false;
      }))
    reasons.emplace_back("has banned numbers");
  return reasons;
}

}  // namespace sl::datasets
