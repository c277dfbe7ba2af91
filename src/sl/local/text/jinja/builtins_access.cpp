// Arguments, attribute/item access, Python methods of str / dict / list, and global functions.
#include <algorithm>
#include <ctime>

#include "builtins.hpp"
#include "sl/local/text/unicode.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local::jinja {

// ---- ArgReader ----------------------------------------------------------------------------

std::optional<Value> ArgReader::get(std::size_t position, const char* name) {
  for (const auto& [k, v] : args_.keyword) {
    if (k == name) {
      if (position < args_.positional.size())
        throw EvalError(function_ + "() got multiple values for argument '" + name + "'");
      keywords_used_.push_back(k);
      return v;
    }
  }
  if (position < args_.positional.size()) {
    positional_used_ = std::max(positional_used_, position + 1);
    return args_.positional[position];
  }
  return std::nullopt;
}

Value ArgReader::get_or(std::size_t position, const char* name, Value fallback) {
  auto v = get(position, name);
  return v ? *v : fallback;
}

Value ArgReader::required(std::size_t position, const char* name) {
  auto v = get(position, name);
  if (!v) throw EvalError(function_ + "() missing required argument '" + name + "'");
  return *v;
}

std::vector<Value> ArgReader::rest(std::size_t position) {
  std::vector<Value> out;
  for (std::size_t i = position; i < args_.positional.size(); ++i) out.push_back(args_.positional[i]);
  positional_used_ = std::max(positional_used_, args_.positional.size());
  return out;
}

void ArgReader::finish() {
  if (args_.positional.size() > positional_used_)
    throw EvalError(function_ + "() takes " + std::to_string(positional_used_) + " positional argument(s) but " +
                    std::to_string(args_.positional.size()) + " were given");
  for (const auto& [k, v] : args_.keyword)
    if (std::find(keywords_used_.begin(), keywords_used_.end(), k) == keywords_used_.end())
      throw EvalError(function_ + "() got an unexpected keyword argument '" + k + "'");
}

namespace {

std::string expect_string(const Value& v, const std::string& what) {
  if (!v.is_string()) throw EvalError(what + " must be a string, not " + v.type_name());
  return v.as_string();
}

std::int64_t expect_int(const Value& v, const std::string& what) {
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  throw EvalError(what + " must be an integer, not " + v.type_name());
}

// A Python index (negative counts from the end) into a sequence of `size`; -1 when outside.
std::int64_t normalize_index(std::int64_t index, std::size_t size) {
  auto n = static_cast<std::int64_t>(size);
  if (index < 0) index += n;
  return (index < 0 || index >= n) ? -1 : index;
}

bool is_space(char32_t c) { return unicode::is_python_space(c); }

// Python str.split(sep=None / sep, maxsplit).
List py_split(const std::string& s, const std::optional<std::string>& sep, std::int64_t maxsplit, bool from_right) {
  List out;
  if (sep) {
    if (sep->empty()) throw EvalError("empty separator");
    std::vector<std::string> parts;
    if (!from_right) {
      std::size_t pos = 0;
      while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
        std::size_t hit = s.find(*sep, pos);
        if (hit == std::string::npos) break;
        parts.push_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
      }
      parts.push_back(s.substr(pos));
    } else {
      std::size_t end = s.size();
      while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
        if (end < sep->size()) break;
        std::size_t hit = s.rfind(*sep, end - sep->size());
        if (hit == std::string::npos) break;
        parts.push_back(s.substr(hit + sep->size(), end - hit - sep->size()));
        end = hit;
      }
      parts.push_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
    for (auto& p : parts) out.emplace_back(std::move(p));
    return out;
  }
  std::u32string cps = utf8::decode(s);
  std::vector<std::u32string> words;
  if (!from_right) {
    std::size_t i = 0;
    while (i < cps.size()) {
      while (i < cps.size() && is_space(cps[i])) ++i;
      if (i >= cps.size()) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(words.size()) == maxsplit) {
        std::size_t e = cps.size();
        while (e > i && is_space(cps[e - 1])) --e;
        words.push_back(cps.substr(i, e - i));
        break;
      }
      std::size_t j = i;
      while (j < cps.size() && !is_space(cps[j])) ++j;
      words.push_back(cps.substr(i, j - i));
      i = j;
    }
  } else {
    std::size_t e = cps.size();
    while (e > 0) {
      while (e > 0 && is_space(cps[e - 1])) --e;
      if (e == 0) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(words.size()) == maxsplit) {
        std::size_t b = 0;
        while (b < e && is_space(cps[b])) ++b;
        words.push_back(cps.substr(b, e - b));
        break;
      }
      std::size_t b = e;
      while (b > 0 && !is_space(cps[b - 1])) --b;
      words.push_back(cps.substr(b, e - b));
      e = b;
    }
    std::reverse(words.begin(), words.end());
  }
  for (const auto& w : words) out.emplace_back(utf8::encode(w));
  return out;
}

