#include "interpreter.hpp"

#include <cstdio>
#include <unordered_map>

#include "builtins.hpp"
#include "sl/core/error.hpp"

namespace sl::local::jinja {

namespace {

using Scope = std::unordered_map<std::string, Value>;

// The output limit of the render running on this thread, for check_built_size() (0: none).
thread_local std::uint64_t active_output_limit = 0;

std::string exceeded_bytes(std::uint64_t limit) {
  return "chat template exceeded " + std::to_string(limit) + " bytes of output";
}

enum class Flow { Normal, Break, Continue };

// Output is produced into a growing string; macros and {% set %} blocks capture into their own.
class Interpreter {
 public:
  Interpreter(const Dict& variables, const std::string& origin, const TemplateLimits& limits)
      : variables_(variables), origin_(origin), limits_(limits) {
    scopes_.push_back(std::make_shared<Scope>());
  }

  void run(const Body& body, std::string& out) { exec(body, out); }

 private:
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw UsageError(origin_ + ":" + std::to_string(line) + ": " + what);
  }

  // ---- the budget (TemplateLimits) ------------------------------------------------------------
  // One step per statement run and per expression evaluated: a loop over a loop, or a macro
  // that calls itself twice, reaches the limit in bounded time.
  void step(int line, std::uint64_t count = 1) {
    steps_ += count;
    if (steps_ > limits_.max_steps)
      fail(line, "chat template exceeded " + std::to_string(limits_.max_steps) + " steps");
  }
  // Names, items and attributes share what exists already (values hold their lists by pointer);
  // other expressions build their value.
  static bool builds_value(Expr::Kind kind) {
    using K = Expr::Kind;
    return kind != K::Name && kind != K::Literal && kind != K::GetAttr && kind != K::GetItem && kind != K::Condition;
  }
  // Operations pay for the values they work on too, so that, e.g., a loop that joins a long
  // list on every pass runs out of steps rather than running for hours.
  void charge(const CallArgs& args, int line) {
    std::uint64_t total = 0;
    for (const auto& a : args.positional) total += cost(a);
    for (const auto& [k, v] : args.keyword) total += cost(v);
    if (total) step(line, total);
  }
  // What building or scanning a value costs beyond its one step: a list of a million items
  // (range(), "*") is a million steps; a string one step per 256 bytes.
  static std::uint64_t cost(const Value& v) {
    if (v.is_list()) return v.as_list().size();
    if (v.is_string()) return v.as_string().size() / 256;
    return 0;
  }
  // Every byte written, to the output or to a capture ({% set %} blocks, macros, filter blocks).
  void write(std::string& out, std::string_view text, int line) {
    written_ += text.size();
    if (written_ > limits_.max_output_bytes) fail(line, exceeded_bytes(limits_.max_output_bytes));
    out += text;
  }

  // ---- variables ----------------------------------------------------------------------------
  Value lookup(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto found = (*it)->find(name);
      if (found != (*it)->end()) return found->second;
    }
    if (const Value* v = variables_.find(name)) return *v;
    if (auto g = global_function(name)) return *g;
    return Value::undefined("'" + name + "'");
  }

  void assign(const Target& target, const Value& value, int line) {
    if (target.attribute) {
      Value ns = lookup(target.names[0]);
      if (!ns.is_dict() || !ns.as_dict().is_namespace)
        fail(line, "cannot assign attribute '" + *target.attribute + "' on '" + target.names[0] +
                       "': only namespace() objects have assignable attributes");
      ns.dict_ptr()->set(*target.attribute, value);
      return;
    }
    if (target.names.size() == 1) {
      (*scopes_.back())[target.names[0]] = value;
      return;
    }
    List items;
    try {
      items = iterate(value);
    } catch (const EvalError& e) {
      fail(line, std::string("cannot unpack: ") + e.what());
    }
    if (items.size() != target.names.size())
      fail(line, "cannot unpack " + std::to_string(items.size()) + " values into " +
                     std::to_string(target.names.size()) + " names");
    for (std::size_t i = 0; i < items.size(); ++i) (*scopes_.back())[target.names[i]] = items[i];
  }

