// tokenizer.json "pre_tokenizer" components: split normalized text into pieces that the model
// tokenizes independently (and maps them, for ByteLevel, to the byte-level alphabet).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "function_ref.hpp"
#include "json_access.hpp"
#include "regex.hpp"

namespace sl::local {

// How the parts of a piece matched by a split pattern are kept (tokenizers' SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Receives each piece: its text (valid only during the call) and whether it begins the input text.
using PieceSink = FunctionRef<void(std::string_view piece, bool text_start)>;

// Splits `piece` where `regex` matches and emits the non-empty parts in order, as tokenizers'
// split(pattern, behavior) does. With `invert`, the matches are the kept text and the gaps
// between them are the delimiters. Streams: parts are emitted as the regex finds them.
void split_with(const Regex& regex, bool invert, SplitBehavior behavior, std::string_view piece, bool text_start,
                PieceSink emit);

// Every pre-tokenizer step works on each piece independently, so a chain of steps is a chain of
// callbacks: no list of all the pieces of a long text is ever built.
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits (and maybe rewrites) one piece, emitting the results in order. `text_start`: the piece
  // begins at the start of the input text (Metaspace's prepend_scheme "first" needs to know).
  virtual void split(std::string_view piece, bool text_start, PieceSink emit) const = 0;
  // True for ByteLevel (alone or inside a Sequence): the model sees byte-level strings.
  virtual bool is_byte_level() const { return false; }
};

// Supported: Sequence, Split, ByteLevel, Whitespace, WhitespaceSplit, Punctuation, Digits,
// CharDelimiterSplit, BertPreTokenizer, Metaspace. Unknown types are sl::UsageErrors.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const tokjson::Node& node);

// The regex GPT-2 uses, which ByteLevel applies when use_regex is true (Oniguruma syntax).
extern const char* const kGpt2SplitPattern;

}  // namespace sl::local