bool all_chars(const std::string& s, bool (*pred)(char32_t)) {
  if (s.empty()) return false;
  for (char32_t c : utf8::decode(s))
    if (!pred(c)) return false;
  return true;
}

bool is_cased_letter(char32_t c) {
  std::string one = utf8::encode(c);
  return unicode::to_lower(one) != unicode::to_upper(one);
}

// str.format with {} / {0} / {name} fields (no format specs).
std::string py_format(const std::string& fmt, CallArgs& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '{' && i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      std::size_t end = fmt.find('}', i);
      if (end == std::string::npos) throw EvalError("str.format: single '{' in the format string");
      std::string field = fmt.substr(i + 1, end - i - 1);
      if (field.find_first_of(":!") != std::string::npos) throw EvalError("str.format: format specs are not supported");
      const Value* v = nullptr;
      if (field.empty() || std::all_of(field.begin(), field.end(), ::isdigit)) {
        std::size_t index = field.empty() ? auto_index++ : std::stoul(field);
        if (index >= args.positional.size()) throw EvalError("str.format: replacement index out of range");
        v = &args.positional[index];
      } else {
        for (const auto& [k, kv] : args.keyword)
          if (k == field) v = &kv;
        if (!v) throw EvalError("str.format: no argument named '" + field + "'");
      }
      out += py_str(*v);
      i = end;
    } else if (c == '}') {
      throw EvalError("str.format: single '}' in the format string");
    } else {
      out += c;
    }
  }
  return out;
}

std::int64_t code_point_index(const std::string& s, std::size_t byte_offset) {
  return static_cast<std::int64_t>(utf8::decode(std::string_view(s).substr(0, byte_offset)).size());
}

Value bound(std::string name, std::function<Value(CallArgs&)> fn) {
  return Value(Callable{std::move(name), std::move(fn)});
}

