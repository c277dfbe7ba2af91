#include "lexer.hpp"

#include <cctype>
#include <cstring>

#include "sl/core/error.hpp"
#include "sl/local/text/unicode.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local::jinja {

namespace {

std::string normalize_newlines(const std::string& src) {
  std::string out;
  out.reserve(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

// Python str.rstrip(): removes trailing Unicode whitespace.
std::string rstrip(const std::string& s) {
  std::size_t end = s.size();
  while (end > 0) {
    std::size_t p = end - 1;
    while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
    std::size_t n = utf8::valid_sequence_length(s, p);
    if (n == 0 || !unicode::is_python_space(utf8::decode_at(s, p, n))) break;
    end = p;
  }
  return s.substr(0, end);
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  Lexer(const std::string& source, const std::string& origin) : src_(normalize_newlines(source)), origin_(origin) {}

  std::vector<Token> run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      std::size_t start = find_tag(pos_);
      std::string data = src_.substr(pos_, start - pos_);
      if (start == src_.size()) {
        emit_text(data);
        advance_to(start);
        break;
      }
      const char kind = src_[start + 1];  // '{', '%' or '#'
      const char control =
          start + 2 < src_.size() && (src_[start + 2] == '-' || src_[start + 2] == '+') ? src_[start + 2] : 0;
      if (control == '-') {
        data = rstrip(data);
      } else if (control != '+' && kind != '{') {  // lstrip_blocks
        std::size_t l_pos = data.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if ((l_pos > 0 || line_starting) && data.find_first_not_of(" \t", l_pos) == std::string::npos)
          data.resize(l_pos);
      }
      emit_text(data);
      advance_to(start);
      std::size_t inner = start + 2 + (control ? 1 : 0);
      if (kind == '#') {
        line_starting = lex_comment(inner);
      } else {
        line_starting = lex_tag(kind, inner);
      }
    }
    tokens_.push_back({Token::Type::End, "", {}, line_});
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& what, int line) const {
    throw UsageError(origin_ + ":" + std::to_string(line) + ": " + what);
  }

  std::size_t find_tag(std::size_t from) const {
    while (true) {
      std::size_t p = src_.find('{', from);
      if (p == std::string::npos || p + 1 >= src_.size()) return src_.size();
      char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      from = p + 1;
    }
  }

  // Moves to `to`, counting lines.
  void advance_to(std::size_t to) {
    for (std::size_t i = pos_; i < to; ++i)
      if (src_[i] == '\n') ++line_;
    pos_ = to;
  }

  void emit_text(const std::string& data) {
    if (!data.empty()) tokens_.push_back({Token::Type::Text, data, {}, line_});
  }

  // After a tag end: "-" strips all following whitespace; a block or comment end without "+"
  // drops one newline (trim_blocks). Returns whether the next text starts a line.
  bool finish_tag(std::size_t after_end, char end_control, bool is_block_or_comment) {
    std::size_t p = after_end;
    if (end_control == '-') {
      while (p < src_.size()) {
        std::size_t n = utf8::valid_sequence_length(src_, p);
        if (n == 0 || !unicode::is_python_space(utf8::decode_at(src_, p, n))) break;
        p += n;
      }
    } else if (end_control != '+' && is_block_or_comment && p < src_.size() && src_[p] == '\n') {
      ++p;
    }
    advance_to(p);
    return p > 0 && src_[p - 1] == '\n';
  }

  bool lex_comment(std::size_t inner) {
    int line = line_;
    std::size_t end = src_.find("#}", inner);
    if (end == std::string::npos) fail("unterminated comment {# ... #}", line);
    char control = end > inner && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : 0;
    advance_to(end);
    return finish_tag(end + 2, control, true);
  }

  // Lexes the inside of {{ ... }} or {% ... %}.
  bool lex_tag(char kind, std::size_t inner) {
    const bool block = kind == '%';
    const int begin_line = line_;
    tokens_.push_back({block ? Token::Type::BlockBegin : Token::Type::VariableBegin, "", {}, line_});
    const std::size_t first_token = tokens_.size();
    advance_to(inner);
    const char close = block ? '%' : '}';
    int depth = 0;  // open brackets: an end marker inside {...} is part of the expression
    while (true) {
      while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) advance_to(pos_ + 1);
      if (pos_ >= src_.size())
        fail(std::string("unterminated ") + (block ? "{% ... %}" : "{{ ... }}") + " tag", begin_line);
      if (depth == 0) {
        char control = (src_[pos_] == '-' || src_[pos_] == '+') ? src_[pos_] : 0;
        std::size_t m = pos_ + (control ? 1 : 0);
        if (m + 1 < src_.size() && src_[m] == close && src_[m + 1] == '}') {
          tokens_.push_back({block ? Token::Type::BlockEnd : Token::Type::VariableEnd, "", {}, line_});
          advance_to(m);
          bool line_start = finish_tag(m + 2, control, block);
          if (block && tokens_.size() == first_token + 2 && tokens_[first_token].type == Token::Type::Name &&
              tokens_[first_token].text == "raw") {
            tokens_.resize(first_token - 1);
            return lex_raw(begin_line);
          }
          return line_start;
        }
      }
      lex_expression_token(depth);
    }
  }

