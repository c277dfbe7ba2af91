#include "pre_tokenizers.hpp"

#include <algorithm>
#include <tuple>

#include "pattern.hpp"
#include "sl/local/text/byte_level.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {

const char* const kGpt2SplitPattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

// Character predicates of tokenizers written as one-character PCRE2 classes.
constexpr const char* kWhitespaceChar = R"(\p{White_Space})";
// Rust's char::is_ascii_punctuation() || Unicode punctuation (P*).
constexpr const char* kPunctuationChar = R"([\p{P}!-/:-@\[-`{-~])";
// Rust's char::is_numeric(): Nd, Nl, No.
constexpr const char* kNumericChar = R"(\p{N})";
// tokenizers' Whitespace pre-tokenizer: \w+|[^\w\s]+ with Unicode classes.
constexpr const char* kWhitespacePattern = R"(\w+|[^\w\s]+)";

SplitBehavior parse_behavior(const tokjson::Node& node) {
  std::string b = node.as_string();
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  node.fail_expected("one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

// Splits one piece with `regex` and `behavior`.
class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void split(std::string_view piece, bool text_start, PieceSink emit) const override {
    run(0, piece, text_start, emit);
  }
  bool is_byte_level() const override {
    for (const auto& p : parts_)
      if (p->is_byte_level()) return true;
    return false;
  }

 private:
  void run(std::size_t step, std::string_view piece, bool text_start, PieceSink emit) const {
    if (step == parts_.size()) return emit(piece, text_start);
    parts_[step]->split(piece, text_start,
                        [&](std::string_view sub, bool sub_start) { run(step + 1, sub, sub_start, emit); });
  }

  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(const std::string& pcre2, bool invert, SplitBehavior behavior, const std::string& origin)
      : regex_(pcre2, origin), invert_(invert), behavior_(behavior) {}
  void split(std::string_view piece, bool text_start, PieceSink emit) const override {
    split_with(regex_, invert_, behavior_, piece, text_start, emit);
  }

 private:
  Regex regex_;
  bool invert_;
  SplitBehavior behavior_;
};

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, const std::string& origin)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(translate_oniguruma(kGpt2SplitPattern, origin), origin);
  }
  void split(std::string_view piece, bool text_start, PieceSink emit) const override {
    std::string prefixed;
    if (add_prefix_space_ && !piece.empty() && piece[0] != ' ') {
      prefixed = " ";
      prefixed += piece;
      piece = prefixed;
    }
    auto map_and_emit = [&](std::string_view part, bool part_start) {
      std::string mapped;  // local: a later step may still look at it while this runs again
      mapped.reserve(part.size() * 2);
      byte_level::append_encoded(mapped, part);
      emit(mapped, part_start);
    };
    if (regex_) split_with(*regex_, false, SplitBehavior::Isolated, piece, text_start, map_and_emit);
    else map_and_emit(piece, text_start);
  }
  bool is_byte_level() const override { return true; }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

// Replaces spaces with the replacement character (U+2581 by default) and splits before it.
class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  enum class Prepend { Always, First, Never };
  MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split, const std::string& origin)
      : replacement_(std::move(replacement)),
        prepend_(prepend),
        split_(split),
        regex_(regex_escape(replacement_), origin) {}
  void split(std::string_view piece, bool text_start, PieceSink emit) const override {
    std::string replaced;
    for (char c : piece) {
      if (c == ' ') replaced += replacement_;
      else replaced += c;
    }
    bool prepend = prepend_ == Prepend::Always || (prepend_ == Prepend::First && text_start);
    if (prepend && !replaced.empty() && replaced.rfind(replacement_, 0) != 0) replaced = replacement_ + replaced;
    if (split_) split_with(regex_, false, SplitBehavior::MergedWithNext, replaced, text_start, emit);
    else emit(replaced, text_start);
  }

 private:
  std::string replacement_;
  Prepend prepend_;
  bool split_;
  Regex regex_;
};

// Applies a list of (regex, invert, behavior) splits in order.
class RegexChainPreTokenizer final : public PreTokenizer {
 public:
  struct Step {
    std::unique_ptr<Regex> regex;
    bool invert;
    SplitBehavior behavior;
  };
  explicit RegexChainPreTokenizer(std::vector<Step> steps) : steps_(std::move(steps)) {}
  void split(std::string_view piece, bool text_start, PieceSink emit) const override {
    run(0, piece, text_start, emit);
  }

 private:
  void run(std::size_t step, std::string_view piece, bool text_start, PieceSink emit) const {
    if (step == steps_.size()) return emit(piece, text_start);
    const Step& s = steps_[step];
    split_with(*s.regex, s.invert, s.behavior, piece, text_start,
               [&](std::string_view sub, bool sub_start) { run(step + 1, sub, sub_start, emit); });
  }

  std::vector<Step> steps_;
};

std::unique_ptr<PreTokenizer> chain(const std::string& origin,
                                    std::initializer_list<std::tuple<std::string, bool, SplitBehavior>> steps) {
  std::vector<RegexChainPreTokenizer::Step> out;
  for (const auto& [pattern, invert, behavior] : steps)
    out.push_back({std::make_unique<Regex>(pattern, origin), invert, behavior});
  return std::make_unique<RegexChainPreTokenizer>(std::move(out));
}

}  // namespace

