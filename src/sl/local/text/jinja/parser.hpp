// Builds the syntax tree from tokens, with Jinja2's operator precedence:
//   conditional (a if b else c) < or < and < not < comparisons and in / not in < + - < ~ < * / // %
//   < ** < unary - + < postfix (.attr, [index], [a:b:c], call) with filters (|f) and tests (is t).
// Unsupported tags, filters and tests are sl::UsageErrors naming them and their line.
#pragma once

#include <string>
#include <vector>

#include "ast.hpp"
#include "lexer.hpp"

namespace sl::local::jinja {

Body parse(const std::vector<Token>& tokens, const std::string& origin);

}  // namespace sl::local::jinja
