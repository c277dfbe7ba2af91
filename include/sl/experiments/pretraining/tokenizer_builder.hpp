// Writes the demo base model's tokenizer as standard Hugging Face files, so that the same loader
// serves it and Qwen2.5: a byte-level BPE `tokenizer.json` whose vocabulary holds whole pieces
// (every number 0-999, every word and punctuation piece of the corpus) looked up directly
// (`ignore_merges`, no merges), the 256 byte symbols as a fallback for anything else, and the
// ChatML special tokens; `tokenizer_config.json` with a ChatML `chat_template`; and the ids of
// the end tokens for `generation_config.json`.
//
// Why pieces, not BPE merges: at this scale one token per number and per animal keeps sequences
// short and makes each answer a single decision (the research spike's setup); whole-piece lookup
// gives exactly that with a file any tokenizers implementation reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::pretraining {

// The pre-tokenizer split: up to three digits, a word with its leading space, a punctuation run
// with one trailing space (", " is one piece), or whitespace.
inline constexpr const char* kDemoSplitPattern = R"(\p{N}{1,3}| ?\p{L}+|[^\s\p{L}\p{N}]+ ?|\s+)";

inline constexpr const char* kChatMLTemplate =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

struct TokenizerFiles {
  Json tokenizer;           // tokenizer.json
  Json tokenizer_config;    // tokenizer_config.json
  std::int32_t eos_id = 0;  // <|im_end|>
  std::int32_t pad_id = 0;  // <|endoftext|>
  std::size_t vocab_size = 0;
};

// Builds the files from `texts` (rendered conversations, special tokens included): every piece
// they contain gets its own token.
TokenizerFiles build_demo_tokenizer(const std::vector<std::string>& texts);

}  // namespace sl::pretraining
