#include "training_file_check.hpp"

#include "sl/core/json.hpp"
#include "sl/openai/mock/mock_tokens.hpp"

namespace sl::openai::mock {

namespace {

// Why one line is not a usable chat, or nullopt when it is.
std::optional<std::string> line_problem(const Json& j, std::int64_t& tokens) {
  if (!j.is_object()) return "expected a JSON object with \"messages\"";
  auto messages = j.find("messages");
  if (messages == j.end()) return "missing \"messages\"";
  if (!messages->is_array() || messages->empty()) return "\"messages\" must be a non-empty list";
  bool has_assistant = false;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return at + " must be an object";
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return at + ".role must be a string";
    const std::string r = role->get<std::string>();
    if (r != "system" && r != "user" && r != "assistant")
      return at + ".role \"" + r + "\" is not system, user or assistant";
    auto content = m.find("content");
    if (content == m.end() || !content->is_string()) return at + ".content must be a string";
    tokens += static_cast<std::int64_t>(split_tokens(content->get<std::string>()).size());
    has_assistant = has_assistant || r == "assistant";
  }
  if (!has_assistant) return "no assistant message to learn from";
  return std::nullopt;
}

}  // namespace

TrainingFileCheck check_training_file(std::string_view content) {
  TrainingFileCheck out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    std::optional<std::string> problem =
        j.is_discarded() ? std::optional<std::string>("not valid JSON") : line_problem(j, out.tokens);
    if (problem) {
      out.problem = "Invalid file format. Line " + std::to_string(line_no) + ": " + *problem + ".";
      return out;
    }
    ++out.examples;
  }
  if (out.examples == 0) out.problem = "Invalid file format. The file has no examples.";
  return out;
}

}  // namespace sl::openai::mock
