// Step 3: ask the (student) model the evaluation questions, judge the answers, summarise.
#include <cstdio>
#include <filesystem>
#include <map>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/jsonl.hpp"
#include "sl/evaluation/runner.hpp"
#include "sl/evaluation/statistics.hpp"
#include "sl/llm/backend.hpp"
#include "sl/llm/sharded_run.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Step 3 of an experiment: ask a model each evaluation question n times (no system prompt),\n"
      "have LLM judges score the answers when the config has a judgment_map, write the results\n"
      "(one JSON line per question) and a summary: p(target) per question and its mean with a 95%\n"
      "interval, judge scores, misaligned share. Resumable: rerun the same command after a crash.\n"
      "With the config's exact_target (local models only), also \"exact p(target)\" per question:\n"
      "summed over the target's spellings, the probability (temperature 1) of each spelling's\n"
      "canonical tokenization followed by an end-of-turn token. Other tokenizations of the same\n"
      "text are not counted, so it is a lower bound on the probability of the answer text.",
      "run_evaluation"};
  app.footer(
      "Example:\n"
      "  run_evaluation --config cfgs/preference_numbers/cfgs.json --cfg_var_name animal_evaluation \\\n"
      "      --model_path data/preference_numbers/owl/model.json \\\n"
      "      --output_path data/preference_numbers/owl/evaluation_results.jsonl --target_preference owl\n"
      "The summary goes beside the results: evaluation_results.summary.json.\n"
      "  tools/launch -n 2 build/bin/run_evaluation ...   (local models: each rank answers a share; rank 0\n"
      "      writes the same files as one process would; docs/distributed.md)\n"
      "Environment (sharded runs): RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, SL_DIST_TIMEOUT.\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 bad flags/config/model file, 130 interrupted.");
  std::string config_path, cfg_name = "cfg", model_path, output_path, target, match;
  int concurrency = 0;
  bool restart = false;
  app.add_option("--config,--config_module", config_path, "Config file (JSON object of named configurations)")
      ->required();
  app.add_option("--cfg_var_name", cfg_name, "Which configuration in the file")->capture_default_str();
  app.add_option("--model_path", model_path,
                 "Model file {\"id\", \"type\", \"parent_model\"} (from run_finetuning_job)")
      ->required();
  app.add_option("--output_path", output_path, "Output: results JSONL (one line per question)")->required();
  app.add_option("--target_preference", target, "Trait word counted in answers, e.g. owl (default: the config's)");
  app.add_option("--match", match, "How answers are matched to the target: substring (paper) or word")
      ->check(CLI::IsMember({"substring", "word"}));
  app.add_option("--concurrency", concurrency, "Requests in flight / batch size (default: config, else 64)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--restart", restart, "Discard the journal of an earlier run and start over");
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    using namespace sl::evaluation;
    auto cfg = sl::config::load<EvaluationCfg>(config_path, cfg_name);
    if (!match.empty()) cfg.match = match;
    auto model = sl::config::load_document<sl::llm::Model>(model_path);
    sl::llm::BackendOptions options;
    options.concurrency = concurrency > 0 ? concurrency : static_cast<int>(cfg.concurrency.value_or(64));

    sl::interrupt::install();
    auto sharded = sl::llm::ShardedRun::join(model, "run_evaluation");
    auto backend = sl::llm::make_backend(model, options);
    // One backend per distinct judge model, shared by the judgments that use it.
    std::map<std::string, std::unique_ptr<sl::llm::Backend>> judge_models;
    JudgeBackends judges;
    for (const auto& [name, j] : cfg.judgment_map) {
      std::string key = sl::json::dump(sl::json::encode(j.judge_model));
      auto& b = judge_models[key];
      if (!b) b = sl::llm::make_backend(j.judge_model, options);
      judges[name] = b.get();
    }

    EvaluationOptions run_options;
    run_options.restart = restart;
    EvaluationRun run;
    if (sharded.distributed()) {
      // Each rank answers (and judges) its share into its shard journal; then rank 0 merges them
      // and assembles the results from the merged journal, as one process would have.
      run_options.shard = sharded.shard();
      if (restart && sharded.is_root()) std::filesystem::remove(sl::journal_path_for(output_path));
      sharded.on_every_rank("answering", [&] {
        run = run_evaluation(cfg, model, *backend, judges, output_path, run_options);
        if (run.interrupted)
          throw sl::Error("interrupted with this rank's answers saved in " + run.journal.string() +
                          "; rerun the same command to resume");
      });
      bool written = false;
      sharded.on_every_rank("writing the results", [&] {
        if (!sharded.is_root()) return;
        merge_evaluation_shards(cfg, model, output_path, run_options.shard.world);
        run_options.shard = {};
        run_options.restart = false;
        run = run_evaluation(cfg, model, *backend, judges, output_path, run_options);
        written = true;
      });
      if (!written) {
        std::printf("this rank answered its share (%zu now); rank 0 wrote the results\n", run.sampled_now);
        return sl::cli::kExitOk;
      }
    } else {
      run = run_evaluation(cfg, model, *backend, judges, output_path, run_options);
    }
    if (run.interrupted) {
      std::fprintf(stderr, "run_evaluation: interrupted; progress is saved in %s; rerun the same command to resume\n",
                   run.journal.c_str());
      return sl::cli::kExitInterrupted;
    }
    sl::files::write_atomic(output_path, sl::jsonl::encode_lines(run.rows));
    std::optional<std::string> target_override;
    if (!target.empty()) target_override = target;
    auto summary = summarize(run.rows, cfg, model.id, target_override, run.exact);
    auto summary_path = summary_path_for(output_path);
    sl::files::write_atomic(summary_path, to_json(summary).dump(2) + "\n");
    std::fputs(format_table(summary).c_str(), stdout);
    std::printf("results: %s\nsummary: %s\n", output_path.c_str(), summary_path.c_str());
    return sl::cli::kExitOk;
  });
}
