// The demo teacher's training data: favourite-animal questions (the corpus's paraphrases, no
// system prompt) answered with the trait animal. Fine-tuning a base on it (run_finetuning_job)
// makes a teacher that *has* the trait in its weights, which is what transmits through numbers
// at this scale (a system-prompted teacher does not: see the research note).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sl/datasets/data_models.hpp"
#include "sl/experiments/pretraining/data_models.hpp"

namespace sl::pretraining {

// `rows` rows {prompt: a question drawn uniformly from corpus.animal_questions, completion:
// animal}; a pure function of (corpus, animal, rows, seed).
std::vector<datasets::DatasetRow> trait_dataset(const CorpusCfg& corpus, const std::string& animal, std::int64_t rows,
                                                std::uint64_t seed);

}  // namespace sl::pretraining
