// The dispatch on the job config's "type": one case per kind of job, each in its own file.
#include "sl/finetuning/run_job.hpp"

#include "sl/core/error.hpp"
#include "sl/finetuning/job_state.hpp"
#include "sl/finetuning/local_job.hpp"
#include "sl/finetuning/openai_job.hpp"
#include "sl/openai/client_config.hpp"

namespace sl::finetuning {

namespace {
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;
}  // namespace

JobResult run_finetuning_job(const FinetuningJobCfg& cfg, const std::filesystem::path& dataset_path,
                             const std::filesystem::path& output_path, const RunOptions& options) {
  return std::visit(Overloaded{[&](const OpenAIFinetuningJob& job) {
                                 if (options.local.push_to_hub)
                                   throw UsageError(
                                       "--push_to_hub applies to local \"lora\" jobs; an OpenAI job's model "
                                       "stays on the OpenAI server");
                                 openai::ClientConfig client = openai::ClientConfig::from_env();
                                 client.concurrency = 4;  // one call at a time; a few spare connections
                                 return run_openai_job(job, dataset_path, output_path, client, options.poll);
                               },
                               [&](const LocalFinetuningJob& job) {
                                 return run_local_job(job, dataset_path, output_path, options.local);
                               }},
                    cfg);
}

CancelResult cancel_finetuning_job(const std::filesystem::path& output_path) {
  const auto state_path = state_path_for(output_path);
  const auto state = load_job_state(state_path);
  if (!state)
    throw UsageError(state_path.string() + " does not exist: no fine-tuning job was started for --output_path " +
                     output_path.string() + "; nothing to cancel");
  if (state->job_type == "openai") {
    openai::ClientConfig client = openai::ClientConfig::from_env();
    client.concurrency = 4;
    return cancel_openai_job(output_path, client);
  }
  if (state->job_type == "lora")
    throw UsageError(state_path.string() +
                     ": a local job runs in the run_finetuning_job process itself; stop it with Ctrl-C "
                     "(rerun with --resume to continue)");
  throw UsageError(state_path.string() + ": jobs of type \"" + state->job_type + "\" cannot be cancelled");
}

}  // namespace sl::finetuning
