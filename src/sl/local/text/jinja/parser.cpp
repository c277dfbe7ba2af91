#include "parser.hpp"

#include <algorithm>
#include <initializer_list>

#include "builtins.hpp"
#include "sl/core/error.hpp"

namespace sl::local::jinja {

namespace {

using T = Token::Type;

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& origin) : tokens_(tokens), origin_(origin) {}

  Body parse_template() {
    Body body = parse_body({});
    return body;
  }

 private:
  // ---- helpers ------------------------------------------------------------------------------
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool is_op(const char* op, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.type == T::Operator && t.text == op;
  }
  bool is_name(const char* name, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.type == T::Name && t.text == name;
  }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(const std::string& what, int line) const {
    throw UsageError(origin_ + ":" + std::to_string(line) + ": " + what);
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case T::Text:
        return "text";
      case T::VariableBegin:
        return "'{{'";
      case T::VariableEnd:
        return "'}}'";
      case T::BlockBegin:
        return "'{%'";
      case T::BlockEnd:
        return "'%}'";
      case T::Name:
        return "'" + t.text + "'";
      case T::String:
        return "a string";
      case T::Integer:
      case T::Float:
        return "a number";
      case T::Operator:
        return "'" + t.text + "'";
      case T::End:
        return "the end of the template";
    }
    return "?";
  }
  void expect_op(const char* op) {
    if (!skip_op(op)) fail(std::string("expected '") + op + "', got " + describe(peek()), peek().line);
  }
  std::string expect_name(const char* what) {
    if (peek().type != T::Name) fail(std::string("expected ") + what + ", got " + describe(peek()), peek().line);
    return next().text;
  }
  void expect_block_end() {
    if (peek().type != T::BlockEnd) fail("expected '%}', got " + describe(peek()), peek().line);
    next();
  }

  // ---- statements ---------------------------------------------------------------------------

  // Parses until a {% tag %} whose name is in `stop` (left unconsumed: the BlockBegin is next).
  Body parse_body(std::initializer_list<const char*> stop) {
    Body body;
    while (true) {
      const Token& t = peek();
      if (t.type == T::End) {
        if (stop.size() == 0) return body;
        fail(std::string("missing {% ") + *(stop.end() - 1) + " %} (the template ended)", t.line);
      }
      if (t.type == T::Text) {
        auto s = std::make_unique<Stmt>(Stmt::Kind::Text, t.line);
        s->text = t.text;
        body.push_back(std::move(s));
        next();
        continue;
      }
      if (t.type == T::VariableBegin) {
        int line = t.line;
        next();
        auto s = std::make_unique<Stmt>(Stmt::Kind::Output, line);
        s->expr = parse_tuple_or_expression();
        if (peek().type != T::VariableEnd) fail("expected '}}', got " + describe(peek()), peek().line);
        next();
        body.push_back(std::move(s));
        continue;
      }
      if (t.type == T::BlockBegin) {
        const Token& name = peek(1);
        if (name.type != T::Name) fail("expected a tag name after '{%', got " + describe(name), name.line);
        for (const char* s : stop)
          if (name.text == s) return body;
        next();
        body.push_back(parse_statement());
        continue;
      }
      fail("unexpected " + describe(t), t.line);
    }
  }

  // Nesting limit: a template nested this deep is not a chat template, and unbounded recursion
  // would overflow the stack instead of giving an error.
  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, int line) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels", line);
    }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 256;

  StmtPtr parse_statement() {
    DepthGuard guard(*this, peek().line);
    const Token& name_token = next();
    const std::string& name = name_token.text;
    const int line = name_token.line;
    if (name == "if") return parse_if(line);
    if (name == "for") return parse_for(line);
    if (name == "set") return parse_set(line);
    if (name == "macro") return parse_macro(line);
    if (name == "break" || name == "continue") {
      expect_block_end();
      if (loop_depth_ == 0) fail("{% " + name + " %} outside a loop", line);
      return std::make_unique<Stmt>(name == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, line);
    }
    if (name == "filter") return parse_filter_block(line);
    if (name == "generation") {
      expect_block_end();
      auto s = std::make_unique<Stmt>(Stmt::Kind::Generation, line);
      s->body = parse_body({"endgeneration"});
      close_tag("endgeneration");
      return s;
    }
    static const char* const kEndTags[] = {"endif",     "elif",          "else",   "endfor",  "endset",  "endmacro",
                                           "endfilter", "endgeneration", "endraw", "endcall", "endblock"};
    for (const char* end : kEndTags)
      if (name == end) fail("unexpected {% " + name + " %}", line);
    fail("unsupported tag {% " + name + " %}", line);
  }

  // Consumes {% name %}.
  void close_tag(const char* name) {
    next();  // BlockBegin
    next();  // the name
    (void)name;
    expect_block_end();
  }

  StmtPtr parse_if(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::If, line);
    ExprPtr cond = parse_expression();
    expect_block_end();
    Body body = parse_body({"elif", "else", "endif"});
    s->branches.emplace_back(std::move(cond), std::move(body));
    while (true) {
      next();  // BlockBegin
      const std::string tag = next().text;
      if (tag == "elif") {
        ExprPtr c = parse_expression();
        expect_block_end();
        Body b = parse_body({"elif", "else", "endif"});
        s->branches.emplace_back(std::move(c), std::move(b));
      } else if (tag == "else") {
        expect_block_end();
        s->else_body = parse_body({"endif"});
      } else {  // endif
        expect_block_end();
        return s;
      }
    }
  }

  Target parse_target(bool allow_attribute) {
    Target target;
    int line = peek().line;
    std::string first = expect_name("a variable name");
    if (allow_attribute && skip_op(".")) {
      target.names.push_back(first);
      target.attribute = expect_name("an attribute name");
      return target;
    }
    target.names.push_back(first);
    while (skip_op(",")) target.names.push_back(expect_name("a variable name"));
    for (const auto& n : target.names)
      if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None")
        fail("cannot assign to '" + n + "'", line);
    return target;
  }

  StmtPtr parse_for(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::For, line);
    s->target = parse_target(false);
    if (!skip_name("in")) fail("expected 'in' in {% for %}, got " + describe(peek()), peek().line);
    s->expr = parse_tuple(/*with_condition=*/false);
    if (skip_name("if")) s->loop_filter = parse_expression();
    if (is_name("recursive")) fail("recursive loops are not supported", peek().line);
    expect_block_end();
    ++loop_depth_;
    s->body = parse_body({"else", "endfor"});
    --loop_depth_;
    next();
    if (next().text == "else") {
      expect_block_end();
      s->else_body = parse_body({"endfor"});
      close_tag("endfor");
    } else {
      expect_block_end();
    }
    return s;
  }

  StmtPtr parse_set(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::Set, line);
    s->target = parse_target(true);
    if (skip_op("=")) {
      s->expr = parse_tuple(/*with_condition=*/true);
      expect_block_end();
      return s;
    }
    if (s->target.names.size() != 1 || s->target.attribute) fail("a {% set %} block assigns one name", line);
    expect_block_end();
    s->body = parse_body({"endset"});
    close_tag("endset");
    return s;
  }

  StmtPtr parse_macro(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::Macro, line);
    s->name = expect_name("a macro name");
    expect_op("(");
    while (!is_op(")")) {
      MacroParam p;
      p.name = expect_name("a parameter name");
      if (skip_op("=")) p.default_value = parse_expression();
      s->params.push_back(std::move(p));
      if (!skip_op(",")) break;
    }
    expect_op(")");
    expect_block_end();
    int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_body({"endmacro"});
    loop_depth_ = saved_loop_depth;
    close_tag("endmacro");
    return s;
  }

  StmtPtr parse_filter_block(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::FilterBlock, line);
    auto body_ref = std::make_unique<Expr>(Expr::Kind::Name, line);
    body_ref->name = "__filter_body__";
    ExprPtr e = std::move(body_ref);
    do {
      e = parse_filter(std::move(e));
    } while (skip_op("|"));
    s->expr = std::move(e);
    expect_block_end();
    s->body = parse_body({"endfilter"});
    close_tag("endfilter");
    return s;
  }

  // ---- expressions --------------------------------------------------------------------------

  ExprPtr make(Expr::Kind kind, int line) { return std::make_unique<Expr>(kind, line); }

  // An expression, or a tuple "a, b" (becomes a list).
  ExprPtr parse_tuple(bool with_condition) {
    int line = peek().line;
    ExprPtr first = with_condition ? parse_expression() : parse_or();
    if (!is_op(",")) return first;
    auto list = make(Expr::Kind::List, line);
    list->items.push_back(std::move(first));
    while (skip_op(",")) {
      if (peek().type == T::BlockEnd || peek().type == T::VariableEnd || is_name("if")) break;
      list->items.push_back(with_condition ? parse_expression() : parse_or());
    }
    return list;
  }
  ExprPtr parse_tuple_or_expression() { return parse_tuple(true); }

  ExprPtr parse_expression() {
    DepthGuard guard(*this, peek().line);
    ExprPtr expr = parse_or();
    while (is_name("if")) {
      int line = next().line;
      auto cond = make(Expr::Kind::Condition, line);
      cond->then = std::move(expr);
      cond->test = parse_or();
      if (skip_name("else")) cond->otherwise = parse_expression();
      expr = std::move(cond);
    }
    return expr;
  }

  ExprPtr binary(const std::string& op, ExprPtr left, ExprPtr right, int line) {
    auto e = make(Expr::Kind::Binary, line);
    e->name = op;
    e->left = std::move(left);
    e->right = std::move(right);
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      int line = next().line;
      left = binary("or", std::move(left), parse_and(), line);
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      int line = next().line;
      left = binary("and", std::move(left), parse_not(), line);
    }
    return left;
  }

  ExprPtr parse_not() {
    DepthGuard guard(*this, peek().line);
    if (is_name("not")) {
      int line = next().line;
      auto e = make(Expr::Kind::Not, line);
      e->object = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = peek().line;
    ExprPtr left = parse_math1();
    std::vector<std::pair<std::string, ExprPtr>> ops;
    while (true) {
      const Token& t = peek();
      if (t.type == T::Operator &&
          (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">=")) {
        std::string op = next().text;
        ops.emplace_back(op, parse_math1());
      } else if (is_name("in")) {
        next();
        ops.emplace_back("in", parse_math1());
      } else if (is_name("not") && is_name("in", 1)) {
        next();
        next();
        ops.emplace_back("notin", parse_math1());
      } else {
        break;
      }
    }
    if (ops.empty()) return left;
    auto e = make(Expr::Kind::Compare, line);
    e->left = std::move(left);
    e->ops = std::move(ops);
    return e;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& t = next();
      left = binary(t.text, std::move(left), parse_concat(), t.line);
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (is_op("~")) {
      int line = next().line;
      left = binary("~", std::move(left), parse_math2(), line);
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& t = next();
      left = binary(t.text, std::move(left), parse_pow(), t.line);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      int line = next().line;
      left = binary("**", std::move(left), parse_unary(true), line);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, peek().line);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      const Token& t = next();
      node = make(t.text == "-" ? Expr::Kind::Negate : Expr::Kind::Plus, t.line);
      node->object = parse_unary(false);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.type) {
      case T::Name: {
        next();
        static const std::pair<const char*, int> kConstants[] = {{"true", 1},  {"True", 1}, {"false", 0},
                                                                 {"False", 0}, {"none", 2}, {"None", 2}};
        for (auto [word, v] : kConstants) {
          if (t.text == word) {
            auto e = make(Expr::Kind::Literal, t.line);
            e->value = v == 2 ? Value::none() : Value(v == 1);
            return e;
          }
        }
        auto e = make(Expr::Kind::Name, t.line);
        e->name = t.text;
        return e;
      }
      case T::String: {
        int line = t.line;
        std::string s;
        while (peek().type == T::String) s += next().text;  // adjacent literals concatenate
        auto e = make(Expr::Kind::Literal, line);
        e->value = Value(std::move(s));
        return e;
      }
      case T::Integer:
      case T::Float: {
        next();
        auto e = make(Expr::Kind::Literal, t.line);
        e->value = t.number;
        return e;
      }
      case T::Operator:
        if (t.text == "(") {
          next();
          if (skip_op(")")) return make(Expr::Kind::List, t.line);  // ()
          ExprPtr inner = parse_tuple(true);
          expect_op(")");
          return inner;
        }
        if (t.text == "[") {
          next();
          auto list = make(Expr::Kind::List, t.line);
          while (!is_op("]")) {
            list->items.push_back(parse_expression());
            if (!skip_op(",")) break;
          }
          expect_op("]");
          return list;
        }
        if (t.text == "{") {
          next();
          auto dict = make(Expr::Kind::Dict, t.line);
          while (!is_op("}")) {
            dict->keys.push_back(parse_expression());
            expect_op(":");
            dict->items.push_back(parse_expression());
            if (!skip_op(",")) break;
          }
          expect_op("}");
          return dict;
        }
        break;
      default:
        break;
    }
    fail("unexpected " + describe(t) + " in an expression", t.line);
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".")) {
        int line = next().line;
        const Token& t = peek();
        if (t.type == T::Name) {
          auto e = make(Expr::Kind::GetAttr, line);
          e->name = next().text;
          e->object = std::move(node);
          node = std::move(e);
        } else if (t.type == T::Integer) {
          auto e = make(Expr::Kind::GetItem, line);
          e->object = std::move(node);
          e->index = make(Expr::Kind::Literal, line);
          e->index->value = next().number;
          node = std::move(e);
        } else {
          fail("expected an attribute name after '.', got " + describe(t), t.line);
        }
      } else if (is_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    int line = next().line;  // '['
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (skip_op(":")) {
        if (++colons > 2) fail("too many ':' in a slice", line);
        continue;
      }
      if (parts[colons]) fail("expected ':' or ']' in a subscript, got " + describe(peek()), peek().line);
      parts[colons] = parse_expression();
    }
    expect_op("]");
    if (colons == 0) {
      if (!parts[0]) fail("empty subscript []", line);
      auto e = make(Expr::Kind::GetItem, line);
      e->object = std::move(node);
      e->index = std::move(parts[0]);
      return e;
    }
    auto e = make(Expr::Kind::Slice, line);
    e->object = std::move(node);
    e->start = std::move(parts[0]);
    e->stop = std::move(parts[1]);
    e->step = std::move(parts[2]);
    return e;
  }

  // (args, name=value, ...) into `e`.
  void parse_call_args(Expr& e) {
    expect_op("(");
    while (!is_op(")")) {
      if (is_op("*") || is_op("**")) fail("*args and **kwargs in calls are not supported", peek().line);
      if (peek().type == T::Name && is_op("=", 1)) {
        std::string name = next().text;
        next();
        e.kwargs.emplace_back(name, parse_expression());
      } else {
        if (!e.kwargs.empty()) fail("positional argument after keyword argument", peek().line);
        e.items.push_back(parse_expression());
      }
      if (!skip_op(",")) break;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr node) {
    auto e = make(Expr::Kind::Call, peek().line);
    e->object = std::move(node);
    parse_call_args(*e);
    return e;
  }

  ExprPtr parse_filter(ExprPtr node) {
    int line = peek().line;
    std::string name = expect_name("a filter name");
    while (skip_op(".")) name += "." + expect_name("a filter name");
    if (!has_filter(name)) fail("unsupported filter '" + name + "'", line);
    auto e = make(Expr::Kind::Filter, line);
    e->name = name;
    e->object = std::move(node);
    if (is_op("(")) parse_call_args(*e);
    return e;
  }

  ExprPtr parse_test(ExprPtr node) {
    int line = peek().line;
    bool negated = skip_name("not");
    std::string name = expect_name("a test name");
    if (!has_test(name)) fail("unsupported test '" + name + "'", line);
    auto e = make(Expr::Kind::Test, line);
    e->name = name;
    e->negated = negated;
    e->object = std::move(node);
    const Token& t = peek();
    if (is_op("(")) {
      parse_call_args(*e);
    } else if ((t.type == T::Name || t.type == T::String || t.type == T::Integer || t.type == T::Float || is_op("[") ||
                is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("tests cannot be chained with 'is'", t.line);
      e->items.push_back(parse_postfix(parse_primary()));
    }
    return e;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (skip_op("|")) {
        node = parse_filter(std::move(node));
      } else if (skip_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  const std::vector<Token>& tokens_;
  const std::string& origin_;
  std::size_t pos_ = 0;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens, const std::string& origin) {
  return Parser(tokens, origin).parse_template();
}

}  // namespace sl::local::jinja
