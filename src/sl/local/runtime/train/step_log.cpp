#include "sl/local/runtime/train/step_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"

namespace sl::local {

namespace fs = std::filesystem;

StepLog::StepLog(const fs::path& path, std::int64_t keep_up_to_step) : path_(path) {
  if (path_.empty()) return;
  std::string kept;
  std::error_code ec;
  if (keep_up_to_step > 0 && fs::exists(path_, ec)) {
    std::istringstream in(files::read_text(path_));
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      try {
        const Json j = json::parse(line, path_.string());
        if (j.value("step", std::int64_t{0}) <= keep_up_to_step) kept += line + "\n";
      } catch (const std::exception&) {  // a torn last line
      }
    }
  }
  files::write_atomic(path_, kept);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw Error("cannot open the step log " + path_.string());
}

StepLog::~StepLog() {
  if (fd_ >= 0) ::close(fd_);
}

void StepLog::append(const TrainingStep& s) {
  if (fd_ < 0) return;
  Json j{
      {"step", s.step},       {"total_steps", s.total_steps},
      {"epoch", s.epoch},     {"loss", s.loss},
      {"lr", s.lr},           {"grad_norm", s.grad_norm},
      {"tokens", s.tokens},   {"loss_tokens", s.loss_tokens},
      {"seconds", s.seconds}, {"tokens_per_second", s.seconds > 0 ? static_cast<double>(s.tokens) / s.seconds : 0.0}};
  if (s.allreduce_seconds) j["allreduce_seconds"] = *s.allreduce_seconds;
  if (s.kl_mask_dropped) j["kl_mask_dropped"] = *s.kl_mask_dropped;
  if (s.epoch_kl_mask_dropped) j["epoch_kl_mask_dropped"] = *s.epoch_kl_mask_dropped;
  const std::string line = json::dump(j) + "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    throw Error("cannot write the step log " + path_.string());
}

}  // namespace sl::local
