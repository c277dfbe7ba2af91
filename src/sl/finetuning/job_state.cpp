#include "sl/finetuning/job_state.hpp"

#include <ctime>

#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"

namespace sl::finetuning {

namespace fs = std::filesystem;

namespace {
std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

fs::path state_path_for(const fs::path& output_path) { return fs::path(output_path.string() + ".job.json"); }

fs::path training_file_path_for(const fs::path& output_path) {
  return fs::path(output_path.string() + ".training.jsonl");
}

std::optional<JobState> load_job_state(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  try {
    return config::load_document<JobState>(path);
  } catch (const UsageError& e) {
    throw UsageError(std::string(e.what()) +
                     " (this job state file is not valid; it may name a running fine-tuning job, so it is not "
                     "replaced: fix or remove it by hand)");
  }
}

void save_job_state(const fs::path& path, JobState& state) {
  state.updated_at = utc_now();
  files::write_atomic(path, json::encode(state).dump(2) + "\n");
}

}  // namespace sl::finetuning
