#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.hpp"

#include <pcre2.h>

#include "sl/core/error.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {

namespace {

// What Oniguruma's \w means (see the header); written as the inside of a character class.
constexpr std::string_view kWordClassBody = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
constexpr std::string_view kHexClassBody = "0-9a-fA-F";

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Per-thread matching state: match data for one whole-match span and a JIT stack large enough
// for long runs of one class (the default 32 KiB fails on megabyte-long whitespace runs).
struct ThreadMatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  ThreadMatchState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (!data || !context || !jit_stack) throw Error("PCRE2: out of memory");
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~ThreadMatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

ThreadMatchState& thread_state() {
  thread_local ThreadMatchState state;
  return state;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof(buffer));
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

std::string translate_oniguruma(std::string_view p, const std::string& origin) {
  auto unsupported = [&](std::string_view what) {
    return UsageError(origin + ": regex construct " + std::string(what) +
                      " is not supported (pattern: " + std::string(p) + ")");
  };
  std::string out;
  out.reserve(p.size() + 32);
  bool in_class = false;
  std::size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      switch (e) {
        case 's':
          out += "\\p{White_Space}";
          i += 2;
          continue;
        case 'S':
          out += "\\P{White_Space}";
          i += 2;
          continue;
        case 'w':
          out += in_class ? std::string(kWordClassBody) : "[" + std::string(kWordClassBody) + "]";
          i += 2;
          continue;
        case 'W':
          if (in_class) throw unsupported("\\W inside a character class");
          out += "[^" + std::string(kWordClassBody) + "]";
          i += 2;
          continue;
        case 'h':
          out += in_class ? std::string(kHexClassBody) : "[" + std::string(kHexClassBody) + "]";
          i += 2;
          continue;
        case 'H':
          if (in_class) throw unsupported("\\H inside a character class");
          out += "[^" + std::string(kHexClassBody) + "]";
          i += 2;
          continue;
        case 'u':
          if (i + 6 <= p.size() && is_hex(p[i + 2]) && is_hex(p[i + 3]) && is_hex(p[i + 4]) && is_hex(p[i + 5])) {
            out += "\\x{" + std::string(p.substr(i + 2, 4)) + "}";
            i += 6;
            continue;
          }
          throw unsupported("\\u without four hex digits");
        default:
          out += c;
          out += e;
          i += 2;
          continue;
      }
    }
    if (in_class) {
      if (c == '[') {
        if (i + 1 < p.size() && p[i + 1] == ':') {  // POSIX class [:alpha:], same in both
          std::size_t end = p.find(":]", i + 2);
          if (end == std::string_view::npos) throw unsupported("unterminated [: :]");
          out.append(p.substr(i, end + 2 - i));
          i = end + 2;
          continue;
        }
        throw unsupported("nested character class");
      }
      if (c == '&' && i + 1 < p.size() && p[i + 1] == '&') throw unsupported("class intersection &&");
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];  // a leading ']' is literal
      continue;
    }
    if (c == '(' && i + 2 < p.size() && p[i + 1] == '?') {
      // Inline options (?imx-imx) / (?imx-imx:...): Ruby's m is PCRE2's s.
      std::size_t j = i + 2;
      while (j < p.size() && (p[j] == 'i' || p[j] == 'm' || p[j] == 'x' || p[j] == '-')) ++j;
      if (j > i + 2 && j < p.size() && (p[j] == ':' || p[j] == ')')) {
        out += "(?";
        for (std::size_t k = i + 2; k < j; ++k) out += p[k] == 'm' ? 's' : p[k];
        i = j;
        continue;
      }
    }
    out += c;
    ++i;
  }
  if (in_class) throw unsupported("unterminated character class");
  return out;
}

std::string regex_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}-/#&~ ").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

Regex::Regex(const std::string& pcre2_pattern, const std::string& origin) : pattern_(pcre2_pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &error, &offset, nullptr);
  if (!code)
    throw UsageError(origin + ": regex does not compile at offset " + std::to_string(offset) + ": " +
                     pcre2_message(error) + " (pattern: " + pattern_ + ")");
  code_ = code;
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

void Regex::find_all(std::string_view subject, std::vector<Span>& out) const {
  for_each_match(subject, [&](std::size_t begin, std::size_t end) { out.emplace_back(begin, end); });
}

void Regex::for_each_match(std::string_view subject, FunctionRef<void(std::size_t, std::size_t)> on_match) const {
  auto* code = static_cast<pcre2_code*>(code_);
  auto* subject_ptr = reinterpret_cast<PCRE2_SPTR>(subject.data());
  std::size_t start = 0;
  while (start <= subject.size()) {
    ThreadMatchState& state = thread_state();
    int rc = pcre2_match(code, subject_ptr, subject.size(), start, PCRE2_NO_UTF_CHECK, state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw Error("regex match failed: " + pcre2_message(rc) + " (pattern: " + pattern_ + ")");
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const std::size_t begin = ovector[0], end = ovector[1];  // read before on_match reuses the state
    if (end > begin) {
      start = end;
    } else {  // empty match: step over one character
      std::size_t n = end < subject.size() ? utf8::valid_sequence_length(subject, end) : 1;
      start = end + (n == 0 ? 1 : n);
    }
    on_match(begin, end);
  }
}

bool Regex::matches_at(std::string_view subject, std::size_t pos) const {
  auto* code = static_cast<pcre2_code*>(code_);
  ThreadMatchState& state = thread_state();
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), pos,
                       PCRE2_NO_UTF_CHECK | PCRE2_ANCHORED, state.data, state.context);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) throw Error("regex match failed: " + pcre2_message(rc) + " (pattern: " + pattern_ + ")");
  return true;
}

}  // namespace sl::local