std::optional<Value> string_method(const std::string& s, const std::string& name) {
  const std::string full = "str." + name;
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    bool left = name != "rstrip", right = name != "lstrip";
    return bound(full, [s, full, left, right](CallArgs& a) {
      ArgReader r(a, full);
      Value chars = r.get_or(0, "chars", Value::none());
      r.finish();
      std::optional<std::string> set;
      if (!chars.is_none()) set = expect_string(chars, full + " chars");
      return Value(py_strip(s, set, left, right));
    });
  }
  if (name == "startswith" || name == "endswith") {
    bool starts = name == "startswith";
    return bound(full, [s, full, starts](CallArgs& a) {
      ArgReader r(a, full);
      Value arg = r.required(0, "prefix");
      r.finish();
      List options = arg.is_list() ? arg.as_list() : List{arg};
      for (const auto& o : options) {
        std::string p = expect_string(o, full + " argument");
        bool hit = starts ? s.compare(0, p.size(), p) == 0
                          : (s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
        if (hit) return Value(true);
      }
      return Value(false);
    });
  }
  if (name == "split" || name == "rsplit") {
    bool right = name == "rsplit";
    return bound(full, [s, full, right](CallArgs& a) {
      ArgReader r(a, full);
      Value sep = r.get_or(0, "sep", Value::none());
      Value maxsplit = r.get_or(1, "maxsplit", Value(-1));
      r.finish();
      std::optional<std::string> sep_text;
      if (!sep.is_none()) sep_text = expect_string(sep, full + " sep");
      return Value(py_split(s, sep_text, expect_int(maxsplit, full + " maxsplit"), right));
    });
  }
  if (name == "splitlines") {
    return bound(full, [s, full](CallArgs& a) {
      ArgReader r(a, full);
      bool keep = r.get_or(0, "keepends", Value(false)).truthy();
      r.finish();
      List out;
      std::size_t start = 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' || s[i] == '\r') {
          std::size_t end = i;
          if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
          out.emplace_back(s.substr(start, (keep ? i + 1 : end) - start));
          start = i + 1;
        }
      }
      if (start < s.size()) out.emplace_back(s.substr(start));
      return Value(std::move(out));
    });
  }
  auto no_args = [&](std::function<Value()> fn) {
    return bound(full, [full, fn](CallArgs& a) {
      ArgReader(a, full).finish();
      return fn();
    });
  };
  if (name == "upper") return no_args([s] { return Value(unicode::to_upper(s)); });
  if (name == "lower") return no_args([s] { return Value(unicode::to_lower(s)); });
  if (name == "capitalize")
    return no_args([s] {
      std::u32string cps = utf8::decode(s);
      if (cps.empty()) return Value(s);
      return Value(unicode::to_upper(utf8::encode(cps[0])) + unicode::to_lower(utf8::encode(cps.substr(1))));
    });
  if (name == "title")
    return no_args([s] {
      std::string out;
      bool previous_cased = false;
      for (char32_t c : utf8::decode(s)) {
        std::string one = utf8::encode(c);
        out += previous_cased ? unicode::to_lower(one) : unicode::to_upper(one);
        previous_cased = is_cased_letter(c);
      }
      return Value(out);
    });
  if (name == "isdigit")
    return no_args([s] { return Value(all_chars(s, [](char32_t c) { return c >= '0' && c <= '9'; })); });
  if (name == "isspace") return no_args([s] { return Value(all_chars(s, is_space)); });
  if (name == "isalpha") return no_args([s] { return Value(all_chars(s, is_cased_letter)); });
  if (name == "isalnum")
    return no_args(
        [s] { return Value(all_chars(s, [](char32_t c) { return (c >= '0' && c <= '9') || is_cased_letter(c); })); });
  if (name == "islower") return no_args([s] { return Value(unicode::to_lower(s) == s && unicode::to_upper(s) != s); });
  if (name == "isupper") return no_args([s] { return Value(unicode::to_upper(s) == s && unicode::to_lower(s) != s); });
  if (name == "replace") {
    return bound(full, [s, full](CallArgs& a) {
      ArgReader r(a, full);
      std::string old_text = expect_string(r.required(0, "old"), full + " old");
      std::string new_text = expect_string(r.required(1, "new"), full + " new");
      std::int64_t count = expect_int(r.get_or(2, "count", Value(-1)), full + " count");
      r.finish();
      CallArgs fa{{Value(old_text), Value(new_text), Value(count)}, {}};
      return apply_filter("replace", Value(s), fa);
    });
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    return bound(full, [s, full, name](CallArgs& a) {
      ArgReader r(a, full);
      std::string sub = expect_string(r.required(0, "sub"), full + " argument");
      r.finish();
      if (name == "count") {
        if (sub.empty()) return Value(static_cast<std::int64_t>(utf8::decode(s).size() + 1));
        std::int64_t n = 0;
        for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
        return Value(n);
      }
      std::size_t p = (name == "find" || name == "index") ? s.find(sub) : s.rfind(sub);
      if (p == std::string::npos) {
        if (name == "index" || name == "rindex") throw EvalError("substring not found");
        return Value(-1);
      }
      return Value(code_point_index(s, p));
    });
  }
  if (name == "join") {
    return bound(full, [s, full](CallArgs& a) {
      ArgReader r(a, full);
      Value items = r.required(0, "iterable");
      r.finish();
      std::string out;
      bool first = true;
      for (const auto& item : iterate(items)) {
        if (!first) out += s;
        first = false;
        out += expect_string(item, "str.join item");
      }
      return Value(out);
    });
  }
  if (name == "format") return bound(full, [s](CallArgs& a) { return Value(py_format(s, a)); });
  if (name == "removeprefix" || name == "removesuffix") {
    bool prefix = name == "removeprefix";
    return bound(full, [s, full, prefix](CallArgs& a) {
      ArgReader r(a, full);
      std::string affix = expect_string(r.required(0, prefix ? "prefix" : "suffix"), full + " argument");
      r.finish();
      if (prefix && s.compare(0, affix.size(), affix) == 0) return Value(s.substr(affix.size()));
      if (!prefix && s.size() >= affix.size() && s.compare(s.size() - affix.size(), affix.size(), affix) == 0)
        return Value(s.substr(0, s.size() - affix.size()));
      return Value(s);
    });
  }
  return std::nullopt;
}

