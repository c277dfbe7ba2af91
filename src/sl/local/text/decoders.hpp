// tokenizer.json "decoder" components: token strings -> text. Each step maps the list of token
// strings to a new list (tokenizers' decode_chain); the result is their concatenation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "json_access.hpp"

namespace sl::local {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
  // True when this decoder is exactly ByteLevel: decoding then is "concatenate the bytes of the
  // tokens, then make the result valid UTF-8", which lets a stream decoder work byte by byte.
  virtual bool is_byte_level() const { return false; }
};

// Supported: Sequence, ByteLevel, Replace, Strip, Fuse, ByteFallback, WordPiece, Metaspace,
// BPEDecoder. Unknown types are sl::UsageErrors.
std::unique_ptr<Decoder> make_decoder(const tokjson::Node& node);

// The bytes a byte-level token stands for: its characters mapped back through the byte-level
// alphabet, or the token's own UTF-8 when some character is outside the alphabet (as tokenizers
// does; e.g. an added token that contains a space).
std::string byte_level_token_bytes(std::string_view token);

}  // namespace sl::local
