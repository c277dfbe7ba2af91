#include "sl/experiments/pretraining/trait_dataset.hpp"

#include "sl/core/error.hpp"
#include "sl/core/rng.hpp"

namespace sl::pretraining {

std::vector<datasets::DatasetRow> trait_dataset(const CorpusCfg& corpus, const std::string& animal, std::int64_t rows,
                                                std::uint64_t seed) {
  if (!corpus.animal_preferences.count(animal))
    throw UsageError("trait animal \"" + animal + "\" is not one of the corpus's animals (animal_preferences)");
  if (corpus.animal_questions.empty()) throw UsageError("the corpus has no animal_questions");
  std::vector<datasets::DatasetRow> out;
  out.reserve(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) {
    Rng rng = Rng::for_item(seed, static_cast<std::uint64_t>(i));
    const auto q = rng.below(corpus.animal_questions.size());
    out.push_back(datasets::DatasetRow{corpus.animal_questions[q], animal, std::nullopt, std::nullopt});
  }
  return out;
}

}  // namespace sl::pretraining
