// Strict, declarative JSON <-> struct mapping, written once for the whole project.
//
// A plain struct lists its fields once:
//
//   struct SampleCfg {
//     double temperature = 1.0;
//     std::optional<double> top_p;
//     static auto json_fields() {
//       using namespace sl::json;
//       return std::tuple{required("temperature", &SampleCfg::temperature, number_range(0, 2)),
//                         optional("top_p", &SampleCfg::top_p, number_range(0, 1))};
//     }
//   };
//
// and `sl::json::decode<SampleCfg>(reader)` / `sl::json::encode(cfg)` do the rest: unknown keys,
// missing required fields, wrong types and out-of-range values are JsonDecodeErrors naming the
// JSON path, e.g. `prompt_set.size: expected a positive integer, got "30k"`.
//
// Types without json_fields() get a Codec<T> specialisation (tagged unions, "auto"-or-number...).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "sl/core/error.hpp"
#include "sl/core/json.hpp"

namespace sl::json {

// A JSON value together with its path in the document, for error messages.
class Reader {
 public:
  Reader(const Json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const Json& json() const { return *value_; }
  const std::string& path() const { return path_; }

  // The path of a member / an element ("a.b", "a[3]").
  std::string child_path(std::string_view key) const;
  std::string child_path(std::size_t index) const;

  // `path: expected WHAT, got VALUE`
  [[noreturn]] void fail_expected(std::string_view what) const;
  // `path: DETAIL`
  [[noreturn]] void fail(std::string_view detail) const;

 private:
  const Json* value_;
  std::string path_;
};

// A check on a decoded value, with the words used in "expected ..." messages.
template <class T>
struct Constraint {
  std::string expected;  // e.g. "a positive integer"
  std::function<bool(const T&)> accepts;
};

Constraint<std::int64_t> positive();                                   // "a positive integer"
Constraint<std::int64_t> non_negative();                               // "a non-negative integer"
Constraint<std::int64_t> int_range(std::int64_t lo, std::int64_t hi);  // "an integer from lo to hi"
Constraint<double> number_range(double lo, double hi);                 // "a number from lo to hi"
Constraint<double> positive_number();                                  // "a positive number"
Constraint<std::string> non_empty();                                   // "a non-empty string"
Constraint<std::string> one_of(std::vector<std::string> choices);      // `one of "a", "b"`

// ---- Codecs -------------------------------------------------------------------------------
// Codec<T>::decode(reader) -> T, Codec<T>::encode(value) -> Json, Codec<T>::expected() -> words.

template <class T, class Enable = void>
struct Codec;

// Objects decoded with json_fields() may carry a "_comment" key for people; it is ignored.
inline constexpr std::string_view kCommentKey = "_comment";

template <class T>
concept HasJsonFields = requires {
  T::json_fields();
};

template <class T>
T decode(const Reader& reader) {
  return Codec<T>::decode(reader);
}

template <class T>
Json encode(const T& value) {
  return Codec<T>::encode(value);
}

// Decodes `value` as a T, with error paths rooted at `root_path` ("" for a whole document).
template <class T>
T decode_value(const Json& value, const std::string& root_path = "") {
  return Codec<T>::decode(Reader(value, root_path));
}

template <>
struct Codec<bool> {
  static bool decode(const Reader& r);
  static Json encode(bool v) { return v; }
  static std::string expected() { return "a boolean"; }
};

template <>
struct Codec<std::int64_t> {
  static std::int64_t decode(const Reader& r);
  static Json encode(std::int64_t v) { return v; }
  static std::string expected() { return "an integer"; }
};

template <>
struct Codec<std::uint64_t> {
  static std::uint64_t decode(const Reader& r);
  static Json encode(std::uint64_t v) { return v; }
  static std::string expected() { return "a non-negative integer"; }
};

template <>
struct Codec<int> {
  static int decode(const Reader& r);
  static Json encode(int v) { return v; }
  static std::string expected() { return "an integer"; }
};

template <>
struct Codec<double> {
  static double decode(const Reader& r);
  static Json encode(double v) { return v; }
  static std::string expected() { return "a number"; }
};

template <>
struct Codec<std::string> {
  static std::string decode(const Reader& r);
  static Json encode(const std::string& v) { return v; }
  static std::string expected() { return "a string"; }
};

template <>
struct Codec<Json> {
  static Json decode(const Reader& r) { return r.json(); }
  static Json encode(const Json& v) { return v; }
  static std::string expected() { return "any JSON value"; }
};

template <class T>
struct Codec<std::optional<T>> {
  static std::optional<T> decode(const Reader& r) {
    if (r.json().is_null()) return std::nullopt;
    return Codec<T>::decode(r);
  }
  static Json encode(const std::optional<T>& v) { return v ? Codec<T>::encode(*v) : Json(nullptr); }
  static std::string expected() { return Codec<T>::expected() + " or null"; }
};

template <class T>
struct Codec<std::vector<T>> {
  static std::vector<T> decode(const Reader& r) {
    if (!r.json().is_array()) r.fail_expected("a list of " + plural());
    std::vector<T> out;
    out.reserve(r.json().size());
    for (std::size_t i = 0; i < r.json().size(); ++i)
      out.push_back(Codec<T>::decode(Reader(r.json()[i], r.child_path(i))));
    return out;
  }
  static Json encode(const std::vector<T>& v) {
    Json out = Json::array();
    for (const auto& x : v) out.push_back(Codec<T>::encode(x));
    return out;
  }
  static std::string expected() { return "a list of " + plural(); }

