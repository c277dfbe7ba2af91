// The Jinja interpreter: whitespace control as transformers configures it, statements,
// expressions, filters, tests, Python string semantics, and errors that name the line.
#include "sl/local/text/chat_template.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"

namespace sl::local {
namespace {

std::string render(const std::string& source, const Json& variables = Json::object(),
                   const Json& messages = Json::array(), bool add_generation_prompt = false) {
  return ChatTemplate::compile(source, "test.jinja")->render(messages, add_generation_prompt, variables);
}

// The sl::UsageError message of compiling and rendering `source`.
std::string error_of(const std::string& source, const Json& variables = Json::object()) {
  try {
    render(source, variables);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error for: " << source;
  return "";
}

TEST(Jinja, WhitespaceControlTrimBlocksLstripBlocks) {
  EXPECT_EQ(render("a  {{- 'b' -}}  c"), "abc");
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\n"), "yes\n");                  // trim_blocks; final \n dropped
  EXPECT_EQ(render("x\n    {% if true %}\n  y\n    {% endif %}\nz"), "x\n  y\nz");  // lstrip_blocks
  EXPECT_EQ(render("x\n    {%+ if true %}y{% endif %}"), "x\n    y");               // {%+ keeps the indent
  EXPECT_EQ(render("{% if true +%}\ny{% endif %}"), "\ny");                         // +%} keeps the newline
  EXPECT_EQ(render("a {% if true %}b{% endif %}"), "a b");                          // not at the start of a line: kept
  EXPECT_EQ(render("  {{ 'v' }}\n"), "  v");                                        // lstrip does not apply to {{
  EXPECT_EQ(render("a\n  {# note #}\nb"), "a\nb");                                  // comments: lstrip and trim too
  EXPECT_EQ(render("a {#- note -#} b"), "ab");
  EXPECT_EQ(render("line1\r\nline2\r\n"), "line1\nline2");  // newlines normalized
  EXPECT_EQ(render("{% raw %}{{ not code }}{% endraw %}"), "{{ not code }}");
}

TEST(Jinja, IfElifElseAndConditionalExpressions) {
  const char* t = "{% if n > 2 %}big{% elif n == 2 %}two{% else %}small{% endif %}";
  EXPECT_EQ(render(t, {{"n", 3}}), "big");
  EXPECT_EQ(render(t, {{"n", 2}}), "two");
  EXPECT_EQ(render(t, {{"n", 1}}), "small");
  EXPECT_EQ(render("{{ 'y' if flag else 'n' }}|{{ 'only' if false }}|", {{"flag", true}}), "y||");
  EXPECT_EQ(render("{{ 1 if none else 2 }}{{ 3 if [] else 4 }}{{ 5 if 'x' else 6 }}"), "245");
}

TEST(Jinja, ForLoopsWithLoopVariablesElseFilterAndControls) {
  Json vars = {{"xs", {"a", "b", "c"}}};
  EXPECT_EQ(render("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ x }}{{ loop.first }}{{ loop.last }}"
                   "{{ loop.length }}{{ loop.revindex }};{% endfor %}",
                   vars),
            "10aTrueFalse33;21bFalseFalse32;32cFalseTrue31;");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in xs if x != 'b' %}{{ x }}{{ loop.length }}{% endfor %}", vars), "a2c2");
  EXPECT_EQ(render("{% for x in xs %}{% if x == 'b' %}{% continue %}{% endif %}{% if x == 'c' %}{% break %}{% endif %}"
                   "{{ x }}{% endfor %}",
                   vars),
            "a");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", {{"d", {{"b", 1}, {"a", 2}}}}),
            "b=1,a=2,");
  EXPECT_EQ(render("{% for k in d %}{{ k }}{% endfor %}", {{"d", {{"b", 1}, {"a", 2}}}}), "ba");
  EXPECT_EQ(render("{% for c in 'h\u00E9' %}[{{ c }}]{% endfor %}"), "[h][\u00E9]");
  EXPECT_EQ(render("{% for x in undefined_name %}x{% endfor %}ok"), "ok");
  EXPECT_EQ(render("{% for i in range(3) %}{{ loop.cycle('a', 'b') }}{{ loop.previtem }}{% endfor %}"), "ab0a1");
}

TEST(Jinja, SetScopingAndNamespaces) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}"
                   "{% endfor %}{{ ns.total }}"),
            "6");
  EXPECT_EQ(render("{% if true %}{% set y = 'set in if' %}{% endif %}{{ y }}"), "set in if");
  EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]"), "[inner 2]");
  EXPECT_EQ(render("{% set messages = messages[1:] %}{{ messages | length }}", {},
                   Json::array({{{"role", "system"}, {"content", "s"}}, {{"role", "user"}, {"content", "u"}}})),
            "1");
}

