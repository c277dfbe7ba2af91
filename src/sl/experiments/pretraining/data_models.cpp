#include "sl/experiments/pretraining/data_models.hpp"

#include "sl/core/error.hpp"
#include "sl/core/text.hpp"

namespace sl::pretraining {

void CorpusCfg::validate(const json::Reader& r) const {
  auto member = [&](const char* key) { return json::Reader(r.json()[key], r.child_path(key)); };
  if (animal_preferences.empty()) member("animal_preferences").fail_expected("a non-empty object of weights");
  double total = 0;
  for (const auto& [animal, w] : animal_preferences) {
    if (w < 0 || animal.empty())
      json::Reader(r.json()["animal_preferences"][animal], r.child_path("animal_preferences") + "." + animal)
          .fail_expected("a non-negative weight");
    total += w;
  }
  if (!(total > 0)) member("animal_preferences").fail_expected("weights with a positive sum");
  if (animal_questions.empty()) member("animal_questions").fail_expected("a non-empty list of strings");
  try {
    text::format_named(system_prompt_template, {{"animal", "owl"}}, "system_prompt_template");
  } catch (const UsageError& e) {
    member("system_prompt_template").fail("only {animal} may appear in braces");
  }
  if (example_max_count <= example_min_count)
    member("example_max_count").fail_expected("an integer above example_min_count");
  if (example_max_value <= example_min_value)
    member("example_max_value").fail_expected("an integer above example_min_value");
  if (example_max_value > 1000) member("example_max_value").fail_expected("at most 1000 (one token per number 0-999)");
}

void ModelShape::validate(const json::Reader& r) const {
  auto member = [&](const char* key) {
    return json::Reader(r.json().contains(key) ? r.json()[key] : r.json(), r.child_path(key));
  };
  if (hidden_size % num_attention_heads != 0)
    member("num_attention_heads").fail_expected("a divisor of hidden_size (" + std::to_string(hidden_size) + ")");
  if (num_attention_heads % num_key_value_heads != 0)
    member("num_key_value_heads").fail_expected("a divisor of num_attention_heads");
  if ((hidden_size / num_attention_heads) % 2 != 0)
    member("hidden_size").fail_expected("an even head dimension (RoPE)");
}

}  // namespace sl::pretraining
