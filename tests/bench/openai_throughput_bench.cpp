// openai_throughput_bench: step 1 (generate_dataset) against the mock OpenAI server, both as
// separate processes, at 0 ms and 100 ms of server latency.
//
// Reports per latency: requests/s, the fraction of the ideal rate (concurrency / latency),
// CPU seconds per 1,000 requests and peak RSS of the measured process (from wait4), and the
// mock's own CPU for context. Targets (issue 2): >= 90% of ideal at 100 ms, <= 0.5 CPU s per
// 1,000 requests, peak RSS < 200 MB. Printed, never asserted: this is a benchmark, not a test.
//
//   openai_throughput_bench --rows 30000 --concurrency 256 --latencies 0,100
//   openai_throughput_bench --target client     # the HTTP backend alone (openai_bench_client)
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/core/json.hpp"

namespace fs = std::filesystem;
using sl::Json;

extern char** environ;

namespace {

struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;  // read end, when captured
};

// fork/exec with extra environment variables and stdout/stderr redirected to files (or stdout
// to a pipe when `stdout_path` is empty).
Child spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
            const std::string& stdout_path, const std::string& stderr_path) {
  int pipe_fds[2] = {-1, -1};
  if (stdout_path.empty() && ::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!extra_env.count(kv.substr(0, kv.find('=')))) env.push_back(kv);
  }
  for (const auto& [k, v] : extra_env) env.push_back(k + "=" + v);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out = stdout_path.empty() ? pipe_fds[1] : ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  Child c{pid, -1};
  if (pipe_fds[1] >= 0) {
    ::close(pipe_fds[1]);
    c.stdout_fd = pipe_fds[0];
  }
  return c;
}

