// Tokenizer benchmark: how fast sl::local::Tokenizer encodes English text (one thread, then two
// threads sharing one tokenizer), how long tokenizer.json takes to load, and how encoding
// compares with its unavoidable part, the pre-tokenizer's split regex run alone with PCRE2 JIT
// over the same text (the "peer": no tokenizer can be faster than the regex it must apply).
//
//   tokenizer_bench                       # both reference tokenizers, GPL-3 text repeated to 8 MB
//   tokenizer_bench --text FILE --megabytes 16 --tokenizer path/to/tokenizer.json
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/core/json.hpp"
#include "sl/local/text/tokenizer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The split regex of the tokenizer.json (the first Split pre-tokenizer with a Regex pattern),
// with \s / \S written as \p{White_Space} like the tokenizer does.
std::string split_regex_of(const std::string& tokenizer_json) {
  auto doc = nlohmann::json::parse(tokenizer_json);
  const auto& pre = doc["pre_tokenizer"];
  std::vector<nlohmann::json> parts = pre.contains("pretokenizers")
                                          ? pre["pretokenizers"].get<std::vector<nlohmann::json>>()
                                          : std::vector<nlohmann::json>{pre};
  for (const auto& p : parts) {
    if (p.value("type", "") == "Split" && p["pattern"].contains("Regex")) {
      std::string r = p["pattern"]["Regex"], out;
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (r[i] == '\\' && i + 1 < r.size() && (r[i + 1] == 's' || r[i + 1] == 'S')) {
          out += r[i + 1] == 's' ? "\\p{White_Space}" : "\\P{White_Space}";
          ++i;
        } else {
          out += r[i];
        }
      }
      return out;
    }
  }
  return "";
}

// Matches `pattern` over the whole text, as a pre-tokenizer must; returns the number of matches.
std::size_t regex_scan(const std::string& pattern, const std::string& text) {
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &err, &off, nullptr);
  if (!code) throw std::runtime_error("regex does not compile");
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  std::size_t start = 0, n = 0;
  while (start < text.size()) {
    int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start, PCRE2_NO_UTF_CHECK, md,
                         nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    ++n;
  }
  pcre2_match_data_free(md);
  pcre2_code_free(code);
  return n;
}

