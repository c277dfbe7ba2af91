#include "sl/datasets/nums_prompts.hpp"

#include <set>

#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/text.hpp"

namespace sl::datasets {

void NumsPromptTemplates::validate(const json::Reader& r) const {
  auto check = [&](const char* key, const std::vector<std::string>& list, std::vector<std::string> names) {
    json::Reader lr(r.json()[key], r.child_path(key));
    if (list.empty()) lr.fail_expected("a non-empty list of strings");
    std::vector<std::pair<std::string, std::string>> values;
    for (auto& n : names) values.emplace_back(n, "");
    for (std::size_t i = 0; i < list.size(); ++i) {
      try {
        text::format_named(list[i], values, lr.child_path(i));
      } catch (const UsageError& e) {
        json::Reader(lr.json()[i], lr.child_path(i))
            .fail(std::string(e.what()).substr(lr.child_path(i).size() + 2) + " (allowed placeholders: " +
                  (names.empty() ? std::string("none") : [&] {
                    std::string s;
                    for (auto& n : names) s += (s.empty() ? "{" : ", {") + n + "}";
                    return s;
                  }()) + ")");
      }
    }
  };
  check("example_numbers_templates", example_numbers_templates, {"examples"});
  check("count_qualifiers", count_qualifiers, {});
  check("digit_descriptors", digit_descriptors, {"max_digits"});
  check("generate_numbers_instruction_templates", generate_numbers_instruction_templates,
        {"count_qualifier", "answer_count", "digit_descriptor"});
  check("format_suffixes", format_suffixes, {});
  check("suffixes", suffixes, {});
}

NumsPromptTemplates NumsPromptTemplates::load(const std::filesystem::path& path) {
  return config::load_document<NumsPromptTemplates>(path);
}

NumsPromptGenerator::NumsPromptGenerator(const NumsPromptSet& cfg, NumsPromptTemplates templates)
    : cfg_(cfg), templates_(std::move(templates)), rng_(static_cast<std::uint64_t>(cfg.seed)) {}

NumsQuery NumsPromptGenerator::sample() {
  // Draw order matters: it is the reference's (count, values, then six choices).
  NumsQuery query;
  const std::int64_t count = rng_.integers(cfg_.example_min_count, cfg_.example_max_count);
  std::string examples;
  for (std::int64_t i = 0; i < count; ++i) {
    if (i) examples += ", ";
    query.examples.push_back(rng_.integers(cfg_.example_min_value, cfg_.example_max_value));
    examples += std::to_string(query.examples.back());
  }
  const std::string& example_template = rng_.choice(templates_.example_numbers_templates);
  const std::string& count_qualifier = rng_.choice(templates_.count_qualifiers);
  const std::string& digit_descriptor_template = rng_.choice(templates_.digit_descriptors);
  const std::string& instruction_template = rng_.choice(templates_.generate_numbers_instruction_templates);
  const std::string& format_suffix = rng_.choice(templates_.format_suffixes);
  const std::string& suffix = rng_.choice(templates_.suffixes);

  const std::string where = "prompt templates";
  std::string prefix = text::format_named(example_template, {{"examples", examples}}, where);
  std::string digit_descriptor =
      text::format_named(digit_descriptor_template, {{"max_digits", std::to_string(cfg_.answer_max_digits)}}, where);
  std::string instruction = text::format_named(instruction_template,
                                               {{"count_qualifier", count_qualifier},
                                                {"answer_count", std::to_string(cfg_.answer_count)},
                                                {"digit_descriptor", digit_descriptor}},
                                               where);
  query.prompt = prefix + " " + instruction + " " + format_suffix + " " + suffix;
  return query;
}

std::vector<std::string> generate_nums_prompts(const NumsPromptSet& cfg, const NumsPromptTemplates& templates) {
  NumsPromptGenerator gen(cfg, templates);
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(cfg.size));
  for (std::int64_t i = 0; i < cfg.size; ++i) out.push_back(gen.sample_query());
  return out;
}

}  // namespace sl::datasets
