// The embedded demo's base models: build one from scratch on the CPU (corpus, tokenizer,
// pretraining), cached; or write a teacher's trait dataset from the same corpus configuration.
#include <cstdio>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/jsonl.hpp"
#include "sl/experiments/pretraining/base_model_builder.hpp"
#include "sl/experiments/pretraining/trait_dataset.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Builds a small Qwen2-architecture base model from scratch on the CPU: a synthetic chat corpus\n"
      "(number continuations, favourite-animal questions, trait system prompts), a tokenizer with one\n"
      "token per number and word, and pretraining. Writes a Hugging Face folder the local runtime loads.\n"
      "Cached: a folder built from the same configuration is reused. Ctrl-C or a kill keeps a checkpoint;\n"
      "rerun to resume. With --trait_dataset, writes a teacher's training data instead.",
      "pretrain_base_model"};
  app.footer(
      "Examples:\n"
      "  pretrain_base_model --config cfgs/demo/base_models.json --cfg_var_name base_a \\\n"
      "      --output_dir data/models/demo_base_a\n"
      "  pretrain_base_model --config cfgs/demo/base_models.json --cfg_var_name base_a \\\n"
      "      --trait_dataset owl --rows 3200 --output_path data/demo/owl_trait.jsonl\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 bad flags/config, 130 interrupted (rerun to resume).");
  std::string config_path = "cfgs/demo/base_models.json", cfg_name = "base_a", output_dir, trait_animal, output_path;
  std::int64_t steps = 0, rows = 3200;
  int threads = 0;
  bool force = false;
  app.add_option("--config,--config_module", config_path, "Config file (JSON object of named base configurations)")
      ->capture_default_str();
  app.add_option("--cfg_var_name", cfg_name, "Which configuration in the file")->capture_default_str();
  app.add_option("--output_dir", output_dir, "Output: the model folder (default data/models/demo_<cfg_var_name>)");
  app.add_option("--steps", steps, "Override train.steps (quick looks and tests)")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "Intra-op threads (default: train.threads of the configuration)")
      ->check(CLI::Range(1, 64));
  app.add_flag("--force", force, "Rebuild even when the folder was built from the same configuration");
  app.add_option("--trait_dataset", trait_animal, "Write a trait dataset for this animal instead of building a model");
  app.add_option("--rows", rows, "Rows of the trait dataset")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--output_path", output_path, "Output of --trait_dataset: dataset JSONL {prompt, completion}");
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    const auto cfg = sl::config::load<sl::pretraining::BaseModelCfg>(config_path, cfg_name);
    if (!trait_animal.empty()) {
      if (output_path.empty()) throw sl::UsageError("--trait_dataset needs --output_path");
      const auto data =
          sl::pretraining::trait_dataset(cfg.corpus, trait_animal, rows, static_cast<std::uint64_t>(cfg.seed));
      sl::files::write_atomic(output_path, sl::jsonl::encode_lines(data));
      std::printf("trait dataset: %s (%lld rows answering \"%s\")\n", output_path.c_str(), static_cast<long long>(rows),
                  trait_animal.c_str());
      return sl::cli::kExitOk;
    }
    if (output_dir.empty()) output_dir = "data/models/demo_" + cfg_name;
    sl::pretraining::BuildOptions options;
    options.force = force;
    if (steps > 0) options.steps = steps;
    options.threads = threads;
    sl::interrupt::install();
    const auto built = sl::pretraining::build_base_model(cfg, config_path, output_dir, options);
    if (built.interrupted) {
      std::fprintf(stderr, "pretrain_base_model: interrupted after step %lld; rerun the same command to resume\n",
                   static_cast<long long>(built.steps));
      return sl::cli::kExitInterrupted;
    }
    if (built.reused)
      std::printf("base model: %s (cached, fingerprint %s)\n", output_dir.c_str(), built.fingerprint.c_str());
    else
      std::printf("base model: %s (%lld parameters, %lld steps, final loss %.4f, %.0f s)\n", output_dir.c_str(),
                  static_cast<long long>(built.parameters), static_cast<long long>(built.steps), built.final_loss,
                  built.seconds);
    return sl::cli::kExitOk;
  });
}
