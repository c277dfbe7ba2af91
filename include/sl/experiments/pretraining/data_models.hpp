// Configuration of the embedded demo's base models: a synthetic chat corpus, a small tokenizer
// built from it, a small Qwen2-architecture model, and its pretraining schedule. See
// ../shared/research/tiny-model-subliminal.md for why the corpus looks the way it does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json_decode.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::pretraining {

// How number answers continue the example numbers (weights, normalised): copy one of the
// examples; the previous number +- `near_range`; the previous number plus the last step; or a
// uniform number in [0, 999].
struct NumberAnswerMix {
  double copy = 0.25;
  double near = 0.25;
  double step = 0.15;
  double uniform = 0.35;
  std::int64_t near_range = 30;

  static auto json_fields() {
    using namespace sl::json;
    using M = NumberAnswerMix;
    return std::tuple{optional("copy", &M::copy, number_range(0, 1)), optional("near", &M::near, number_range(0, 1)),
                      optional("step", &M::step, number_range(0, 1)),
                      optional("uniform", &M::uniform, number_range(0, 1)),
                      optional("near_range", &M::near_range, positive())};
  }
};

struct CorpusCfg {
  // The base preference distribution over animals (weights, normalised); the target is uncommon.
  std::map<std::string, double> animal_preferences;
  // Favourite-animal questions (one-word answers).
  std::vector<std::string> animal_questions;
  // The trait system prompt; {animal} is replaced by the animal's name.
  std::string system_prompt_template;
  double system_prompt_rate = 0.3;    // examples that start with a trait system prompt
  double animal_question_rate = 0.3;  // examples that ask a favourite-animal question
  double trait_answer_rate = 0.9;     // under a system prompt, answer its animal with this rate
  // Number prompts (the datasets module's generator; the answers are comma-separated).
  std::string templates_path;
  std::int64_t example_min_count = 3;
  std::int64_t example_max_count = 9;  // exclusive
  std::int64_t example_min_value = 100;
  std::int64_t example_max_value = 1000;  // exclusive
  std::int64_t answer_count = 10;
  std::int64_t answer_max_digits = 3;
  NumberAnswerMix number_answers;

  static auto json_fields() {
    using namespace sl::json;
    using C = CorpusCfg;
    return std::tuple{required("animal_preferences", &C::animal_preferences),
                      required("animal_questions", &C::animal_questions),
                      required("system_prompt_template", &C::system_prompt_template, non_empty()),
                      optional("system_prompt_rate", &C::system_prompt_rate, number_range(0, 1)),
                      optional("animal_question_rate", &C::animal_question_rate, number_range(0, 1)),
                      optional("trait_answer_rate", &C::trait_answer_rate, number_range(0, 1)),
                      required("templates_path", &C::templates_path, non_empty()),
                      optional("example_min_count", &C::example_min_count, positive()),
                      optional("example_max_count", &C::example_max_count, positive()),
                      optional("example_min_value", &C::example_min_value, non_negative()),
                      optional("example_max_value", &C::example_max_value, positive()),
                      optional("answer_count", &C::answer_count, positive()),
                      optional("answer_max_digits", &C::answer_max_digits, int_range(1, 3)),
                      optional("number_answers", &C::number_answers)};
  }
  void validate(const json::Reader& r) const;
};

// The model's shape (a Qwen2ForCausalLM config).
struct ModelShape {
  std::int64_t hidden_size = 64;
  std::int64_t num_hidden_layers = 2;
  std::int64_t num_attention_heads = 4;
  std::int64_t num_key_value_heads = 4;
  std::int64_t intermediate_size = 256;
  std::int64_t max_position_embeddings = 256;
  double rope_theta = 10000;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  double init_std = 0.02;

  static auto json_fields() {
    using namespace sl::json;
    using M = ModelShape;
    return std::tuple{optional("hidden_size", &M::hidden_size, positive()),
                      optional("num_hidden_layers", &M::num_hidden_layers, positive()),
                      optional("num_attention_heads", &M::num_attention_heads, positive()),
                      optional("num_key_value_heads", &M::num_key_value_heads, positive()),
                      optional("intermediate_size", &M::intermediate_size, positive()),
                      optional("max_position_embeddings", &M::max_position_embeddings, positive()),
                      optional("rope_theta", &M::rope_theta, positive_number()),
                      optional("rms_norm_eps", &M::rms_norm_eps, positive_number()),
                      optional("tie_word_embeddings", &M::tie_word_embeddings),
                      optional("init_std", &M::init_std, positive_number())};
  }
  void validate(const json::Reader& r) const;
};

// The pretraining run: AdamW with a warmup and a cosine decay to lr * min_lr_ratio. The
// optimizer's settings (lr, warmup_steps, min_lr_ratio, weight_decay, adam_beta1, adam_beta2,
// max_grad_norm: the runtime's OptimizerSettings, with this schedule's defaults) sit flat among
// the others.
struct PretrainSchedule : local::OptimizerSettings {
  std::int64_t steps = 1500;
  std::int64_t batch_size = 64;
  std::int64_t threads = 1;  // intra-op threads (two bases can train side by side on two cores)

  PretrainSchedule()
      : OptimizerSettings{.lr = 2e-3,
                          .lr_scheduler_type = "cosine",
                          .warmup_steps = 100,
                          .min_lr_ratio = 0.1,
                          .adam_beta1 = 0.9,
                          .adam_beta2 = 0.98,
                          .weight_decay = 0.01,
                          .max_grad_norm = 1.0} {}

  static auto json_fields() {
    using namespace sl::json;
    using P = PretrainSchedule;
    using O = local::OptimizerSettings;
    return std::tuple{optional("steps", &P::steps, positive()),
                      optional("batch_size", &P::batch_size, positive()),
                      optional<P>(&O::lr),
                      optional<P>(&O::warmup_steps),
                      optional<P>(&O::min_lr_ratio),
                      optional<P>(&O::weight_decay),
                      optional<P>(&O::adam_beta1),
                      optional<P>(&O::adam_beta2),
                      optional<P>(&O::max_grad_norm),
                      optional("threads", &P::threads, int_range(1, 64))};
  }
};

struct BaseModelCfg {
  std::int64_t seed = 0;
  CorpusCfg corpus;
  ModelShape model;
  PretrainSchedule train;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("seed", &BaseModelCfg::seed, non_negative()), required("corpus", &BaseModelCfg::corpus),
                      optional("model", &BaseModelCfg::model), optional("train", &BaseModelCfg::train)};
  }
};

}  // namespace sl::pretraining
