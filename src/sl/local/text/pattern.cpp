#include "pattern.hpp"

#include "regex.hpp"

namespace sl::local {

std::string pattern_to_pcre2(const tokjson::Node& pattern) {
  if (auto s = pattern.get("String")) return regex_escape(s->as_string());
  if (auto r = pattern.get("Regex")) return translate_oniguruma(r->as_string(), pattern.origin());
  pattern.fail_expected("{\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace sl::local
