// Python's text forms of values, which chat templates expose: str() (what {{ x }} prints),
// repr() (inside printed lists and dicts) and json.dumps() (transformers' tojson filter).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "value.hpp"

namespace sl::local::jinja {

// An error while evaluating (Python's TypeError, ValueError, ...). The interpreter adds the
// template name and line.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// repr(float): the shortest text that reads back as the same double ("1.0", "0.1", "1e-05",
// "1e+16", "inf", "nan").
std::string float_repr(double value);

std::string py_str(const Value& value);
std::string py_repr(const Value& value);

struct JsonDumpOptions {
  std::optional<int> indent;  // None: one line with ", " and ": "; else newlines and ",", ": "
  bool sort_keys = false;
  bool ensure_ascii = false;  // transformers' tojson passes False
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
};
// json.dumps(value, ...). Undefined and callables are EvalErrors (not JSON serializable).
std::string json_dumps(const Value& value, const JsonDumpOptions& options = {});

}  // namespace sl::local::jinja