void split_with(const Regex& regex, bool invert, SplitBehavior behavior, std::string_view piece, bool text_start,
                PieceSink emit) {
  // The piece is a sequence of parts, each a delimiter or not; `behavior` says how delimiters
  // join their neighbours. At most one part is held back (to be merged with what follows).
  struct Pending {
    std::size_t begin = 0, end = 0;
    bool active = false;
    bool delimiter = false;
  } pending;
  auto out = [&](std::size_t begin, std::size_t end) {
    if (end > begin) emit(piece.substr(begin, end - begin), text_start && begin == 0);
  };
  auto flush = [&] {
    if (pending.active) out(pending.begin, pending.end);
    pending.active = false;
  };
  auto part = [&](std::size_t begin, std::size_t end, bool delimiter) {
    if (end == begin) return;
    switch (behavior) {
      case SplitBehavior::Removed:
        if (!delimiter) out(begin, end);
        return;
      case SplitBehavior::Isolated:
        out(begin, end);
        return;
      case SplitBehavior::MergedWithPrevious:
        // A delimiter joins the part before it, unless that part is a delimiter too.
        if (delimiter && pending.active && !pending.delimiter) {
          pending.end = end;
          pending.delimiter = true;
          return;
        }
        flush();
        pending = {begin, end, true, delimiter};
        return;
      case SplitBehavior::MergedWithNext:
        // A delimiter joins the part after it, unless that part is a delimiter too.
        if (delimiter) {
          flush();
          pending = {begin, end, true, true};
          return;
        }
        if (pending.active) {
          out(pending.begin, end);
          pending.active = false;
          return;
        }
        out(begin, end);
        return;
      case SplitBehavior::Contiguous:
        if (pending.active && pending.delimiter == delimiter) {
          pending.end = end;
          return;
        }
        flush();
        pending = {begin, end, true, delimiter};
        return;
    }
  };
  std::size_t prev = 0;
  regex.for_each_match(piece, [&](std::size_t begin, std::size_t end) {
    part(prev, begin, invert);
    part(begin, end, !invert);
    prev = end;
  });
  part(prev, piece.size(), invert);
  flush();
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const tokjson::Node& node) {
  const std::string type = node.type();
  const std::string& origin = node.origin();
  if (type == "Sequence") {
    auto list = node.at("pretokenizers");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) parts.push_back(make_pre_tokenizer(list.at(i)));
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  if (type == "Split")
    return std::make_unique<SplitPreTokenizer>(pattern_to_pcre2(node.at("pattern")), node.bool_or("invert", false),
                                               parse_behavior(node.at("behavior")), origin);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelPreTokenizer>(node.bool_or("add_prefix_space", true),
                                                   node.bool_or("use_regex", true), origin);
  if (type == "Whitespace")
    return chain(origin, {{translate_oniguruma(kWhitespacePattern, origin), true, SplitBehavior::Removed}});
  if (type == "WhitespaceSplit") return chain(origin, {{kWhitespaceChar, false, SplitBehavior::Removed}});
  if (type == "Punctuation") {
    SplitBehavior behavior = SplitBehavior::Isolated;
    if (auto b = node.get("behavior")) behavior = parse_behavior(*b);
    return chain(origin, {{kPunctuationChar, false, behavior}});
  }
  if (type == "Digits") {
    bool individual = node.bool_or("individual_digits", false);
    return chain(origin, {{kNumericChar, false, individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous}});
  }
  if (type == "CharDelimiterSplit") {
    std::string delimiter = node.at("delimiter").as_string();
    if (utf8::decode(delimiter).size() != 1) node.at("delimiter").fail_expected("a single character");
    return chain(origin, {{regex_escape(delimiter), false, SplitBehavior::Removed}});
  }
  if (type == "BertPreTokenizer")
    return chain(
        origin, {{kWhitespaceChar, false, SplitBehavior::Removed}, {kPunctuationChar, false, SplitBehavior::Isolated}});
  if (type == "Metaspace") {
    std::string replacement = node.string_or("replacement", "\u2581");
    auto prepend = MetaspacePreTokenizer::Prepend::Always;
    if (auto scheme = node.get("prepend_scheme")) {
      std::string s = scheme->as_string();
      if (s == "always") prepend = MetaspacePreTokenizer::Prepend::Always;
      else if (s == "first") prepend = MetaspacePreTokenizer::Prepend::First;
      else if (s == "never") prepend = MetaspacePreTokenizer::Prepend::Never;
      else scheme->fail_expected("one of always, first, never");
    } else if (!node.bool_or("add_prefix_space", true)) {
      prepend = MetaspacePreTokenizer::Prepend::Never;  // the older spelling
    }
    return std::make_unique<MetaspacePreTokenizer>(replacement, prepend, node.bool_or("split", true), origin);
  }
  node.fail_unsupported("pre_tokenizer", type);
}

}  // namespace sl::local
