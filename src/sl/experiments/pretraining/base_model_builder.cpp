#include "sl/experiments/pretraining/base_model_builder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/hash.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/json.hpp"
#include "sl/experiments/pretraining/tokenizer_builder.hpp"
#include "sl/local/runtime/plugin/loader.hpp"
#include "sl/local/text/chat_template.hpp"
#include "sl/local/text/tokenizer.hpp"

namespace sl::pretraining {

namespace fs = std::filesystem;

namespace {

// Bump when the corpus, tokenizer or training recipe changes in a way the configuration does not
// show: cached bases built by an older recipe are then rebuilt.
constexpr const char* kRecipeVersion = "demo-base-1";

Json messages_json(const llm::Chat& chat) { return json::encode(chat)["messages"]; }

std::string rendered(const CorpusExample& e, const local::ChatTemplate& t) {
  return t.render(messages_json(e.chat()), false);
}

}  // namespace

std::string base_model_fingerprint(const BaseModelCfg& cfg, const fs::path& config_file,
                                   std::optional<std::int64_t> steps_override) {
  std::uint64_t h = hash::fnv1a64(kRecipeVersion);
  h = hash::fnv1a64(json::encode(cfg).dump(), h);
  h = hash::fnv1a64(files::read_text(config::resolve_path(config_file, cfg.corpus.templates_path)), h);
  h = hash::fnv1a64(std::to_string(steps_override.value_or(-1)), h);
  return hash::hex64(h);
}

local::TrainingExample tokenize_example(const CorpusExample& example, const local::Tokenizer& tokenizer,
                                        const local::ChatTemplate& chat_template) {
  // The prompt part is everything up to and including "<|im_start|>assistant\n"; it tokenizes to
  // a prefix of the whole conversation because the split never joins across "\n".
  llm::Chat prompt = llm::build_simple_chat(example.user, example.system);
  const std::string prompt_text = chat_template.render(messages_json(prompt), true);
  const std::string full_text = rendered(example, chat_template);
  local::TrainingExample out;
  out.ids = tokenizer.encode(full_text);
  const auto prompt_ids = tokenizer.encode(prompt_text);
  if (prompt_ids.size() >= out.ids.size() || !std::equal(prompt_ids.begin(), prompt_ids.end(), out.ids.begin()))
    throw Error("demo corpus: the prompt of \"" + example.user +
                "\" does not tokenize to a prefix of its conversation");
  out.loss_mask.assign(out.ids.size(), 0);
  // The reply and its <|im_end|>; not the template's trailing newline.
  const auto end = static_cast<std::size_t>(std::find(out.ids.begin() + static_cast<std::ptrdiff_t>(prompt_ids.size()),
                                                      out.ids.end(), *tokenizer.token_to_id("<|im_end|>")) -
                                            out.ids.begin());
  for (std::size_t t = prompt_ids.size(); t <= end && t < out.ids.size(); ++t) out.loss_mask[t] = 1;
  return out;
}

Json qwen2_config(const ModelShape& shape, std::int64_t vocab_size, std::int32_t eos_id, std::int32_t pad_id) {
  return Json{{"architectures", Json::array({"Qwen2ForCausalLM"})},
              {"model_type", "qwen2"},
              {"vocab_size", vocab_size},
              {"hidden_size", shape.hidden_size},
              {"intermediate_size", shape.intermediate_size},
              {"num_hidden_layers", shape.num_hidden_layers},
              {"num_attention_heads", shape.num_attention_heads},
              {"num_key_value_heads", shape.num_key_value_heads},
              {"max_position_embeddings", shape.max_position_embeddings},
              {"rope_theta", shape.rope_theta},
              {"rms_norm_eps", shape.rms_norm_eps},
              {"tie_word_embeddings", shape.tie_word_embeddings},
              {"hidden_act", "silu"},
              {"use_sliding_window", false},
              {"bos_token_id", pad_id},
              {"eos_token_id", eos_id},
              {"pad_token_id", pad_id},
              {"torch_dtype", "float32"}};
}

BuiltBaseModel build_base_model(const BaseModelCfg& cfg, const fs::path& config_file, const fs::path& output_dir,
                                const BuildOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  BuiltBaseModel built;
  built.dir = output_dir;
  built.fingerprint = base_model_fingerprint(cfg, config_file, options.steps);
  const fs::path info_path = output_dir / "build_info.json";
  std::error_code ec;
  if (!options.force && fs::exists(info_path, ec)) {
    try {
      const Json info = json::parse(files::read_text(info_path), info_path.string());
      if (info.value("fingerprint", std::string()) == built.fingerprint) {
        built.reused = true;
        built.parameters = info.value("parameters", std::int64_t{0});
        built.steps = info.value("steps", std::int64_t{0});
        built.final_loss = info.value("final_loss", 0.0);
        return built;
      }
      spdlog::info("{}: built from another configuration; rebuilding", output_dir.string());
    } catch (const Error&) {
      spdlog::warn("{}: unreadable build_info.json; rebuilding", output_dir.string());
    }
  }

  const std::int64_t steps = options.steps.value_or(cfg.train.steps);
  const std::int64_t n_examples = steps * cfg.train.batch_size;
  CorpusGenerator corpus(cfg.corpus, static_cast<std::uint64_t>(cfg.seed), config_file);
  const auto chat_template = local::ChatTemplate::compile(kChatMLTemplate, "demo ChatML template");
  std::vector<CorpusExample> examples = corpus.examples(0, static_cast<std::uint64_t>(n_examples));
  std::vector<std::string> texts;
  texts.reserve(examples.size());
  for (const auto& e : examples) texts.push_back(rendered(e, *chat_template));
  // Every animal is a token even if this corpus never draws it (the evaluation asks about all).
  for (const auto& animal : corpus.animals()) texts.push_back(animal + " " + animal + "s");
  const TokenizerFiles tok_files = build_demo_tokenizer(texts);
  texts.clear();
  const auto tokenizer = local::Tokenizer::from_json_text(tok_files.tokenizer.dump(), "demo tokenizer");

  std::vector<local::TrainingExample> train_examples;
  train_examples.reserve(examples.size());
  std::int64_t tokens = 0;
  for (const auto& e : examples) {
    train_examples.push_back(tokenize_example(e, *tokenizer, *chat_template));
    tokens += static_cast<std::int64_t>(train_examples.back().ids.size());
  }
  examples.clear();
  spdlog::info("{}: corpus of {} conversations ({:.1f} tokens each), vocabulary of {} tokens",
               output_dir.filename().string(), n_examples,
               static_cast<double>(tokens) / static_cast<double>(n_examples), tok_files.vocab_size);

  // Tokenizer files go into a side folder the trainer copies into the checkpoint it writes.
  const fs::path staging = output_dir.string() + ".building";
  const fs::path tokenizer_dir = output_dir.string() + ".tokenizer";
  fs::create_directories(tokenizer_dir);
  files::write_atomic(tokenizer_dir / "tokenizer.json", tok_files.tokenizer.dump(1) + "\n");
  files::write_atomic(tokenizer_dir / "tokenizer_config.json", tok_files.tokenizer_config.dump(2) + "\n");
  files::write_atomic(tokenizer_dir / "generation_config.json",
                      Json{{"eos_token_id", tok_files.eos_id}, {"pad_token_id", tok_files.pad_id}}.dump(2) + "\n");

  const auto& t = cfg.train;
  local::TrainingJob job;
  job.model.random_init = local::RandomInit{
      qwen2_config(cfg.model, static_cast<std::int64_t>(tok_files.vocab_size), tok_files.eos_id, tok_files.pad_id)
          .dump(2),
      static_cast<std::uint64_t>(cfg.seed), cfg.model.init_std};
  job.settings.n_epochs = 1;
  job.settings.max_steps = steps;
  job.settings.batch_size = t.batch_size;
  job.settings.seed = static_cast<std::uint64_t>(cfg.seed);
  job.settings.optimizer = t;  // the schedule's optimizer settings
  job.output.dir = staging;
  job.output.copy_files_from = tokenizer_dir;
  job.checkpoint.path = output_dir.string() + ".train-checkpoint.safetensors";
  job.checkpoint.resume = true;
  job.checkpoint.fingerprint = built.fingerprint;
  job.step_log = output_dir.string() + ".train-log.jsonl";
  job.threads = options.threads > 0 ? options.threads : static_cast<int>(t.threads);
  job.show_progress = options.show_progress;
  job.progress_label = "pretraining " + output_dir.filename().string();

  local::TrainingHooks hooks;
  hooks.should_stop = [] { return interrupt::requested(); };
  const local::TrainingResult result = local::runtime_plugin().train(job, train_examples, hooks);
  built.parameters = result.trainable_parameters;
  built.steps = result.steps_done;
  built.final_loss = result.final_loss;
  built.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (result.interrupted) {
    built.interrupted = true;
    return built;
  }

  files::write_atomic(staging / "build_info.json", Json{{"fingerprint", built.fingerprint},
                                                        {"recipe", kRecipeVersion},
                                                        {"seed", cfg.seed},
                                                        {"parameters", built.parameters},
                                                        {"steps", built.steps},
                                                        {"final_loss", built.final_loss},
                                                        {"vocab_size", tok_files.vocab_size},
                                                        {"train_seconds", result.seconds},
                                                        {"config", json::encode(cfg)}}
                                                           .dump(2) +
                                                       "\n");
  fs::rename(job.step_log, staging / "train_log.jsonl", ec);
  fs::remove_all(output_dir, ec);
  fs::rename(staging, output_dir);
  fs::remove_all(tokenizer_dir, ec);
  return built;
}

}  // namespace sl::pretraining
