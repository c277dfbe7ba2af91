// Values of the chat-template interpreter, with Python's semantics where templates can observe
// them (truthiness, equality, ordering, str(), repr(), json.dumps()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::local::jinja {

class Value;
using List = std::vector<Value>;

// A Python dict with string keys, in insertion order. A namespace() object is a Dict whose
// attributes may be assigned with {% set ns.attr = ... %}.
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  bool is_namespace = false;

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void set(std::string key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// A built-in function, a bound method or a macro.
struct Callable {
  std::string name;
  std::function<Value(CallArgs&)> call;
};

// Jinja's Undefined: a missing variable, attribute or item. `hint` names what was missing, for
// the error when it is used in a way Undefined does not allow.
struct Undefined {
  std::string hint;
};

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Callable };

  Value() : v_(jinja::Undefined{}) {}
  static Value undefined(std::string hint) { return Value(jinja::Undefined{std::move(hint)}); }
  static Value none() { return Value(nullptr); }
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double f) : v_(f) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(List l) : v_(std::make_shared<List>(std::move(l))) {}
  Value(Dict d) : v_(std::make_shared<Dict>(std::move(d))) {}
  Value(std::shared_ptr<Dict> d) : v_(std::move(d)) {}
  Value(Callable c) : v_(std::make_shared<const Callable>(std::move(c))) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_callable() const { return kind() == Kind::Callable; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // Int, Float or Bool as a double.
  double as_number() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return *std::get<std::shared_ptr<List>>(v_); }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(v_); }
  const std::shared_ptr<Dict>& dict_ptr() const { return std::get<std::shared_ptr<Dict>>(v_); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<const Callable>>(v_); }
  const std::string& undefined_hint() const { return std::get<jinja::Undefined>(v_).hint; }

  // Python truthiness (Undefined is false).
  bool truthy() const;
  // Python's type name, for error messages ("str", "int", "list", "dict", "NoneType", ...).
  std::string type_name() const;

  static Value from_json(const Json& json);

 private:
  explicit Value(jinja::Undefined u) : v_(std::move(u)) {}
  std::variant<jinja::Undefined, std::nullptr_t, bool, std::int64_t, double, std::string, std::shared_ptr<List>,
               std::shared_ptr<Dict>, std::shared_ptr<const Callable>>
      v_;
};

// Python ==, with Jinja's Undefined equal only to Undefined.
bool equals(const Value& a, const Value& b);

}  // namespace sl::local::jinja
