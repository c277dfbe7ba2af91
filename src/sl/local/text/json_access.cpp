#include "json_access.hpp"

#include "sl/core/error.hpp"

namespace sl::local::tokjson {

namespace {

std::string describe(const JsonValue& v) {
  std::string s = v.dump(-1, ' ', false, JsonValue::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string join_path(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

}  // namespace

bool Node::has(std::string_view key) const {
  if (!value_->is_object()) return false;
  auto it = value_->find(key);
  return it != value_->end() && !it->is_null();
}

Node Node::at(std::string_view key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end()) fail("missing \"" + std::string(key) + "\"");
  return Node(*it, *origin_, join_path(path_, key));
}

std::optional<Node> Node::get(std::string_view key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return Node(*it, *origin_, join_path(path_, key));
}

Node Node::at(std::size_t index) const {
  expect_array();
  if (index >= value_->size()) fail("index " + std::to_string(index) + " out of range");
  return Node((*value_)[index], *origin_, path_ + "[" + std::to_string(index) + "]");
}

std::size_t Node::size() const {
  if (!value_->is_array() && !value_->is_object()) fail_expected("a list or an object");
  return value_->size();
}

std::string Node::as_string() const {
  if (!value_->is_string()) fail_expected("a string");
  return value_->get<std::string>();
}

bool Node::as_bool() const {
  if (!value_->is_boolean()) fail_expected("a boolean");
  return value_->get<bool>();
}

std::int64_t Node::as_int() const {
  if (!value_->is_number_integer()) fail_expected("an integer");
  return value_->get<std::int64_t>();
}

double Node::as_number() const {
  if (!value_->is_number()) fail_expected("a number");
  return value_->get<double>();
}

std::string Node::string_or(std::string_view key, std::string fallback) const {
  auto v = get(key);
  return v ? v->as_string() : fallback;
}

bool Node::bool_or(std::string_view key, bool fallback) const {
  auto v = get(key);
  return v ? v->as_bool() : fallback;
}

std::int64_t Node::int_or(std::string_view key, std::int64_t fallback) const {
  auto v = get(key);
  return v ? v->as_int() : fallback;
}

void Node::expect_object() const {
  if (!value_->is_object()) fail_expected("an object");
}

void Node::expect_array() const {
  if (!value_->is_array()) fail_expected("a list");
}

std::string Node::type() const {
  expect_object();
  if (!value_->contains("type")) fail("missing \"type\"");
  return at("type").as_string();
}

void Node::fail(std::string_view detail) const {
  throw UsageError(*origin_ + ": " + (path_.empty() ? std::string() : path_ + ": ") + std::string(detail));
}

void Node::fail_expected(std::string_view what) const {
  fail("expected " + std::string(what) + ", got " + describe(*value_));
}

void Node::fail_unsupported(std::string_view kind, std::string_view type_name) const {
  throw UsageError(*origin_ + ": unsupported " + std::string(kind) + " type \"" + std::string(type_name) + "\" (at " +
                   (path_.empty() ? std::string("top level") : path_) + ")");
}

}  // namespace sl::local::tokjson