std::string read_line(int fd) {
  std::string line;
  char ch;
  while (::read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
  return line;
}

struct Usage {
  int status = 0;
  double cpu_s = 0;
  double max_rss_mb = 0;
};

Usage wait_for(pid_t pid) {
  Usage u;
  rusage ru{};
  ::wait4(pid, &u.status, 0, &ru);
  u.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  u.max_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
  return u;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

Json get_json(const std::string& url) {
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) throw std::runtime_error("GET " + url + ": " + curl_easy_strerror(rc));
  return Json::parse(body);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

struct Result {
  double latency_ms = 0;
  std::size_t rows = 0;
  double wall_s = 0;
  Usage target;
  Usage mock;
  Json mock_stats;
  std::size_t raw_rows = 0;
};

struct Settings {
  std::size_t rows = 30000;
  int concurrency = 256;
  std::vector<double> latencies{0, 100};
  std::string target = "generate_dataset";
  int mock_threads = 512;
  std::string config = std::string(SL_SOURCE_ROOT) + "/cfgs/preference_numbers/cfgs.json";
  std::string cfg_name = "owl_dataset_cfg";
  bool keep = false;
};

Result run_one(const Settings& s, double latency_ms, const fs::path& bin) {
  char tmpl[] = "/tmp/sl-openai-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  const fs::path dir = tmpl;

  char latency[32];
  std::snprintf(latency, sizeof latency, "%g", latency_ms);
  Child mock = spawn({(bin / "mock_openai_server").string(), "--port", "0", "--seed", "1", "--latency-ms", latency,
                      "--threads", std::to_string(s.mock_threads)},
                     {}, "", (dir / "mock.err").string());
  const std::string line = read_line(mock.stdout_fd);
  if (line.rfind("listening on ", 0) != 0) throw std::runtime_error("mock did not start: " + slurp(dir / "mock.err"));
  const std::string base_url = line.substr(13);

  std::vector<std::string> argv;
  if (s.target == "generate_dataset") {
    Json file = sl::json::parse(slurp(s.config), s.config);
    if (!file.contains(s.cfg_name)) throw std::runtime_error(s.config + " has no configuration " + s.cfg_name);
    Json cfg = file[s.cfg_name];
    cfg["prompt_set"]["size"] = s.rows;
    std::ofstream(dir / "config.json") << Json{{"bench_cfg", cfg}}.dump(2);
    argv = {(bin / "generate_dataset").string(),
            "--config",
            (dir / "config.json").string(),
            "--cfg_var_name",
            "bench_cfg",
            "--raw_dataset_path",
            (dir / "raw.jsonl").string(),
            "--filtered_dataset_path",
            (dir / "filtered.jsonl").string(),
            "--concurrency",
            std::to_string(s.concurrency)};
  } else {
    argv = {(bin / "openai_bench_client").string(), "--requests", std::to_string(s.rows), "--concurrency",
            std::to_string(s.concurrency)};
  }
  Result r;
  r.latency_ms = latency_ms;
  r.rows = s.rows;
  const auto start = std::chrono::steady_clock::now();
  Child target = spawn(argv, {{"OPENAI_BASE_URL", base_url}, {"OPENAI_API_KEY", "sk-bench"}},
                       (dir / "target.out").string(), (dir / "target.err").string());
  r.target = wait_for(target.pid);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.mock_stats = get_json(base_url.substr(0, base_url.size() - 3) + "/mock/stats");
  ::kill(mock.pid, SIGTERM);
  r.mock = wait_for(mock.pid);
  ::close(mock.stdout_fd);
  if (!WIFEXITED(r.target.status) || WEXITSTATUS(r.target.status) != 0)
    throw std::runtime_error(s.target + " failed (see " + dir.string() + "): " + slurp(dir / "target.err"));
  if (s.target == "generate_dataset") r.raw_rows = count_lines(dir / "raw.jsonl");
  if (!s.keep) fs::remove_all(dir);
  else std::fprintf(stderr, "kept %s\n", dir.c_str());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Throughput of step 1 against the mock OpenAI server (see the file's header).\n\n"
      "Example:\n  openai_throughput_bench --rows 30000 --concurrency 256 --latencies 0,100\n",
      "openai_throughput_bench"};
  Settings s;
  app.add_option("--rows", s.rows, "Prompts per run")->capture_default_str();
  app.add_option("--concurrency", s.concurrency, "Requests in flight")->capture_default_str();
  app.add_option("--latencies", s.latencies, "Mock latencies in ms")->delimiter(',');
  app.add_option("--target", s.target, "generate_dataset (the real step) or client (HTTP backend only)")
      ->check(CLI::IsMember({"generate_dataset", "client"}))
      ->capture_default_str();
  app.add_option("--mock-threads", s.mock_threads, "Worker threads of the mock")->capture_default_str();
  app.add_option("--config", s.config, "Dataset config to take the configuration from")->capture_default_str();
  app.add_option("--cfg_var_name", s.cfg_name, "Configuration in --config")->capture_default_str();
  app.add_flag("--keep", s.keep, "Keep the temporary folders (outputs, logs)");
  return sl::cli::run(app, argc, argv, [&] {
    const fs::path bin = fs::canonical("/proc/self/exe").parent_path();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::printf("target: %s, %zu rows, concurrency %d, mock threads %d, %u CPUs, load average %s", s.target.c_str(),
                s.rows, s.concurrency, s.mock_threads, std::thread::hardware_concurrency(),
                slurp("/proc/loadavg").c_str());
    std::printf("%8s %8s %9s %9s %8s %12s %9s %9s %9s %8s\n", "latency", "wall_s", "req/s", "ideal/s", "of_ideal",
                "cpu_s/1000", "rss_MB", "mock_cpu", "max_conc", "rows_ok");
    bool all_met = true;
    for (double latency : s.latencies) {
      Result r = run_one(s, latency, bin);
      const double rate = static_cast<double>(r.rows) / r.wall_s;
      const double ideal = latency > 0 ? s.concurrency / (latency / 1000.0) : 0.0;
      const double cpu_per_1000 = r.target.cpu_s / (static_cast<double>(r.rows) / 1000.0);
      const bool rows_ok = r.mock_stats["completions_served"].get<std::size_t>() >= r.rows &&
                           (s.target != "generate_dataset" || r.raw_rows == r.rows);
      std::printf("%6gms %8.2f %9.0f %9s %8s %12.3f %9.1f %9.2f %9d %8s\n", latency, r.wall_s, rate,
                  latency > 0 ? std::to_string(static_cast<long>(ideal)).c_str() : "-",
                  latency > 0 ? (std::to_string(static_cast<int>(100 * rate / ideal)) + "%").c_str() : "-",
                  cpu_per_1000, r.target.max_rss_mb, r.mock.cpu_s, r.mock_stats["max_concurrent_requests"].get<int>(),
                  rows_ok ? "yes" : "NO");
      std::fflush(stdout);
      const bool met =
          (latency <= 0 || rate >= 0.9 * ideal) && cpu_per_1000 <= 0.5 && r.target.max_rss_mb < 200 && rows_ok;
      all_met = all_met && met;
    }
    std::printf("load average (1, 5, 15 min) at the end: %s", slurp("/proc/loadavg").c_str());
    std::printf("targets (>= 90%% of ideal at latency > 0, <= 0.5 CPU s per 1000 requests, RSS < 200 MB): %s\n",
                all_met ? "met" : "NOT met");
    return 0;
  });
}
