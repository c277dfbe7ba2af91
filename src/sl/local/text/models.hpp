// tokenizer.json "model" components: one pre-tokenized piece -> token ids.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "json_access.hpp"
#include "tokenizer_json.hpp"

namespace sl::local {

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of `piece` to `out`. Thread-safe.
  virtual void tokenize(std::string_view piece, std::vector<std::int32_t>& out) const = 0;
  virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  // Empty when `id` is not in the vocabulary.
  virtual std::string_view id_to_token(std::int32_t id) const = 0;
  // Highest id + 1.
  virtual std::size_t id_limit() const = 0;
};

// Supported: BPE, WordLevel, WordPiece. Unknown types are sl::UsageErrors.
// `tables` holds model.vocab / model.merges when the loader streamed them out of the document.
std::unique_ptr<Model> make_model(const tokjson::Node& node, ModelTables tables);

std::unique_ptr<Model> make_bpe_model(const tokjson::Node& node, ModelTables tables);
std::unique_ptr<Model> make_word_level_model(const tokjson::Node& node, ModelTables tables);
std::unique_ptr<Model> make_word_piece_model(const tokjson::Node& node, ModelTables tables);

// The vocabulary from `tables` or else from node.vocab.
class Vocab;
Vocab read_vocab(const tokjson::Node& node, ModelTables& tables);

}  // namespace sl::local
