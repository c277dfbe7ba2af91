// Operators with Python's semantics (int/float promotion, floor division and modulo that round
// toward negative infinity, str/list concatenation and repetition, "%" string formatting).
#include <cmath>
#include <cstdio>

#include "builtins.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local::jinja {

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined() && !a.undefined_hint().empty()) throw EvalError(a.undefined_hint() + " is undefined");
  if (b.is_undefined() && !b.undefined_hint().empty()) throw EvalError(b.undefined_hint() + " is undefined");
  throw EvalError("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool is_integral(const Value& v) { return v.is_int() || v.is_bool(); }
std::int64_t integral(const Value& v) { return v.is_int() ? v.as_int() : (v.as_bool() ? 1 : 0); }

Value checked(__int128 r) {
  if (r > INT64_MAX || r < INT64_MIN) throw EvalError("integer overflow");
  return Value(static_cast<std::int64_t>(r));
}

Value repeat(const Value& seq, std::int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    check_built_size(static_cast<double>(seq.as_string().size()) * static_cast<double>(n));
    std::string out;
    for (std::int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(out);
  }
  check_built_size(static_cast<double>(seq.as_list().size()) * static_cast<double>(n) * sizeof(Value));
  List out;
  for (std::int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return Value(std::move(out));
}

int three_way(const Value& a, const Value& b, const std::string& op) {
  if (a.is_number() && b.is_number()) {
    if (is_integral(a) && is_integral(b)) return integral(a) < integral(b) ? -1 : integral(a) > integral(b) ? 1 : 0;
    double x = a.as_number(), y = b.as_number();
    if (std::isnan(x) || std::isnan(y)) return 2;  // every comparison false
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());  // UTF-8 byte order = code point order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is_list() && b.is_list()) {
    const List &x = a.as_list(), &y = b.as_list();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equals(x[i], y[i])) continue;
      return three_way(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  if (a.is_undefined() && !a.undefined_hint().empty()) throw EvalError(a.undefined_hint() + " is undefined");
  if (b.is_undefined() && !b.undefined_hint().empty()) throw EvalError(b.undefined_hint() + " is undefined");
  throw EvalError("'" + op + "' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() +
                  "'");
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value(py_str(a) + py_str(b));
  const bool ints = is_integral(a) && is_integral(b);
  const bool nums = a.is_number() && b.is_number();
  if (op == "+") {
    if (ints) return checked(static_cast<__int128>(integral(a)) + integral(b));
    if (nums) return Value(a.as_number() + b.as_number());
    if (a.is_string() && b.is_string()) return Value(a.as_string() + b.as_string());
    if (a.is_list() && b.is_list()) {
      List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value(std::move(out));
    }
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) return checked(static_cast<__int128>(integral(a)) - integral(b));
    if (nums) return Value(a.as_number() - b.as_number());
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) return checked(static_cast<__int128>(integral(a)) * integral(b));
    if (nums) return Value(a.as_number() * b.as_number());
    if ((a.is_string() || a.is_list()) && is_integral(b)) return repeat(a, integral(b));
    if ((b.is_string() || b.is_list()) && is_integral(a)) return repeat(b, integral(a));
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (!nums) unsupported(op, a, b);
    if (b.as_number() == 0.0) throw EvalError("division by zero");
    return Value(a.as_number() / b.as_number());
  }
  if (op == "//") {
    if (!nums) unsupported(op, a, b);
    if (b.as_number() == 0.0) throw EvalError("integer division or modulo by zero");
    if (ints) {
      std::int64_t x = integral(a), y = integral(b);
      std::int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value(q);
    }
    return Value(std::floor(a.as_number() / b.as_number()));
  }
  if (op == "%") {
    if (a.is_string()) return Value(percent_format(a.as_string(), b));
    if (!nums) unsupported(op, a, b);
    if (b.as_number() == 0.0) throw EvalError("integer division or modulo by zero");
    if (ints) {
      std::int64_t x = integral(a), y = integral(b);
      std::int64_t r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return Value(r);
    }
    double x = a.as_number(), y = b.as_number();
    double r = std::fmod(x, y);
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return Value(r);
  }
  if (op == "**") {
    if (!nums) unsupported(op, a, b);
    if (ints && integral(b) >= 0) {
      __int128 result = 1;
      std::int64_t base = integral(a);
      for (std::int64_t i = 0; i < integral(b); ++i) {
        result *= base;
        if (result > INT64_MAX || result < INT64_MIN) throw EvalError("integer overflow");
      }
      return Value(static_cast<std::int64_t>(result));
    }
    return Value(std::pow(a.as_number(), b.as_number()));
  }
  throw EvalError("unknown operator " + op);
}