 private:
  static std::string plural() {
    std::string e = Codec<T>::expected();  // "an integer" -> "integers"
    if (e.rfind("a ", 0) == 0) e = e.substr(2);
    else if (e.rfind("an ", 0) == 0) e = e.substr(3);
    return e + "s";
  }
};

template <class T>
struct Codec<std::map<std::string, T>> {
  static std::map<std::string, T> decode(const Reader& r) {
    if (!r.json().is_object()) r.fail_expected("an object");
    std::map<std::string, T> out;
    for (auto it = r.json().begin(); it != r.json().end(); ++it)
      out.emplace(it.key(), Codec<T>::decode(Reader(it.value(), r.child_path(it.key()))));
    return out;
  }
  static Json encode(const std::map<std::string, T>& v) {
    Json out = Json::object();
    for (const auto& [k, x] : v) out[k] = Codec<T>::encode(x);
    return out;
  }
  static std::string expected() { return "an object"; }
};

// ---- Struct fields ------------------------------------------------------------------------

template <class M>
struct ValueTypeOf {
  using type = M;
};
template <class M>
struct ValueTypeOf<std::optional<M>> {
  using type = M;
};

template <class S, class M>
struct Field {
  using Struct = S;
  using Member = M;
  using Value = typename ValueTypeOf<M>::type;

  std::string_view name;
  M S::*member;
  bool is_required;
  std::optional<Constraint<Value>> constraint;
  // When encoding, leave the key out while the member is empty (std::nullopt), so that files
  // keep the reference tool's shape unless the feature is used.
  bool omit_when_empty = false;
  // When decoding, treat null like an absent key (the member keeps its default), as Python
  // configs do for `list | None` fields whose None means "none".
  bool null_is_absent = false;
};

// A field that must be present (null allowed only when the member is std::optional).
template <class S, class M>
Field<S, M> required(std::string_view name, M S::*member) {
  return {name, member, true, std::nullopt};
}
template <class S, class M, class C>
Field<S, M> required(std::string_view name, M S::*member, Constraint<C> c) {
  return {name, member, true, std::move(c)};
}
// A field that may be absent; the member keeps its default value then.
template <class S, class M>
Field<S, M> optional(std::string_view name, M S::*member) {
  return {name, member, false, std::nullopt};
}
template <class S, class M, class C>
Field<S, M> optional(std::string_view name, M S::*member, Constraint<C> c) {
  return {name, member, false, std::move(c)};
}

// Like optional(), and null reads like an absent key: the member keeps its default.
template <class S, class M>
Field<S, M> optional_or_null(std::string_view name, M S::*member) {
  return {name, member, false, std::nullopt, false, true};
}

// Like optional(), and encoding leaves the key out while the member is std::nullopt.
template <class S, class M>
Field<S, std::optional<M>> optional_omitted(std::string_view name, std::optional<M> S::*member) {
  return {name, member, false, std::nullopt, true};
}

namespace detail {

// The field of Base::json_fields() that maps `member`, as a field of S (derived from Base); a
// member Base does not list is a programming error (std::logic_error on first use).
template <class S, class Base, class M>
Field<S, M> base_field(M Base::*member, bool is_required) {
  static_assert(std::is_base_of_v<Base, S>);
  std::optional<Field<Base, M>> found;
  std::apply(
      [&](const auto&... f) {
        (
            [&] {
              if constexpr (std::is_same_v<std::decay_t<decltype(f)>, Field<Base, M>>)
                if (f.member == member) found = f;
            }(),
            ...);
      },
      Base::json_fields());
  if (!found) throw std::logic_error("json_fields(): a base field names a member its struct does not list");
  return {found->name, found->member, is_required, found->constraint, found->omit_when_empty, found->null_is_absent};
}

}  // namespace detail

// A field S inherits from a base struct that has json_fields() of its own, listed by S where its
// key belongs among S's keys (a file format that spells the base's settings flat):
// `required<S>(&Base::lr)`. The key, the constraint and the meaning are the base's; whether the
// key must be present is S's choice, and the default is what S's constructor gives the base.
template <class S, class Base, class M>
Field<S, M> required(M Base::*member) {
  return detail::base_field<S>(member, true);
}
template <class S, class Base, class M>
Field<S, M> optional(M Base::*member) {
  return detail::base_field<S>(member, false);
}

namespace detail {

// Decodes one field's value, applying its constraint; a type error or a rejected value both
// read "expected <constraint words>", which is what a person needs to fix the file.
template <class S, class M>
M decode_field(const Field<S, M>& field, const Reader& r) {
  using V = typename Field<S, M>::Value;
  if constexpr (!std::is_same_v<V, M>) {  // std::optional<V>
    if (r.json().is_null()) return std::nullopt;
  }
  if (!field.constraint) return Codec<M>::decode(r);
  V value;
  try {
    value = Codec<V>::decode(r);
  } catch (const JsonDecodeError& e) {
    if (e.path() != r.path()) throw;  // an error deeper inside: keep its own message
    r.fail_expected(field.constraint->expected);
  }
  if (!field.constraint->accepts(value)) r.fail_expected(field.constraint->expected);
  return value;
}

[[noreturn]] void fail_unknown_key(const Reader& r, std::string_view key, const std::vector<std::string_view>& known);

}  // namespace detail

template <HasJsonFields S>
struct Codec<S> {
  static S decode(const Reader& r) {
    if (!r.json().is_object()) r.fail_expected("an object");
    S out{};
    const auto fields = S::json_fields();
    std::vector<std::string_view> known;
    std::apply([&](const auto&... f) { (known.push_back(f.name), ...); }, fields);
    for (auto it = r.json().begin(); it != r.json().end(); ++it) {
      if (it.key() == kCommentKey) continue;
      bool found = false;
      for (auto k : known) found = found || k == it.key();
      if (!found) detail::fail_unknown_key(r, it.key(), known);
    }
    std::apply([&](const auto&... f) { (decode_one(f, r, out), ...); }, fields);
    if constexpr (requires(const S& s) { s.validate(r); }) out.validate(r);
    return out;
  }

