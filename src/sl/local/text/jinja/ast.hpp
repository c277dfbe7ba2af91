// Syntax tree of a parsed template. Every node keeps its source line for error messages.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "value.hpp"

namespace sl::local::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Expr {
  enum class Kind {
    Literal,    // value
    Name,       // name
    List,       // items (also tuples)
    Dict,       // keys[i]: items[i]
    GetAttr,    // object.name
    GetItem,    // object[index]
    Slice,      // object[start:stop:step] (absent parts are null)
    Call,       // callee(args..., kwargs...)
    Filter,     // object | name(args..., kwargs...)
    Test,       // object is [not] name(args...)
    Not,        // not object
    Negate,     // -object
    Plus,       // +object
    Binary,     // left op right: + - * / // % ** ~ and or
    Compare,    // left op1 right1 op2 right2 ... (==, !=, <, <=, >, >=, in, notin)
    Condition,  // then if test else otherwise (otherwise may be null)
  };
  Kind kind;
  int line = 0;
  Value value;                 // Literal
  std::string name;            // Name, GetAttr, Filter, Test; Binary's operator
  ExprPtr object;              // GetAttr, GetItem, Slice, Call (callee), Filter, Test, unary ops
  ExprPtr index;               // GetItem
  ExprPtr start, stop, step;   // Slice
  std::vector<ExprPtr> items;  // List values, Dict values, call/filter/test positional arguments
  std::vector<ExprPtr> keys;   // Dict keys
  std::vector<std::pair<std::string, ExprPtr>> kwargs;  // Call, Filter, Test keyword arguments
  bool negated = false;                                 // Test
  ExprPtr left, right;                                  // Binary; Compare uses left + ops
  std::vector<std::pair<std::string, ExprPtr>> ops;     // Compare
  ExprPtr test, then, otherwise;                        // Condition

  Expr(Kind k, int l) : kind(k), line(l) {}
};

// An assignment target: a name, a tuple of names (for a, b in ...) or namespace.attr.
struct Target {
  std::vector<std::string> names;        // one name, or several for unpacking
  std::optional<std::string> attribute;  // set ns.attr = ...: names[0] is the namespace
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Stmt {
  enum class Kind {
    Text,    // text
    Output,  // {{ expr }}
    If,      // branches: (condition, body)...; else_body
    For,     // target in expr [if filter]: body; else_body
    Set,     // target = expr, or {% set target %}body{% endset %} (expr null)
    Macro,   // name(params): body
    Break,
    Continue,
    FilterBlock,  // {% filter name(args) %}body{% endfilter %}: expr is a Filter on a Name "__body__"
    Generation,   // {% generation %}body{% endgeneration %} (transformers): renders body
  };
  Kind kind;
  int line = 0;
  std::string text;
  ExprPtr expr;
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body, else_body;
  Target target;
  ExprPtr loop_filter;
  std::string name;
  std::vector<MacroParam> params;

  Stmt(Kind k, int l) : kind(k), line(l) {}
};

}  // namespace sl::local::jinja
