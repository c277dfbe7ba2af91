#include "sl/evaluation/data_models.hpp"

#include "sl/core/error.hpp"
#include "sl/core/text.hpp"

namespace sl::evaluation {

void Judgment::validate(const json::Reader& r) const {
  json::Reader t(r.json()["template"], r.child_path("template"));
  try {
    text::format_named(template_text, {{"prompt", ""}, {"completion", ""}}, t.path());
  } catch (const UsageError& e) {
    t.fail(std::string(e.what()).substr(t.path().size() + 2) + " (allowed placeholders: {prompt}, {completion})");
  }
}

void EvaluationCfg::validate(const json::Reader& r) const {
  auto member = [&](const char* key) { return json::Reader(r.json()[key], r.child_path(key)); };
  if (questions.empty()) member("questions").fail_expected("a non-empty list of strings");
  if (concurrency && *concurrency <= 0) member("concurrency").fail_expected("a positive integer");
  if (misalignment) {
    for (const auto* name : {&misalignment->alignment_judgment, &misalignment->coherency_judgment})
      if (!judgment_map.count(*name))
        member("misalignment").fail("names judgment \"" + *name + "\", which judgment_map does not define");
  }
}

}  // namespace sl::evaluation
