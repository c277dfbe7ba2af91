#include "normalizers.hpp"

#include <vector>

#include "pattern.hpp"
#include "regex.hpp"
#include "sl/local/text/unicode.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {

namespace {

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  std::string normalize(std::string text) const override {
    for (const auto& p : parts_) text = p->normalize(std::move(text));
    return text;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(unicode::NormalizationForm form) : form_(form) {}
  std::string normalize(std::string text) const override {
    if (unicode::is_normalized_quick(text, form_)) return text;  // no copy for the common case
    return unicode::normalize(text, form_);
  }

 private:
  unicode::NormalizationForm form_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  std::string normalize(std::string text) const override { return unicode::to_lower(text); }
};

// Strips Unicode White_Space from the left and/or right end.
class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string text) const override {
    std::u32string cps = utf8::decode(text);
    std::size_t b = 0, e = cps.size();
    if (left_)
      while (b < e && unicode::is_white_space(cps[b])) ++b;
    if (right_)
      while (e > b && unicode::is_white_space(cps[e - 1])) --e;
    return utf8::encode(cps.substr(b, e - b));
  }

 private:
  bool left_, right_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(const std::string& pattern, std::string content, const std::string& origin)
      : regex_(pattern, origin), content_(std::move(content)) {}
  std::string normalize(std::string text) const override {
    std::vector<Regex::Span> spans;
    regex_.find_all(text, spans);
    if (spans.empty()) return text;
    std::string out;
    std::size_t last = 0;
    for (auto [b, e] : spans) {
      out.append(text, last, b - last);
      out += content_;
      last = e;
    }
    out.append(text, last, std::string::npos);
    return out;
  }

 private:
  Regex regex_;
  std::string content_;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string text) const override {
    if (text.empty()) return text;  // tokenizers leaves empty strings alone
    return prefix_ + text;
  }

 private:
  std::string prefix_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const tokjson::Node& node) {
  const std::string type = node.type();
  using F = unicode::NormalizationForm;
  if (type == "Sequence") {
    auto list = node.at("normalizers");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) parts.push_back(make_normalizer(list.at(i)));
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(F::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(F::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(F::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(F::NFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Strip")
    return std::make_unique<StripNormalizer>(node.bool_or("strip_left", true), node.bool_or("strip_right", true));
  if (type == "Replace")
    return std::make_unique<ReplaceNormalizer>(pattern_to_pcre2(node.at("pattern")), node.at("content").as_string(),
                                               node.origin());
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(node.at("prepend").as_string());
  node.fail_unsupported("normalizer", type);
}

}  // namespace sl::local
