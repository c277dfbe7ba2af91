// Writes tiny checkpoints, probes a model on the device and dtype the environment picks, and
// compares two probes: the parity checks of the device-generic path (SL_CPU_KERNELS=torch, and
// CUDA in tools/gpu_check) against the fused CPU path.
//
//   device_parity_worker write-tiny <folder> <qwen2|llama>
//       a tiny random checkpoint (tests/support/tiny_checkpoint.hpp) and a LoRA adapter in
//       <folder>/adapter
//   device_parity_worker probe <checkpoint folder> <out.json>
//       on $SL_DEVICE in $SL_DTYPE (compute/device.hpp): greedy completions with log-probabilities
//       and top-5 (one request through the adapter), exact-answer scores, and the logits of every
//       prompt position of a forward pass without cache
//   device_parity_worker compare <reference.json> <probe.json> <exact|bf16>
//       exact: both float32; greedy tokens equal, logits, log-probabilities and scores within
//       float32 tolerance. bf16: the probe ran in bfloat16; logits within bfloat16 tolerance.
//       Prints each check; exit 0 when all hold, 1 otherwise.
//
// Tolerances (why these numbers):
//   float32 (unit roundoff u = 2^-24 = 6.0e-8). The two paths compute the same sums in other
//   orders (BLAS blocks vs fused loops, other exp/rsqrt). Summing n products in any order
//   differs by at most about n*u*sum|a_i*b_i| (Higham, ch. 3). In the tiny models (hidden 32,
//   intermediate 48, 2 layers, <= 64 keys) the chained sums along one logit add up to about
//   2 layers x (32 + 32 + 64 + 32 + 48 + 48) ~ 512 products' worth of rounding, so ~512u = 3.1e-5
//   relative to the size of the values; with a few ulps more from exp, rsqrt and the norms' 1/rms,
//   1e-4 x max(1, max |logit| of the row) bounds it with margin. A log-probability is a logit minus
//   a log-sum-exp of logits: twice that. A score sums up to `len` log-probabilities (in float64).
//   bfloat16 (8 significand bits: u = 2^-8 = 3.9e-3). Every weight, activation and cached key or
//   value is rounded to bf16 once per op (products still sum in float32). Along one logit, 2 layers
//   x ~12 rounded tensors, the rounded weights and the rounded output make ~30 roundings, each off
//   by at most u relative to the sum of the absolute values of the terms it rounds. That sum
//   exceeds the row's largest |logit| by about 2x in these models (32 terms of random sign per
//   dot product: the largest logit of a row is about half of the largest sum of absolute terms),
//   so the worst case, adding linearly, is 2 x 30u = 60u, ~0.23 of the row's largest |logit|: the
//   check is max |logit_bf16 - logit_fp32| <= 64u x max(1, max |logit| of the row). The mean
//   absolute difference, where the roundings partly cancel, must stay under a quarter of it, 16u.
//   Both runs' log-probabilities and scores must be numbers (a NaN from the device path fails).
//   Seeded sampling (float32): both paths turn the same uniform draw into the first token whose
//   cumulative probability exceeds it; they can differ only when the draw falls within float32
//   rounding of the probabilities' sums (~vocab x u ~ 2e-5) of a boundary between two tokens,
//   a chance of about 2e-5 per draw, 6e-4 for the 32 draws here; seeds that hit it would fail on
//   every machine alike, so the check is exact.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sl/core/error.hpp"
#include "sl/core/json.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/generate/local_engine.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/attention.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "tiny_checkpoint.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sl::local;
using sl::Json;

constexpr double kFloat32Roundoff = 0x1.0p-24;
constexpr double kBfloat16Roundoff = 0x1.0p-8;
constexpr double kFloat32LogitTolerance = 1e-4;  // ~512u plus library ulps, see above
static_assert(512 * kFloat32Roundoff < kFloat32LogitTolerance);
constexpr double kBfloat16MaxTolerance = 64 * kBfloat16Roundoff;  // 2 x ~30 roundings, see above
constexpr double kBfloat16MeanTolerance = kBfloat16MaxTolerance / 4;

