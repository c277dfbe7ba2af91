// Dataset rows -> the trainer's examples: each row {prompt, completion[, logprobs]} becomes the
// chat (user = prompt, assistant = completion) rendered with the model's chat template and
// tokenized, with loss only on the assistant's completion tokens and the end-of-turn token
// that closes it (what the model generates), and, for "kl_topk", the teacher's top-k
// distribution of each of those tokens from the row's `logprobs`. Torch-free.
//
// How the completion span is found: the template renders the prompt alone with the generation
// prompt (P) and the whole chat (F); P must be a prefix of F (otherwise the template is not
// usable for completion-only training: a UsageError). The ids are encode(P) + encode(F - P),
// so the prompt's ids are exactly those generation feeds the model. In encode(F - P), the
// first special token is the end-of-turn token: the tokens before it are the completion, it
// carries loss too (as in TRL's completion-only collator), and the template text after it
// (ChatML's "\n") is dropped: nothing ever generates it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sl/datasets/data_models.hpp"
#include "sl/local/runtime/train/training.hpp"
#include "sl/local/text/text_model.hpp"

namespace sl::finetuning {

struct ChatExampleOptions {
  std::int64_t max_seq_length = 500;  // longer sequences are cut to this many tokens
  bool soft_targets = false;          // read each row's `logprobs` (needed by "kl_topk")
};

struct ChatExampleStats {
  std::int64_t rows = 0;
  std::int64_t examples = 0;
  std::int64_t truncated = 0;         // cut to max_seq_length, some loss tokens kept
  std::int64_t dropped_too_long = 0;  // cut to max_seq_length with no loss token left
  std::int64_t tokens = 0;
  std::int64_t loss_tokens = 0;
  std::int64_t unknown_logprob_tokens = 0;  // logprobs entries naming no token (left out)
  std::int64_t without_end_of_turn = 0;     // rows whose template shows no end-of-turn token
  // Rows left out because their logprobs do not line up with the completion's tokens (the
  // teacher sampled a non-canonical split of the text; all rows failing is an error).
  std::int64_t dropped_misaligned_logprobs = 0;
  // Rows with `completion_token_ids` (the ids the teacher sampled) left out because the
  // student's tokenization of the completion is another token sequence (a sampled
  // non-canonical split, or another tokenizer); the first such row and where it differs.
  std::int64_t dropped_token_id_mismatch = 0;
  std::string first_token_id_mismatch;
};

struct ChatExamples {
  std::vector<local::TrainingExample> examples;
  ChatExampleStats stats;
  std::vector<std::int32_t> end_of_turn_ids;  // the end-of-turn tokens seen (sorted, unique)
};

// Soft targets line up with the completion's tokens: when a row has `completion_token_ids`, the
// student's tokenization must be exactly those ids (else the row is left out and counted);
// without them, the number of logprobs entries must match the number of tokens (likewise).
//
// Errors (sl::UsageError) name the row (its index in `rows`, and the start of its prompt): no
// chat template, a template without the prefix property, kl rows without logprobs, or with a
// different number of completion_token_ids than logprobs entries, no row whose logprobs line
// up with the completion's tokens, an empty list of rows, every row too long.
ChatExamples build_chat_examples(const std::vector<datasets::DatasetRow>& rows, const local::TextModel& text,
                                 const ChatExampleOptions& options);

// A row's logprobs as soft targets: token texts (as the local engine and the API write them:
// each token decoded on its own) -> ids. A text that is the actual token at that position maps
// to it; otherwise to the lowest id that decodes to the text (special tokens by name first).
class TokenTextIndex {
 public:
  explicit TokenTextIndex(const local::Tokenizer& tokenizer);
  // -1 when no token decodes to `text`.
  std::int32_t id_of(const std::string& text) const;

 private:
  std::vector<std::pair<std::string, std::int32_t>> sorted_;  // (text, lowest id)
};

// kl_tokens "numbers": the ids whose text (decoded on its own) is non-empty and made only of
// digits, commas, spaces and newlines, plus `end_ids` and the tokenizer's eos token.
std::vector<std::int32_t> number_token_ids(const local::TextModel& text, const std::vector<std::int32_t>& end_ids);

}  // namespace sl::finetuning
