#include "sl/finetuning/chat_examples.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sl/core/error.hpp"

namespace sl::finetuning {

namespace {

std::string row_name(std::size_t i, const datasets::DatasetRow& row) {
  std::string start = row.prompt.substr(0, 40);
  for (char& c : start)
    if (c == '\n') c = ' ';
  return "training row " + std::to_string(i) + " (prompt \"" + start + (row.prompt.size() > 40 ? "...\")" : "\")");
}

std::string decode_one(const local::Tokenizer& tokenizer, std::int32_t id) {
  const std::int32_t one[1] = {id};
  return tokenizer.decode(one, /*skip_special_tokens=*/false);
}

// Why the ids the teacher sampled are not the student's tokenization of the completion (the
// first `completion_tokens` of `student`, then its end-of-turn token when `has_end`), or "" when
// they are. A trailing sampled stop token may be any special token (eos or end-of-turn).
std::string token_id_mismatch(const std::vector<std::int32_t>& sampled, const std::vector<std::int32_t>& student,
                              std::size_t completion_tokens, bool has_end, const local::Tokenizer& tok) {
  const std::size_t n = std::min(sampled.size(), completion_tokens);
  for (std::size_t t = 0; t < n; ++t)
    if (sampled[t] != student[t])
      return "the teacher sampled token id " + std::to_string(sampled[t]) + " at completion position " +
             std::to_string(t) + " where this tokenizer has " + std::to_string(student[t]);
  if (sampled.size() < completion_tokens || sampled.size() > completion_tokens + (has_end ? 1 : 0))
    return "the teacher sampled " + std::to_string(sampled.size()) + " tokens; this tokenizer makes the completion " +
           std::to_string(completion_tokens) + " tokens" + (has_end ? " (+1 end-of-turn token)" : "");
  if (sampled.size() > completion_tokens) {
    const std::int32_t stop = sampled.back();
    if (stop < 0 || static_cast<std::size_t>(stop) >= tok.vocab_size() || !tok.is_special(stop))
      return "the teacher's last sampled token id " + std::to_string(stop) +
             " is not a special (stop) token of this tokenizer";
  }
  return "";
}

}  // namespace

TokenTextIndex::TokenTextIndex(const local::Tokenizer& tokenizer) {
  const auto n = static_cast<std::int32_t>(tokenizer.vocab_size());
  sorted_.reserve(static_cast<std::size_t>(n));
  for (std::int32_t id = 0; id < n; ++id) sorted_.emplace_back(decode_one(tokenizer, id), id);
  // By text, then id: the first entry of each text is its lowest id.
  std::sort(sorted_.begin(), sorted_.end());
}

std::int32_t TokenTextIndex::id_of(const std::string& text) const {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(),
                             std::pair<std::string, std::int32_t>(text, std::numeric_limits<std::int32_t>::min()));
  return it != sorted_.end() && it->first == text ? it->second : -1;
}

