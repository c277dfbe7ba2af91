// The `vllm serve` command for open models: one base model and the LoRA adapters fine-tuned
// from it, each adapter registered under served_model_name() (sl/llm/endpoint.hpp), the very
// name the OpenAI backend asks for. tools/serve_vllm prints or runs it.
//
//   vllm serve BASE [--host H] [--port P] [--tensor-parallel-size VLLM_N_GPUS]
//       [--max-num-seqs VLLM_MAX_NUM_SEQS]
//       [--enable-lora --max-lora-rank VLLM_MAX_LORA_RANK --lora-modules NAME=PATH ...] [EXTRA...]
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sl/llm/data_models.hpp"

namespace sl::llm {

// The reference's .env settings for vLLM; each unset one leaves vLLM's own default.
struct VllmSettings {
  std::optional<int> n_gpus;         // VLLM_N_GPUS -> --tensor-parallel-size
  std::optional<int> max_lora_rank;  // VLLM_MAX_LORA_RANK -> --max-lora-rank
  std::optional<int> max_num_seqs;   // VLLM_MAX_NUM_SEQS -> --max-num-seqs

  // From the environment or .env; a value that is not a positive integer is a UsageError
  // naming the variable.
  static VllmSettings from_env();
};

struct VllmServeOptions {
  std::optional<std::string> host;
  std::optional<int> port;
  std::vector<std::string> extra_args;  // appended as they are
};

// A model and the file it came from (for error messages).
struct ModelFile {
  std::string path;
  Model model;
};

// The argv of `vllm serve` for `models`: "open_source" models sharing one base (the base itself,
// adapters on it, or a whole fine-tuned model given alone). UsageError, naming the file, for an
// "openai" model, two different bases, two adapters with one name, a name vLLM cannot parse,
// or an adapter whose rank (adapter_config.json "r") exceeds VLLM_MAX_LORA_RANK.
std::vector<std::string> vllm_serve_command(const std::vector<ModelFile>& models, const VllmSettings& settings,
                                            const VllmServeOptions& options = {});

// argv as one line for a POSIX shell (words quoted where needed).
std::string shell_command_line(const std::vector<std::string>& argv);

}  // namespace sl::llm
