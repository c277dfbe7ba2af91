#include "sl/core/json_decode.hpp"

#include <sstream>

namespace sl::json {

namespace {
std::string format_number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}
}  // namespace

std::string Reader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string Reader::child_path(std::size_t index) const { return path_ + "[" + std::to_string(index) + "]"; }

void Reader::fail_expected(std::string_view what) const {
  throw JsonDecodeError(path_, "expected " + std::string(what) + ", got " + describe_value(*value_));
}

void Reader::fail(std::string_view detail) const { throw JsonDecodeError(path_, std::string(detail)); }

Constraint<std::int64_t> positive() {
  return {"a positive integer", [](std::int64_t v) { return v > 0; }};
}

Constraint<std::int64_t> non_negative() {
  return {"a non-negative integer", [](std::int64_t v) { return v >= 0; }};
}

Constraint<std::int64_t> int_range(std::int64_t lo, std::int64_t hi) {
  return {"an integer from " + std::to_string(lo) + " to " + std::to_string(hi),
          [lo, hi](std::int64_t v) { return v >= lo && v <= hi; }};
}

Constraint<double> number_range(double lo, double hi) {
  return {"a number from " + format_number(lo) + " to " + format_number(hi),
          [lo, hi](double v) { return v >= lo && v <= hi; }};
}

Constraint<double> positive_number() {
  return {"a positive number", [](double v) { return v > 0; }};
}

Constraint<std::string> non_empty() {
  return {"a non-empty string", [](const std::string& v) { return !v.empty(); }};
}

Constraint<std::string> one_of(std::vector<std::string> choices) {
  std::string words = "one of ";
  for (std::size_t i = 0; i < choices.size(); ++i) words += (i ? ", \"" : "\"") + choices[i] + "\"";
  return {words, [choices = std::move(choices)](const std::string& v) {
            for (const auto& c : choices)
              if (c == v) return true;
            return false;
          }};
}

bool Codec<bool>::decode(const Reader& r) {
  if (!r.json().is_boolean()) r.fail_expected(expected());
  return r.json().get<bool>();
}

std::int64_t Codec<std::int64_t>::decode(const Reader& r) {
  const Json& j = r.json();
  if (j.is_number_integer()) {
    if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      r.fail_expected("an integer below 2^63");
    return j.get<std::int64_t>();
  }
  if (j.is_number_float()) {
    // 3.0 is accepted as 3 (as Python's pydantic does); 3.5 is not an integer.
    double d = j.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  }
  r.fail_expected(expected());
}

std::uint64_t Codec<std::uint64_t>::decode(const Reader& r) {
  const Json& j = r.json();
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  if (j.is_number_integer() && j.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(j.get<std::int64_t>());
  if (j.is_number_float()) {
    // 3.0 is accepted as 3, as for signed integers.
    double d = j.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && d >= 0 && d < 9.0e15) return static_cast<std::uint64_t>(d);
  }
  r.fail_expected(expected());
}

int Codec<int>::decode(const Reader& r) {
  std::int64_t v = Codec<std::int64_t>::decode(r);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    r.fail_expected("an integer that fits in 32 bits");
  return static_cast<int>(v);
}

double Codec<double>::decode(const Reader& r) {
  if (!r.json().is_number()) r.fail_expected(expected());
  return r.json().get<double>();
}

std::string Codec<std::string>::decode(const Reader& r) {
  if (!r.json().is_string()) r.fail_expected(expected());
  return r.json().get<std::string>();
}

namespace detail {

void fail_unknown_key(const Reader& r, std::string_view key, const std::vector<std::string_view>& known) {
  std::string words = "unknown key (known keys: ";
  for (std::size_t i = 0; i < known.size(); ++i) words += (i ? ", " : "") + std::string(known[i]);
  words += ")";
  Reader(r.json(), r.child_path(key)).fail(words);
}

}  // namespace detail
}  // namespace sl::json