ChatExamples build_chat_examples(const std::vector<datasets::DatasetRow>& rows, const local::TextModel& text,
                                 const ChatExampleOptions& options) {
  if (rows.empty()) throw UsageError("the dataset has no rows: nothing to train on");
  if (!text.chat_template)
    throw UsageError(text.folder.string() +
                     " has no chat template (tokenizer_config.json chat_template or chat_template.jinja); "
                     "training rows are rendered as chats");
  const local::Tokenizer& tok = *text.tokenizer;
  std::optional<TokenTextIndex> index;
  if (options.soft_targets) index.emplace(tok);

  ChatExamples out;
  auto& st = out.stats;
  st.rows = static_cast<std::int64_t>(rows.size());
  const auto max_len = static_cast<std::size_t>(options.max_seq_length);
  std::string first_misaligned;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    Json messages = Json::array({Json{{"role", "user"}, {"content", row.prompt}}});
    const std::string prefix = text.render_chat(messages, /*add_generation_prompt=*/true);
    messages.push_back(Json{{"role", "assistant"}, {"content", row.completion}});
    const std::string full = text.render_chat(messages, /*add_generation_prompt=*/false);
    if (full.compare(0, prefix.size(), prefix) != 0)
      throw UsageError(row_name(i, row) + ": the chat template (" + text.config.chat_template_origin +
                       ") does not render the prompt with the generation prompt as a prefix of the whole chat, so the "
                       "completion cannot be told apart from the template's text");
    local::TrainingExample e;
    e.ids = tok.encode(prefix);
    const std::size_t prompt_tokens = e.ids.size();
    std::vector<std::int32_t> rest = tok.encode(std::string_view(full).substr(prefix.size()));
    std::size_t completion_tokens = rest.size();
    bool has_end = false;
    for (std::size_t t = 0; t < rest.size(); ++t) {
      if (tok.is_special(rest[t])) {
        completion_tokens = t;
        has_end = true;
        if (std::find(out.end_of_turn_ids.begin(), out.end_of_turn_ids.end(), rest[t]) == out.end_of_turn_ids.end())
          out.end_of_turn_ids.push_back(rest[t]);
        rest.resize(t + 1);  // the template's text after the end-of-turn token is never generated
        break;
      }
    }
    if (!has_end) ++st.without_end_of_turn;
    e.ids.insert(e.ids.end(), rest.begin(), rest.end());
    e.loss_mask.assign(e.ids.size(), 0);
    std::fill(e.loss_mask.begin() + static_cast<std::ptrdiff_t>(prompt_tokens), e.loss_mask.end(), 1);
    if (prompt_tokens == 0 && !e.loss_mask.empty()) e.loss_mask[0] = 0;  // nothing predicts the first token

    if (options.soft_targets) {
      if (!row.logprobs)
        throw UsageError(row_name(i, row) +
                         " has no \"logprobs\": loss \"kl_topk\" trains on the teacher's log-probabilities "
                         "(generate the dataset with sample_cfg.logprobs)");
      const auto& lp = *row.logprobs;
      if (row.completion_token_ids) {
        // The teacher's sampled ids are known: the logprobs belong to exactly that token
        // sequence, so the student's tokenization of the completion must be it (a sampled
        // non-canonical split, or another tokenizer, is left out and counted).
        const auto& sampled = *row.completion_token_ids;
        if (sampled.size() != lp.size())
          throw UsageError(row_name(i, row) + " has " + std::to_string(sampled.size()) +
                           " \"completion_token_ids\" for " + std::to_string(lp.size()) +
                           " \"logprobs\" entries (one per sampled token expected)");
        const std::string mismatch = token_id_mismatch(sampled, rest, completion_tokens, has_end, tok);
        if (!mismatch.empty()) {
          ++st.dropped_token_id_mismatch;
          if (st.first_token_id_mismatch.empty()) st.first_token_id_mismatch = row_name(i, row) + ": " + mismatch;
          continue;
        }
      } else if (lp.size() != completion_tokens && lp.size() != completion_tokens + (has_end ? 1 : 0)) {
        // A sampler may emit a non-canonical split ("0" "447" where the tokenizer says "044" "7"
        // or "0447" in fewer pieces): such a row cannot be lined up with its logprobs. A few are
        // normal and are left out (counted); if none lines up, the logprobs come from another
        // tokenizer, which is an error.
        ++st.dropped_misaligned_logprobs;
        if (first_misaligned.empty())
          first_misaligned = row_name(i, row) + ": its completion is " + std::to_string(completion_tokens) +
                             " tokens with this model's tokenizer" + (has_end ? " (+1 end-of-turn token)" : "") +
                             " but \"logprobs\" has " + std::to_string(lp.size()) + " entries";
        continue;
      }
      for (std::size_t t = 0; t < rest.size(); ++t) {
        local::SoftTarget target;
        if (t < lp.size()) {
          const std::string actual = decode_one(tok, rest[t]);
          for (const auto& [token_text, logprob] : lp[t]) {
            const std::int32_t id = token_text == actual ? rest[t] : index->id_of(token_text);
            if (id < 0) {
              ++st.unknown_logprob_tokens;
              continue;
            }
            target.ids.push_back(id);
            target.logprobs.push_back(static_cast<float>(logprob));
          }
        }
        // (an end-of-turn position without teacher entries carries no loss)
        e.soft_targets.push_back(std::move(target));
      }
    }

    if (e.ids.size() > max_len) {
      // Loss positions are the last ones, so cutting the sequence cuts the soft targets' tail.
      std::size_t kept_loss = 0;
      for (std::size_t t = 0; t < max_len; ++t) kept_loss += e.loss_mask[t];
      if (kept_loss == 0) {
        ++st.dropped_too_long;
        continue;
      }
      e.ids.resize(max_len);
      e.loss_mask.resize(max_len);
      if (!e.soft_targets.empty()) e.soft_targets.resize(kept_loss);
      ++st.truncated;
    }
    if (e.ids.size() < 2) continue;  // an empty prompt and completion: nothing to learn
    st.tokens += static_cast<std::int64_t>(e.ids.size());
    for (auto m : e.loss_mask) st.loss_tokens += m;
    out.examples.push_back(std::move(e));
  }
  st.examples = static_cast<std::int64_t>(out.examples.size());
  if (out.examples.empty() && st.dropped_misaligned_logprobs + st.dropped_token_id_mismatch > 0)
    throw UsageError("no row's \"logprobs\" line up with its completion's tokens (e.g. " +
                     (first_misaligned.empty() ? st.first_token_id_mismatch : first_misaligned) +
                     "): the logprobs must come from a model with the same tokenizer");
  if (out.examples.empty())
    throw UsageError("no training example is left: all " + std::to_string(rows.size()) +
                     " rows are longer than max_seq_length " + std::to_string(options.max_seq_length) +
                     " before their completion starts");
  std::sort(out.end_of_turn_ids.begin(), out.end_of_turn_ids.end());
  return out;
}

std::vector<std::int32_t> number_token_ids(const local::TextModel& text, const std::vector<std::int32_t>& end_ids) {
  const local::Tokenizer& tok = *text.tokenizer;
  std::vector<std::int32_t> ids(end_ids.begin(), end_ids.end());
  if (text.config.eos_token)
    if (auto eos = tok.token_to_id(*text.config.eos_token)) ids.push_back(*eos);
  const auto n = static_cast<std::int32_t>(tok.vocab_size());
  for (std::int32_t id = 0; id < n; ++id) {
    if (tok.is_special(id)) continue;
    const std::string s = decode_one(tok, id);
    if (s.empty()) continue;
    if (std::all_of(s.begin(), s.end(),
                    [](char c) { return (c >= '0' && c <= '9') || c == ',' || c == ' ' || c == '\n'; }))
      ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace sl::finetuning
