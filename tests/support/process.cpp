#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

#include "test_support.hpp"

extern char** environ;

namespace sl::test {

namespace fs = std::filesystem;

namespace {
fs::path unique_log(const std::string& suffix) {
  static int counter = 0;
  return fs::temp_directory_path() /
         ("sl-proc-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + suffix);
}
}  // namespace

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env, std::optional<fs::path> cwd)
    : out_path_(unique_log(".out")), err_path_(unique_log(".err")) {
  std::map<std::string, std::string> full;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) full[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : env) {
    if (v.empty()) full.erase(k);
    else full[k] = v;
  }
  std::vector<std::string> env_strings;
  for (auto& [k, v] : full) env_strings.push_back(k + "=" + v);

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setpgid(0, 0);
    if (cwd && ::chdir(cwd->c_str()) != 0) ::_exit(126);
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(args[0], args.data(), envp.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
  std::error_code ec;
  fs::remove(out_path_, ec);
  fs::remove(err_path_, ec);
}

bool Process::running() {
  if (reaped_) return false;
  pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void Process::kill(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

ProcessResult Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
      ProcessResult r{-1, SIGKILL, stdout_so_far(), stderr_so_far() + "\n[test: killed after timeout]"};
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ProcessResult r;
  if (WIFEXITED(status_)) r.exit_code = WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) r.signal = WTERMSIG(status_);
  r.out = stdout_so_far();
  r.err = stderr_so_far();
  return r;
}

std::string Process::stdout_so_far() const {
  std::error_code ec;
  return fs::exists(out_path_, ec) ? read_file(out_path_) : "";
}

std::string Process::stderr_so_far() const {
  std::error_code ec;
  return fs::exists(err_path_, ec) ? read_file(err_path_) : "";
}

ProcessResult run(std::vector<std::string> argv, std::map<std::string, std::string> env,
                  std::chrono::milliseconds timeout, std::optional<fs::path> cwd) {
  Process p(std::move(argv), std::move(env), std::move(cwd));
  return p.wait(timeout);
}

}  // namespace sl::test