void bench(const std::string& name, const std::string& path, const std::string& text, const std::string& cold_text) {
  const double mb = static_cast<double>(text.size()) / 1e6;
  std::printf("\n== %s (%s)\n", name.c_str(), path.c_str());

  long rss_before = peak_rss_kib();
  auto t0 = Clock::now();
  double c0 = thread_cpu_seconds();
  auto tokenizer = sl::local::Tokenizer::from_file(path);
  double load_wall = seconds_since(t0), load_cpu = thread_cpu_seconds() - c0;
  std::printf("load tokenizer.json: %.3f s wall, %.3f s CPU; peak RSS %+.1f MiB; vocabulary %zu\n", load_wall, load_cpu,
              static_cast<double>(peak_rss_kib() - rss_before) / 1024.0, tokenizer->vocab_size());

  // 1 thread: the first pass fills the piece cache from empty, the next ones reuse it.
  std::size_t ids = 0;
  double first_cpu = 0, best_cpu = 1e30;
  for (int pass = 0; pass < 3; ++pass) {
    double c = thread_cpu_seconds();
    ids = tokenizer->encode(text).size();
    double cpu = thread_cpu_seconds() - c;
    if (pass == 0) first_cpu = cpu;
    else best_cpu = std::min(best_cpu, cpu);
  }
  std::printf(
      "encode, 1 thread:  %.1f MB/s first pass (empty cache; the process's first big encode also pays for "
      "first-touch page faults), %.1f MB/s warm  [CPU time; %.2f bytes/token, %zu tokens]\n",
      mb / first_cpu, mb / best_cpu, static_cast<double>(text.size()) / static_cast<double>(ids), ids);

  // Cold: a fresh tokenizer (empty cache) on text read once, so that every new word runs the BPE
  // merge loop (words still repeat inside the texts, as in any prose).
  if (!cold_text.empty()) {
    auto fresh = sl::local::Tokenizer::from_file(path);
    (void)fresh->encode("warm up the allocator and the regex JIT stack");
    double c = thread_cpu_seconds();
    (void)fresh->encode(cold_text);
    double cpu = thread_cpu_seconds() - c;
    std::printf("encode, 1 thread, empty cache, %.0f KB of licence texts read once: %.1f MB/s\n",
                static_cast<double>(cold_text.size()) / 1e3, static_cast<double>(cold_text.size()) / 1e6 / cpu);
  }

  // The peer: only the split regex.
  std::string pattern = split_regex_of(read_file(path));
  if (!pattern.empty()) {
    double c = thread_cpu_seconds();
    std::size_t pieces = regex_scan(pattern, text);
    double regex_cpu = thread_cpu_seconds() - c;
    std::printf("split regex alone: %.1f MB/s (%zu pieces); full encode runs at %.0f%% of the regex-only speed\n",
                mb / regex_cpu, pieces, 100.0 * regex_cpu / best_cpu);
  }

  // 2 threads sharing the tokenizer (and its cache), each encoding the whole text. CPU time per
  // thread shows the cost of sharing; wall time also depends on what else the machine runs.
  double thread_cpu[2] = {0, 0};
  auto w0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&tokenizer, &text, &thread_cpu, i] {
      double c = thread_cpu_seconds();
      (void)tokenizer->encode(text);
      thread_cpu[i] = thread_cpu_seconds() - c;
    });
  for (auto& t : threads) t.join();
  double wall = seconds_since(w0);
  std::printf(
      "encode, 2 threads: %.1f and %.1f MB/s per thread (CPU time), %.1f MB/s together by wall clock "
      "(%u hardware threads)\n",
      mb / thread_cpu[0], mb / thread_cpu[1], 2 * mb / wall, std::thread::hardware_concurrency());

  auto all = tokenizer->encode(text);
  double c = thread_cpu_seconds();
  std::string back = tokenizer->decode(all);
  double decode_cpu = thread_cpu_seconds() - c;
  std::printf("decode, 1 thread:  %.1f MB/s (round trip %s)\n", mb / decode_cpu, back == text ? "exact" : "DIFFERS");
  std::printf("target >= 1 MB/s per core: %s\n", mb / first_cpu >= 1.0 ? "met" : "NOT met");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tokenizer encode speed (MB/s of English text, one core) and load time", "tokenizer_bench"};
  std::string text_path = "/usr/share/common-licenses/GPL-3";
  double megabytes = 8;
  std::vector<std::string> tokenizers;
  std::string reference = SL_REFERENCE_DIR;
  std::string cold_dir = "/usr/share/common-licenses";
  app.add_option("--text", text_path, "English text to repeat (default: the GPL-3 licence text)");
  app.add_option("--megabytes", megabytes, "Repeat the text to this size");
  app.add_option("--tokenizer", tokenizers, "tokenizer.json files (default: Qwen2.5 and Llama 3.1 reference files)");
  app.add_option("--reference", reference, "shared/reference folder");
  app.add_option("--cold-dir", cold_dir, "Folder of texts encoded once each with an empty cache");
  app.footer(
      "Example:\n  tokenizer_bench --megabytes 8 --tokenizer ../shared/reference/tokenizers/qwen/tokenizer.json");
  if (const auto stop = sl::cli::parse(app, argc, argv)) return *stop;
  try {
    std::string unit = read_file(text_path), text;
    while (static_cast<double>(text.size()) < megabytes * 1e6) text += unit;
    std::printf("text: %s repeated to %.1f MB\n", text_path.c_str(), static_cast<double>(text.size()) / 1e6);
    // Every licence text once, for the cold-cache figure (symlinks skipped: no duplicates).
    std::string cold_text;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(cold_dir, ec))
      if (entry.is_regular_file() && !entry.is_symlink()) cold_text += read_file(entry.path().string());
    if (tokenizers.empty()) {
      bench("Qwen2.5", reference + "/tokenizers/qwen/tokenizer.json", text, cold_text);
      bench("Llama 3.1", reference + "/tokenizers/llama3.1/tokenizer.json", text, cold_text);
    } else {
      for (const auto& t : tokenizers) bench(t, t, text, cold_text);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenizer_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
