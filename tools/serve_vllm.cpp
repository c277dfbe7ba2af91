// serve_vllm: prints (or runs) the `vllm serve` command that serves open models to this toolkit:
// one base model and its LoRA adapters, registered under the names the OpenAI backend asks for.
// The naming and the checks live in sl/llm/vllm_serve.hpp.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/env.hpp"
#include "sl/llm/vllm_serve.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Print the `vllm serve` command for open_source model files: the base model, and with\n"
      "--enable-lora each LoRA adapter as --lora-modules NAME=PATH, NAME being the last part of the\n"
      "adapter's id, which is the model name run_evaluation and generate_dataset ask a server for\n"
      "once the model file (or its parent) has a \"base_url\". VLLM_N_GPUS, VLLM_MAX_LORA_RANK and\n"
      "VLLM_MAX_NUM_SEQS (environment or .env) give --tensor-parallel-size, --max-lora-rank and\n"
      "--max-num-seqs. With --run the command is run instead (vllm on PATH). See docs/endpoints.md.",
      "serve_vllm"};
  app.footer(
      "Example:\n"
      "  VLLM_N_GPUS=2 VLLM_MAX_LORA_RANK=8 serve_vllm --port 8000 data/models/student_owl.json \\\n"
      "      data/models/student_cat.json\n"
      "  # -> vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 --tensor-parallel-size 2 --enable-lora\n"
      "  #    --max-lora-rank 8 --lora-modules student_owl=/abs/student_owl student_cat=/abs/student_cat\n"
      "  serve_vllm --run --vllm-arg=--gpu-memory-utilization=0.85 data/models/student_owl.json\n"
      "Exit codes: 0 ok, 1 vllm could not be started, 2 bad flags, model files or VLLM_* values.");
  std::vector<std::string> model_paths;
  std::string host;
  int port = 0;
  bool run = false;
  std::vector<std::string> extra;
  app.add_option("model_files", model_paths, "Model files (JSON): a base model and/or adapters fine-tuned from it")
      ->required();
  app.add_option("--host", host, "Passed to vllm serve as --host");
  app.add_option("--port", port, "Passed to vllm serve as --port (vLLM's default: 8000)")->check(CLI::Range(1, 65535));
  app.add_option("--vllm-arg", extra, "One more argument for vllm serve, as --vllm-arg=--flag=value (repeatable)");
  app.add_flag("--run", run, "Run the command (replacing this process) instead of printing it");
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    std::vector<sl::llm::ModelFile> models;
    for (const std::string& path : model_paths)
      models.push_back({path, sl::config::load_document<sl::llm::Model>(path)});
    sl::llm::VllmServeOptions options;
    if (!host.empty()) options.host = host;
    if (port > 0) options.port = port;
    options.extra_args = extra;
    const std::vector<std::string> command =
        sl::llm::vllm_serve_command(models, sl::llm::VllmSettings::from_env(), options);
    const std::string line = sl::llm::shell_command_line(command);
    if (!run) {
      std::printf("%s\n", line.c_str());
      return sl::cli::kExitOk;
    }
    // vLLM reads the key it requires of clients from VLLM_API_KEY; one kept in .env is handed on
    // through the environment, never on the command line (where `ps` would show it).
    if (auto key = sl::env::get("VLLM_API_KEY"); key && !std::getenv("VLLM_API_KEY"))
      ::setenv("VLLM_API_KEY", key->c_str(), 1);
    std::fprintf(stderr, "serve_vllm: running %s\n", line.c_str());
    std::fflush(stderr);
    std::vector<char*> args;
    for (const std::string& word : command) args.push_back(const_cast<char*>(word.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    throw sl::Error(std::string("cannot run vllm: ") + std::strerror(errno) +
                    (errno == ENOENT ? " (is vLLM installed and on PATH? pip install vllm)" : ""));
  });
}
