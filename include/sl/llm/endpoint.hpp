// Which server answers a model, and under which model name.
//
// A model file may name its server: "base_url" (one URL, or a list of replicas serving the same
// models) and "api_key_env" (the name of the variable that holds its key). Without them the
// process-wide OPENAI_BASE_URL / OPENAI_API_KEY apply, as always. An "open_source" model with a
// base URL is answered by that OpenAI-compatible server (vLLM) instead of the local runtime; a
// LoRA adapter is asked for by the name `serve_vllm` gives it in --lora-modules.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sl/llm/data_models.hpp"

namespace sl::llm {

struct ModelEndpoint {
  // Empty: OPENAI_BASE_URL. Otherwise the servers, the first one first.
  std::vector<std::string> base_urls;
  // The variable holding the key. Unset: OPENAI_API_KEY with OPENAI_BASE_URL, and no key at all
  // with a model's own base_url (the process's OpenAI key is never sent to another server).
  std::optional<std::string> api_key_env;
};

// The model's own base_url / api_key_env when it has either, else its parent's (recursively):
// an adapter is served by its base model's server, a fine-tuned API model by its parent's API.
ModelEndpoint endpoint_of(const Model& model);

// True when the model's requests go over HTTP: "openai" models always, "open_source" models when
// endpoint_of() names a server.
bool served_over_http(const Model& model);

// True for a fine-tuned open model served as a LoRA adapter on its base: it has a parent, and
// its id is not a folder here holding a whole model (a folder without adapter_config.json).
bool is_lora_adapter(const Model& model);

// The "model" sent to the server: the id, except for a LoRA adapter, which is asked for by the
// last component of its id ("data/models/student-owl" -> "student-owl"), the name serve_vllm
// registers with --lora-modules.
std::string served_model_name(const Model& model);

}  // namespace sl::llm
