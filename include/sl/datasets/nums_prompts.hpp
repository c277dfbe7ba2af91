// Number-continuation prompts, built with the same algorithm and random stream as the reference
// tool's PromptGenerator (sl/datasets/nums_dataset.py): with the reference template lists the
// prompts are identical, in order, for any parameters.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sl/core/numpy_random.hpp"
#include "sl/datasets/data_models.hpp"

namespace sl::datasets {

// The six template lists a prompt is assembled from. Placeholders: {examples} in
// example_numbers_templates; {max_digits} in digit_descriptors; {count_qualifier},
// {answer_count} and {digit_descriptor} in generate_numbers_instruction_templates.
struct NumsPromptTemplates {
  std::vector<std::string> example_numbers_templates;
  std::vector<std::string> count_qualifiers;
  std::vector<std::string> digit_descriptors;
  std::vector<std::string> generate_numbers_instruction_templates;
  std::vector<std::string> format_suffixes;
  std::vector<std::string> suffixes;

  static auto json_fields() {
    using namespace sl::json;
    using T = NumsPromptTemplates;
    return std::tuple{required("example_numbers_templates", &T::example_numbers_templates),
                      required("count_qualifiers", &T::count_qualifiers),
                      required("digit_descriptors", &T::digit_descriptors),
                      required("generate_numbers_instruction_templates", &T::generate_numbers_instruction_templates),
                      required("format_suffixes", &T::format_suffixes),
                      required("suffixes", &T::suffixes)};
  }
  // Every list non-empty; only the placeholders listed above, each template well-formed.
  void validate(const json::Reader& r) const;

  // The project's own lists (same six lists and placeholders as the study, our own wording).
  static const NumsPromptTemplates& builtin();
  // A JSON file with the six lists (e.g. the original study's lists; see README).
  static NumsPromptTemplates load(const std::filesystem::path& path);
};

// A prompt together with the example numbers it shows.
struct NumsQuery {
  std::string prompt;
  std::vector<std::int64_t> examples;
};

class NumsPromptGenerator {
 public:
  NumsPromptGenerator(const NumsPromptSet& cfg, NumsPromptTemplates templates);

  // The next prompt (reference: PromptGenerator.sample_query()).
  std::string sample_query() { return sample().prompt; }
  // The same draw, also returning the example numbers (for corpora that answer them).
  NumsQuery sample();

 private:
  NumsPromptSet cfg_;
  NumsPromptTemplates templates_;
  numpy::Generator rng_;
};

// The first `cfg.size` prompts of the set.
std::vector<std::string> generate_nums_prompts(const NumsPromptSet& cfg, const NumsPromptTemplates& templates);

}  // namespace sl::datasets
