#include "interpreter.hpp"

#include <unordered_map>

#include "builtins.hpp"
#include "sl/core/error.hpp"

namespace sl::local::jinja {

namespace {

using Scope = std::unordered_map<std::string, Value>;

enum class Flow { Normal, Break, Continue };

// Output is produced into a growing string; macros and {% set %} blocks capture into their own.
class Interpreter {
 public:
  Interpreter(const Dict& variables, const std::string& origin) : variables_(variables), origin_(origin) {
    scopes_.push_back(std::make_shared<Scope>());
  }

  void run(const Body& body, std::string& out) { exec(body, out); }

 private:
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw UsageError(origin_ + ":" + std::to_string(line) + ": " + what);
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
    switch (s.kind) {
      case Stmt::Kind::Text:
        out += s.text;
        return Flow::Normal;
      case Stmt::Kind::Output:
        out += py_str(eval(*s.expr));
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
        out += py_str(result);
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
                              if (call_depth_ >= kMaxCallDepth)
                                throw EvalError("macro '" + macro->name + "': maximum recursion depth (" +
                                                std::to_string(kMaxCallDepth) + ") exceeded");
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
    try {
      return eval_inner(e);
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
      case K::GetAttr:
        return get_attribute(eval(*e.object), e.name);
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
        if (!callee.is_callable()) {
          if (callee.is_undefined()) throw EvalError(callee.undefined_hint() + " is undefined (called as a function)");
          throw EvalError("'" + callee.type_name() + "' object is not callable");
        }
        return callee.as_callable().call(args);
      }
      case K::Filter: {
        Value input = eval(*e.object);
        CallArgs args = eval_args(e);
        return apply_filter(e.name, input, args);
      }
      case K::Test: {
        Value input = eval(*e.object);
        CallArgs args = eval_args(e);
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
        return binary_op(e.name, left, right);
      }
      case K::Compare: {
        Value left = eval(*e.left);
        for (const auto& [op, operand] : e.ops) {
          Value right = eval(*operand);
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

  static constexpr int kMaxCallDepth = 100;

  const Dict& variables_;
  const std::string& origin_;
  std::vector<std::shared_ptr<Scope>> scopes_;
  int call_depth_ = 0;
};

}  // namespace

std::string render(const Body& body, const Dict& variables, const std::string& origin) {
  std::string out;
  Interpreter(variables, origin).run(body, out);
  return out;
}

}  // namespace sl::local::jinja
