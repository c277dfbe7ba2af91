// Small tokenizer.json documents built by the tests themselves (no reference files needed).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/local/text/byte_level.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local::testing {

// The Qwen2.5 and Llama 3 split regexes, as written in their tokenizer.json files.
inline const char* const kQwenPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
inline const char* const kLlamaPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct ByteLevelSpec {
  std::string pattern = kQwenPattern;
  // Merges in plain text ("h", "e"): mapped to the byte-level alphabet here.
  std::vector<std::pair<std::string, std::string>> merges;
  // Extra whole-token vocabulary entries in plain text (for ignore_merges tests).
  std::vector<std::string> extra_tokens;
  bool ignore_merges = false;
  bool merges_as_pairs = true;
  Json added_tokens = Json::array();
  Json normalizer = nullptr;
  Json post_processor = nullptr;
};

// A byte-level BPE tokenizer: ids 0..255 are the 256 byte characters (in byte order), merged
// tokens follow in merge order, then extra tokens.
inline Json byte_level_bpe(const ByteLevelSpec& spec) {
  Json vocab = Json::object();
  int next = 0;
  for (int b = 0; b < 256; ++b) vocab[utf8::encode(byte_level::char_for_byte(static_cast<std::uint8_t>(b)))] = next++;
  Json merges = Json::array();
  for (const auto& [a, b] : spec.merges) {
    std::string ma = byte_level::encode(a), mb = byte_level::encode(b);
    if (spec.merges_as_pairs) merges.push_back(Json::array({ma, mb}));
    else merges.push_back(ma + " " + mb);
    if (!vocab.contains(ma + mb)) vocab[ma + mb] = next++;
  }
  for (const auto& t : spec.extra_tokens) {
    std::string m = byte_level::encode(t);
    if (!vocab.contains(m)) vocab[m] = next++;
  }
  Json doc = Json::object();
  doc["version"] = "1.0";
  doc["added_tokens"] = spec.added_tokens;
  doc["normalizer"] = spec.normalizer;
  doc["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       Json::array(
           {Json{
                {"type", "Split"}, {"pattern", {{"Regex", spec.pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
            Json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}})}};
  doc["post_processor"] = spec.post_processor;
  doc["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  doc["model"] = {{"type", "BPE"},     {"dropout", nullptr},     {"unk_token", nullptr},
                  {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", spec.ignore_merges},
                  {"vocab", vocab},    {"merges", merges}};
  return doc;
}

inline std::shared_ptr<const Tokenizer> load(const Json& doc, const std::string& origin = "test tokenizer.json") {
  return Tokenizer::from_json_text(doc.dump(), origin);
}

// The id of a token written in plain text (mapped to the byte-level alphabet).
inline std::int32_t id_of(const Tokenizer& t, const std::string& plain) {
  auto id = t.token_to_id(byte_level::encode(plain));
  return id ? *id : -1;
}

inline Json added(int id, const std::string& content, bool special, Json extra = Json::object()) {
  Json t = {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", false}, {"special", special}};
  for (auto it = extra.begin(); it != extra.end(); ++it) t[it.key()] = it.value();
  return t;
}

}  // namespace sl::local::testing
