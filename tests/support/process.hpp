// Child processes for integration tests: real executables, real signals.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sl::test {

struct ProcessResult {
  int exit_code = -1;  // exit status, or -1 when killed by a signal
  int signal = 0;      // the signal that killed it, if any
  std::string out;     // stdout
  std::string err;     // stderr
};

// A running child process with stdout/stderr redirected to files in a temporary folder.
class Process {
 public:
  // argv[0] is the program path. `env` entries are added to (or replace in) the environment;
  // an empty value removes the variable.
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
          std::optional<std::filesystem::path> cwd = std::nullopt);
  ~Process();  // kills (SIGKILL) and reaps a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void kill(int sig);
  // Waits for exit; on timeout kills it with SIGKILL and reports that.
  ProcessResult wait(std::chrono::milliseconds timeout = std::chrono::minutes(5));
  // What it has written so far.
  std::string stdout_so_far() const;
  std::string stderr_so_far() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path out_path_, err_path_;
};

// Runs to completion and returns the result.
ProcessResult run(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                  std::chrono::milliseconds timeout = std::chrono::minutes(5),
                  std::optional<std::filesystem::path> cwd = std::nullopt);

}  // namespace sl::test
