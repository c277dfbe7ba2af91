// Where run_finetuning_job keeps what it must not forget, beside the output:
//   <output_path>.job.json        the job state (JobState in data_models.hpp)
//   <output_path>.training.jsonl  the training file exactly as uploaded
#pragma once

#include <filesystem>
#include <optional>

#include "sl/finetuning/data_models.hpp"

namespace sl::finetuning {

std::filesystem::path state_path_for(const std::filesystem::path& output_path);
std::filesystem::path training_file_path_for(const std::filesystem::path& output_path);

// The state recorded at `path`, or nullopt when there is none. A state file that cannot be read
// back is a UsageError naming it (it is never overwritten silently: it may hold a paid job's id).
std::optional<JobState> load_job_state(const std::filesystem::path& path);

// Writes the state atomically (stamping updated_at), so that a crash leaves the previous state
// or the new one, never half a file.
void save_job_state(const std::filesystem::path& path, JobState& state);

}  // namespace sl::finetuning