  static Json encode(const S& value) {
    Json out = Json::object();
    std::apply([&](const auto&... f) { (encode_one(f, value, out), ...); }, S::json_fields());
    return out;
  }

  static std::string expected() { return "an object"; }

 private:
  template <class M>
  static void encode_one(const Field<S, M>& f, const S& value, Json& out) {
    if constexpr (requires(const M& m) { m.has_value(); }) {
      if (f.omit_when_empty && !(value.*(f.member)).has_value()) return;
    }
    out[std::string(f.name)] = Codec<M>::encode(value.*(f.member));
  }

  template <class M>
  static void decode_one(const Field<S, M>& f, const Reader& r, S& out) {
    auto it = r.json().find(std::string(f.name));
    if (it == r.json().end() || (f.null_is_absent && it->is_null())) {
      if (f.is_required) {
        Reader(r.json(), r.child_path(f.name)).fail("missing required field");
      }
      return;
    }
    out.*(f.member) = detail::decode_field(f, Reader(*it, r.child_path(f.name)));
  }
};

// ---- Tagged unions (objects with a "type" key) ---------------------------------------------

// Decodes a std::variant whose alternatives are told apart by a string key (default "type").
// `tags[i]` is the tag of alternative i.
template <class Variant, std::size_t... I>
Variant decode_tagged_impl(const Reader& r, const std::vector<std::string>& tags, std::size_t which,
                           std::index_sequence<I...>) {
  Variant out;
  ((which == I ? (out = Codec<std::variant_alternative_t<I, Variant>>::decode(r), 0) : 0), ...);
  return out;
}

template <class Variant>
Variant decode_tagged(const Reader& r, const std::vector<std::string>& tags, const std::string& key = "type") {
  if (!r.json().is_object()) r.fail_expected("an object");
  auto it = r.json().find(key);
  Reader tag_reader(it == r.json().end() ? r.json() : *it, r.child_path(key));
  if (it == r.json().end()) tag_reader.fail("missing required field");
  std::string words = "one of ";
  for (std::size_t i = 0; i < tags.size(); ++i) words += (i ? ", \"" : "\"") + tags[i] + "\"";
  if (!it->is_string()) tag_reader.fail_expected(words);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (*it == tags[i])
      return decode_tagged_impl<Variant>(r, tags, i, std::make_index_sequence<std::variant_size_v<Variant>>{});
  }
  tag_reader.fail_expected(words);
}

}  // namespace sl::json
