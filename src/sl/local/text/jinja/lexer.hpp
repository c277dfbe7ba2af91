// Splits template source into tokens the way Jinja2's lexer does under transformers' settings:
// newlines normalized to "\n" and one trailing newline dropped; {%- -%} / {{- -}} / {#- -#}
// strip whitespace; trim_blocks removes the newline after a block or comment tag; lstrip_blocks
// removes spaces and tabs before a block or comment tag that starts its line ({%+ keeps them);
// {% raw %}...{% endraw %} is text.
#pragma once

#include <string>
#include <vector>

#include "value.hpp"

namespace sl::local::jinja {

struct Token {
  enum class Type {
    Text,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End
  };
  Type type;
  std::string text;  // Text: the text; Name / Operator: the name or symbol; String: the value
  Value number;      // Integer / Float
  int line;
};

// Throws sl::UsageError "<origin>:<line>: ..." on unterminated tags, strings or bad characters.
std::vector<Token> tokenize(const std::string& source, const std::string& origin);

}  // namespace sl::local::jinja
