// Jinja's built-in filters, tests and globals, Python's methods on str / dict / list, and the
// operators, with the semantics templates observe under transformers (Python 3, Jinja2 3.1).
// Errors are EvalErrors; the interpreter adds the template name and line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "python_format.hpp"
#include "value.hpp"

namespace sl::local::jinja {

// ---- arguments ------------------------------------------------------------------------------
// Reads a call's arguments by position or keyword; finish() rejects what was not read.
class ArgReader {
 public:
  ArgReader(CallArgs& args, std::string function) : args_(args), function_(std::move(function)) {}
  // The argument at `position` or named `name`; nullopt when not given.
  std::optional<Value> get(std::size_t position, const char* name);
  Value get_or(std::size_t position, const char* name, Value fallback);
  Value required(std::size_t position, const char* name);
  // Positional arguments from `position` on (for *args).
  std::vector<Value> rest(std::size_t position);
  void finish();

 private:
  CallArgs& args_;
  std::string function_;
  std::size_t positional_used_ = 0;
  std::vector<std::string> keywords_used_;
};

// ---- limits -------------------------------------------------------------------------------
// Built-ins call this with the size of a value before they build it (bytes of a string,
// elements x sizeof(Value) for a list): past the output limit of the render running on this
// thread it throws EvalError "chat template exceeded N bytes of output".
void check_built_size(double bytes);

// ---- registries ---------------------------------------------------------------------------
bool has_filter(std::string_view name);
bool has_test(std::string_view name);
Value apply_filter(const std::string& name, const Value& input, CallArgs& args);
bool apply_test(const std::string& name, const Value& input, CallArgs& args);
// range, dict, namespace, raise_exception, strftime_now; nullopt for other names.
std::optional<Value> global_function(const std::string& name);

// ---- access -------------------------------------------------------------------------------
// obj.name: a method of str/dict/list, else a dict key (Jinja's getattr then getitem).
Value get_attribute(const Value& object, const std::string& name);
// obj[key]: dict key, list/str index (negative from the end), else an attribute.
Value get_item(const Value& object, const Value& key);
Value slice(const Value& object, const Value& start, const Value& stop, const Value& step);
// The items a for loop visits: list items, dict keys, string characters; Undefined is empty.
List iterate(const Value& value);
std::int64_t length(const Value& value);

// ---- operators ----------------------------------------------------------------------------
// + - * / // % ** ~ (not and/or, which short-circuit in the interpreter).
Value binary_op(const std::string& op, const Value& left, const Value& right);
// == != < <= > >= in notin.
bool compare(const std::string& op, const Value& left, const Value& right);
Value negate(const Value& value);
// Python's "%" formatting of a string.
std::string percent_format(const std::string& format, const Value& args);

// Python's str.strip/lstrip/rstrip: `chars` nullopt strips whitespace (str.isspace()).
std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right);

}  // namespace sl::local::jinja