TEST(Jinja, Macros) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('owl') }} {{ greet('you', punct='?') }}"),
            "Hi owl! Hi you?");
}

TEST(Jinja, ExpressionsFollowPython) {
  EXPECT_EQ(
      render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}"),
      "7 9 3 -4 2 3.5 1024");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ true }} {{ 'ab' * 2 }} {{ [1] + [2] }}"), "a1NoneTrue abab [1, 2]");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 3 not in [1, 2] }} {{ 'k' in {'k': 1} }}"),
            "True True True True");
  EXPECT_EQ(render("{{ not 0 and 'x' or 'y' }} {{ 0 or '' or 'last' }}"), "x last");
  EXPECT_EQ(
      render("{{ xs[0] }}{{ xs[-1] }}{{ xs[1:] }}{{ xs[::-1] }}{{ 'hello'[1:3] }}{{ xs[5] }}", {{"xs", {1, 2, 3}}}),
      "13[2, 3][3, 2, 1]el");
  EXPECT_EQ(render("{{ d.a }}{{ d['b'] }}{{ d.missing }}{{ d.get('c', 'dflt') }}", {{"d", {{"a", 1}, {"b", 2}}}}),
            "12dflt");
  EXPECT_EQ(render("{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 1e16 }} {{ 3 / 1 }}"),
            "1.0 0.30000000000000004 1e-05 1e+16 3.0");
  EXPECT_EQ(render("{{ [1, 'a', none, true, {'k': 'v'}] }}"), "[1, 'a', None, True, {'k': 'v'}]");
  EXPECT_EQ(render("{{ \"it's\" }} {{ ['it\\'s'] }}"), "it's [\"it's\"]");
  EXPECT_EQ(render("{{ 'a\\tb\\n' | length }} {{ '\\u00e9' }}"), "4 \u00E9");
}

TEST(Jinja, Filters) {
  EXPECT_EQ(render("[{{ '  x y  ' | trim }}][{{ 'xxhixx' | trim('x') }}]"), "[x y][hi]");
  EXPECT_EQ(render("{{ 'Hello' | upper }}{{ 'Hello' | lower }}{{ 'hello world' | title }}{{ 'hELLO' | capitalize }}"),
            "HELLOhelloHello WorldHello");
  EXPECT_EQ(render("{{ xs | join(', ') }}|{{ xs | length }}|{{ xs | first }}{{ xs | last }}|{{ xs | reverse | list }}",
                   {{"xs", {"a", "b", "c"}}}),
            "a, b, c|3|ac|['c', 'b', 'a']");
  EXPECT_EQ(render("{{ missing | default('d') }}{{ '' | default('e', true) }}{{ 0 | default('f') }}"), "de0");
  EXPECT_EQ(render("{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}", {{"d", {{"x", 1}}}}), "x1");
  EXPECT_EQ(render("{{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '', 1) }}"), "a+b+c ab-c");
  EXPECT_EQ(render("{{ 42 | string }}{{ '7' | int + 1 }}{{ '2.5' | float }}{{ -3 | abs }}"), "4282.53");
  EXPECT_EQ(render("{{ ['b', 'a', 'B'] | sort | join }}{{ [3, 1, 2] | max }}{{ [1, 1, 2] | unique | list }}"),
            "abB3[1, 2]");  // case-insensitive and stable, as Jinja's sort
  EXPECT_EQ(render("{{ xs | map(attribute='n') | join(',') }}|{{ xs | selectattr('n', 'gt', 1) | list | length }}"
                   "|{{ ['a', 'code_interpreter', 'b'] | reject('equalto', 'code_interpreter') | join(', ') }}",
                   {{"xs", Json::array({{{"n", 1}}, {{"n", 2}}, {{"n", 3}}})}}),
            "1,2,3|2|a, b");
  EXPECT_EQ(render("{{ 'a\\nb' | indent(2) }}|{{ '%s is %d' | format('x', 3) }}|{{ '<b>' | e }}"),
            "a\n  b|x is 3|&lt;b&gt;");
}

TEST(Jinja, TojsonIsPythonJsonDumps) {
  Json value = {{"name", "f"},
                {"args", {{"q", "caf\u00E9 \"quoted\"\n"}, {"n", 1.5}, {"ok", true}, {"none", nullptr}}},
                {"list", Json::array()}};
  EXPECT_EQ(
      render("{{ v | tojson }}", {{"v", value}}),
      "{\"name\": \"f\", \"args\": {\"q\": \"caf\u00E9 \\\"quoted\\\"\\n\", \"n\": 1.5, \"ok\": true, \"none\": null}, "
      "\"list\": []}");
  EXPECT_EQ(render("{{ v | tojson(indent=2) }}", {{"v", {{"a", {1, 2}}, {"b", Json::object()}}}}),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(render("{{ 'x\\u001fy' | tojson }}"), "\"x\\u001fy\"");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}"), "{\"a\": 2, \"b\": 1}");
}

