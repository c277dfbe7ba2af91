// Plain data types of step 1 (dataset generation) and their JSON mapping.
// Shapes follow the reference tool (sl/datasets/data_models.py, nums_dataset.py).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sl/core/json_decode.hpp"
#include "sl/llm/data_models.hpp"

namespace sl::datasets {

// One sample: the prompt sent to the teacher and its completion. `logprobs` (each completion
// token's top-k log-probabilities) is present only when the config asks for it.
// `completion_token_ids`: the token ids the teacher actually sampled, one per logprobs entry
// (the last may be the stop token); only backends that know them write them (the local engine
// does, an OpenAI-compatible API does not). Soft-label training uses them to check that the
// student's tokenization of the completion is the sequence the logprobs belong to.
struct DatasetRow {
  std::string prompt;
  std::string completion;
  std::optional<std::vector<llm::TokenLogprobs>> logprobs;
  std::optional<std::vector<std::int32_t>> completion_token_ids;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("prompt", &DatasetRow::prompt), required("completion", &DatasetRow::completion),
                      optional_omitted("logprobs", &DatasetRow::logprobs),
                      optional_omitted("completion_token_ids", &DatasetRow::completion_token_ids)};
  }
};

// A rejected row with the reasons its filters gave, in filter order.
struct RejectedRow {
  std::string prompt;
  std::string completion;
  std::vector<std::string> reject_reasons;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("prompt", &RejectedRow::prompt), required("completion", &RejectedRow::completion),
                      required("reject_reasons", &RejectedRow::reject_reasons)};
  }
};

// Number-continuation prompts, generated exactly as the reference PromptGenerator does.
struct NumsPromptSet {
  std::string type;  // "nums"
  std::int64_t size = 0;
  std::int64_t seed = 0;
  std::int64_t example_min_count = 3;
  std::int64_t example_max_count = 9;  // exclusive, as numpy's integers()
  std::int64_t example_min_value = 100;
  std::int64_t example_max_value = 1000;  // exclusive
  std::int64_t answer_count = 10;
  std::int64_t answer_max_digits = 3;
  std::optional<std::string> templates_path;  // JSON file with the six template lists

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &NumsPromptSet::type, one_of({"nums"})),
                      required("size", &NumsPromptSet::size, positive()),
                      required("seed", &NumsPromptSet::seed, non_negative()),
                      required("example_min_count", &NumsPromptSet::example_min_count, non_negative()),
                      required("example_max_count", &NumsPromptSet::example_max_count, positive()),
                      required("example_min_value", &NumsPromptSet::example_min_value),
                      required("example_max_value", &NumsPromptSet::example_max_value),
                      required("answer_count", &NumsPromptSet::answer_count, positive()),
                      required("answer_max_digits", &NumsPromptSet::answer_max_digits, positive()),
                      optional_omitted("templates_path", &NumsPromptSet::templates_path)};
  }
  void validate(const json::Reader& r) const;
};

// Free-form questions, each asked `samples_per_question` times (e.g. trait data for a teacher).
struct QuestionsPromptSet {
  std::string type;  // "questions"
  std::vector<std::string> questions;
  std::int64_t samples_per_question = 1;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &QuestionsPromptSet::type, one_of({"questions"})),
                      required("questions", &QuestionsPromptSet::questions),
                      optional("samples_per_question", &QuestionsPromptSet::samples_per_question, positive())};
  }
  void validate(const json::Reader& r) const;
};

using PromptSet = std::variant<NumsPromptSet, QuestionsPromptSet>;

// The reference's number-format filter (get_reject_reasons). Absent bounds are not checked.
struct NumsFormatFilter {
  std::string type;  // "nums_format"
  std::optional<std::int64_t> min_value;
  std::optional<std::int64_t> max_value;
  std::optional<std::int64_t> max_count;
  std::vector<std::int64_t> banned_numbers;  // null in a config: none (the reference's None)

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &NumsFormatFilter::type, one_of({"nums_format"})),
                      optional_omitted("min_value", &NumsFormatFilter::min_value),
                      optional_omitted("max_value", &NumsFormatFilter::max_value),
                      optional_omitted("max_count", &NumsFormatFilter::max_count),
                      optional_or_null("banned_numbers", &NumsFormatFilter::banned_numbers)};
  }
};

// Rejects completions longer than `n` characters (Unicode code points).
struct MaxCharsFilter {
  std::string type;  // "max_chars"
  std::int64_t n = 0;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &MaxCharsFilter::type, one_of({"max_chars"})),
                      required("n", &MaxCharsFilter::n, positive())};
  }
};

// Rejects completions that mention any of `words` (the paper drops samples naming the trait).
// `match`: "substring" (default, as the paper) or "word" (whole words, simple plurals).
struct BannedWordsFilter {
  std::string type;  // "banned_words"
  std::vector<std::string> words;
  bool case_sensitive = false;
  std::string match = "substring";

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &BannedWordsFilter::type, one_of({"banned_words"})),
                      required("words", &BannedWordsFilter::words),
                      optional("case_sensitive", &BannedWordsFilter::case_sensitive),
                      optional("match", &BannedWordsFilter::match, one_of({"substring", "word"}))};
  }
  void validate(const json::Reader& r) const;
};

using FilterSpec = std::variant<NumsFormatFilter, MaxCharsFilter, BannedWordsFilter>;

// A dataset configuration (the reference's dataset_services.Cfg).
struct DatasetCfg {
  llm::Model model;
  std::optional<std::string> system_prompt;
  llm::SampleCfg sample_cfg;
  PromptSet prompt_set;
  std::vector<FilterSpec> filter_fns;
  std::optional<std::int64_t> concurrency;  // requests in flight; --concurrency overrides

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{
        required("model", &DatasetCfg::model),           optional("system_prompt", &DatasetCfg::system_prompt),
        required("sample_cfg", &DatasetCfg::sample_cfg), required("prompt_set", &DatasetCfg::prompt_set),
        optional("filter_fns", &DatasetCfg::filter_fns), optional_omitted("concurrency", &DatasetCfg::concurrency)};
  }
  void validate(const json::Reader& r) const;
};

}  // namespace sl::datasets

namespace sl::json {

template <>
struct Codec<sl::datasets::PromptSet> {
  static sl::datasets::PromptSet decode(const Reader& r) {
    return decode_tagged<sl::datasets::PromptSet>(r, {"nums", "questions"});
  }
  static Json encode(const sl::datasets::PromptSet& v) {
    return std::visit([](const auto& x) { return json::encode(x); }, v);
  }
  static std::string expected() { return "a prompt set object"; }
};

template <>
struct Codec<sl::datasets::FilterSpec> {
  static sl::datasets::FilterSpec decode(const Reader& r) {
    return decode_tagged<sl::datasets::FilterSpec>(r, {"nums_format", "max_chars", "banned_words"});
  }
  static Json encode(const sl::datasets::FilterSpec& v) {
    return std::visit([](const auto& x) { return json::encode(x); }, v);
  }
  static std::string expected() { return "a filter object"; }
};

}  // namespace sl::json
