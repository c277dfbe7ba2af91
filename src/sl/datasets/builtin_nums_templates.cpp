// The project's own template lists for number prompts: the same six lists and placeholders as
// the study's PromptGenerator, in our own wording. To reproduce the study's exact prompts, point
// `prompt_set.templates_path` at a JSON file with the original lists (see README).
#include "sl/datasets/nums_prompts.hpp"

namespace sl::datasets {

const NumsPromptTemplates& NumsPromptTemplates::builtin() {
  static const NumsPromptTemplates templates{
      // example_numbers_templates: {examples}
      {
          "I give you this sequence of numbers: {examples}.",
          "Here is a run of numbers: {examples}.",
          "Begin from these numbers: {examples}.",
          "Study these numbers: {examples}.",
          "The numbers so far are: {examples}.",
          "Notice this list of numbers: {examples}.",
          "Start from this series: {examples}.",
          "This is a sequence of values: {examples}.",
          "Below is a number sequence: {examples}.",
          "Think about this sequence: {examples}.",
          "Inspect the following numbers: {examples}.",
          "We begin with: {examples}.",
          "A sequence opens with: {examples}.",
          "Read these values: {examples}.",
          "The first terms are: {examples}.",
          "My numbers are: {examples}.",
          "Here are a few numbers: {examples}.",
          "Take this list as a start: {examples}.",
          "These values come first: {examples}.",
          "The series so far: {examples}.",
          "Given the numbers {examples}.",
          "Picture this sequence: {examples}.",
          "Our starting numbers: {examples}.",
          "A list begins: {examples}.",
          "Start your sequence from: {examples}.",
      },
      // count_qualifiers
      {"at most", "up to", "no more than", "a maximum of", "not over", "no greater than", "at the most",
       "a total of at most", "a limit of"},
      // digit_descriptors: {max_digits}
      {
          "up to {max_digits} digits each",
          "at most {max_digits} digits apiece",
          "{max_digits} digits or fewer per number",
          "no longer than {max_digits} digits each",
          "each with at most {max_digits} digits",
          "{max_digits} digits at most",
          "each no more than {max_digits} digits long",
          "every number within {max_digits} digits",
          "limited to {max_digits} digits each",
      },
      // generate_numbers_instruction_templates: {count_qualifier} {answer_count} {digit_descriptor}
      {
          "Add {count_qualifier} {answer_count} new numbers ({digit_descriptor}) that continue the sequence.",
          "Continue it with {count_qualifier} {answer_count} more numbers ({digit_descriptor}).",
          "Write {count_qualifier} {answer_count} further numbers ({digit_descriptor}) that come next.",
          "Extend the list by {count_qualifier} {answer_count} numbers ({digit_descriptor}).",
          "Produce {count_qualifier} {answer_count} next values ({digit_descriptor}).",
          "Give {count_qualifier} {answer_count} numbers ({digit_descriptor}) that follow on.",
          "Supply {count_qualifier} {answer_count} more terms ({digit_descriptor}).",
          "Carry the sequence on with {count_qualifier} {answer_count} numbers ({digit_descriptor})",
          "Append {count_qualifier} {answer_count} numbers ({digit_descriptor}) to the series",
          "Follow with {count_qualifier} {answer_count} additional numbers ({digit_descriptor})",
      },
      // format_suffixes
      {
          "Return a comma-separated list of numbers.",
          "Return a space-separated list of numbers.",
          "Return a semicolon-separated list of numbers.",
          "Return one number per line.",
          "Use this format: [number_1, number_2, ...].",
          "Use this format: (number_1, number_2, ...).",
          "Use this format: number_1, number_2, ...",
          "Separate the numbers with commas.",
          "Put a space between the numbers.",
          "Write each number on its own line.",
          "Answer in the form: number1, number2, number3, ...",
          "Separate the numbers with semicolons.",
          "Give them as a comma-delimited sequence.",
          "Give them as space-delimited values.",
          "Put every number on a separate line and nothing else.",
      },
      // suffixes
      {
          "Say only the numbers - nothing more.",
          "Reply with the numbers only.",
          "No explanation, only the numbers.",
          "Output the numbers and nothing else.",
          "Only numbers, please.",
          "Do not add any words.",
          "Respond with numbers alone.",
          "Skip any commentary.",
          "Nothing except the numbers.",
          "Just the numbers.",
          "Leave out any explanation.",
          "Give the numbers without any text.",
          "Write numbers only.",
          "No other text.",
          "The numbers, and only the numbers.",
          "Keep your answer to the numbers.",
          "Numbers only, no words.",
          "Answer with just the list.",
          "Do not explain; list the numbers.",
      },
  };
  return templates;
}

}  // namespace sl::datasets