int write_tiny(const fs::path& dir, const std::string& kind) {
  sl::test::TinyModel m;
  if (kind == "llama") {
    m.architecture = "LlamaForCausalLM";
    m.llama3_scaling = true;
    m.tied = false;
  } else if (kind != "qwen2") {
    std::fprintf(stderr, "error: write-tiny: architecture \"%s\" is not qwen2 or llama\n", kind.c_str());
    return 2;
  }
  sl::test::write_tiny_checkpoint(dir, m);
  sl::test::write_tiny_adapter(dir / "adapter", m, 11);
  return 0;
}

std::vector<GenerationRequest> prompts() {
  const char* texts[] = {"Continue the sequence: 3, 7, 12", "Name an animal.",
                         "List ten numbers between 100 and 999, comma separated, nothing else.", "Hi"};
  std::vector<GenerationRequest> out;
  for (int i = 0; i < 4; ++i) {
    GenerationRequest r;
    r.messages = {{"user", texts[i]}};
    r.temperature = 0;
    r.max_tokens = 16;
    r.logprobs = 5;
    r.adapter = i == 1 ? "adapter" : "";
    out.push_back(r);
  }
  // Seeded sampling: plain temperature (fused: one pass per row; generic: cumulative sums and
  // searchsorted on the device) and top_p (the nucleus path both share).
  for (int i = 0; i < 2; ++i) {
    GenerationRequest r;
    r.messages = {{"user", texts[i + 1]}};
    r.temperature = i == 0 ? 0.8 : 1.0;
    r.top_p = i == 0 ? 1.0 : 0.9;
    r.seed = 7 + static_cast<std::uint64_t>(i);
    r.max_tokens = 16;
    out.push_back(r);
  }
  return out;
}

constexpr std::size_t kGreedyRequests = 4;

int probe(const fs::path& dir, const fs::path& out_file) {
  const ComputeDevice device = choose_device("");
  EngineOptions options;
  options.model = dir.string();
  options.adapters = {{"adapter", dir / "adapter"}};
  options.threads = 1;
  options.max_batch = 3;  // fewer slots than requests: a slot is refilled mid-run
  options.show_progress = false;
  auto engine = load_local_engine(options);

  Json j;
  j["device"] = device.name();
  j["dtype"] = device.dtype == torch::kBFloat16 ? "bfloat16" : "float32";
  j["fused_cpu_kernels"] = device.is_cpu() && device.dtype == torch::kFloat32 && !torch_ops_requested();

  const auto requests = prompts();
  std::vector<GenerationResult> results(requests.size());
  engine->generate(requests, [&](std::size_t i, GenerationResult r) { results[i] = std::move(r); });
  j["greedy"] = Json::array();
  j["sampled"] = Json::array();
  for (std::size_t i = kGreedyRequests; i < results.size(); ++i) j["sampled"].push_back(results[i].token_ids);
  results.resize(kGreedyRequests);
  for (const auto& r : results) {
    Json g;
    g["tokens"] = r.token_ids;
    g["logprobs"] = Json::array();
    g["top"] = Json::array();
    for (const auto& t : r.logprobs) {
      g["logprobs"].push_back(t.chosen.logprob);
      Json top = Json::array();
      for (const auto& alt : t.top) top.push_back({alt.id, alt.logprob});
      g["top"].push_back(top);
    }
    j["greedy"].push_back(g);
  }

  ScoreRequest s;
  s.messages = {{"user", "Pick a letter."}};
  for (std::int32_t a = 97; a < 107; ++a) s.continuations.push_back({a, 10, static_cast<std::int32_t>(a + 1)});
  j["scores"] = Json::array();
  j["score_tokens"] = 3;
  for (const std::string adapter : {"", "adapter"}) {
    s.adapter = adapter;
    const auto scores = engine->score({s});  // (a range-for over .at(0) of the temporary would dangle)
    for (double v : scores.at(0)) j["scores"].push_back(v);
  }

  // Logits of every prompt position, one packed forward pass without cache.
  auto model = load_causal_lm(dir, device);
  torch::InferenceMode guard;
  std::vector<SequenceChunk> chunks;
  std::vector<std::int64_t> ids;
  for (const auto& r : requests) {
    const auto p = engine->prompt_ids(r);
    chunks.push_back({0, 0, static_cast<std::int64_t>(p.size()), 0});
    ids.insert(ids.end(), p.begin(), p.end());
  }
  ForwardBatch batch(chunks, nullptr, device);
  auto logits = model->logits(model->forward(torch::tensor(ids, torch::kInt64).to(device.device), batch))
                    .to(torch::kCPU, torch::kFloat64)
                    .contiguous();
  j["logits"] = Json::array();
  for (std::int64_t row = 0; row < logits.size(0); ++row) {
    const double* p = logits[row].data_ptr<double>();
    j["logits"].push_back(std::vector<double>(p, p + logits.size(1)));
  }
  std::ofstream(out_file) << j.dump() << '\n';
  std::printf("probe: %s %s, fused CPU kernels: %s\n", j["device"].get<std::string>().c_str(),
              j["dtype"].get<std::string>().c_str(), j["fused_cpu_kernels"].get<bool>() ? "yes" : "no");
  return 0;
}

