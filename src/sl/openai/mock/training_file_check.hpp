// Private: what the mock checks in an uploaded fine-tuning file, as the real service does before
// a job may train on it: JSON Lines, one chat per line, {"messages": [{"role", "content"}, ...]},
// each chat ending in something for the model to learn (an assistant message).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sl::openai::mock {

struct TrainingFileCheck {
  std::optional<std::string> problem;  // "line 3: ..." when the file is unusable
  std::int64_t examples = 0;           // chats (non-blank lines)
  std::int64_t tokens = 0;             // tokens of all message contents (mock tokenizer)
};

TrainingFileCheck check_training_file(std::string_view content);

// The real service refuses to train on fewer examples than this.
inline constexpr std::int64_t kMinTrainingExamples = 10;

}  // namespace sl::openai::mock
