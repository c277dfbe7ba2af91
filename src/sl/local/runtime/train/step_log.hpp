// The step log (TrainingJob::step_log): one JSON line per optimizer step. Each line is one
// write(2), so a kill loses at most the line being written; a resumed run first keeps only the
// lines of the steps it keeps.
#pragma once

#include <cstdint>
#include <filesystem>

#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

class StepLog {
 public:
  // An empty path logs nothing. Lines of steps after `keep_up_to_step` (all, when 0) are dropped.
  StepLog(const std::filesystem::path& path, std::int64_t keep_up_to_step);
  ~StepLog();
  StepLog(const StepLog&) = delete;
  StepLog& operator=(const StepLog&) = delete;

  // step, total_steps, epoch, loss, lr, grad_norm, tokens, loss_tokens, seconds, tokens_per_second
  void append(const TrainingStep& step);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace sl::local
