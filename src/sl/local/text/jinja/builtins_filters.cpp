// Jinja's filters and tests (the ones chat templates use), with transformers' tojson.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "builtins.hpp"
#include "sl/local/text/unicode.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local::jinja {

namespace {

using FilterFn = std::function<Value(const Value&, ArgReader&)>;
using TestFn = std::function<bool(const Value&, ArgReader&)>;

std::string str_arg(const Value& v, const std::string& what) {
  if (!v.is_string()) throw EvalError(what + " must be a string, not " + v.type_name());
  return v.as_string();
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to, std::int64_t count) {
  if (from.empty()) {  // Python inserts `to` between characters and at both ends
    std::string out;
    std::int64_t n = 0;
    for (char32_t c : utf8::decode(s)) {
      if (count < 0 || n < count) out += to, ++n;
      utf8::append(out, c);
    }
    if (count < 0 || n < count) out += to;
    return out;
  }
  std::string out;
  std::size_t pos = 0;
  std::int64_t n = 0;
  while (count < 0 || n < count) {
    std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++n;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

// Jinja's attribute lookup for filters like map(attribute="a.b") and selectattr("a.0").
Value lookup_path(const Value& item, const std::string& path) {
  Value v = item;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    v = numeric ? get_item(v, Value(static_cast<std::int64_t>(std::stoll(part)))) : get_item(v, Value(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return v;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const std::map<std::string, TestFn, std::less<>>& tests();

// select / reject / selectattr / rejectattr: the test and its arguments follow the fixed ones.
List select_items(const Value& input, ArgReader& r, bool with_attribute, bool keep_when) {
  std::optional<std::string> attribute;
  std::size_t next = 0;
  if (with_attribute) attribute = str_arg(r.required(next++, "attribute"), "attribute");
  std::optional<Value> test_name = r.get(next++, "test_name");
  std::vector<Value> test_args = r.rest(next);
  r.finish();
  List out;
  for (const auto& item : iterate(input)) {
    Value subject = attribute ? lookup_path(item, *attribute) : item;
    bool pass;
    if (!test_name) {
      pass = subject.truthy();
    } else {
      std::string name = str_arg(*test_name, "test name");
      CallArgs args{test_args, {}};
      pass = apply_test(name, subject, args);
    }
    if (pass == keep_when) out.push_back(item);
  }
  return out;
}

Value sort_key(const Value& item, const std::optional<std::string>& attribute, bool case_sensitive) {
  Value v = attribute ? lookup_path(item, *attribute) : item;
  if (!case_sensitive && v.is_string()) return Value(unicode::to_lower(v.as_string()));
  return v;
}

const std::map<std::string, FilterFn, std::less<>>& filters() {
  static const std::map<std::string, FilterFn, std::less<>> table = [] {
    std::map<std::string, FilterFn, std::less<>> f;
    f["trim"] = [](const Value& v, ArgReader& r) {
      Value chars = r.get_or(0, "chars", Value::none());
      r.finish();
      std::optional<std::string> set;
      if (!chars.is_none()) set = str_arg(chars, "trim chars");
      return Value(py_strip(py_str(v), set, true, true));
    };
    f["tojson"] = [](const Value& v, ArgReader& r) {
      JsonDumpOptions o;
      Value indent = r.get_or(0, "indent", Value::none());
      o.ensure_ascii = r.get_or(1, "ensure_ascii", Value(false)).truthy();
      Value separators = r.get_or(2, "separators", Value::none());
      o.sort_keys = r.get_or(3, "sort_keys", Value(false)).truthy();
      r.finish();
      if (indent.is_int()) {
        // Python indents by ' ' * indent: nothing for a negative one (found by fuzzing: it was a
        // std::length_error); a huge one is over the output limit before it is allocated.
        check_built_size(static_cast<double>(indent.as_int()));
        o.indent = static_cast<int>(std::max<std::int64_t>(0, indent.as_int()));
      } else if (!indent.is_none()) throw EvalError("tojson indent must be an integer");
      if (separators.is_list() && separators.as_list().size() == 2) {
        o.item_separator = str_arg(separators.as_list()[0], "tojson separators");
        o.key_separator = str_arg(separators.as_list()[1], "tojson separators");
      } else if (!separators.is_none()) {
        throw EvalError("tojson separators must be a pair of strings");
      }
      return Value(json_dumps(v, o));
    };
    f["length"] = f["count"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return Value(length(v));
    };
    f["string"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return Value(py_str(v));
    };
    f["lower"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return Value(unicode::to_lower(py_str(v)));
    };
    f["upper"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return Value(unicode::to_upper(py_str(v)));
    };
    f["capitalize"] = [](const Value& v, ArgReader& r) {
      r.finish();
      std::u32string cps = utf8::decode(py_str(v));
      if (cps.empty()) return Value("");
      return Value(unicode::to_upper(utf8::encode(cps[0])) + unicode::to_lower(utf8::encode(cps.substr(1))));
    };
    f["title"] = [](const Value& v, ArgReader& r) {
      r.finish();
      // Jinja: words start after runs of "-", whitespace, "(", "{", "[", "<".
      std::string out;
      bool word_start = true;
      for (char32_t c : utf8::decode(py_str(v))) {
        bool boundary = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || unicode::is_python_space(c);
        std::string one = utf8::encode(c);
        if (boundary) {
          out += one;
          word_start = true;
        } else {
          out += word_start ? unicode::to_upper(one) : unicode::to_lower(one);
          word_start = false;
        }
      }
      return Value(out);
    };
    f["join"] = [](const Value& v, ArgReader& r) {
      std::string sep = py_str(r.get_or(0, "d", Value("")));
      Value attribute = r.get_or(1, "attribute", Value::none());
      r.finish();
      std::string out;
      bool first = true;
      for (const auto& item : iterate(v)) {
        if (!first) out += sep;
        first = false;
        out += py_str(attribute.is_none() ? item : lookup_path(item, py_str(attribute)));
      }
      return Value(out);
    };
    f["first"] = [](const Value& v, ArgReader& r) {
      r.finish();
      List items = iterate(v);
      return items.empty() ? Value::undefined("first item of an empty sequence") : items.front();
    };
    f["last"] = [](const Value& v, ArgReader& r) {
      r.finish();
      List items = iterate(v);
      return items.empty() ? Value::undefined("last item of an empty sequence") : items.back();
    };
    f["default"] = f["d"] = [](const Value& v, ArgReader& r) {
      Value fallback = r.get_or(0, "default_value", Value(""));
      bool boolean = r.get_or(1, "boolean", Value(false)).truthy();
      r.finish();
      if (v.is_undefined() || (boolean && !v.truthy())) return fallback;
      return v;
    };
    f["items"] = [](const Value& v, ArgReader& r) {
      r.finish();
      if (v.is_undefined()) return Value(List{});
      if (!v.is_dict()) throw EvalError("items filter: expected a mapping, got " + v.type_name());
      List out;
      for (const auto& [k, x] : v.as_dict().items) out.emplace_back(List{Value(k), x});
      return Value(std::move(out));
    };
    f["dictsort"] = [](const Value& v, ArgReader& r) {
      bool case_sensitive = r.get_or(0, "case_sensitive", Value(false)).truthy();
      std::string by = py_str(r.get_or(1, "by", Value("key")));
      bool reverse = r.get_or(2, "reverse", Value(false)).truthy();
      r.finish();
      if (!v.is_dict()) throw EvalError("dictsort filter: expected a mapping, got " + v.type_name());
      List out;
      for (const auto& [k, x] : v.as_dict().items) out.emplace_back(List{Value(k), x});
      std::size_t pos = by == "value" ? 1 : 0;
      std::stable_sort(out.begin(), out.end(), [&](const Value& a, const Value& b) {
        return compare("<", sort_key(a.as_list()[pos], std::nullopt, case_sensitive),
                       sort_key(b.as_list()[pos], std::nullopt, case_sensitive));
      });
      if (reverse) std::reverse(out.begin(), out.end());
      return Value(std::move(out));
    };
    f["replace"] = [](const Value& v, ArgReader& r) {
      std::string old_text = py_str(r.required(0, "old"));
      std::string new_text = py_str(r.required(1, "new"));
      Value count = r.get_or(2, "count", Value::none());
      r.finish();
      return Value(replace_all(py_str(v), old_text, new_text, count.is_int() ? count.as_int() : -1));
    };
    f["list"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return Value(iterate(v));
    };
    f["reverse"] = [](const Value& v, ArgReader& r) {
      r.finish();
      if (v.is_string()) {
        std::u32string cps = utf8::decode(v.as_string());
        std::reverse(cps.begin(), cps.end());
        return Value(utf8::encode(cps));
      }
      List items = iterate(v);
      std::reverse(items.begin(), items.end());
      return Value(std::move(items));
    };
    f["sort"] = [](const Value& v, ArgReader& r) {
      bool reverse = r.get_or(0, "reverse", Value(false)).truthy();
      bool case_sensitive = r.get_or(1, "case_sensitive", Value(false)).truthy();
      Value attribute = r.get_or(2, "attribute", Value::none());
      r.finish();
      std::optional<std::string> attr;
      if (!attribute.is_none()) attr = py_str(attribute);
      List items = iterate(v);
      std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        return compare("<", sort_key(a, attr, case_sensitive), sort_key(b, attr, case_sensitive));
      });
      if (reverse) std::reverse(items.begin(), items.end());
      return Value(std::move(items));
    };
    f["unique"] = [](const Value& v, ArgReader& r) {
      bool case_sensitive = r.get_or(0, "case_sensitive", Value(false)).truthy();
      Value attribute = r.get_or(1, "attribute", Value::none());
      r.finish();
      std::optional<std::string> attr;
      if (!attribute.is_none()) attr = py_str(attribute);
      List out, seen;
      for (const auto& item : iterate(v)) {
        Value key = sort_key(item, attr, case_sensitive);
        if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) continue;
        seen.push_back(key);
        out.push_back(item);
      }
      return Value(std::move(out));
    };
    for (const char* name : {"min", "max"}) {
      bool is_max = std::string(name) == "max";
      f[name] = [is_max](const Value& v, ArgReader& r) {
        bool case_sensitive = r.get_or(0, "case_sensitive", Value(false)).truthy();
        Value attribute = r.get_or(1, "attribute", Value::none());
        r.finish();
        std::optional<std::string> attr;
        if (!attribute.is_none()) attr = py_str(attribute);
        List items = iterate(v);
        if (items.empty()) return Value::undefined("min/max of an empty sequence");
        Value best = items[0];
        for (const auto& item : items) {
          bool better =
              compare(is_max ? ">" : "<", sort_key(item, attr, case_sensitive), sort_key(best, attr, case_sensitive));
          if (better) best = item;
        }
        return best;
      };
    }
    f["sum"] = [](const Value& v, ArgReader& r) {
      Value attribute = r.get_or(0, "attribute", Value::none());
      Value total = r.get_or(1, "start", Value(0));
      r.finish();
      for (const auto& item : iterate(v))
        total = binary_op("+", total, attribute.is_none() ? item : lookup_path(item, py_str(attribute)));
      return total;
    };
    f["abs"] = [](const Value& v, ArgReader& r) {
      r.finish();
      if (v.is_int()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
      if (v.is_number()) return Value(std::fabs(v.as_number()));
      throw EvalError("bad operand type for abs(): '" + v.type_name() + "'");
    };
    f["int"] = [](const Value& v, ArgReader& r) {
      Value fallback = r.get_or(0, "default", Value(0));
      r.finish();
      if (v.is_int()) return v;
      if (v.is_bool()) return Value(static_cast<std::int64_t>(v.as_bool()));
      if (v.is_float()) return Value(static_cast<std::int64_t>(v.as_float()));
      if (v.is_string()) {
        try {
          std::size_t used = 0;
          std::string s = py_strip(v.as_string(), std::nullopt, true, true);
          long long n = std::stoll(s, &used, 10);
          if (used == s.size()) return Value(static_cast<std::int64_t>(n));
          double d = std::stod(s, &used);
          if (used == s.size()) return Value(static_cast<std::int64_t>(d));
        } catch (const std::exception&) {
        }
      }
      return fallback;
    };
    f["float"] = [](const Value& v, ArgReader& r) {
      Value fallback = r.get_or(0, "default", Value(0.0));
      r.finish();
      if (v.is_number()) return Value(v.as_number());
      if (v.is_string()) {
        try {
          std::size_t used = 0;
          std::string s = py_strip(v.as_string(), std::nullopt, true, true);
          double d = std::stod(s, &used);
          if (used == s.size()) return Value(d);
        } catch (const std::exception&) {
        }
      }
      return fallback;
    };
    f["round"] = [](const Value& v, ArgReader& r) {
      Value precision = r.get_or(0, "precision", Value(0));
      std::string method = py_str(r.get_or(1, "method", Value("common")));
      r.finish();
      if (!v.is_number()) throw EvalError("round filter: expected a number, got " + v.type_name());
      double scale = std::pow(10.0, static_cast<double>(precision.is_int() ? precision.as_int() : 0));
      double x = v.as_number() * scale;
      if (method == "common") x = std::round(x);
      else if (method == "floor") x = std::floor(x);
      else if (method == "ceil") x = std::ceil(x);
      else throw EvalError("round filter: method must be common, floor or ceil");
      return Value(x / scale);
    };
    f["safe"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return v;
    };
    f["e"] = f["escape"] = f["forceescape"] = [](const Value& v, ArgReader& r) {
      r.finish();
      return Value(html_escape(py_str(v)));
    };
    f["indent"] = [](const Value& v, ArgReader& r) {
      Value width = r.get_or(0, "width", Value(4));
      bool first = r.get_or(1, "first", Value(false)).truthy();
      bool blank = r.get_or(2, "blank", Value(false)).truthy();
      r.finish();
      // A negative width indents by nothing, as Python's ' ' * -1 is ''.
      const std::int64_t spaces = width.is_int() ? std::max<std::int64_t>(0, width.as_int()) : 4;
      if (!width.is_string()) check_built_size(static_cast<double>(spaces));
      std::string pad = width.is_string() ? width.as_string() : std::string(static_cast<std::size_t>(spaces), ' ');
      std::string s = py_str(v), out;
      std::size_t start = 0;
      bool first_line = true;
      while (true) {
        std::size_t nl = s.find('\n', start);
        std::string line = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        bool indent_it = first_line ? first : (blank || !py_strip(line, std::nullopt, true, true).empty());
        if (indent_it) out += pad;
        out += line;
        if (nl == std::string::npos) break;
        out += '\n';
        start = nl + 1;
        first_line = false;
      }
      return Value(out);
    };
    f["center"] = [](const Value& v, ArgReader& r) {
      Value width = r.get_or(0, "width", Value(80));
      r.finish();
      std::string s = py_str(v);
      std::int64_t n = static_cast<std::int64_t>(utf8::decode(s).size());
      std::int64_t w = width.is_int() ? width.as_int() : 80;
      if (w <= n) return Value(s);
      check_built_size(static_cast<double>(w));
      std::int64_t total = w - n, left = total / 2 + (total & w & 1);
      return Value(std::string(static_cast<std::size_t>(left), ' ') + s +
                   std::string(static_cast<std::size_t>(total - left), ' '));
    };
    f["wordcount"] = [](const Value& v, ArgReader& r) {
      r.finish();
      CallArgs none;
      Value words = get_attribute(Value(py_str(v)), "split").as_callable().call(none);
      return Value(static_cast<std::int64_t>(words.as_list().size()));
    };
    f["format"] = [](const Value& v, ArgReader& r) {
      std::vector<Value> args = r.rest(0);
      r.finish();
      return Value(percent_format(py_str(v), args.size() == 1 ? args[0] : Value(List(args))));
    };
    f["attr"] = [](const Value& v, ArgReader& r) {
      std::string name = str_arg(r.required(0, "name"), "attr name");
      r.finish();
      return get_attribute(v, name);
    };
    f["map"] = [](const Value& v, ArgReader& r) {
      std::optional<Value> attribute = r.get(99, "attribute");
      Value fallback = r.get_or(99, "default", Value());
      List out;
      if (attribute) {
        r.finish();
        for (const auto& item : iterate(v)) {
          Value x = lookup_path(item, py_str(*attribute));
          out.push_back(x.is_undefined() && !fallback.is_undefined() ? fallback : x);
        }
        return Value(std::move(out));
      }
      std::string filter = str_arg(r.required(0, "filter"), "map filter name");
      std::vector<Value> args = r.rest(1);
      r.finish();
      if (!has_filter(filter)) throw EvalError("map: unsupported filter '" + filter + "'");
      for (const auto& item : iterate(v)) {
        CallArgs a{args, {}};
        out.push_back(apply_filter(filter, item, a));
      }
      return Value(std::move(out));
    };
    f["select"] = [](const Value& v, ArgReader& r) { return Value(select_items(v, r, false, true)); };
    f["reject"] = [](const Value& v, ArgReader& r) { return Value(select_items(v, r, false, false)); };
    f["selectattr"] = [](const Value& v, ArgReader& r) { return Value(select_items(v, r, true, true)); };
    f["rejectattr"] = [](const Value& v, ArgReader& r) { return Value(select_items(v, r, true, false)); };
    f["batch"] = [](const Value& v, ArgReader& r) {
      Value size = r.required(0, "linecount");
      Value fill = r.get_or(1, "fill_with", Value::none());
      r.finish();
      if (!size.is_int() || size.as_int() <= 0) throw EvalError("batch size must be a positive integer");
      List out, current;
      for (const auto& item : iterate(v)) {
        current.push_back(item);
        if (static_cast<std::int64_t>(current.size()) == size.as_int())
          out.emplace_back(std::move(current)), current.clear();
      }
      if (!current.empty()) {
        if (!fill.is_none())
          while (static_cast<std::int64_t>(current.size()) < size.as_int()) current.push_back(fill);
        out.emplace_back(std::move(current));
      }
      return Value(std::move(out));
    };
    return f;
  }();
  return table;
}

bool numeric_test(const Value& v, const std::function<bool(std::int64_t)>& pred) {
  if (!(v.is_int() || v.is_bool())) throw EvalError("test needs an integer, not " + v.type_name());
  return pred(v.is_int() ? v.as_int() : v.as_bool());
}

const std::map<std::string, TestFn, std::less<>>& tests() {
  static const std::map<std::string, TestFn, std::less<>> table = [] {
    std::map<std::string, TestFn, std::less<>> t;
    auto simple = [&](const char* name, std::function<bool(const Value&)> fn) {
      t[name] = [fn](const Value& v, ArgReader& r) {
        r.finish();
        return fn(v);
      };
    };
    simple("defined", [](const Value& v) { return !v.is_undefined(); });
    simple("undefined", [](const Value& v) { return v.is_undefined(); });
    simple("none", [](const Value& v) { return v.is_none(); });
    simple("boolean", [](const Value& v) { return v.is_bool(); });
    simple("true", [](const Value& v) { return v.is_bool() && v.as_bool(); });
    simple("false", [](const Value& v) { return v.is_bool() && !v.as_bool(); });
    simple("integer", [](const Value& v) { return v.is_int(); });
    simple("float", [](const Value& v) { return v.is_float(); });
    simple("number", [](const Value& v) { return v.is_number(); });
    simple("string", [](const Value& v) { return v.is_string(); });
    simple("mapping", [](const Value& v) { return v.is_dict() && !v.as_dict().is_namespace; });
    // Python: anything with __iter__ (Jinja's Undefined has one too).
    simple("iterable", [](const Value& v) { return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined(); });
    simple("sequence", [](const Value& v) { return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined(); });
    simple("callable", [](const Value& v) { return v.is_callable(); });
    simple("lower", [](const Value& v) { return v.is_string() && unicode::to_lower(v.as_string()) == v.as_string(); });
    simple("upper", [](const Value& v) { return v.is_string() && unicode::to_upper(v.as_string()) == v.as_string(); });
    simple("escaped", [](const Value&) { return false; });
    simple("odd", [](const Value& v) { return numeric_test(v, [](std::int64_t n) { return n % 2 != 0; }); });
    simple("even", [](const Value& v) { return numeric_test(v, [](std::int64_t n) { return n % 2 == 0; }); });
    t["divisibleby"] = [](const Value& v, ArgReader& r) {
      Value n = r.required(0, "num");
      r.finish();
      if (!n.is_int() || n.as_int() == 0) throw EvalError("divisibleby needs a non-zero integer");
      return numeric_test(v, [&](std::int64_t x) { return x % n.as_int() == 0; });
    };
    t["sameas"] = [](const Value& v, ArgReader& r) {
      Value other = r.required(0, "other");
      r.finish();
      if (v.kind() != other.kind()) return false;
      if (v.is_none()) return true;
      if (v.is_bool()) return v.as_bool() == other.as_bool();
      if (v.is_list()) return &v.as_list() == &other.as_list();
      if (v.is_dict()) return &v.as_dict() == &other.as_dict();
      return equals(v, other);
    };
    struct Cmp {
      const char* name;
      const char* op;
    };
    for (Cmp c : {Cmp{"equalto", "=="}, Cmp{"eq", "=="}, Cmp{"==", "=="}, Cmp{"ne", "!="}, Cmp{"!=", "!="},
                  Cmp{"lt", "<"}, Cmp{"lessthan", "<"}, Cmp{"<", "<"}, Cmp{"le", "<="}, Cmp{"<=", "<="}, Cmp{"gt", ">"},
                  Cmp{"greaterthan", ">"}, Cmp{">", ">"}, Cmp{"ge", ">="}, Cmp{">=", ">="}, Cmp{"in", "in"}}) {
      std::string op = c.op;
      t[c.name] = [op](const Value& v, ArgReader& r) {
        Value other = r.required(0, "other");
        r.finish();
        return compare(op, v, other);
      };
    }
    return t;
  }();
  return table;
}

}  // namespace

bool has_filter(std::string_view name) { return filters().count(name) > 0; }
bool has_test(std::string_view name) { return tests().count(name) > 0; }

Value apply_filter(const std::string& name, const Value& input, CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) throw EvalError("unsupported filter '" + name + "'");
  ArgReader reader(args, name);
  return it->second(input, reader);
}

bool apply_test(const std::string& name, const Value& input, CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) throw EvalError("unsupported test '" + name + "'");
  ArgReader reader(args, name);
  return it->second(input, reader);
}

}  // namespace sl::local::jinja