  // ---- statements ---------------------------------------------------------------------------
  Flow exec(const Body& body, std::string& out) {
    for (const auto& stmt : body) {
      Flow f = exec(*stmt, out);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

  Flow exec(const Stmt& s, std::string& out) {
    step(s.line);
    switch (s.kind) {
      case Stmt::Kind::Text:
        write(out, s.text, s.line);
        return Flow::Normal;
      case Stmt::Kind::Output:
        write(out, py_str(eval(*s.expr)), s.line);
        return Flow::Normal;
      case Stmt::Kind::If:
        for (const auto& [cond, body] : s.branches)
          if (eval(*cond).truthy()) return exec(body, out);
        return exec(s.else_body, out);
      case Stmt::Kind::For:
        return exec_for(s, out);
      case Stmt::Kind::Set:
        if (s.expr) {
          assign(s.target, eval(*s.expr), s.line);
        } else {
          std::string captured;
          exec(s.body, captured);
          assign(s.target, Value(captured), s.line);
        }
        return Flow::Normal;
      case Stmt::Kind::Macro:
        define_macro(s);
        return Flow::Normal;
      case Stmt::Kind::Break:
        return Flow::Break;
      case Stmt::Kind::Continue:
        return Flow::Continue;
      case Stmt::Kind::FilterBlock: {
        std::string captured;
        exec(s.body, captured);
        scopes_.push_back(std::make_shared<Scope>());
        (*scopes_.back())["__filter_body__"] = Value(captured);
        Value result = eval(*s.expr);
        scopes_.pop_back();
        write(out, py_str(result), s.line);
        return Flow::Normal;
      }
      case Stmt::Kind::Generation:
        return exec(s.body, out);
    }
    return Flow::Normal;
  }

  Flow exec_for(const Stmt& s, std::string& out) {
    Value iterable = eval(*s.expr);
    List items;
    try {
      items = iterate(iterable);
    } catch (const EvalError& e) {
      fail(s.line, e.what());
    }
    // A step per item: an empty loop body over a long list is still work.
    step(s.line, items.size());
    if (s.loop_filter) {  // {% for x in xs if cond %}: filtered before loop.* is computed
      List kept;
      for (const auto& item : items) {
        scopes_.push_back(std::make_shared<Scope>());
        assign(s.target, item, s.line);
        bool keep = eval(*s.loop_filter).truthy();
        scopes_.pop_back();
        if (keep) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return exec(s.else_body, out);
    const auto n = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < n; ++i) {
      scopes_.push_back(std::make_shared<Scope>());
      (*scopes_.back())["loop"] = loop_object(items, i);
      assign(s.target, items[static_cast<std::size_t>(i)], s.line);
      Flow f = exec(s.body, out);
      scopes_.pop_back();
      if (f == Flow::Break) break;
    }
    return Flow::Normal;
  }

  static Value loop_object(const List& items, std::int64_t i) {
    const auto n = static_cast<std::int64_t>(items.size());
    Dict loop;
    loop.items = {
        {"index", Value(i + 1)},
        {"index0", Value(i)},
        {"revindex", Value(n - i)},
        {"revindex0", Value(n - i - 1)},
        {"first", Value(i == 0)},
        {"last", Value(i == n - 1)},
        {"length", Value(n)},
        {"depth", Value(1)},
        {"depth0", Value(0)},
        {"previtem", i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value::undefined("'loop.previtem'")},
        {"nextitem", i + 1 < n ? items[static_cast<std::size_t>(i + 1)] : Value::undefined("'loop.nextitem'")}};
    loop.items.emplace_back("cycle",
                            Value(Callable{"loop.cycle", [i](CallArgs& a) -> Value {
                                             if (a.positional.empty())
                                               throw EvalError("loop.cycle() needs at least one value");
                                             return a.positional[static_cast<std::size_t>(i) % a.positional.size()];
                                           }}));
    // (In Jinja `loop` is an object; here it is a dict, so `loop is mapping` is true.)
    return Value(std::move(loop));
  }

  void define_macro(const Stmt& s) {
    const Stmt* macro = &s;
    // Weak: the macro lives in a scope, and a strong reference back would be a cycle (a leak).
    std::weak_ptr<Scope> weak_root = scopes_.front();
    Value callable(Callable{s.name, [this, macro, weak_root](CallArgs& args) -> Value {
                              auto root = weak_root.lock();
                              if (!root)
                                throw EvalError("macro '" + macro->name + "' called after its template finished");
                              auto scope = std::make_shared<Scope>();
                              std::size_t used = 0;
                              for (std::size_t i = 0; i < macro->params.size(); ++i) {
                                const MacroParam& p = macro->params[i];
                                const Value* given = nullptr;
                                if (i < args.positional.size()) {
                                  given = &args.positional[i];
                                  ++used;
                                }
                                for (const auto& [k, v] : args.keyword)
                                  if (k == p.name) given = &v;
                                if (given) (*scope)[p.name] = *given;
                                else if (p.default_value) (*scope)[p.name] = eval(*p.default_value);
                                else (*scope)[p.name] = Value::undefined("'" + p.name + "'");
                              }
                              if (args.positional.size() > used)
                                throw EvalError("macro '" + macro->name + "' takes " +
                                                std::to_string(macro->params.size()) + " arguments");
                              for (const auto& [k, v] : args.keyword) {
                                bool known = false;
                                for (const auto& p : macro->params) known = known || p.name == k;
                                if (!known) throw EvalError("macro '" + macro->name + "' has no argument '" + k + "'");
                              }
                              if (call_depth_ >= limits_.max_call_depth)
                                throw EvalError("macro '" + macro->name + "': maximum recursion depth (" +
                                                std::to_string(limits_.max_call_depth) + ") exceeded");
                              ++call_depth_;
                              struct Leave {
                                int& d;
                                ~Leave() { --d; }
                              } leave{call_depth_};
                              std::vector<std::shared_ptr<Scope>> saved = std::move(scopes_);
                              scopes_ = {root, scope};
                              std::string out;
                              try {
                                exec(macro->body, out);
                              } catch (...) {
                                scopes_ = std::move(saved);
                                throw;
                              }
                              scopes_ = std::move(saved);
                              return Value(out);
                            }});
    (*scopes_.back())[s.name] = callable;
  }

  // ---- expressions --------------------------------------------------------------------------
  Value eval(const Expr& e) {
    step(e.line);
    try {
      Value v = eval_inner(e);
      // Strings grow by concatenation too ('x' ~ 'x' doubling in a loop), not only in builtins.
      if (v.is_string() && v.as_string().size() > limits_.max_output_bytes)
        throw EvalError(exceeded_bytes(limits_.max_output_bytes) + " (a string of " +
                        std::to_string(v.as_string().size()) + " bytes)");
      if (builds_value(e.kind))
        if (const std::uint64_t extra = cost(v)) step(e.line, extra);
      return v;
    } catch (const EvalError& err) {
      fail(e.line, err.what());
    }
  }

  CallArgs eval_args(const Expr& e) {
    CallArgs args;
    for (const auto& a : e.items) args.positional.push_back(eval(*a));
    for (const auto& [k, v] : e.kwargs) args.keyword.emplace_back(k, eval(*v));
    return args;
  }

  Value eval_inner(const Expr& e) {
    using K = Expr::Kind;
    switch (e.kind) {
      case K::Literal:
        return e.value;
      case K::Name:
        return lookup(e.name);
      case K::List: {
        List items;
        for (const auto& item : e.items) items.push_back(eval(*item));
        return Value(std::move(items));
      }
      case K::Dict: {
        Dict d;
        for (std::size_t i = 0; i < e.keys.size(); ++i) {
          Value key = eval(*e.keys[i]);
          if (!key.is_string()) throw EvalError("dict keys must be strings here, got " + key.type_name());
          d.set(key.as_string(), eval(*e.items[i]));
        }
        return Value(std::move(d));
      }
      case K::GetAttr: {
        Value object = eval(*e.object);
        Value attribute = get_attribute(object, e.name);
        if (attribute.is_callable()) step(e.line, cost(object));  // a method works on its object
        return attribute;
      }
      case K::GetItem:
        return get_item(eval(*e.object), eval(*e.index));
      case K::Slice: {
        Value object = eval(*e.object);
        return slice(object, e.start ? eval(*e.start) : Value(), e.stop ? eval(*e.stop) : Value(),
                     e.step ? eval(*e.step) : Value());
      }
      case K::Call: {
        Value callee = eval(*e.object);
        CallArgs args = eval_args(e);
        charge(args, e.line);
        if (!callee.is_callable()) {
          if (callee.is_undefined()) throw EvalError(callee.undefined_hint() + " is undefined (called as a function)");
          throw EvalError("'" + callee.type_name() + "' object is not callable");
        }
        return callee.as_callable().call(args);
      }
      case K::Filter: {
        Value input = eval(*e.object);
        CallArgs args = eval_args(e);
        step(e.line, cost(input));
        charge(args, e.line);
        return apply_filter(e.name, input, args);
      }
      case K::Test: {
        Value input = eval(*e.object);
        CallArgs args = eval_args(e);
        step(e.line, cost(input));
        charge(args, e.line);
        bool result = apply_test(e.name, input, args);
        return Value(e.negated ? !result : result);
      }
      case K::Not:
        return Value(!eval(*e.object).truthy());
      case K::Negate:
        return negate(eval(*e.object));
      case K::Plus: {
        Value v = eval(*e.object);
        if (!v.is_number()) throw EvalError("bad operand type for unary +: '" + v.type_name() + "'");
        return v;
      }
      case K::Binary: {
        if (e.name == "and") {
          Value left = eval(*e.left);
          return left.truthy() ? eval(*e.right) : left;
        }
        if (e.name == "or") {
          Value left = eval(*e.left);
          return left.truthy() ? left : eval(*e.right);
        }
        Value left = eval(*e.left);
        Value right = eval(*e.right);
        step(e.line, cost(left) + cost(right));
        return binary_op(e.name, left, right);
      }
      case K::Compare: {
        Value left = eval(*e.left);
        for (const auto& [op, operand] : e.ops) {
          Value right = eval(*operand);
          step(e.line, cost(left) + cost(right));  // `in` scans, == compares whole lists
          if (!compare(op, left, right)) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case K::Condition:
        if (eval(*e.test).truthy()) return eval(*e.then);
        return e.otherwise ? eval(*e.otherwise) : Value::undefined("");
    }
    throw EvalError("unknown expression");
  }

  const Dict& variables_;
  const std::string& origin_;
  const TemplateLimits& limits_;
  std::vector<std::shared_ptr<Scope>> scopes_;
  int call_depth_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace

void check_built_size(double bytes) {
  if (active_output_limit != 0 && bytes > static_cast<double>(active_output_limit)) {
    char size[64];
    std::snprintf(size, sizeof(size), "%.0f", bytes);
    throw EvalError(exceeded_bytes(active_output_limit) + " (a value of " + size + " bytes)");
  }
}

std::string render(const Body& body, const Dict& variables, const std::string& origin, const TemplateLimits& limits) {
  struct ActiveLimit {
    std::uint64_t saved = active_output_limit;
    explicit ActiveLimit(std::uint64_t limit) { active_output_limit = limit; }
    ~ActiveLimit() { active_output_limit = saved; }
  } active(limits.max_output_bytes);
  std::string out;
  Interpreter(variables, origin, limits).run(body, out);
  return out;
}

}  // namespace sl::local::jinja