  // {% raw %}: everything up to {% endraw %} is text.
  bool lex_raw(int line) {
    std::size_t p = pos_;
    while (true) {
      std::size_t tag = src_.find("{%", p);
      if (tag == std::string::npos) fail("{% raw %} without {% endraw %}", line);
      std::size_t q = tag + 2;
      char begin_control = (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ? src_[q] : 0;
      if (begin_control) ++q;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      if (src_.compare(q, 6, "endraw") != 0) {
        p = tag + 2;
        continue;
      }
      q += 6;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      char end_control = (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ? src_[q] : 0;
      if (end_control) ++q;
      if (src_.compare(q, 2, "%}") != 0) {
        p = tag + 2;
        continue;
      }
      std::string text = src_.substr(pos_, tag - pos_);
      if (begin_control == '-') text = rstrip(text);
      emit_text(text);
      advance_to(tag);
      return finish_tag(q + 2, end_control, true);
    }
  }

  void lex_expression_token(int& depth) {
    const int line = line_;
    const char c = src_[pos_];
    if (is_name_start(c)) {
      std::size_t e = pos_;
      while (e < src_.size() && is_name_char(src_[e])) ++e;
      tokens_.push_back({Token::Type::Name, src_.substr(pos_, e - pos_), {}, line});
      advance_to(e);
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      lex_number();
      return;
    }
    if (c == '\'' || c == '"') {
      lex_string(c);
      return;
    }
    static const char* const kOperators[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                             ">",  "=",  "(",  ")",  "[",  "]",  "{", "}", ",", ".", ":", "|"};
    for (const char* op : kOperators) {
      std::size_t len = std::strlen(op);
      if (src_.compare(pos_, len, op) == 0) {
        if (*op == '(' || *op == '[' || *op == '{') ++depth;
        if ((*op == ')' || *op == ']' || *op == '}') && depth > 0) --depth;
        tokens_.push_back({Token::Type::Operator, op, {}, line});
        advance_to(pos_ + len);
        return;
      }
    }
    std::size_t n = utf8::valid_sequence_length(src_, pos_);
    fail("unexpected character '" + src_.substr(pos_, n ? n : 1) + "' in a tag", line);
  }

  void lex_number() {
    const int line = line_;
    std::size_t e = pos_;
    auto digits = [&] {
      while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
    };
    digits();
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      ++e;
      digits();
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      std::size_t save = e;
      ++e;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) {
        is_float = true;
        digits();
      } else {
        e = save;
      }
    }
    std::string text;
    for (std::size_t i = pos_; i < e; ++i)
      if (src_[i] != '_') text += src_[i];
    Token t{is_float ? Token::Type::Float : Token::Type::Integer, text, {}, line};
    try {
      t.number = is_float ? Value(std::stod(text)) : Value(static_cast<std::int64_t>(std::stoll(text)));
    } catch (const std::exception&) {
      fail("number out of range: " + text, line);
    }
    tokens_.push_back(std::move(t));
    advance_to(e);
  }

  // A string literal with Python's escapes (Jinja decodes them with "unicode-escape").
  void lex_string(char quote) {
    const int line = line_;
    std::string value;
    std::size_t p = pos_ + 1;
    auto hex = [&](std::size_t at, int count) -> char32_t {
      char32_t v = 0;
      for (int i = 0; i < count; ++i) {
        char h = at + static_cast<std::size_t>(i) < src_.size() ? src_[at + static_cast<std::size_t>(i)] : 0;
        int d = std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                : (h >= 'a' && h <= 'f')                    ? h - 'a' + 10
                : (h >= 'A' && h <= 'F')                    ? h - 'A' + 10
                                                            : -1;
        if (d < 0) fail("bad \\x / \\u escape in a string", line);
        v = v * 16 + static_cast<char32_t>(d);
      }
      return v;
    };
    while (true) {
      if (p >= src_.size()) fail("unterminated string", line);
      char c = src_[p];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++p;
        continue;
      }
      if (p + 1 >= src_.size()) fail("unterminated string", line);
      char e = src_[p + 1];
      p += 2;
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
          utf8::append(value, hex(p, 2));
          p += 2;
          break;
        case 'u': {
          char32_t cp = hex(p, 4);
          if (cp >= 0xD800 && cp <= 0xDFFF) fail("surrogate \\u escapes are not supported", line);
          utf8::append(value, cp);
          p += 4;
          break;
        }
        case 'U': {
          char32_t cp = hex(p, 8);
          if (cp > 0x10FFFF) fail("\\U escape beyond U+10FFFF", line);
          utf8::append(value, cp);
          p += 8;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {  // octal, up to three digits
            char32_t v = static_cast<char32_t>(e - '0');
            for (int i = 0; i < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++i, ++p)
              v = v * 8 + static_cast<char32_t>(src_[p] - '0');
            utf8::append(value, v);
          } else {  // unknown escapes keep their backslash, as in Python
            value += '\\';
            value += e;
          }
      }
    }
    tokens_.push_back({Token::Type::String, value, {}, line});
    advance_to(p + 1);
  }

  std::string src_;
  const std::string& origin_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const std::string& origin) {
  return Lexer(source, origin).run();
}

}  // namespace sl::local::jinja
