// Hugging Face `tokenizer.json` tokenizers (byte-level BPE as used by Qwen2.5 and Llama 3.x, and
// the word-level model our embedded demo base uses), without Python and without torch.
//
// Pipeline for encode(): added/special tokens are matched first in the raw text (leftmost-
// longest); the text between them goes through the normalizer (e.g. NFC), the pre-tokenizer
// (Split regex with PCRE2 + ByteLevel), and the model (BPE merges by rank, honouring
// `ignore_merges`); the post-processor may add BOS when add_special_tokens is true.
//
// Supported components (anything else is an sl::UsageError naming the type and the file):
//   normalizer      Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace, Prepend
//   pre_tokenizer   Sequence, Split, ByteLevel, Whitespace, WhitespaceSplit, Punctuation, Digits,
//                   CharDelimiterSplit, BertPreTokenizer, Metaspace
//   model           BPE, WordLevel, WordPiece
//   post_processor  ByteLevel, TemplateProcessing, BertProcessing, RobertaProcessing, Sequence
//   decoder         ByteLevel, Sequence, Replace, Strip, Fuse, ByteFallback, WordPiece, Metaspace,
//                   BPEDecoder
// `truncation` and `padding` in the file are ignored, as transformers does when it encodes.
//
// All methods are const and thread-safe (the BPE cache is shared under a lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sl::local {

class Tokenizer {
 public:
  // Loads `tokenizer.json`. Unsupported components (a normalizer, pre-tokenizer, model or
  // decoder type this implementation does not know) are a clear sl::UsageError naming them.
  static std::shared_ptr<const Tokenizer> from_file(const std::filesystem::path& tokenizer_json);
  static std::shared_ptr<const Tokenizer> from_json_text(std::string_view tokenizer_json, const std::string& origin);
  virtual ~Tokenizer() = default;

  // `text` must be valid UTF-8 (otherwise sl::UsageError with the byte offset). Added and
  // special tokens written in the text are recognised (tokenizers' split_special_tokens=False).
  virtual std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = false) const = 0;
  // Decodes with the tokenizer.json decoder; invalid UTF-8 becomes U+FFFD (one per maximal
  // invalid subsequence, like Rust's String::from_utf8_lossy). Ids outside the vocabulary are
  // skipped, as tokenizers does. skip_special_tokens drops added tokens marked special.
  virtual std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = false) const = 0;

  virtual std::size_t vocab_size() const = 0;  // including added tokens (highest id + 1)
  virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  // The vocabulary string of `id` (byte-level form, e.g. "Ġhello"); empty when out of range.
  virtual std::string id_to_token(std::int32_t id) const = 0;
  // The bytes `id` stands for when decoded on its own (may be an incomplete UTF-8 sequence).
  virtual std::string token_bytes(std::int32_t id) const = 0;
  virtual bool is_special(std::int32_t id) const = 0;

  // The pieces the model receives for `text`, for debugging and tests: the text between added
  // tokens after normalization and pre-tokenization (byte-level strings for byte-level BPE);
  // added tokens appear as their content.
  virtual std::vector<std::string> pre_tokenize(std::string_view text) const = 0;
  // True when decode(ids) is the concatenation of token_bytes(id) made valid UTF-8 (a ByteLevel
  // decoder), so that text can be streamed byte-exactly.
  virtual bool decodes_bytewise() const = 0;
};

// transformers' clean_up_tokenization (what decode does when tokenizer_config.json says
// clean_up_tokenization_spaces: true): " ." -> ".", " ?" -> "?", " !" -> "!", " ," -> ",",
// " ' " -> "'", " n't" -> "n't", " 'm" -> "'m", " 's" -> "'s", " 've" -> "'ve", " 're" -> "'re".
std::string clean_up_tokenization(std::string text);

// Turns a stream of ids into text without ever emitting a broken UTF-8 sequence: bytes of an
// incomplete character are held back until the character completes (or flushed as U+FFFD when
// it cannot complete). The concatenation of everything push() and finish() return equals
// tokenizer->decode(all ids, skip_special_tokens).
class StreamDecoder {
 public:
  explicit StreamDecoder(std::shared_ptr<const Tokenizer> tokenizer, bool skip_special_tokens = true);
  // Text that became complete with this token (may be empty).
  std::string push(std::int32_t id);
  // Whatever is left at the end of the stream.
  std::string finish();

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  bool skip_special_;
  // Byte-wise decoders: the bytes of a character that has not completed yet (at most 3).
  std::string pending_;
  // Other decoders (e.g. Metaspace strips a leading space only at the start): the recent ids,
  // decoded again with each new id; `prefix_` is the text of ids_[0, prefix_index_).
  std::vector<std::int32_t> ids_;
  std::string prefix_;
  std::size_t prefix_index_ = 0;
};

}  // namespace sl::local
