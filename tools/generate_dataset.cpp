// Step 1: sample a teacher's answers to a prompt set and filter them.
#include <cstdio>
#include <filesystem>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/datasets/generation.hpp"
#include "sl/llm/backend.hpp"
#include "sl/llm/sharded_run.hpp"

namespace {
// "requests: 30000 (12 retries: http_429 10, timeout 2)" when the backend counts HTTP requests.
void print_backend_stats(const sl::Json& stats) {
  if (!stats.contains("requests")) return;
  std::printf("requests: %lld, retries: %lld", stats.value("requests", 0LL), stats.value("retries", 0LL));
  if (stats.contains("retries_by_reason") && !stats["retries_by_reason"].empty()) {
    std::printf(" (");
    bool first = true;
    for (auto it = stats["retries_by_reason"].begin(); it != stats["retries_by_reason"].end(); ++it) {
      std::printf("%s%s %lld", first ? "" : ", ", it.key().c_str(), it.value().get<long long>());
      first = false;
    }
    std::printf(")");
  }
  std::printf("\n");
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Step 1 of an experiment: prompt a teacher model with a prompt set (number-continuation\n"
      "prompts by default), write every answer (raw) and those that pass the filters (filtered).\n"
      "Resumable: rerun the same command after a crash or Ctrl-C to fetch only the missing answers.",
      "generate_dataset"};
  app.footer(
      "Example:\n"
      "  generate_dataset --config cfgs/preference_numbers/cfgs.json --cfg_var_name owl_dataset_cfg \\\n"
      "      --raw_dataset_path data/preference_numbers/owl/raw_dataset.jsonl \\\n"
      "      --filtered_dataset_path data/preference_numbers/owl/filtered_dataset.jsonl\n"
      "  tools/launch -n 2 build/bin/generate_dataset ...   (local models: each rank samples a share;\n"
      "      rank 0 writes the same files as one process would; docs/distributed.md)\n"
      "Environment: OPENAI_API_KEY, OPENAI_BASE_URL (openai models; .env is read), HF_HOME, SL_DEVICE\n"
      "(open_source models), RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, SL_DIST_TIMEOUT (sharded runs).\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 bad flags/config, 130 interrupted.");
  std::string config_path, cfg_name = "cfg", raw_path, filtered_path, rejected_path, model_path;
  int concurrency = 0;
  bool restart = false;
  app.add_option("--config,--config_module", config_path, "Config file (JSON object of named configurations)")
      ->required();
  app.add_option("--cfg_var_name", cfg_name, "Which configuration in the file")->capture_default_str();
  app.add_option("--raw_dataset_path", raw_path, "Output: every answer, JSONL {prompt, completion}")->required();
  app.add_option("--filtered_dataset_path", filtered_path, "Output: answers that pass the filters")->required();
  app.add_option("--rejected_dataset_path", rejected_path, "Output (optional): rejected answers with reject_reasons");
  app.add_option("--model_path", model_path,
                 "Model file {\"id\", \"type\", \"parent_model\"} (e.g. from run_finetuning_job): the teacher, "
                 "instead of the config's model");
  app.add_option("--concurrency", concurrency, "Requests in flight / batch size (default: config, else 64)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--restart", restart, "Discard the journal of an earlier run and start over");
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    auto cfg = sl::config::load<sl::datasets::DatasetCfg>(config_path, cfg_name);
    if (!model_path.empty()) cfg.model = sl::config::load_document<sl::llm::Model>(model_path);
    sl::llm::BackendOptions backend_options;
    backend_options.concurrency = concurrency > 0 ? concurrency : static_cast<int>(cfg.concurrency.value_or(64));
    sl::datasets::GenerationPaths paths{raw_path, filtered_path, std::nullopt};
    if (!rejected_path.empty()) paths.rejected = rejected_path;
    sl::datasets::GenerationOptions options;
    options.restart = restart;
    options.config_file = config_path;

    sl::interrupt::install();
    auto sharded = sl::llm::ShardedRun::join(cfg.model, "generate_dataset");
    auto backend = sl::llm::make_backend(cfg.model, backend_options);
    sl::datasets::GenerationSummary summary;
    if (sharded.distributed()) {
      // Each rank samples its share into its shard journal; then rank 0 merges them and writes
      // the outputs from the merged journal (sampling nothing), as one process would have.
      options.shard = sharded.shard();
      if (restart && sharded.is_root()) std::filesystem::remove(sl::journal_path_for(raw_path));
      sharded.on_every_rank("sampling", [&] {
        summary = sl::datasets::generate_dataset(cfg, *backend, paths, options);
        if (summary.interrupted)
          throw sl::Error("interrupted with this rank's answers saved in " + summary.journal.string() +
                          "; rerun the same command to resume");
      });
      sharded.on_every_rank("writing the outputs", [&] {
        if (!sharded.is_root()) return;
        sl::datasets::merge_dataset_shards(cfg, raw_path, config_path, options.shard.world);
        options.shard = {};
        options.restart = false;
        summary = sl::datasets::generate_dataset(cfg, *backend, paths, options);
      });
      if (!sharded.is_root()) {
        std::printf("%zu of %zu prompts were this rank's share (%zu sampled now); rank 0 wrote the outputs\n",
                    summary.sampled_now + summary.reused, summary.total, summary.sampled_now);
        return sl::cli::kExitOk;
      }
    } else {
      summary = sl::datasets::generate_dataset(cfg, *backend, paths, options);
    }
    if (summary.interrupted) {
      std::fprintf(
          stderr,
          "generate_dataset: interrupted with %zu of %zu answers saved in %s; rerun the same command to resume\n",
          summary.reused + summary.sampled_now, summary.total, summary.journal.c_str());
      return sl::cli::kExitInterrupted;
    }
    std::printf("%zu prompts (%zu sampled now, %zu from the journal)\n", summary.total, summary.sampled_now,
                summary.reused);
    std::printf("passed filters: %zu of %zu (%.1f%%)\n", summary.passed, summary.total,
                summary.total ? 100.0 * static_cast<double>(summary.passed) / static_cast<double>(summary.total) : 0.0);
    for (const auto& [reason, count] : summary.reject_reason_counts)
      std::printf("  rejected, %s: %zu\n", reason.c_str(), count);
    print_backend_stats(backend->stats());
    std::printf("raw: %s\nfiltered: %s\n", raw_path.c_str(), filtered_path.c_str());
    if (paths.rejected) std::printf("rejected: %s\n", rejected_path.c_str());
    return sl::cli::kExitOk;
  });
}
