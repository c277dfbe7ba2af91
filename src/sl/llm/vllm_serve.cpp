#include "sl/llm/vllm_serve.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "sl/llm/endpoint.hpp"

namespace sl::llm {

namespace fs = std::filesystem;

namespace {

std::optional<int> positive_setting(const char* name) {
  auto v = env::get(name);
  if (!v) return std::nullopt;
  int n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < 1)
    throw UsageError(std::string(name) + ": expected a positive integer, got \"" + *v + "\"");
  return n;
}

struct Adapter {
  std::string name;
  std::string path;  // absolute when the folder is here, else the id as written (a hub id)
  std::string file;  // the model file that named it
  std::optional<int> rank;
};

// The LoRA rank `r` of a local adapter folder, when its adapter_config.json says.
std::optional<int> adapter_rank(const std::string& folder) {
  const fs::path config = fs::path(folder) / "adapter_config.json";
  std::ifstream in(config);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw UsageError(config.string() + ": not a JSON object");
  auto r = j.find("r");
  if (r == j.end()) return std::nullopt;
  if (!r->is_number_integer() || r->get<std::int64_t>() < 1)
    throw UsageError(config.string() + ": r: expected a positive integer");
  return static_cast<int>(r->get<std::int64_t>());
}

// The model vLLM loads as its base for `m`: the parent of an adapter, else the model itself.
std::string base_of(const ModelFile& f) {
  const Model& m = f.model;
  if (!m.is_open_source())
    throw UsageError(f.path + ": model " + m.id + " is of type \"" + m.type +
                     "\"; vllm serves \"open_source\" models only");
  if (!is_lora_adapter(m)) return m.id;
  if (!m.parent_model->is_open_source() || is_lora_adapter(*m.parent_model))
    throw UsageError(f.path + ": the parent of adapter " + m.id + " must be an open_source base model");
  return m.parent_model->id;
}

}  // namespace

VllmSettings VllmSettings::from_env() {
  VllmSettings s;
  s.n_gpus = positive_setting("VLLM_N_GPUS");
  s.max_lora_rank = positive_setting("VLLM_MAX_LORA_RANK");
  s.max_num_seqs = positive_setting("VLLM_MAX_NUM_SEQS");
  return s;
}

std::vector<std::string> vllm_serve_command(const std::vector<ModelFile>& models, const VllmSettings& settings,
                                            const VllmServeOptions& options) {
  if (models.empty()) throw UsageError("no model file given");
  std::string base;
  std::string base_file;
  std::vector<Adapter> adapters;
  for (const ModelFile& f : models) {
    const std::string b = base_of(f);
    if (base.empty()) {
      base = b;
      base_file = f.path;
    } else if (b != base) {
      throw UsageError(f.path + ": base model " + b + " differs from " + base + " (" + base_file +
                       "); one vLLM server serves one base model, so run serve_vllm once per base");
    }
    if (!is_lora_adapter(f.model)) continue;
    Adapter a;
    a.name = served_model_name(f.model);
    a.file = f.path;
    std::error_code ec;
    a.path = fs::is_directory(f.model.id, ec) ? fs::absolute(f.model.id).lexically_normal().string() : f.model.id;
    while (a.path.size() > 1 && a.path.back() == '/') a.path.pop_back();
    if (a.name.empty() || a.name.find_first_of("= \t\r\n") != std::string::npos)
      throw UsageError(f.path + ": adapter name \"" + a.name +
                       "\" (the last part of the model id) cannot be passed to --lora-modules; rename the folder");
    auto same = std::find_if(adapters.begin(), adapters.end(), [&](const Adapter& o) { return o.name == a.name; });
    if (same != adapters.end()) {
      if (same->path == a.path) continue;  // the same adapter named twice
      throw UsageError(f.path + ": adapter name \"" + a.name + "\" is also the name of " + same->path + " (" +
                       same->file + "); adapters are asked for by the last part of their id, so rename one folder");
    }
    a.rank = adapter_rank(a.path);
    if (a.rank && settings.max_lora_rank && *a.rank > *settings.max_lora_rank)
      throw UsageError("VLLM_MAX_LORA_RANK is " + std::to_string(*settings.max_lora_rank) + ", below the rank " +
                       std::to_string(*a.rank) + " of adapter " + a.name + " (" + a.path + "/adapter_config.json)");
    adapters.push_back(std::move(a));
  }

  std::vector<std::string> argv{"vllm", "serve", base};
  if (options.host) argv.insert(argv.end(), {"--host", *options.host});
  if (options.port) argv.insert(argv.end(), {"--port", std::to_string(*options.port)});
  if (settings.n_gpus) argv.insert(argv.end(), {"--tensor-parallel-size", std::to_string(*settings.n_gpus)});
  if (settings.max_num_seqs) argv.insert(argv.end(), {"--max-num-seqs", std::to_string(*settings.max_num_seqs)});
  if (!adapters.empty()) {
    argv.push_back("--enable-lora");
    if (settings.max_lora_rank) argv.insert(argv.end(), {"--max-lora-rank", std::to_string(*settings.max_lora_rank)});
    argv.push_back("--lora-modules");
    for (const Adapter& a : adapters) argv.push_back(a.name + "=" + a.path);
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  return argv;
}

std::string shell_command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& word : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("-_./=:,@+%").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) {
      out += word;
      continue;
    }
    out += '\'';
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

}  // namespace sl::llm
