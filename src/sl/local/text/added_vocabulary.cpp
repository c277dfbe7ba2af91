#include "added_vocabulary.hpp"

#include "normalizers.hpp"
#include "sl/local/text/unicode.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {

namespace {

// Rust regex's \w (Unicode): Alphabetic, marks, decimal numbers, connector punctuation, joiners.
constexpr const char* kWordChar = R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}])";

// Start of the last character of text[0, end).
std::size_t previous_char_start(std::string_view text, std::size_t end) {
  std::size_t p = end - 1;
  while (p > 0 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
  return p;
}

char32_t char_at(std::string_view text, std::size_t pos) {
  std::size_t n = utf8::valid_sequence_length(text, pos);
  return n ? utf8::decode_at(text, pos, n) : 0;
}

}  // namespace

void LiteralMatcher::add(std::string_view text, std::size_t value) {
  if (text.empty()) return;
  std::uint32_t node = 0;
  for (unsigned char b : text) {
    std::uint32_t next = child(node, b);
    if (next == 0) {
      next = static_cast<std::uint32_t>(nodes_.size());
      nodes_[node].children.emplace_back(b, next);
      nodes_.emplace_back();
    }
    node = next;
  }
  nodes_[node].value = value;
  first_byte_[static_cast<unsigned char>(text[0])] = true;
}

std::uint32_t LiteralMatcher::child(std::uint32_t node, unsigned char byte) const {
  for (auto [b, next] : nodes_[node].children)
    if (b == byte) return next;
  return 0;
}

std::vector<LiteralMatcher::Match> LiteralMatcher::find_all(std::string_view text) const {
  std::vector<Match> out;
  if (empty()) return out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    std::uint32_t node = 0;
    std::optional<Match> best;
    for (std::size_t j = i; j < text.size(); ++j) {
      node = child(node, static_cast<unsigned char>(text[j]));
      if (node == 0) break;
      if (nodes_[node].value) best = Match{i, j + 1, *nodes_[node].value};
    }
    if (best) {
      out.push_back(*best);
      i = best->end;
    } else {
      ++i;
    }
  }
  return out;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    by_id_[t.id] = i;
    by_content_[t.content] = i;
    max_id_ = std::max(max_id_, t.id);
    if (t.single_word && !word_char_) word_char_ = std::make_shared<Regex>(kWordChar, "added tokens");
    if (!t.normalized) raw_matcher_.add(t.content, i);
    else normalized_matcher_.add(normalizer ? normalizer->normalize(t.content) : t.content, i);
  }
}

void AddedVocabulary::split(std::string_view text, bool raw_stage, std::vector<Segment>& out) const {
  const LiteralMatcher& matcher = raw_stage ? raw_matcher_ : normalized_matcher_;
  std::size_t start_offset = 0;
  for (const auto& m : matcher.find_all(text)) {
    const AddedToken& token = tokens_[m.value];
    std::size_t start = m.begin, stop = m.end;
    if (token.single_word) {
      bool word_before = start > 0 && word_char_->matches_at(text, previous_char_start(text, start));
      bool word_after = stop < text.size() && word_char_->matches_at(text, stop);
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      std::size_t s = start;
      while (s > 0) {
        std::size_t p = previous_char_start(text, s);
        if (!unicode::is_white_space(char_at(text, p))) break;
        s = p;
      }
      start = std::max(s, start_offset);
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        std::size_t n = utf8::valid_sequence_length(text, stop);
        if (n == 0 || !unicode::is_white_space(utf8::decode_at(text, stop, n))) break;
        stop += n;
      }
    }
    start = std::max(start, start_offset);
    if (start > start_offset) out.push_back({text.substr(start_offset, start - start_offset), -1});
    out.push_back({text.substr(start, stop - start), token.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out.push_back({text.substr(start_offset), -1});
}

const AddedToken* AddedVocabulary::find(std::int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::find(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace sl::local
