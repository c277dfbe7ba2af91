#include "models.hpp"

#include "vocab.hpp"

namespace sl::local {

Vocab read_vocab(const tokjson::Node& node, ModelTables& tables) {
  if (tables.vocab) return Vocab::from_entries(std::move(*tables.vocab), node.at("vocab"));
  return Vocab::from_json(node.at("vocab"));
}

std::unique_ptr<Model> make_model(const tokjson::Node& node, ModelTables tables) {
  // Old files omit "type" for BPE models.
  std::string type = node.has("type") ? node.type() : (node.has("merges") ? "BPE" : "");
  if (type == "BPE") return make_bpe_model(node, std::move(tables));
  if (type == "WordLevel") return make_word_level_model(node, std::move(tables));
  if (type == "WordPiece") return make_word_piece_model(node, std::move(tables));
  node.fail_unsupported("model", type.empty() ? "(none)" : type);
}

}  // namespace sl::local
