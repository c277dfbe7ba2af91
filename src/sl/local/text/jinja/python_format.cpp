#include "python_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "builtins.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local::jinja {

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, then Python's layout: fixed notation when the decimal exponent
  // is in [-4, 16), else d.ddde+XX.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  std::size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent >= -5 + 1 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      std::size_t int_digits = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_digits) {
        out += digits + std::string(int_digits - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_digits) + "." + digits.substr(int_digits);
      }
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_buf;
}

namespace {

// Characters Python's repr() escapes (an approximation of "not printable": controls, C1
// controls, no-break space, soft hyphen, line/paragraph separators, BOM).
bool repr_escapes(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x2028 || cp == 0x2029 ||
         cp == 0xFEFF;
}

std::string repr_string(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t cp : utf8::decode(s)) {
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (repr_escapes(cp)) {
      char buf[16];
      if (cp < 0x100) std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(cp));
      else std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      utf8::append(out, cp);
    }
  }
  out += quote;
  return out;
}

void json_string(const std::string& s, bool ensure_ascii, std::string& out) {
  out += '"';
  for (char32_t cp : utf8::decode(s)) {
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20 || (ensure_ascii && cp > 0x7E)) {
          char buf[16];
          if (cp >= 0x10000) {  // a surrogate pair, as Python writes it
            char32_t v = cp - 0x10000;
            std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                          static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
          } else {
            std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
          }
          out += buf;
        } else {
          utf8::append(out, cp);
        }
    }
  }
  out += '"';
}

void dump(const Value& v, const JsonDumpOptions& o, int level, std::string& out) {
  using K = Value::Kind;
  const std::string item_sep = o.item_separator ? *o.item_separator : (o.indent ? "," : ", ");
  const std::string key_sep = o.key_separator ? *o.key_separator : ": ";
  auto newline = [&](int lvl) {
    if (!o.indent) return;
    // Indentation grows with depth: check the size before appending it.
    const double pad = static_cast<double>(*o.indent) * lvl;
    check_built_size(static_cast<double>(out.size()) + 1 + pad);
    out += '\n';
    out.append(static_cast<std::size_t>(pad), ' ');
  };
  switch (v.kind()) {
    case K::Undefined:
      throw EvalError("Object of type Undefined is not JSON serializable");
    case K::Callable:
      throw EvalError("Object of type function is not JSON serializable");
    case K::None:
      out += "null";
      return;
    case K::Bool:
      out += v.as_bool() ? "true" : "false";
      return;
    case K::Int:
      out += std::to_string(v.as_int());
      return;
    case K::Float: {
      double f = v.as_float();
      if (std::isnan(f)) out += "NaN";
      else if (std::isinf(f)) out += f > 0 ? "Infinity" : "-Infinity";
      else out += float_repr(f);
      return;
    }
    case K::String:
      json_string(v.as_string(), o.ensure_ascii, out);
      return;
    case K::List: {
      const List& list = v.as_list();
      if (list.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += item_sep;
        newline(level + 1);
        dump(list[i], o, level + 1, out);
      }
      newline(level);
      out += ']';
      return;
    }
    case K::Dict: {
      std::vector<const std::pair<std::string, Value>*> items;
      for (const auto& kv : v.as_dict().items) items.push_back(&kv);
      if (o.sort_keys)
        std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
      if (items.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += item_sep;
        newline(level + 1);
        json_string(items[i]->first, o.ensure_ascii, out);
        out += key_sep;
        dump(items[i]->second, o, level + 1, out);
      }
      newline(level);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string py_str(const Value& value) {
  using K = Value::Kind;
  switch (value.kind()) {
    case K::Undefined:
      return "";
    case K::String:
      return value.as_string();
    default:
      return py_repr(value);
  }
}

std::string py_repr(const Value& value) {
  using K = Value::Kind;
  switch (value.kind()) {
    case K::Undefined:
      return "";
    case K::None:
      return "None";
    case K::Bool:
      return value.as_bool() ? "True" : "False";
    case K::Int:
      return std::to_string(value.as_int());
    case K::Float:
      return float_repr(value.as_float());
    case K::String:
      return repr_string(value.as_string());
    case K::List: {
      std::string out = "[";
      const List& list = value.as_list();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ", ";
        out += py_repr(list[i]);
      }
      return out + "]";
    }
    case K::Dict: {
      const Dict& d = value.as_dict();
      std::string out = d.is_namespace ? "<Namespace {" : "{";
      for (std::size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ", ";
        out += repr_string(d.items[i].first) + ": " + py_repr(d.items[i].second);
      }
      return out + (d.is_namespace ? "}>" : "}");
    }
    case K::Callable:
      return "<function " + value.as_callable().name + ">";
  }
  return "";
}

std::string json_dumps(const Value& value, const JsonDumpOptions& options) {
  std::string out;
  dump(value, options, 0, out);
  return out;
}

}  // namespace sl::local::jinja
