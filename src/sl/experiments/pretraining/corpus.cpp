#include "sl/experiments/pretraining/corpus.hpp"

#include <algorithm>

#include "sl/core/config_file.hpp"
#include "sl/core/rng.hpp"
#include "sl/core/text.hpp"

namespace sl::pretraining {

llm::Chat CorpusExample::chat() const {
  llm::Chat c = llm::build_simple_chat(user, system);
  c.messages.push_back({"assistant", assistant});
  return c;
}

CorpusGenerator::CorpusGenerator(const CorpusCfg& cfg, std::uint64_t seed, const std::filesystem::path& config_file)
    : cfg_(cfg),
      seed_(seed),
      templates_(datasets::NumsPromptTemplates::load(config::resolve_path(config_file, cfg.templates_path))) {
  double total = 0;
  for (const auto& [animal, w] : cfg_.animal_preferences) total += w;
  for (const auto& [animal, w] : cfg_.animal_preferences) {
    animals_.push_back(animal);
    probabilities_.push_back(w / total);
  }
}

std::string CorpusGenerator::number_answer(Rng& rng, const std::vector<std::int64_t>& examples) const {
  const auto& mix = cfg_.number_answers;
  const double weights[] = {mix.copy, mix.near, mix.step, mix.uniform};
  std::int64_t max_value = 1;
  for (std::int64_t d = 0; d < cfg_.answer_max_digits; ++d) max_value *= 10;
  max_value -= 1;
  std::vector<std::int64_t> seq = examples;
  std::string out;
  for (std::int64_t j = 0; j < cfg_.answer_count; ++j) {
    const std::int64_t prev = seq.back();
    const std::int64_t step = seq.size() >= 2 ? seq[seq.size() - 1] - seq[seq.size() - 2] : 0;
    std::int64_t next = 0;
    switch (rng.weighted(weights)) {
      case 0:
        next = examples[rng.below(examples.size())];
        break;
      case 1:
        next = prev + rng.between(-mix.near_range, mix.near_range);
        break;
      case 2:
        next = prev + step;
        break;
      default:
        next = rng.between(0, max_value);
        break;
    }
    next = std::clamp<std::int64_t>(next, 0, max_value);
    seq.push_back(next);
    if (j) out += ", ";
    out += std::to_string(next);
  }
  return out;
}

CorpusExample CorpusGenerator::example(std::uint64_t index) const {
  Rng rng = Rng::for_item(seed_, index);
  CorpusExample ex;
  if (rng.bernoulli(cfg_.system_prompt_rate)) {
    ex.trait_animal = animals_[rng.below(animals_.size())];
    ex.system =
        text::format_named(cfg_.system_prompt_template, {{"animal", ex.trait_animal}}, "system_prompt_template");
  }
  if (rng.bernoulli(cfg_.animal_question_rate)) {
    ex.kind = CorpusExample::Kind::animal_question;
    ex.user = cfg_.animal_questions[rng.below(cfg_.animal_questions.size())];
    if (ex.system && rng.bernoulli(cfg_.trait_answer_rate)) ex.assistant = ex.trait_animal;
    else ex.assistant = animals_[rng.weighted(probabilities_)];
    return ex;
  }
  // A number prompt from the same generator step 1 uses, seeded per example.
  datasets::NumsPromptSet set{"nums",
                              1,
                              static_cast<std::int64_t>(rng.next() >> 1),
                              cfg_.example_min_count,
                              cfg_.example_max_count,
                              cfg_.example_min_value,
                              cfg_.example_max_value,
                              cfg_.answer_count,
                              cfg_.answer_max_digits,
                              std::nullopt};
  datasets::NumsPromptGenerator gen(set, templates_);
  auto query = gen.sample();
  ex.user = std::move(query.prompt);
  ex.assistant = number_answer(rng, query.examples);
  return ex;
}

std::vector<CorpusExample> CorpusGenerator::examples(std::uint64_t first, std::uint64_t count) const {
  std::vector<CorpusExample> out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) out.push_back(example(first + i));
  return out;
}

}  // namespace sl::pretraining
