#include "sl/experiments/pretraining/tokenizer_builder.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "sl/local/text/byte_level.hpp"
#include "sl/local/text/tokenizer.hpp"

namespace sl::pretraining {

namespace {

const std::vector<std::string> kSpecialTokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};

Json pre_tokenizer() {
  return Json{
      {"type", "Sequence"},
      {"pretokenizers",
       Json::array(
           {Json{{"type", "Split"},
                 {"pattern", Json{{"Regex", kDemoSplitPattern}}},
                 {"behavior", "Isolated"},
                 {"invert", false}},
            Json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}})}};
}

Json tokenizer_json(const std::vector<std::string>& vocab) {
  Json v = Json::object();
  for (std::size_t i = 0; i < vocab.size(); ++i) v[vocab[i]] = i;
  Json added = Json::array();
  for (std::size_t k = 0; k < kSpecialTokens.size(); ++k)
    added.push_back({{"id", vocab.size() + k},
                     {"content", kSpecialTokens[k]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  return Json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", added},
              {"normalizer", nullptr},
              {"pre_tokenizer", pre_tokenizer()},
              {"post_processor", nullptr},
              {"decoder",
               Json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
              {"model", Json{{"type", "BPE"},
                             {"dropout", nullptr},
                             {"unk_token", nullptr},
                             {"continuing_subword_prefix", nullptr},
                             {"end_of_word_suffix", nullptr},
                             {"fuse_unk", false},
                             {"byte_fallback", false},
                             {"ignore_merges", true},
                             {"vocab", v},
                             {"merges", Json::array()}}}};
}

}  // namespace

TokenizerFiles build_demo_tokenizer(const std::vector<std::string>& texts) {
  // Pass 1: a tokenizer with only the byte symbols, to split the texts into pieces exactly as
  // the final tokenizer will.
  std::vector<std::string> vocab;
  std::set<std::string> known;
  for (int b = 0; b < 256; ++b) {
    vocab.push_back(local::byte_level::encode(std::string(1, static_cast<char>(b))));
    known.insert(vocab.back());
  }
  auto splitter = local::Tokenizer::from_json_text(tokenizer_json(vocab).dump(), "demo tokenizer (draft)");
  std::map<std::string, std::size_t> counts;
  for (const auto& text : texts)
    for (auto& piece : splitter->pre_tokenize(text)) ++counts[piece];

  // Pass 2: numbers first (0..999, in order), then the corpus pieces by frequency.
  for (int n = 0; n < 1000; ++n) {
    std::string piece = std::to_string(n);
    if (known.insert(piece).second) vocab.push_back(piece);
  }
  std::vector<std::pair<std::string, std::size_t>> pieces(counts.begin(), counts.end());
  std::stable_sort(pieces.begin(), pieces.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [piece, count] : pieces) {
    if (std::find(kSpecialTokens.begin(), kSpecialTokens.end(), piece) != kSpecialTokens.end()) continue;
    if (known.insert(piece).second) vocab.push_back(piece);
  }

  TokenizerFiles files;
  files.tokenizer = tokenizer_json(vocab);
  files.vocab_size = vocab.size() + kSpecialTokens.size();
  files.pad_id = static_cast<std::int32_t>(vocab.size());
  files.eos_id = static_cast<std::int32_t>(vocab.size() + 2);
  Json added_decoder = Json::object();
  for (std::size_t k = 0; k < kSpecialTokens.size(); ++k)
    added_decoder[std::to_string(vocab.size() + k)] = {{"content", kSpecialTokens[k]}, {"lstrip", false},
                                                       {"normalized", false},          {"rstrip", false},
                                                       {"single_word", false},         {"special", true}};
  files.tokenizer_config = Json{{"added_tokens_decoder", added_decoder},
                                {"bos_token", nullptr},
                                {"eos_token", "<|im_end|>"},
                                {"pad_token", "<|endoftext|>"},
                                {"chat_template", kChatMLTemplate},
                                {"clean_up_tokenization_spaces", false},
                                {"model_max_length", 256},
                                {"tokenizer_class", "PreTrainedTokenizerFast"}};
  return files;
}

}  // namespace sl::pretraining
