// Added tokens of tokenizer.json ("added_tokens": special tokens such as <|im_start|> and plain
// added tokens). They are found in the text before anything else, leftmost-longest, and become
// their ids directly; only the text between them goes through normalizer, pre-tokenizer and model.
//
// Tokens with normalized=false are matched in the raw text; tokens with normalized=true are
// matched in the normalized text (against their normalized content), as tokenizers does.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "regex.hpp"

namespace sl::local {

class Normalizer;

struct AddedToken {
  std::int32_t id = 0;
  std::string content;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
};

// Finds the leftmost-longest occurrences of a set of strings (a byte trie; candidates are
// found quickly by their first byte).
class LiteralMatcher {
 public:
  void add(std::string_view text, std::size_t value);
  bool empty() const { return nodes_.size() <= 1; }
  struct Match {
    std::size_t begin, end, value;
  };
  // Non-overlapping leftmost-longest matches.
  std::vector<Match> find_all(std::string_view text) const;

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> children;
    std::optional<std::size_t> value;
  };
  std::uint32_t child(std::uint32_t node, unsigned char byte) const;
  std::vector<Node> nodes_{Node{}};
  std::array<bool, 256> first_byte_{};
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // A stretch of text, or an added token's id.
  struct Segment {
    std::string_view text;
    std::int32_t id = -1;  // >= 0: an added token
  };
  // Splits `text` on the added tokens of one stage (raw = normalized:false tokens).
  void split(std::string_view text, bool raw_stage, std::vector<Segment>& out) const;
  bool has_normalized_tokens() const { return !normalized_matcher_.empty(); }

  const AddedToken* find(std::int32_t id) const;
  const AddedToken* find(std::string_view content) const;
  std::int32_t max_id() const { return max_id_; }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  std::vector<AddedToken> tokens_;
  std::unordered_map<std::int32_t, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_content_;
  LiteralMatcher raw_matcher_, normalized_matcher_;
  std::int32_t max_id_ = -1;
  std::shared_ptr<Regex> word_char_;
};

}  // namespace sl::local
