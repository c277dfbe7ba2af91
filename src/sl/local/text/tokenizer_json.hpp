// Parsing tokenizer.json quickly. The file is 9-11 MB, almost all of it model.vocab (150k
// entries) and model.merges (150k-280k pairs); a full DOM of those costs about a second to build
// and free. The SAX parser here streams those two members into flat lists and builds a DOM only
// for the rest (normalizer, pre_tokenizer, added_tokens, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_access.hpp"

namespace sl::local {

struct ModelTables {
  // model.vocab when it is an object {"token": id}.
  std::optional<std::vector<std::pair<std::string, std::int64_t>>> vocab;
  // model.merges: both the "a b" and the ["a", "b"] forms, as (a, b). A malformed entry is
  // recorded as (its JSON text, "") with `bad_merge` set to its index.
  std::optional<std::vector<std::pair<std::string, std::string>>> merges;
  std::optional<std::size_t> bad_merge;
};

struct TokenizerJson {
  // The document; model.vocab / model.merges are left as an empty object / array when they
  // were moved into `tables`.
  tokjson::JsonValue root;
  ModelTables tables;
};

// Throws sl::UsageError naming `origin` when the text is not JSON.
TokenizerJson parse_tokenizer_json(std::string_view text, const std::string& origin);

}  // namespace sl::local
