// The tokenizer.json pipeline: added tokens -> normalizer -> pre-tokenizer -> model ->
// post-processor for encode(); ids -> token strings -> decoder for decode().
#include "sl/local/text/tokenizer.hpp"

#include <cstdio>

#include "added_vocabulary.hpp"
#include "decoders.hpp"
#include "json_access.hpp"
#include "models.hpp"
#include "normalizers.hpp"
#include "post_processors.hpp"
#include "pre_tokenizers.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/local/text/utf8.hpp"
#include "tokenizer_json.hpp"

namespace sl::local {

namespace {

class HfTokenizer final : public Tokenizer {
 public:
  HfTokenizer(const tokjson::Node& root, ModelTables tables) {
    root.expect_object();
    if (auto n = root.get("normalizer")) normalizer_ = make_normalizer(*n);
    if (auto p = root.get("pre_tokenizer")) pre_tokenizer_ = make_pre_tokenizer(*p);
    model_ = make_model(root.at("model"), std::move(tables));
    if (auto p = root.get("post_processor")) post_processor_ = make_post_processor(*p);
    if (auto d = root.get("decoder")) decoder_ = make_decoder(*d);
    added_ = AddedVocabulary(read_added_tokens(root), normalizer_.get());
    if (decodes_bytewise()) build_byte_table();
  }

  std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens) const override {
    check_utf8(text);
    std::vector<std::int32_t> ids;
    ids.reserve(text.size() / 3 + 8);
    for_each_piece(text, [&](std::string_view piece, std::int32_t added_id) {
      if (added_id >= 0) ids.push_back(added_id);
      else model_->tokenize(piece, ids);
    });
    if (add_special_tokens && post_processor_) post_processor_->process(ids);
    return ids;
  }

  std::vector<std::string> pre_tokenize(std::string_view text) const override {
    check_utf8(text);
    std::vector<std::string> out;
    for_each_piece(text, [&](std::string_view piece, std::int32_t added_id) {
      out.emplace_back(added_id >= 0 ? std::string_view(added_.find(added_id)->content) : piece);
    });
    return out;
  }

  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const override {
    if (!byte_offsets_.empty()) {  // ByteLevel decoder: concatenate the bytes, then make them valid UTF-8
      std::string bytes;
      bytes.reserve(ids.size() * 6);
      for (std::int32_t id : ids) {
        if (skip_special_tokens && is_special(id)) continue;
        bytes += bytes_of(id);
      }
      return utf8::to_valid_lossy(bytes);
    }
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (std::int32_t id : ids) {
      if (const AddedToken* t = added_.find(id)) {
        if (!(skip_special_tokens && t->special)) tokens.push_back(t->content);
        continue;
      }
      std::string_view token = model_->id_to_token(id);
      if (!token.empty()) tokens.emplace_back(token);
    }
    if (!decoder_) {  // tokenizers joins the tokens with spaces when there is no decoder
      std::string out;
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i) out += ' ';
        out += tokens[i];
      }
      return out;
    }
    decoder_->decode_chain(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
  }

