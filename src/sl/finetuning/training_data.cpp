#include "sl/finetuning/training_data.hpp"

#include "sl/core/error.hpp"
#include "sl/core/json.hpp"
#include "sl/core/jsonl.hpp"
#include "sl/core/python_random.hpp"

namespace sl::finetuning {

std::vector<datasets::DatasetRow> load_dataset(const std::filesystem::path& path) {
  auto rows = jsonl::read<datasets::DatasetRow>(path);
  if (rows.empty())
    throw UsageError(path.string() +
                     ": the dataset has no rows (nothing to fine-tune on); was step 1's filter too strict?");
  return rows;
}

std::vector<datasets::DatasetRow> subsample(const std::vector<datasets::DatasetRow>& rows,
                                            std::optional<std::int64_t> max_size, std::int64_t seed) {
  if (!max_size || *max_size < 0 || static_cast<std::size_t>(*max_size) >= rows.size()) return rows;
  python::Random rng(static_cast<std::uint64_t>(seed));
  std::vector<datasets::DatasetRow> out;
  out.reserve(static_cast<std::size_t>(*max_size));
  for (std::size_t i : rng.sample_indices(rows.size(), static_cast<std::size_t>(*max_size))) out.push_back(rows[i]);
  return out;
}

std::string training_jsonl(const std::vector<datasets::DatasetRow>& rows) {
  std::string out;
  for (const auto& row : rows) {
    Json line{{"messages", Json::array({Json{{"role", "user"}, {"content", row.prompt}},
                                        Json{{"role", "assistant"}, {"content", row.completion}}})}};
    out += json::dump(line);
    out += '\n';
  }
  return out;
}

std::string content_hash(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a, 64 bits
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  static const char* digits = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) hex[static_cast<std::size_t>(i)] = digits[h & 15];
  return "fnv1a64:" + hex;
}

}  // namespace sl::finetuning
