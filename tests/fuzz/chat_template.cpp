// Chat templates: the Jinja lexer, parser and interpreter with its filters, tests and methods,
// under small TemplateLimits so that loops, recursion and growing strings end in the
// "exceeded" errors quickly. Input: the template, a NUL, then optionally a JSON array of
// messages (else a fixed two-message conversation).
#include "sl/local/text/chat_template.hpp"

#include "fuzz_input.hpp"
#include "sl/core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = sl::fuzz::split_parts(sl::fuzz::as_text(data, size), 2);
  sl::fuzz::expect_clean([&] {
    sl::local::TemplateLimits limits;
    limits.max_steps = 200'000;
    limits.max_output_bytes = 1u << 20;
    const auto tmpl = sl::local::ChatTemplate::compile(std::string(parts[0]), "fuzz.jinja", limits);
    sl::Json messages = sl::Json::array(
        {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "List 3 numbers."}}});
    if (parts.size() > 1) messages = sl::json::parse(parts[1], "messages");
    const sl::Json variables = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    for (bool add_generation_prompt : {false, true}) (void)tmpl->render(messages, add_generation_prompt, variables);
  });
  return 0;
}
