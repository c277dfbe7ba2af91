// The two dictionary models: WordLevel (one piece = one vocabulary entry) and WordPiece (greedy
// longest-match-first subwords with a continuation prefix, as in BERT).
#include <string>

#include "models.hpp"
#include "sl/core/error.hpp"
#include "sl/local/text/utf8.hpp"
#include "vocab.hpp"

namespace sl::local {

namespace {

class WordLevelModel final : public Model {
 public:
  WordLevelModel(Vocab vocab, std::string unk_token, std::string origin)
      : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)), origin_(std::move(origin)) {}

  void tokenize(std::string_view piece, std::vector<std::int32_t>& out) const override {
    if (auto id = vocab_.find(piece)) {
      out.push_back(*id);
    } else if (auto unk = vocab_.find(unk_token_)) {
      out.push_back(*unk);
    } else {
      throw Error(origin_ + ": WordLevel model has no entry for \"" + std::string(piece) + "\" and its unk_token \"" +
                  unk_token_ + "\" is not in the vocabulary");
    }
  }
  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::string_view id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t id_limit() const override { return vocab_.id_limit(); }

 private:
  Vocab vocab_;
  std::string unk_token_;
  std::string origin_;
};

class WordPieceModel final : public Model {
 public:
  WordPieceModel(Vocab vocab, std::string unk_token, std::string prefix, std::size_t max_chars, std::string origin)
      : vocab_(std::move(vocab)),
        unk_token_(std::move(unk_token)),
        prefix_(std::move(prefix)),
        max_chars_(max_chars),
        origin_(std::move(origin)) {}

  void tokenize(std::string_view piece, std::vector<std::int32_t>& out) const override {
    // Byte offsets of character boundaries, so that candidate subwords end on characters.
    std::vector<std::size_t> bounds;
    for (std::size_t i = 0; i < piece.size();) {
      bounds.push_back(i);
      std::size_t n = utf8::valid_sequence_length(piece, i);
      i += n == 0 ? 1 : n;
    }
    bounds.push_back(piece.size());
    const std::size_t chars = bounds.size() - 1;
    if (chars > max_chars_) return push_unk(piece, out);
    std::vector<std::int32_t> ids;
    std::size_t start = 0;
    std::string candidate;
    while (start < chars) {
      std::size_t end = chars;
      std::optional<std::int32_t> found;
      while (start < end) {
        candidate.clear();
        if (start > 0) candidate = prefix_;
        candidate.append(piece.substr(bounds[start], bounds[end] - bounds[start]));
        if ((found = vocab_.find(candidate))) break;
        --end;
      }
      if (!found) return push_unk(piece, out);
      ids.push_back(*found);
      start = end;
    }
    out.insert(out.end(), ids.begin(), ids.end());
  }
  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::string_view id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t id_limit() const override { return vocab_.id_limit(); }

 private:
  void push_unk(std::string_view piece, std::vector<std::int32_t>& out) const {
    auto unk = vocab_.find(unk_token_);
    if (!unk)
      throw Error(origin_ + ": WordPiece model cannot tokenize \"" + std::string(piece) + "\" and its unk_token \"" +
                  unk_token_ + "\" is not in the vocabulary");
    out.push_back(*unk);
  }

  Vocab vocab_;
  std::string unk_token_;
  std::string prefix_;
  std::size_t max_chars_;
  std::string origin_;
};

}  // namespace

std::unique_ptr<Model> make_word_level_model(const tokjson::Node& node, ModelTables tables) {
  return std::make_unique<WordLevelModel>(read_vocab(node, tables), node.string_or("unk_token", "[UNK]"),
                                          node.origin());
}

std::unique_ptr<Model> make_word_piece_model(const tokjson::Node& node, ModelTables tables) {
  std::int64_t max_chars = node.int_or("max_input_chars_per_word", 100);
  if (max_chars <= 0) node.at("max_input_chars_per_word").fail_expected("a positive integer");
  return std::make_unique<WordPieceModel>(read_vocab(node, tables), node.string_or("unk_token", "[UNK]"),
                                          node.string_or("continuing_subword_prefix", "##"),
                                          static_cast<std::size_t>(max_chars), node.origin());
}

}  // namespace sl::local
