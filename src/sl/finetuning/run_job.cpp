// The dispatch on the job config's "type": one case per kind of job, each in its own file.
#include "sl/finetuning/run_job.hpp"

#include "sl/core/error.hpp"
#include "sl/finetuning/job_state.hpp"
#include "sl/finetuning/local_job.hpp"
#include "sl/finetuning/openai_job.hpp"
#include "sl/llm/endpoint.hpp"
#include "sl/openai/client_config.hpp"

namespace sl::finetuning {

namespace {

// The server of an OpenAI job: the source model's own (base_url / api_key_env, see
// sl/llm/endpoint.hpp), else OPENAI_BASE_URL / OPENAI_API_KEY. The fine-tuned model file keeps
// the source as its parent, so it is sampled where it was trained.
openai::ClientConfig job_client(const llm::Model& source) {
  const llm::ModelEndpoint endpoint = llm::endpoint_of(source);
  openai::ClientConfig client;
  if (endpoint.base_urls.size() > 1)
    throw UsageError("source_model.base_url: a fine-tuning job runs on one server; give one URL, not replicas");
  if (!endpoint.base_urls.empty()) {
    client = openai::ClientConfig::for_servers(endpoint.base_urls, endpoint.api_key_env);
  } else {
    client = openai::ClientConfig::from_env();
    if (endpoint.api_key_env) {
      client.api_key = openai::ClientConfig::api_key_from(*endpoint.api_key_env);
      client.api_key_name = *endpoint.api_key_env;
    }
  }
  client.concurrency = 4;  // one call at a time; a few spare connections
  return client;
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;
}  // namespace

JobResult run_finetuning_job(const FinetuningJobCfg& cfg, const std::filesystem::path& dataset_path,
                             const std::filesystem::path& output_path, const RunOptions& options) {
  return std::visit(
      Overloaded{
          [&](const OpenAIFinetuningJob& job) {
            if (options.local.push_to_hub)
              throw UsageError(
                  "--push_to_hub applies to local \"lora\" jobs; an OpenAI job's model "
                  "stays on the OpenAI server");
            return run_openai_job(job, dataset_path, output_path, job_client(job.source_model), options.poll);
          },
          [&](const LocalFinetuningJob& job) { return run_local_job(job, dataset_path, output_path, options.local); }},
      cfg);
}

CancelResult cancel_finetuning_job(const std::filesystem::path& output_path) {
  const auto state_path = state_path_for(output_path);
  const auto state = load_job_state(state_path);
  if (!state)
    throw UsageError(state_path.string() + " does not exist: no fine-tuning job was started for --output_path " +
                     output_path.string() + "; nothing to cancel");
  if (state->job_type == "openai") {
    // The job's server is the one its config named (the state keeps the config as it was run).
    const auto source = state->config.find("source_model");
    const llm::Model model =
        source == state->config.end()
            ? llm::Model{}
            : json::decode_value<llm::Model>(*source, state_path.string() + ": config.source_model");
    return cancel_openai_job(output_path, job_client(model));
  }
  if (state->job_type == "lora")
    throw UsageError(state_path.string() +
                     ": a local job runs in the run_finetuning_job process itself; stop it with Ctrl-C "
                     "(rerun with --resume to continue)");
  throw UsageError(state_path.string() + ": jobs of type \"" + state->job_type + "\" cannot be cancelled");
}

}  // namespace sl::finetuning