TEST(Jinja, Tests) {
  EXPECT_EQ(
      render("{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ n is none }}", {{"x", 1}, {"n", nullptr}}),
      "TrueFalseTrueTrue");
  EXPECT_EQ(render("{{ 's' is string }}{{ {} is mapping }}{{ 's' is iterable }}{{ [] is sequence }}{{ 1 is number }}"
                   "{{ 1.5 is number }}{{ 1 is integer }}{{ true is boolean }}"),
            "TrueTrueTrueTrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 'a' is equalto 'a' }}{{ x is not none }}",
                   {{"x", 1}}),
            "TrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ true is sameas true }}{{ false is true }}{{ 1 is true }}"), "TrueFalseFalse");
}

TEST(Jinja, PythonStringMethodsAndStripSemantics) {
  EXPECT_EQ(render("[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}]", {{"s", " \u001F x \u001F "}}),
            "[x][x \u001F ][ \u001F x]");
  // Python's strip removes U+001C..U+001F but not U+FEFF (JavaScript's trim does the opposite).
  EXPECT_EQ(render("[{{ s | trim }}]", {{"s", "\uFEFFBOM first, unit separator last\u001F"}}),
            "[\uFEFFBOM first, unit separator last]");
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }}{{ '  a  b '.split() }}{{ 'a b c'.split(' ', 1) }}"),
            "['a', 'b', '', 'c']['a', 'b']['a', 'b c']");
  EXPECT_EQ(
      render("{{ 'hello'.startswith('he') }}{{ 'hello'.endswith(('x', 'lo')) }}{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}"),
      "TrueTrueHIhi");
  EXPECT_EQ(render("{{ 'a-b'.replace('-', '_') }}{{ 'h\u00E9llo'.find('l') }}{{ '{} and {}'.format(1, 'x') }}"),
            "a_b21 and x");
  EXPECT_EQ(render("{{ ', '.join(['a', 'b']) }}{{ 'x'.title() }}{{ d.keys() | list }}{{ d.values() | list }}",
                   {{"d", {{"k", "v"}}}}),
            "a, bX['k']['v']");
}

TEST(Jinja, GlobalsAndVariables) {
  EXPECT_EQ(render("{{ range(2, 8, 2) | list }}{{ dict(a=1).a }}"), "[2, 4, 6]1");
  std::string today = render("{{ strftime_now('%Y') }}");
  EXPECT_EQ(today.size(), 4u);
  EXPECT_EQ(render("{{ tools }}|{{ documents is none }}|{{ add_generation_prompt }}", {}, Json::array(), true),
            "None|True|True");
  EXPECT_EQ(render("{{ tools | length }}", {{"tools", {1, 2}}}), "2");
}

TEST(Jinja, MessageContentIsNeverTemplateCode) {
  Json messages = Json::array({{{"role", "user"}, {"content", "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}"}}});
  EXPECT_EQ(render("{% for m in messages %}{{ m.content }}{% endfor %}", {}, messages),
            "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}");
}

