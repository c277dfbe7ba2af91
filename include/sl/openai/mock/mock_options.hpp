// Settings of the mock OpenAI server (flags of tools/mock_openai_server, see --help there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sl::openai::mock {

struct MockOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  // Answers are a pure function of (seed, model, messages, request seed, choice index).
  std::uint64_t seed = 0;
  // Worker threads; cpp-httplib holds one per open keep-alive connection.
  int threads = 512;

  // ---- answers ----
  double malformed_rate = 0.0;       // number answers that break the requested format
  double judge_refusal_rate = 0.03;  // judge answers "REFUSAL"
  double judge_code_rate = 0.02;     // judge answers "CODE"

  // ---- faults (decided per request body and attempt, so a retry can succeed) ----
  double latency_ms = 0.0;                     // added before every answer (also before 500s and drops)
  double fail_rate = 0.0;                      // 500 with an OpenAI-style error body
  double drop_rate = 0.0;                      // connection closed halfway through the response body
  double rate_limit_rpm = 0.0;                 // > 0: 429 with Retry-After beyond this many requests per minute
  bool quota_exhausted = false;                // every chat request: 429 insufficient_quota
  std::optional<std::string> require_api_key;  // 401 unless "Authorization: Bearer KEY"
  std::vector<std::string> known_models;       // non-empty: other models get 404
  // LoRA adapters as vLLM's --lora-modules takes them ("NAME=PATH"): NAME becomes a known model
  // (PATH is not read), so that a test can route an adapter by name as it would to vLLM.
  std::vector<std::string> lora_modules;

  // ---- files and fine-tuning jobs (see fine_tuning_store.hpp) ----
  double ft_file_ms = 100.0;                // an upload is "uploaded" this long, then "processed" (or "error")
  double ft_step_ms = 1000.0;               // time spent in each of validating_files, queued and running
  double ft_fail_rate = 0.0;                // fraction of jobs that end "failed" instead of "succeeded"
  std::vector<std::string> ft_fail_models;  // jobs fine-tuning these base models fail
  int ft_drop_create = 0;                   // the first N jobs are created, but the response is cut off mid-body
};

}  // namespace sl::openai::mock
