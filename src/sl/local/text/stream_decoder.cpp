#include "sl/local/text/tokenizer.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {

namespace {

bool ends_with_replacement(const std::string& s) {
  static const std::string kReplacement = utf8::encode(utf8::kReplacementChar);
  return s.size() >= kReplacement.size() &&
         s.compare(s.size() - kReplacement.size(), kReplacement.size(), kReplacement) == 0;
}

}  // namespace

StreamDecoder::StreamDecoder(std::shared_ptr<const Tokenizer> tokenizer, bool skip_special_tokens)
    : tokenizer_(std::move(tokenizer)), skip_special_(skip_special_tokens) {}

std::string StreamDecoder::push(std::int32_t id) {
  if (tokenizer_->decodes_bytewise()) {
    if (skip_special_ && tokenizer_->is_special(id)) return {};
    pending_ += tokenizer_->token_bytes(id);
    std::size_t keep = utf8::incomplete_suffix_length(pending_);
    std::string ready = utf8::to_valid_lossy(std::string_view(pending_).substr(0, pending_.size() - keep));
    pending_.erase(0, pending_.size() - keep);
    return ready;
  }
  // Decode the recent ids again and emit what the new id added, unless the text ends in U+FFFD
  // (possibly an incomplete character that the next ids complete).
  ids_.push_back(id);
  std::string text = tokenizer_->decode(ids_, skip_special_);
  if (text.size() <= prefix_.size() || ends_with_replacement(text)) return {};
  std::string added = text.compare(0, prefix_.size(), prefix_) == 0 ? text.substr(prefix_.size()) : text;
  std::size_t new_prefix_index = ids_.size() - prefix_index_;
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_index_));
  prefix_ = tokenizer_->decode(ids_, skip_special_);
  prefix_index_ = new_prefix_index;
  return added;
}

std::string StreamDecoder::finish() {
  if (tokenizer_->decodes_bytewise()) {
    std::string rest = utf8::to_valid_lossy(pending_);
    pending_.clear();
    return rest;
  }
  std::string text = tokenizer_->decode(ids_, skip_special_);
  std::string rest = text.size() > prefix_.size() ? text.substr(prefix_.size()) : std::string();
  ids_.clear();
  prefix_.clear();
  prefix_index_ = 0;
  return rest;
}

}  // namespace sl::local
