// tokenizer.json (normalizers, pre-tokenizers, BPE/WordPiece/Unigram/WordLevel models, added
// tokens, decoders, post-processors), then encoding and decoding with it.
// Input: the tokenizer.json, a NUL, a text to encode (whose bytes also give ids to decode).
#include <cstdlib>

#include "fuzz_input.hpp"
#include "sl/local/text/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = sl::fuzz::split_parts(sl::fuzz::as_text(data, size), 2);
  sl::fuzz::expect_clean([&] {
    const auto tokenizer = sl::local::Tokenizer::from_json_text(parts[0], "tokenizer.json");
    const std::string_view text = parts.size() > 1 ? parts[1] : std::string_view("Hello, world! 123");
    for (bool special : {false, true}) {
      const auto ids = tokenizer->encode(text, special);
      (void)tokenizer->decode(ids, false);
      (void)tokenizer->decode(ids, true);
    }
    // Arbitrary ids, in and out of the vocabulary.
    std::vector<std::int32_t> ids;
    for (std::size_t i = 0; i + 1 < text.size() && ids.size() < 64; i += 2)
      ids.push_back(
          static_cast<std::int32_t>(static_cast<std::uint8_t>(text[i]) << 8 | static_cast<std::uint8_t>(text[i + 1])) -
          4);
    (void)tokenizer->decode(ids, false);
    // Streaming gives the same text as decoding at once (its documented promise).
    sl::local::StreamDecoder stream(tokenizer, true);
    std::string streamed;
    for (auto id : ids) streamed += stream.push(id);
    streamed += stream.finish();
    if (streamed != tokenizer->decode(ids, true)) std::abort();
  });
  return 0;
}
