// mock_openai_server: a local OpenAI-compatible server with deterministic answers and fault
// injection, for tests, the demo and benchmarks. See docs/openai-backend.md.
#include <CLI/CLI.hpp>

#include "sl/core/cli.hpp"
#include "sl/openai/mock/mock_server.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Mock OpenAI-compatible API server (POST /v1/chat/completions, GET /v1/models, /v1/files,\n"
      "/v1/fine_tuning/jobs, GET /mock/stats).\n"
      "Prints \"listening on http://HOST:PORT/v1\" on stdout, then serves until SIGINT/SIGTERM.\n\n"
      "Example:\n"
      "  mock_openai_server --port 0 --seed 1 --latency-ms 100 --fail-rate 0.05 --rate-limit-rpm 60000 &\n"
      "  OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 generate_dataset --config cfgs/... \n",
      "mock_openai_server"};
  sl::openai::mock::MockOptions o;
  std::string api_key;
  app.add_option("--host", o.host, "Address to listen on (loopback only by default)")->capture_default_str();
  app.add_option("--port", o.port, "Port; 0 picks a free one")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the deterministic answers and faults")->capture_default_str();
  app.add_option("--threads", o.threads, "Worker threads (one per open keep-alive connection)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--latency-ms", o.latency_ms, "Delay before each answer, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600000.0));
  app.add_option("--fail-rate", o.fail_rate, "Fraction of chat requests answered with HTTP 500")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--drop-rate", o.drop_rate, "Fraction of chat responses cut off mid-body (connection closed)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-limit-rpm", o.rate_limit_rpm,
                 "Requests per minute before HTTP 429 + Retry-After (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_flag("--quota-exhausted", o.quota_exhausted, "Answer every chat request with 429 insufficient_quota");
  app.add_option("--require-api-key", api_key, "Answer 401 unless the request has \"Authorization: Bearer KEY\"");
  app.add_option("--malformed-rate", o.malformed_rate, "Fraction of number answers that break the requested format")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--judge-refusal-rate", o.judge_refusal_rate, "Fraction of judge answers that are REFUSAL")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--judge-code-rate", o.judge_code_rate, "Fraction of judge answers that are CODE")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--known-models", o.known_models, "Only these models exist (others: 404); default: any model")
      ->delimiter(',');
  app.add_option("--lora-modules", o.lora_modules,
                 "LoRA adapters as vLLM takes them, NAME=PATH ...: each NAME answers as a model (and with "
                 "--known-models, only those and the NAMEs exist)");
  app.add_option("--ft-file-ms", o.ft_file_ms, "Milliseconds an upload stays \"uploaded\" before it is processed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600000.0));
  app.add_option("--ft-step-ms", o.ft_step_ms,
                 "Milliseconds a fine-tuning job spends in each of validating_files, queued, running")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600000.0));
  app.add_option("--ft-fail-rate", o.ft_fail_rate, "Fraction of fine-tuning jobs that end \"failed\"")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--ft-fail-model", o.ft_fail_models, "Fine-tuning jobs of these base models fail (comma-separated)")
      ->delimiter(',');
  app.add_option("--ft-drop-create", o.ft_drop_create,
                 "The first N fine-tuning jobs are created but their response is cut off mid-body")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  sl::cli::add_logging_flags(app);
  return sl::cli::run(app, argc, argv, [&] {
    if (!api_key.empty()) o.require_api_key = api_key;
    return sl::openai::mock::serve_until_signal(o);
  });
}