bool compare(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return equals(a, b);
  if (op == "!=") return !equals(a, b);
  if (op == "in" || op == "notin") {
    bool found = false;
    switch (b.kind()) {
      case Value::Kind::Undefined:
        found = false;
        break;
      case Value::Kind::String:
        if (!a.is_string()) throw EvalError("'in <string>' requires string as left operand, not " + a.type_name());
        found = b.as_string().find(a.as_string()) != std::string::npos;
        break;
      case Value::Kind::List:
        for (const auto& item : b.as_list())
          if (equals(item, a)) found = true;
        break;
      case Value::Kind::Dict:
        found = a.is_string() && b.as_dict().find(a.as_string()) != nullptr;
        break;
      default:
        throw EvalError("argument of type '" + b.type_name() + "' is not iterable");
    }
    return op == "in" ? found : !found;
  }
  int c = three_way(a, b, op);
  if (c == 2) return false;
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  if (op == ">=") return c >= 0;
  throw EvalError("unknown comparison " + op);
}

Value negate(const Value& v) {
  if (v.is_int()) return checked(-static_cast<__int128>(v.as_int()));
  if (v.is_bool()) return Value(static_cast<std::int64_t>(v.as_bool() ? -1 : 0));
  if (v.is_float()) return Value(-v.as_float());
  if (v.is_undefined() && !v.undefined_hint().empty()) throw EvalError(v.undefined_hint() + " is undefined");
  throw EvalError("bad operand type for unary -: '" + v.type_name() + "'");
}

std::string percent_format(const std::string& format, const Value& args) {
  List positional = args.is_list() ? args.as_list() : List{args};
  std::size_t next = 0;
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (++i >= format.size()) throw EvalError("incomplete format");
    const Value* value = nullptr;
    if (format[i] == '(') {  // %(name)s
      std::size_t end = format.find(')', i);
      if (end == std::string::npos || !args.is_dict()) throw EvalError("format requires a mapping");
      value = args.as_dict().find(format.substr(i + 1, end - i - 1));
      if (!value) throw EvalError("format key '" + format.substr(i + 1, end - i - 1) + "' not found");
      i = end + 1;
    }
    std::string spec;  // flags, width, precision
    while (i < format.size() && std::string_view("-+ #0123456789.").find(format[i]) != std::string_view::npos)
      spec += format[i++];
    // The conversions below print into a 512-byte buffer; a larger width or precision would be
    // cut (and '%.999999999f' makes snprintf allocate gigabytes, '%999999999d' run for seconds).
    for (std::size_t d = 0; d < spec.size(); ++d) {
      if (spec[d] < '0' || spec[d] > '9') continue;
      std::size_t end = d;
      while (end < spec.size() && spec[end] >= '0' && spec[end] <= '9') ++end;
      const std::string number = spec.substr(d, end - d);
      if (number.size() > 3 || std::stoi(number) > 500)
        throw EvalError("format width or precision " + number + " is too large (at most 500)");
      d = end;
    }
    if (i >= format.size()) throw EvalError("incomplete format");
    char conv = format[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!value) {
      if (next >= positional.size()) throw EvalError("not enough arguments for format string");
      value = &positional[next++];
    }
    char buf[512];
    std::string c_spec = "%" + spec;
    switch (conv) {
      case 's':
        out += py_str(*value);
        break;
      case 'r':
        out += py_repr(*value);
        break;
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        if (!value->is_number())
          throw EvalError(std::string("%") + conv + " format: a number is required, not " + value->type_name());
        long long n =
            value->is_float() ? static_cast<long long>(value->as_float()) : static_cast<long long>(integral(*value));
        std::snprintf(buf, sizeof(buf), (c_spec + "ll" + (conv == 'i' ? 'd' : conv)).c_str(), n);
        out += buf;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (!value->is_number())
          throw EvalError(std::string("%") + conv + " format: a number is required, not " + value->type_name());
        std::snprintf(buf, sizeof(buf), (c_spec + conv).c_str(), value->as_number());
        out += buf;
        break;
      default:
        throw EvalError(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (next < positional.size() && !args.is_dict() && args.is_list())
    throw EvalError("not all arguments converted during string formatting");
  return out;
}

}  // namespace sl::local::jinja
