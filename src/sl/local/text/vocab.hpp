// A model vocabulary: token string <-> id, with the strings stored once in one block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "json_access.hpp"

namespace sl::local {

class Vocab {
 public:
  // From a JSON object {"token": id, ...}. Duplicate ids are an error (the id -> token direction
  // would be ambiguous).
  static Vocab from_json(const tokjson::Node& object);
  // From entries streamed out of the file (see tokenizer_json.hpp); `where` names model.vocab
  // in errors. An id of -1 stands for a value that was not a token id.
  static Vocab from_entries(std::vector<std::pair<std::string, std::int64_t>> entries, const tokjson::Node& where);

  std::optional<std::int32_t> find(std::string_view token) const {
    auto it = by_token_.find(token);
    if (it == by_token_.end()) return std::nullopt;
    return it->second;
  }
  // Empty when `id` is not in the vocabulary.
  std::string_view token(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= by_id_.size()) return {};
    return by_id_[static_cast<std::size_t>(id)];
  }
  bool has_id(std::int32_t id) const { return !token(id).empty(); }
  // Highest id + 1.
  std::size_t id_limit() const { return by_id_.size(); }
  std::size_t size() const { return by_token_.size(); }

 private:
  std::string arena_;
  std::vector<std::string_view> by_id_;
  std::unordered_map<std::string_view, std::int32_t> by_token_;
};

}  // namespace sl::local
