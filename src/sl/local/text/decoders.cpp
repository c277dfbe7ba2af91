#include "decoders.hpp"

#include "pattern.hpp"
#include "regex.hpp"
#include "sl/local/text/byte_level.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {

std::string byte_level_token_bytes(std::string_view token) {
  if (auto bytes = byte_level::decode(token)) return *std::move(bytes);
  return std::string(token);
}

namespace {

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& p : parts_) p->decode_chain(tokens);
  }
  bool is_byte_level() const override { return parts_.size() == 1 && parts_[0]->is_byte_level(); }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) bytes += byte_level_token_bytes(t);
    tokens.assign(1, utf8::to_valid_lossy(bytes));
  }
  bool is_byte_level() const override { return true; }
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(const std::string& pattern, std::string content, const std::string& origin)
      : regex_(pattern, origin), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<Regex::Span> spans;
    for (auto& t : tokens) {
      spans.clear();
      regex_.find_all(t, spans);
      if (spans.empty()) continue;
      std::string out;
      std::size_t last = 0;
      for (auto [b, e] : spans) {
        out.append(t, last, b - last);
        out += content_;
        last = e;
      }
      out.append(t, last, std::string::npos);
      t = std::move(out);
    }
  }

 private:
  Regex regex_;
  std::string content_;
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      std::u32string cps = utf8::decode(t);
      std::size_t b = 0;
      while (b < start_ && b < cps.size() && cps[b] == content_) ++b;
      std::size_t e = cps.size();
      while (cps.size() - e < stop_ && e > b && cps[e - 1] == content_) --e;
      t = utf8::encode(cps.substr(b, e - b));
    }
  }

 private:
  char32_t content_;
  std::size_t start_, stop_;
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

// Runs of <0xNN> tokens become their bytes when those are valid UTF-8, else one U+FFFD per byte.
class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    std::size_t byte_count = 0;
    auto flush = [&] {
      if (byte_count == 0) return;
      if (!utf8::first_invalid(bytes)) {
        out.push_back(bytes);
      } else {
        for (std::size_t i = 0; i < byte_count; ++i) out.push_back(utf8::encode(utf8::kReplacementChar));
      }
      bytes.clear();
      byte_count = 0;
    };
    for (auto& t : tokens) {
      if (auto b = parse_byte(t)) {
        bytes.push_back(static_cast<char>(*b));
        ++byte_count;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    tokens.swap(out);
  }

 private:
  static std::optional<unsigned> parse_byte(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
    unsigned v = 0;
    for (int i = 3; i < 5; ++i) {
      char c = t[static_cast<std::size_t>(i)];
      unsigned d;
      if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
      v = v * 16 + d;
    }
    return v;
  }
};

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

// The cleanup of tokenizers' WordPiece decoder (spaces before punctuation and contractions).
std::string wordpiece_cleanup(std::string s) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},   {" ?", "?"},           {" !", "!"},   {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (auto [from, to] : kRules) s = replace_all(std::move(s), from, to);
  return s;
}

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (!prefix_.empty() && t.compare(0, prefix_.size(), prefix_) == 0) t.erase(0, prefix_.size());
        else t.insert(t.begin(), ' ');
      }
      if (cleanup_) t = wordpiece_cleanup(std::move(t));
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = replace_all(std::move(tokens[i]), replacement_, i == 0 && strip_first_ ? "" : " ");
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class BpeSuffixDecoder final : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = replace_all(std::move(tokens[i]), suffix_, i + 1 == tokens.size() ? "" : " ");
  }

 private:
  std::string suffix_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const tokjson::Node& node) {
  const std::string type = node.type();
  if (type == "Sequence") {
    auto list = node.at("decoders");
    std::vector<std::unique_ptr<Decoder>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) parts.push_back(make_decoder(list.at(i)));
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Replace")
    return std::make_unique<ReplaceDecoder>(pattern_to_pcre2(node.at("pattern")), node.at("content").as_string(),
                                            node.origin());
  if (type == "Strip") {
    auto content_node = node.at("content");
    std::u32string content = utf8::decode(content_node.as_string());
    if (content.size() != 1) content_node.fail_expected("a single character");
    auto start = node.int_or("start", 0), stop = node.int_or("stop", 0);
    if (start < 0 || stop < 0) node.fail("start and stop must not be negative");
    return std::make_unique<StripDecoder>(content[0], static_cast<std::size_t>(start), static_cast<std::size_t>(stop));
  }
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "WordPiece")
    return std::make_unique<WordPieceDecoder>(node.string_or("prefix", "##"), node.bool_or("cleanup", true));
  if (type == "Metaspace") {
    bool strip_first = true;
    if (auto scheme = node.get("prepend_scheme")) strip_first = scheme->as_string() != "never";
    else strip_first = node.bool_or("add_prefix_space", true);
    return std::make_unique<MetaspaceDecoder>(node.string_or("replacement", "\u2581"), strip_first);
  }
  if (type == "BPEDecoder") return std::make_unique<BpeSuffixDecoder>(node.string_or("suffix", "</w>"));
  node.fail_unsupported("decoder", type);
}

}  // namespace sl::local