std::optional<Value> dict_method(const std::shared_ptr<Dict>& d, const std::string& name) {
  const std::string full = "dict." + name;
  if (name == "items" || name == "keys" || name == "values") {
    return bound(full, [d, full, name](CallArgs& a) {
      ArgReader(a, full).finish();
      List out;
      for (const auto& [k, v] : d->items) {
        if (name == "items") out.emplace_back(List{Value(k), v});
        else if (name == "keys") out.emplace_back(k);
        else out.push_back(v);
      }
      return Value(std::move(out));
    });
  }
  if (name == "get") {
    return bound(full, [d, full](CallArgs& a) {
      ArgReader r(a, full);
      Value key = r.required(0, "key");
      Value fallback = r.get_or(1, "default", Value::none());
      r.finish();
      if (!key.is_string()) return fallback;
      const Value* v = d->find(key.as_string());
      return v ? *v : fallback;
    });
  }
  static const char* const kMutating[] = {"update", "pop", "popitem", "setdefault", "clear"};
  for (const char* m : kMutating)
    if (name == m) throw EvalError("dict." + name + "() is not available: chat templates cannot modify dicts");
  return std::nullopt;
}

std::optional<Value> list_method(const Value& list, const std::string& name) {
  const std::string full = "list." + name;
  if (name == "index" || name == "count") {
    return bound(full, [list, full, name](CallArgs& a) {
      ArgReader r(a, full);
      Value x = r.required(0, "value");
      r.finish();
      std::int64_t count = 0;
      const List& items = list.as_list();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!equals(items[i], x)) continue;
        if (name == "index") return Value(static_cast<std::int64_t>(i));
        ++count;
      }
      if (name == "index") throw EvalError(py_repr(x) + " is not in list");
      return Value(count);
    });
  }
  static const char* const kMutating[] = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"};
  for (const char* m : kMutating)
    if (name == m) throw EvalError("list." + name + "() is not available: chat templates cannot modify lists");
  return std::nullopt;
}

}  // namespace

std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right) {
  std::u32string cps = utf8::decode(s);
  std::u32string set = chars ? utf8::decode(*chars) : std::u32string();
  auto strip_it = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_space(c); };
  std::size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strip_it(cps[b])) ++b;
  if (right)
    while (e > b && strip_it(cps[e - 1])) --e;
  return utf8::encode(cps.substr(b, e - b));
}

Value get_attribute(const Value& object, const std::string& name) {
  switch (object.kind()) {
    case Value::Kind::Undefined:
      throw EvalError(object.undefined_hint().empty() ? "cannot read attribute '" + name + "' of an undefined value"
                                                      : object.undefined_hint() + " is undefined");
    case Value::Kind::String:
      if (auto m = string_method(object.as_string(), name)) return *m;
      break;
    case Value::Kind::Dict: {
      const Dict& d = object.as_dict();
      if (!d.is_namespace)
        if (auto m = dict_method(object.dict_ptr(), name)) return *m;
      if (const Value* v = d.find(name)) return *v;
      return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
    }
    case Value::Kind::List:
      if (auto m = list_method(object, name)) return *m;
      break;
    default:
      break;
  }
  return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
}

Value get_item(const Value& object, const Value& key) {
  switch (object.kind()) {
    case Value::Kind::Undefined:
      throw EvalError(object.undefined_hint().empty() ? "cannot index an undefined value"
                                                      : object.undefined_hint() + " is undefined");
    case Value::Kind::Dict:
      if (key.is_string()) {
        if (const Value* v = object.as_dict().find(key.as_string())) return *v;
        return get_attribute(object, key.as_string());
      }
      break;
    case Value::Kind::List:
      if (key.is_int() || key.is_bool()) {
        const List& list = object.as_list();
        std::int64_t i = normalize_index(key.is_int() ? key.as_int() : key.as_bool(), list.size());
        if (i >= 0) return list[static_cast<std::size_t>(i)];
        return Value::undefined("list index " + py_repr(key) + " (out of range)");
      }
      if (key.is_string()) return get_attribute(object, key.as_string());
      break;
    case Value::Kind::String:
      if (key.is_int()) {
        std::u32string cps = utf8::decode(object.as_string());
        std::int64_t i = normalize_index(key.as_int(), cps.size());
        if (i >= 0) return Value(utf8::encode(cps[static_cast<std::size_t>(i)]));
        return Value::undefined("string index " + py_repr(key) + " (out of range)");
      }
      if (key.is_string()) return get_attribute(object, key.as_string());
      break;
    default:
      break;
  }
  return Value::undefined("'" + object.type_name() + " object' has no item " + py_repr(key));
}

