#include "sl/datasets/data_models.hpp"

namespace sl::datasets {

namespace {
json::Reader member(const json::Reader& r, const char* key) { return json::Reader(r.json()[key], r.child_path(key)); }
}  // namespace

void NumsPromptSet::validate(const json::Reader& r) const {
  // numpy's integers(low, high) raises "low >= high"; say so before any request is made.
  if (example_max_count <= example_min_count)
    member(r, "example_max_count")
        .fail_expected("an integer above example_min_count (" + std::to_string(example_min_count) +
                       "; the maximum is exclusive)");
  if (example_max_value <= example_min_value)
    member(r, "example_max_value")
        .fail_expected("an integer above example_min_value (" + std::to_string(example_min_value) +
                       "; the maximum is exclusive)");
}

void QuestionsPromptSet::validate(const json::Reader& r) const {
  if (questions.empty()) member(r, "questions").fail_expected("a non-empty list of strings");
}

void BannedWordsFilter::validate(const json::Reader& r) const {
  if (words.empty()) member(r, "words").fail_expected("a non-empty list of strings");
  for (std::size_t i = 0; i < words.size(); ++i)
    if (words[i].empty())
      json::Reader(r.json()["words"][i], r.child_path("words") + "[" + std::to_string(i) + "]")
          .fail_expected("a non-empty string");
}

void DatasetCfg::validate(const json::Reader& r) const {
  if (concurrency && *concurrency <= 0) member(r, "concurrency").fail_expected("a positive integer");
}

}  // namespace sl::datasets
