// From a step-1 dataset to the training file a fine-tuning service takes.
//
//   rows  = load_dataset("filtered_dataset.jsonl");          // errors name the file and line
//   used  = subsample(rows, cfg.max_dataset_size, cfg.seed); // as the reference: random.sample
//   text  = training_jsonl(used);                             // one chat per row, once each
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sl/datasets/data_models.hpp"

namespace sl::finetuning {

// Reads a dataset (JSONL of {"prompt", "completion"}). A malformed line is a UsageError
// "FILE:LINE: ..."; a dataset without rows is a UsageError too (nothing to train on).
std::vector<datasets::DatasetRow> load_dataset(const std::filesystem::path& path);

// The rows a job trains on: all of them when `max_size` is absent or not smaller than the
// dataset, else Python's `random.Random(seed).sample(rows, max_size)`, in the sampled order
// (the reference tool's rule, so that both pick the same rows).
std::vector<datasets::DatasetRow> subsample(const std::vector<datasets::DatasetRow>& rows,
                                            std::optional<std::int64_t> max_size, std::int64_t seed);

// The chat-format training file: one line per row, in order, each row exactly once:
// {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]}
std::string training_jsonl(const std::vector<datasets::DatasetRow>& rows);

// "fnv1a64:0123456789abcdef": identifies a training file's bytes (to notice a changed dataset;
// not a security measure).
std::string content_hash(std::string_view bytes);

}  // namespace sl::finetuning
