#include "vocab.hpp"

#include <algorithm>
#include <cstdint>

namespace sl::local {

Vocab Vocab::from_json(const tokjson::Node& object) {
  object.expect_object();
  std::vector<std::pair<std::string, std::int64_t>> entries;
  entries.reserve(object.json().size());
  for (auto it = object.json().begin(); it != object.json().end(); ++it)
    entries.emplace_back(it.key(), it->is_number_integer() ? it->get<std::int64_t>() : -1);
  return from_entries(std::move(entries), object);
}

Vocab Vocab::from_entries(std::vector<std::pair<std::string, std::int64_t>> entries, const tokjson::Node& where) {
  Vocab v;
  std::size_t total = 0;
  std::int64_t max_id = -1;
  for (const auto& [token, id] : entries) {
    if (id < 0 || id > INT32_MAX) where.fail("\"" + token + "\": expected a token id (a non-negative integer)");
    total += token.size();
    max_id = std::max(max_id, id);
  }
  v.arena_.reserve(total);  // no reallocation below: the views point into it
  v.by_id_.assign(static_cast<std::size_t>(max_id + 1), std::string_view());
  v.by_token_.reserve(entries.size());
  for (const auto& [token, id64] : entries) {
    std::size_t offset = v.arena_.size();
    v.arena_ += token;
    std::string_view view(v.arena_.data() + offset, token.size());
    auto id = static_cast<std::size_t>(id64);
    if (!v.by_id_[id].empty())
      where.fail("id " + std::to_string(id) + " is used by two tokens (\"" + std::string(v.by_id_[id]) + "\" and \"" +
                 token + "\")");
    v.by_id_[id] = view;
    v.by_token_.emplace(view, static_cast<std::int32_t>(id64));
  }
  return v;
}

}  // namespace sl::local