  std::size_t vocab_size() const override {
    return std::max(model_->id_limit(), static_cast<std::size_t>(added_.max_id() + 1));
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override {
    if (const AddedToken* t = added_.find(token)) return t->id;
    return model_->token_to_id(token);
  }

  std::string id_to_token(std::int32_t id) const override {
    if (const AddedToken* t = added_.find(id)) return t->content;
    return std::string(model_->id_to_token(id));
  }

  std::string token_bytes(std::int32_t id) const override {
    if (!byte_offsets_.empty()) return std::string(bytes_of(id));
    std::int32_t one[] = {id};
    return decode(one, false);
  }

  bool is_special(std::int32_t id) const override {
    const AddedToken* t = added_.find(id);
    return t && t->special;
  }

  bool decodes_bytewise() const override { return decoder_ && decoder_->is_byte_level(); }

 private:
  // The bytes of every id for byte-level decoding, in one block: decode() then only copies.
  void build_byte_table() {
    const std::size_t n = vocab_size();
    byte_offsets_.assign(n + 1, 0);
    for (std::size_t id = 0; id < n; ++id) {
      byte_offsets_[id] = static_cast<std::uint32_t>(byte_arena_.size());
      std::string token = id_to_token(static_cast<std::int32_t>(id));
      if (!token.empty()) byte_arena_ += byte_level_token_bytes(token);
    }
    byte_offsets_[n] = static_cast<std::uint32_t>(byte_arena_.size());
  }

  std::string_view bytes_of(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) + 1 >= byte_offsets_.size()) return {};
    auto i = static_cast<std::size_t>(id);
    return std::string_view(byte_arena_).substr(byte_offsets_[i], byte_offsets_[i + 1] - byte_offsets_[i]);
  }

  static void check_utf8(std::string_view text) {
    if (auto bad = utf8::first_invalid(text))
      throw UsageError("text to encode is not valid UTF-8 (byte offset " + std::to_string(*bad) + ")");
  }

  // Calls fn(piece, -1) for each piece the model must tokenize and fn({}, id) for each added
  // token, in text order. Pieces stream through the pre-tokenizer one at a time.
  template <class Fn>
  void for_each_piece(std::string_view text, Fn&& fn) const {
    std::vector<AddedVocabulary::Segment> raw_segments;
    added_.split(text, /*raw_stage=*/true, raw_segments);
    std::vector<AddedVocabulary::Segment> segments;
    std::string normalized;
    for (const auto& raw : raw_segments) {
      if (raw.id >= 0) {
        fn(std::string_view(), raw.id);
        continue;
      }
      const bool text_start = raw.text.data() == text.data();
      std::string_view segment_text = raw.text;
      if (normalizer_) {
        normalized = normalizer_->normalize(std::string(raw.text));
        segment_text = normalized;
      }
      segments.clear();
      if (added_.has_normalized_tokens()) added_.split(segment_text, /*raw_stage=*/false, segments);
      else segments.push_back({segment_text, -1});
      for (const auto& seg : segments) {
        if (seg.id >= 0) {
          fn(std::string_view(), seg.id);
          continue;
        }
        const bool starts = text_start && seg.text.data() == segment_text.data();
        if (pre_tokenizer_)
          pre_tokenizer_->split(seg.text, starts, [&](std::string_view piece, bool) { fn(piece, -1); });
        else fn(seg.text, -1);
      }
    }
  }

  static std::vector<AddedToken> read_added_tokens(const tokjson::Node& root) {
    std::vector<AddedToken> out;
    auto list = root.get("added_tokens");
    if (!list) return out;
    for (std::size_t i = 0; i < list->size(); ++i) {
      tokjson::Node n = list->at(i);
      AddedToken t;
      std::int64_t id = n.at("id").as_int();
      if (id < 0 || id > INT32_MAX) n.at("id").fail_expected("a non-negative token id");
      t.id = static_cast<std::int32_t>(id);
      t.content = n.at("content").as_string();
      if (t.content.empty()) n.at("content").fail_expected("a non-empty string");
      if (utf8::first_invalid(t.content)) n.at("content").fail("is not valid UTF-8");
      t.special = n.bool_or("special", false);
      t.single_word = n.bool_or("single_word", false);
      t.lstrip = n.bool_or("lstrip", false);
      t.rstrip = n.bool_or("rstrip", false);
      t.normalized = n.bool_or("normalized", !t.special);
      out.push_back(std::move(t));
    }
    return out;
  }

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  std::string byte_arena_;
  std::vector<std::uint32_t> byte_offsets_;  // empty unless the decoder is ByteLevel
};

}  // namespace

std::shared_ptr<const Tokenizer> Tokenizer::from_json_text(std::string_view tokenizer_json, const std::string& origin) {
  TokenizerJson parsed = parse_tokenizer_json(tokenizer_json, origin);
  return std::make_shared<HfTokenizer>(tokjson::Node(parsed.root, origin, ""), std::move(parsed.tables));
}

std::shared_ptr<const Tokenizer> Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
  // One read into a buffer of the right size: sl::files::read_text's stream copies cost more
  // than parsing for an 11 MB file.
  std::error_code ec;
  auto size = std::filesystem::file_size(tokenizer_json, ec);
  if (ec || std::filesystem::is_directory(tokenizer_json))
    return from_json_text(files::read_text(tokenizer_json), tokenizer_json.string());
  std::string text(size, '\0');
  std::FILE* f = std::fopen(tokenizer_json.c_str(), "rb");
  if (!f) return from_json_text(files::read_text(tokenizer_json), tokenizer_json.string());  // its error message
  std::size_t got = std::fread(text.data(), 1, size, f);
  std::fclose(f);
  if (got != size) throw Error(tokenizer_json.string() + ": read failed (file changed while reading?)");
  return from_json_text(text, tokenizer_json.string());
}

std::string clean_up_tokenization(std::string text) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (auto [from, to] : kRules) {
    std::size_t pos = 0;
    while ((pos = text.find(from, pos)) != std::string::npos) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return text;
}

}  // namespace sl::local