Value slice(const Value& object, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto opt_int = [](const Value& v) -> std::optional<std::int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    return expect_int(v, "slice index");
  };
  std::int64_t step = opt_int(step_v).value_or(1);
  if (step == 0) throw EvalError("slice step cannot be zero");
  auto pick = [&](std::size_t size) {
    auto n = static_cast<std::int64_t>(size);
    auto clamp = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
      if (!v) return fallback;
      std::int64_t x = *v < 0 ? *v + n : *v;
      if (step > 0) return std::clamp<std::int64_t>(x, 0, n);
      return std::clamp<std::int64_t>(x, -1, n - 1);
    };
    std::int64_t start = clamp(opt_int(start_v), step > 0 ? 0 : n - 1);
    std::int64_t stop = clamp(opt_int(stop_v), step > 0 ? n : -1);
    std::vector<std::size_t> indices;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
      indices.push_back(static_cast<std::size_t>(i));
    return indices;
  };
  if (object.is_list()) {
    List out;
    for (std::size_t i : pick(object.as_list().size())) out.push_back(object.as_list()[i]);
    return Value(std::move(out));
  }
  if (object.is_string()) {
    std::u32string cps = utf8::decode(object.as_string());
    std::u32string out;
    for (std::size_t i : pick(cps.size())) out.push_back(cps[i]);
    return Value(utf8::encode(out));
  }
  if (object.is_undefined())
    throw EvalError(object.undefined_hint().empty() ? "cannot slice an undefined value"
                                                    : object.undefined_hint() + " is undefined");
  throw EvalError("'" + object.type_name() + "' object is not subscriptable");
}

List iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined:
      return {};
    case Value::Kind::List:
      return value.as_list();
    case Value::Kind::Dict: {
      List keys;
      for (const auto& [k, v] : value.as_dict().items) keys.emplace_back(k);
      return keys;
    }
    case Value::Kind::String: {
      List chars;
      for (char32_t c : utf8::decode(value.as_string())) chars.emplace_back(utf8::encode(c));
      return chars;
    }
    default:
      throw EvalError("'" + value.type_name() + "' object is not iterable");
  }
}

std::int64_t length(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined:
      return 0;
    case Value::Kind::List:
      return static_cast<std::int64_t>(value.as_list().size());
    case Value::Kind::Dict:
      return static_cast<std::int64_t>(value.as_dict().items.size());
    case Value::Kind::String:
      return static_cast<std::int64_t>(utf8::decode(value.as_string()).size());
    default:
      throw EvalError("object of type '" + value.type_name() + "' has no len()");
  }
}

std::optional<Value> global_function(const std::string& name) {
  if (name == "range") {
    return bound("range", [](CallArgs& a) {
      ArgReader r(a, "range");
      std::vector<Value> args = r.rest(0);
      r.finish();
      if (args.empty() || args.size() > 3) throw EvalError("range() takes 1 to 3 arguments");
      std::int64_t start = 0, stop, step = 1;
      if (args.size() == 1) {
        stop = expect_int(args[0], "range() argument");
      } else {
        start = expect_int(args[0], "range() argument");
        stop = expect_int(args[1], "range() argument");
        if (args.size() == 3) step = expect_int(args[2], "range() argument");
      }
      if (step == 0) throw EvalError("range() arg 3 must not be zero");
      List out;
      for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        out.emplace_back(i);
        if (out.size() > 1000000) throw EvalError("range() too long for a template");
      }
      return Value(std::move(out));
    });
  }
  if (name == "dict" || name == "namespace") {
    bool ns = name == "namespace";
    return bound(name, [ns, name](CallArgs& a) {
      Dict d;
      d.is_namespace = ns;
      if (a.positional.size() > 1) throw EvalError(name + "() takes at most one positional argument");
      if (a.positional.size() == 1) {
        if (!a.positional[0].is_dict()) throw EvalError(name + "() positional argument must be a dict");
        d.items = a.positional[0].as_dict().items;
      }
      for (auto& [k, v] : a.keyword) d.set(k, v);
      return Value(std::move(d));
    });
  }
  if (name == "raise_exception") {
    return bound(name, [](CallArgs& a) -> Value {
      ArgReader r(a, "raise_exception");
      Value message = r.required(0, "message");
      r.finish();
      throw EvalError("raise_exception: " + py_str(message));
    });
  }
  if (name == "strftime_now") {
    return bound(name, [](CallArgs& a) {
      ArgReader r(a, "strftime_now");
      std::string format = expect_string(r.required(0, "format"), "strftime_now format");
      r.finish();
      std::time_t now = std::time(nullptr);
      std::tm local{};
      localtime_r(&now, &local);
      char buf[512];
      std::size_t n = std::strftime(buf, sizeof(buf), format.c_str(), &local);
      return Value(std::string(buf, n));
    });
  }
  return std::nullopt;
}

}  // namespace sl::local::jinja
