#include "tokenizer_json.hpp"

#include "sl/core/error.hpp"

namespace sl::local {

namespace {

using JsonValue = tokjson::JsonValue;

// Builds the DOM for everything except model.vocab and model.merges (see the header).
class Handler : public nlohmann::json_sax<JsonValue> {
 public:
  explicit Handler(TokenizerJson& out) : out_(out) {}

  bool null() override { return value(JsonValue(nullptr)); }
  bool boolean(bool v) override { return value(JsonValue(v)); }
  bool number_integer(number_integer_t v) override {
    if (mode_ == Mode::Vocab) return vocab_entry(v);
    return value(JsonValue(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (mode_ == Mode::Vocab)
      return vocab_entry(v > static_cast<number_unsigned_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(v));
    return value(JsonValue(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return value(JsonValue(v)); }
  bool string(string_t& v) override {
    if (mode_ == Mode::Merges) {
      std::size_t space = v.find(' ');
      if (space == std::string::npos || v.find(' ', space + 1) != std::string::npos) return bad_merge();
      out_.tables.merges->emplace_back(v.substr(0, space), v.substr(space + 1));
      return true;
    }
    if (mode_ == Mode::MergePair) {
      if (pair_count_ == 0) pair_.first = std::move(v);
      else if (pair_count_ == 1) pair_.second = std::move(v);
      ++pair_count_;
      return true;
    }
    return value(JsonValue(std::move(v)));
  }
  bool binary(binary_t&) override { return false; }

  bool start_object(std::size_t) override {
    if (mode_ == Mode::Vocab) return vocab_nested_start();
    if (mode_ != Mode::Dom) return bad_merge();
    if (is_member("vocab")) {
      out_.tables.vocab.emplace();
      out_.tables.vocab->reserve(1 << 17);
      mode_ = Mode::Vocab;
    }
    push(JsonValue::object());
    return true;
  }
  bool key(string_t& k) override {
    if (mode_ == Mode::Vocab) {
      if (nested_ == 0) key_ = std::move(k);
      return true;
    }
    keys_.back() = std::move(k);
    return true;
  }
  bool end_object() override {
    if (mode_ == Mode::Vocab) {
      if (nested_ > 0) {
        --nested_;
        return true;
      }
      mode_ = Mode::Dom;
    }
    pop();
    return true;
  }
  bool start_array(std::size_t) override {
    if (mode_ == Mode::Vocab) return vocab_nested_start();
    if (mode_ == Mode::Merges) {
      mode_ = Mode::MergePair;
      pair_count_ = 0;
      return true;
    }
    if (mode_ == Mode::MergePair) return bad_merge();
    if (is_member("merges")) {
      out_.tables.merges.emplace();
      out_.tables.merges->reserve(1 << 18);
      mode_ = Mode::Merges;
    }
    push(JsonValue::array());
    return true;
  }
  bool end_array() override {
    if (mode_ == Mode::Vocab) {
      --nested_;  // arrays inside vocab are always nested
      return true;
    }
    if (mode_ == Mode::MergePair) {
      if (pair_count_ != 2) return bad_merge();
      out_.tables.merges->emplace_back(std::move(pair_.first), std::move(pair_.second));
      mode_ = Mode::Merges;
      return true;
    }
    mode_ = Mode::Dom;  // the end of model.merges, or of an ordinary array
    pop();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = e.what();
    return false;
  }

  const std::string& error() const { return error_; }
  bool stopped_on_bad_merge() const { return out_.tables.bad_merge.has_value(); }

 private:
  enum class Mode { Dom, Vocab, Merges, MergePair };

  // Whether the value about to start is member `name` of the top-level "model" object.
  bool is_member(const char* name) const {
    return stack_.size() == 2 && keys_[0] == "model" && keys_[1] == name && stack_[1]->is_object();
  }
  bool bad_merge() {
    out_.tables.bad_merge = out_.tables.merges->size();
    return false;
  }
  // A token id (or -1 for anything that is not one: the model reports it with the token).
  bool vocab_entry(std::int64_t id) {
    if (nested_ == 0) out_.tables.vocab->emplace_back(std::move(key_), id);
    return true;
  }
  bool vocab_nested_start() {
    vocab_entry(-1);
    ++nested_;
    return true;
  }
  bool value(JsonValue v) {
    if (mode_ == Mode::Vocab) return vocab_entry(-1);
    if (mode_ != Mode::Dom) return bad_merge();
    if (stack_.empty()) {
      out_.root = std::move(v);
      return true;
    }
    JsonValue* top = stack_.back();
    if (top->is_object()) (*top)[keys_.back()] = std::move(v);
    else top->push_back(std::move(v));
    return true;
  }
  void push(JsonValue container) {
    JsonValue* slot;
    if (stack_.empty()) {
      out_.root = std::move(container);
      slot = &out_.root;
    } else if (stack_.back()->is_object()) {
      slot = &((*stack_.back())[keys_.back()] = std::move(container));
    } else {
      stack_.back()->push_back(std::move(container));
      slot = &stack_.back()->back();
    }
    stack_.push_back(slot);
    keys_.emplace_back();
  }
  void pop() {
    stack_.pop_back();
    keys_.pop_back();
  }

  TokenizerJson& out_;
  std::vector<JsonValue*> stack_;
  std::vector<std::string> keys_;  // the current key at each depth
  Mode mode_ = Mode::Dom;
  int nested_ = 0;  // depth of (invalid) containers inside model.vocab
  std::string key_;
  std::pair<std::string, std::string> pair_;
  int pair_count_ = 0;
  std::string error_;
};

}  // namespace

TokenizerJson parse_tokenizer_json(std::string_view text, const std::string& origin) {
  TokenizerJson out;
  Handler handler(out);
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &handler);
  if (!ok) {
    if (handler.stopped_on_bad_merge())
      throw UsageError(origin + ": model.merges[" + std::to_string(*out.tables.bad_merge) +
                       "]: expected a merge: \"left right\" or [\"left\", \"right\"]");
    throw UsageError(origin + ": not valid JSON (" + handler.error() + ")");
  }
  return out;
}

}  // namespace sl::local