Json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw sl::UsageError(path.string() + ": cannot read");
  return Json::parse(in);
}

struct Checks {
  bool ok = true;
  void report(bool pass, const std::string& what) {
    std::printf("%s %s\n", pass ? "ok  " : "FAIL", what.c_str());
    ok = ok && pass;
  }
};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

int compare(const fs::path& ref_file, const fs::path& probe_file, const std::string& mode) {
  if (mode != "exact" && mode != "bf16") {
    std::fprintf(stderr, "error: compare: mode \"%s\" is not exact or bf16\n", mode.c_str());
    return 2;
  }
  const Json a = read_json(ref_file), b = read_json(probe_file);
  Checks c;
  std::printf("reference: %s %s (fused %d); probe: %s %s (fused %d)\n", a["device"].get<std::string>().c_str(),
              a["dtype"].get<std::string>().c_str(), a["fused_cpu_kernels"].get<bool>(),
              b["device"].get<std::string>().c_str(), b["dtype"].get<std::string>().c_str(),
              b["fused_cpu_kernels"].get<bool>());
  c.report(a["dtype"] == "float32", "reference runs in float32");
  c.report(b["dtype"] == (mode == "exact" ? "float32" : "bfloat16"), "probe runs in " + b["dtype"].get<std::string>());
  const auto& la = a["logits"];
  const auto& lb = b["logits"];
  c.report(la.size() == lb.size() && !la.empty(), "same number of logit rows");
  // NaN is written as null: every log-probability and score must be a number.
  auto all_numbers = [](const Json& probe) {
    for (const auto& g : probe["greedy"]) {
      for (const auto& v : g["logprobs"])
        if (!v.is_number()) return false;
      for (const auto& top : g["top"])
        for (const auto& alt : top)
          if (!alt.at(1).is_number()) return false;
    }
    for (const auto& v : probe["scores"])
      if (!v.is_number()) return false;
    for (const auto& row : probe["logits"])
      for (const auto& v : row)
        if (!v.is_number()) return false;
    return true;
  };
  c.report(all_numbers(a), "reference: every log-probability, score and logit is a number");
  c.report(all_numbers(b), "probe: every log-probability, score and logit is a number");
  if (!c.ok) {
    std::printf("parity: FAIL\n");
    return 1;
  }

  double worst_ratio = 0, mean_ratio_worst = 0, largest_logit = 1;
  for (std::size_t r = 0; r < la.size(); ++r) {
    const auto ra = la[r].get<std::vector<double>>(), rb = lb[r].get<std::vector<double>>();
    double scale = 1, max_diff = 0, sum_diff = 0;
    for (double v : ra) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < ra.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(ra[i] - rb[i]));
      sum_diff += std::abs(ra[i] - rb[i]);
    }
    largest_logit = std::max(largest_logit, scale);
    worst_ratio = std::max(worst_ratio, max_diff / scale);
    mean_ratio_worst = std::max(mean_ratio_worst, sum_diff / static_cast<double>(ra.size()) / scale);
  }
  if (mode == "exact") {
    c.report(worst_ratio <= kFloat32LogitTolerance,
             "logits: max |diff| / row scale " + num(worst_ratio) + " <= " + num(kFloat32LogitTolerance));
    bool same_tokens = true;
    double lp_diff = 0;
    for (std::size_t i = 0; i < a["greedy"].size(); ++i) {
      const auto& ga = a["greedy"][i];
      const auto& gb = b["greedy"].at(i);
      if (ga["tokens"] != gb["tokens"]) same_tokens = false;
      const auto pa = ga["logprobs"].get<std::vector<double>>(), pb = gb["logprobs"].get<std::vector<double>>();
      for (std::size_t t = 0; t < std::min(pa.size(), pb.size()); ++t)
        lp_diff = std::max(lp_diff, std::abs(pa[t] - pb[t]));
    }
    c.report(same_tokens, "greedy tokens equal (" + std::to_string(a["greedy"].size()) + " requests)");
    c.report(a["sampled"] == b["sampled"], "seeded sampled tokens equal (temperature 0.8; top_p 0.9; " +
                                               std::to_string(a["sampled"].size()) + " requests)");
    // A log-probability is a logit minus a log-sum-exp of logits: twice a logit's tolerance, at
    // the size of the largest logit the model produced.
    const double lp_tol = 2 * kFloat32LogitTolerance * largest_logit;
    c.report(lp_diff <= lp_tol, "log-probabilities: max |diff| " + num(lp_diff) + " <= " + num(lp_tol));
    const auto sa = a["scores"].get<std::vector<double>>(), sb = b["scores"].get<std::vector<double>>();
    double s_diff = 0;
    for (std::size_t i = 0; i < sa.size(); ++i) s_diff = std::max(s_diff, std::abs(sa[i] - sb.at(i)));
    const double s_tol = a["score_tokens"].get<double>() * lp_tol;
    c.report(s_diff <= s_tol, "scores: max |diff| " + num(s_diff) + " <= " + num(s_tol));
  } else {
    c.report(worst_ratio <= kBfloat16MaxTolerance,
             "bf16 logits: max |diff| / row scale " + num(worst_ratio) + " <= " + num(kBfloat16MaxTolerance));
    c.report(mean_ratio_worst <= kBfloat16MeanTolerance,
             "bf16 logits: mean |diff| / row scale " + num(mean_ratio_worst) + " <= " + num(kBfloat16MeanTolerance));
    // A bf16 run must not be the float32 one relabelled: some logit must differ.
    c.report(worst_ratio > 0, "bf16 logits differ from float32 at all (the probe really ran in bf16)");
  }
  std::printf("%s\n", c.ok ? "parity: pass" : "parity: FAIL");
  return c.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "write-tiny" && argc == 4) return write_tiny(argv[2], argv[3]);
    if (cmd == "probe" && argc == 4) return probe(argv[2], argv[3]);
    if (cmd == "compare" && argc == 5) return compare(argv[2], argv[3], argv[4]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: device_parity_worker write-tiny <folder> <qwen2|llama>\n"
               "       device_parity_worker probe <checkpoint folder> <out.json>\n"
               "       device_parity_worker compare <reference.json> <probe.json> <exact|bf16>\n");
  return 2;
}
