// The reference tool's parsing and filtering of number answers (nums_dataset.py parse_response /
// get_reject_reasons), reproduced rule for rule, quirks included (see
// ../shared/reference/README.md): one trailing '.' removed; one matching outer [] or () pair
// removed; numbers found with Python's Unicode \d+; the separator is the exact text between the
// first two numbers and must strip (Python str.strip) to "", "," or ";"; every piece must be ASCII
// digits; pieces longer than CPython's 4300-digit int() limit fail.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sl/datasets/data_models.hpp"

namespace sl::datasets {

// A parsed number in canonical decimal form ("7" for "007"); Python ints have no size limit, and
// neither do these.
struct ParsedNumber {
  std::string digits;

  // -1, 0, 1 against a machine integer.
  int compare(std::int64_t value) const;
  bool operator==(const ParsedNumber&) const = default;
};

// parse_response(answer): the numbers, or nullopt for "invalid format".
std::optional<std::vector<ParsedNumber>> parse_number_list(std::string_view answer);

// get_reject_reasons(answer, ...): reasons in the reference's fixed order
// ("invalid format" alone, or any of "too many numbers", "numbers too small",
// "numbers too large", "has banned numbers").
std::vector<std::string> nums_format_reject_reasons(std::string_view answer, const NumsFormatFilter& filter);

// Python's str.isspace() for one code point.
bool is_python_whitespace(char32_t c);
// Python's str.strip() on UTF-8 text (invalid bytes are kept as they are).
std::string python_strip(std::string_view text);

}  // namespace sl::datasets
