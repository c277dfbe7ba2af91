// The number-answer parser and filter of dataset generation (the reference tool's
// parse_response / get_reject_reasons), on arbitrary model answers.
#include "sl/datasets/nums_format.hpp"

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view answer = sl::fuzz::as_text(data, size);
  sl::fuzz::expect_clean([&] {
    (void)sl::datasets::parse_number_list(answer);
    sl::datasets::NumsFormatFilter filter{"nums_format", 0, 999, 10, {13, 666}};
    (void)sl::datasets::nums_format_reject_reasons(answer, filter);
    (void)sl::datasets::python_strip(answer);
  });
  return 0;
}
