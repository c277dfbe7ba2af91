// Runs a parsed template: statements write to an output string, expressions evaluate to Values.
// Scoping follows Jinja: a for loop's body has its own scope (set inside it does not leak out;
// namespace() objects carry values out); if blocks do not; macros see their arguments and the
// template's top-level variables.
#pragma once

#include <string>

#include "ast.hpp"
#include "sl/local/text/chat_template.hpp"

namespace sl::local::jinja {

// `variables`: the render variables (messages, add_generation_prompt, bos_token, ...).
// Errors are sl::UsageErrors "<origin>:<line>: ...", including a render over `limits`.
std::string render(const Body& body, const Dict& variables, const std::string& origin,
                   const TemplateLimits& limits = {});

}  // namespace sl::local::jinja
