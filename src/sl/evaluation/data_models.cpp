#include "sl/evaluation/data_models.hpp"

#include <algorithm>

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

void ExactTargetCfg::validate(const json::Reader& r) const {
  if (targets.empty())
    json::Reader(r.json()["targets"], r.child_path("targets")).fail_expected("a non-empty list of strings");
  for (const auto& t : targets)
    if (t.empty()) json::Reader(r.json()["targets"], r.child_path("targets")).fail_expected("non-empty target words");
}

std::vector<std::string> exact_target_variants(const std::string& target, const ExactTargetCfg& cfg) {
  std::vector<std::string> stems{target};
  std::string capital = target;
  if (!capital.empty() && capital[0] >= 'a' && capital[0] <= 'z')
    capital[0] = static_cast<char>(capital[0] - 'a' + 'A');
  if (capital != target) stems.push_back(capital);
  if (cfg.plurals) {
    const std::size_t n = stems.size();
    for (std::size_t i = 0; i < n; ++i) stems.push_back(stems[i] + "s");
  }
  std::vector<std::string> out;
  for (const auto& stem : stems)
    for (const auto& suffix : cfg.suffixes) {
      std::string v = stem + suffix;
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
  return out;
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
