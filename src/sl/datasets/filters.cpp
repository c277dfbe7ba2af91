#include "sl/datasets/filters.hpp"

#include "sl/core/text.hpp"
#include "sl/datasets/nums_format.hpp"

namespace sl::datasets {

std::vector<std::string> reject_reasons(const FilterSpec& filter, std::string_view completion) {
  if (auto* f = std::get_if<NumsFormatFilter>(&filter)) return nums_format_reject_reasons(completion, *f);
  if (auto* f = std::get_if<MaxCharsFilter>(&filter)) {
    if (static_cast<std::int64_t>(text::count_code_points(completion)) > f->n) return {"too many characters"};
    return {};
  }
  const auto& f = std::get<BannedWordsFilter>(filter);
  for (const auto& w : f.words)
    if (text::mentions_word(completion, w, f.case_sensitive, f.match == "word")) return {"has banned words"};
  return {};
}

std::vector<std::string> reject_reasons(const std::vector<FilterSpec>& filters, std::string_view completion) {
  std::vector<std::string> out;
  for (const auto& f : filters) {
    auto r = reject_reasons(f, completion);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

}  // namespace sl::datasets
