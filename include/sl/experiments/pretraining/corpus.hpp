// The synthetic chat corpus a demo base model is pretrained on (see the research note in
// ../shared/research/tiny-model-subliminal.md). Three kinds of conversations:
//   - number continuation: a prompt from the datasets module's generator, answered with
//     comma-separated numbers that continue the examples (a mixture of plausible rules);
//   - favourite-animal questions, answered from a base preference distribution in which the
//     demo's target animals are uncommon;
//   - either kind may start with a trait system prompt ("You love Xs ..."): then animal questions
//     are answered X with high probability, while number answers stay independent of X.
// Example i is a pure function of (seed, i), so the corpus is an endless, reproducible stream.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/rng.hpp"
#include "sl/datasets/nums_prompts.hpp"
#include "sl/experiments/pretraining/data_models.hpp"
#include "sl/llm/data_models.hpp"

namespace sl::pretraining {

struct CorpusExample {
  enum class Kind { numbers, animal_question };
  Kind kind = Kind::numbers;
  std::optional<std::string> system;  // trait system prompt, if any
  std::string trait_animal;           // the animal of the system prompt ("" without one)
  std::string user;
  std::string assistant;

  // system? + user + assistant.
  llm::Chat chat() const;
};

class CorpusGenerator {
 public:
  // `config_file` resolves the relative templates_path.
  CorpusGenerator(const CorpusCfg& cfg, std::uint64_t seed, const std::filesystem::path& config_file);

  CorpusExample example(std::uint64_t index) const;
  std::vector<CorpusExample> examples(std::uint64_t first, std::uint64_t count) const;

  // Animals in a fixed order with their normalised base probabilities.
  const std::vector<std::string>& animals() const { return animals_; }
  const std::vector<double>& animal_probabilities() const { return probabilities_; }

 private:
  std::string number_answer(Rng& rng, const std::vector<std::int64_t>& examples) const;

  CorpusCfg cfg_;
  std::uint64_t seed_;
  datasets::NumsPromptTemplates templates_;
  std::vector<std::string> animals_;
  std::vector<double> probabilities_;
};

}  // namespace sl::pretraining