TEST(Jinja, ChatMlStyleTemplate) {
  const char* chatml =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
      "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
  Json messages = Json::array({{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}});
  EXPECT_EQ(render(chatml, {}, messages, true),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(Jinja, ErrorsNameTheConstructAndTheLine) {
  std::string msg = error_of("line one\n{% include 'other.jinja' %}");
  EXPECT_NE(msg.find("test.jinja:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported tag {% include %}"), std::string::npos) << msg;

  msg = error_of("\n\n{{ x | frobnicate }}");
  EXPECT_NE(msg.find("test.jinja:3: unsupported filter 'frobnicate'"), std::string::npos) << msg;

  msg = error_of("{{ x is prime }}");
  EXPECT_NE(msg.find("unsupported test 'prime'"), std::string::npos) << msg;

  msg = error_of("a\n{% if true %}\n{{ raise_exception('Conversation roles must alternate') }}\n{% endif %}");
  EXPECT_NE(msg.find("test.jinja:3: raise_exception: Conversation roles must alternate"), std::string::npos) << msg;

  msg = error_of("{% for x in xs %}\n{{ x }}");
  EXPECT_NE(msg.find("missing {% endfor %}"), std::string::npos) << msg;
  EXPECT_NE(error_of("{% endif %}").find("unexpected {% endif %}"), std::string::npos);
  EXPECT_NE(error_of("{{ 'a' + 1 }}").find("unsupported operand type(s) for +: 'str' and 'int'"), std::string::npos);
  EXPECT_NE(error_of("\n{{ messages[0]['role'] }}").find("test.jinja:2:"), std::string::npos);
  EXPECT_NE(error_of("{{ x | tojson }}").find("not JSON serializable"), std::string::npos);
  EXPECT_NE(error_of("{{ [1].append(2) }}").find("cannot modify lists"), std::string::npos);
  EXPECT_NE(error_of("{{ 'unterminated }}").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("{% set x.y = 1 %}").find("only namespace() objects"), std::string::npos);
  EXPECT_NE(error_of("{% break %}").find("outside a loop"), std::string::npos);
  // Runaway recursion and absurd nesting are errors, not crashes.
  EXPECT_NE(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").find("maximum recursion depth"),
            std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}").find("nesting deeper"),
            std::string::npos);
}

// ---- the render budget (TemplateLimits): templates come from model folders -------------------

std::string limit_error_of(const std::string& source, const TemplateLimits& limits = {}) {
  try {
    ChatTemplate::compile(source, "limits.jinja", limits)->render(Json::array(), false);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error for: " << source;
  return "";
}

TEST(JinjaLimits, StepBudgetStopsLoopsOverLoopsAndExponentialMacros) {
  TemplateLimits limits;
  limits.max_steps = 5000;
  EXPECT_EQ(limit_error_of("{% for i in range(1000) %}\n{% for j in range(1000) %}{% endfor %}{% endfor %}", limits)
                .rfind("limits.jinja:2: chat template exceeded 5000 steps", 0),
            0u);
  // A macro that calls itself twice: 2^60 calls within the recursion depth limit.
  const std::string twice =
      "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}";
  EXPECT_NE(limit_error_of(twice, limits).find("chat template exceeded 5000 steps"), std::string::npos);
  // With the default budget too (10 million steps).
  EXPECT_NE(limit_error_of(twice).find("chat template exceeded 10000000 steps"), std::string::npos);
  // Building a large list costs a step per item.
  EXPECT_NE(limit_error_of("{% for i in range(10) %}{{ range(1000)|length }}{% endfor %}", limits).find("steps"),
            std::string::npos);
  // Real templates fit easily.
  EXPECT_EQ(ChatTemplate::compile("{% for i in range(100) %}{{ i }}{% endfor %}", "ok.jinja", limits)
                ->render(Json::array(), false)
                .size(),
            190u);
}

TEST(JinjaLimits, OutputBudgetCountsEveryByteWrittenAndEveryStringBuilt) {
  TemplateLimits limits;
  limits.max_output_bytes = 5000;
  EXPECT_EQ(limit_error_of("{% for i in range(100) %}\n{{ 'x' * 100 }}{% endfor %}", limits),
            "limits.jinja:2: chat template exceeded 5000 bytes of output");
  // Captures count too ({% set %} blocks and macros write into their own buffers).
  EXPECT_NE(limit_error_of("{% for i in range(100) %}{% set s %}{{ 'y' * 100 }}{% endset %}{% endfor %}", limits)
                .find("exceeded 5000 bytes of output"),
            std::string::npos);
  // A string that doubles: stopped at the limit, not at a gigabyte (default limit: 16 MiB).
  EXPECT_NE(limit_error_of("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                           "{% endfor %}")
                .find("chat template exceeded 16777216 bytes of output"),
            std::string::npos);
  // Built-ins check the size before they allocate.
  for (const char* huge :
       {"{{ 'x' * 10**12 }}", "{{ [1, 2] * 10**12 }}", "{{ 'a'|center(10**15) }}", "{{ 'a\nb'|indent(10**15, true) }}"})
    EXPECT_NE(limit_error_of(huge).find("chat template exceeded 16777216 bytes of output"), std::string::npos) << huge;
}

// Found by probing the fuzz target: a negative tojson indent threw std::length_error (not an
// sl error), a huge one allocated gigabytes; '%.999999999f' made snprintf allocate 4 GB and
// '%999999999d' ran for seconds.
TEST(JinjaLimits, TojsonIndentAndPercentFormatWidthsAreBounded) {
  EXPECT_EQ(render("{{ [1, [2]]|tojson(indent=-5) }}"), "[\n1,\n[\n2\n]\n]");  // Python: as indent=0
  EXPECT_NE(limit_error_of("{{ [1, [2]]|tojson(indent=100000000000) }}").find("bytes of output"), std::string::npos);
  EXPECT_NE(limit_error_of("{{ '%999999999d'|format(5) }}").find("format width or precision 999999999 is too large"),
            std::string::npos);
  EXPECT_NE(limit_error_of("{{ '%.999999999f'|format(5.0) }}").find("is too large (at most 500)"), std::string::npos);
  EXPECT_EQ(render("{{ '%05.1f|%-4d|'|format(3.14159, 7) }}"), "003.1|7   |");
}

TEST(JinjaLimits, NegativeIndentIndentsByNothingAsInPython) {
  EXPECT_EQ(render("{{ 'a\nb'|indent(-3, true) }}"), "a\nb");
}

}  // namespace
}  // namespace sl::local
