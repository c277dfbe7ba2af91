#include "tiny_checkpoint.hpp"

#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/lora_adapter.hpp"

namespace sl::test {

namespace fs = std::filesystem;
using sl::Json;

sl::local::ModelConfig tiny_config(const TinyModel& m) {
  sl::local::ModelConfig c;
  c.architecture = m.architecture;
  c.model_type = m.architecture == "LlamaForCausalLM" ? "llama" : "qwen2";
  c.vocab_size = m.vocab;
  c.hidden_size = m.hidden;
  c.intermediate_size = m.intermediate;
  c.num_hidden_layers = m.layers;
  c.num_attention_heads = m.heads;
  c.num_key_value_heads = m.kv_heads;
  c.head_dim = m.hidden / m.heads;
  c.max_position_embeddings = m.max_positions;
  c.rms_norm_eps = 1e-6;
  c.rope_theta = m.llama3_scaling ? 500000.0 : 10000.0;
  if (m.llama3_scaling) c.rope_scaling = sl::local::Llama3RopeScaling{8.0, 1.0, 4.0, 64};
  c.tie_word_embeddings = m.tied;
  c.bos_token_id = kEndOfText;
  c.eos_token_ids = {kEndOfText};
  return c;
}

namespace {

// GPT-2's byte-to-unicode table: printable bytes stand for themselves, the others are shifted
// to code points from 256 up, so that every byte is a visible character in vocab strings.
std::string byte_to_unicode(int b) {
  auto printable = [](int x) { return (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255); };
  int cp = b;
  if (!printable(b)) {
    int n = 0;
    for (int x = 0; x < b; ++x)
      if (!printable(x)) ++n;
    cp = 256 + n;
  }
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

}  // namespace

void write_tiny_tokenizer(const fs::path& dir) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_to_unicode(b)] = b;
  Json added = Json::array();
  const std::pair<const char*, int> specials[] = {
      {"<|endoftext|>", kEndOfText}, {"<|im_start|>", kImStart}, {"<|im_end|>", kImEnd}};
  for (const auto& [content, id] : specials) {
    added.push_back({{"id", id},
                     {"content", content},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  Json tokenizer = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", Json::array()}}}};
  fs::create_directories(dir);
  files::write_atomic(dir / "tokenizer.json", tokenizer.dump());
  Json config = {{"bos_token", nullptr},
                 {"eos_token", "<|im_end|>"},
                 {"pad_token", "<|endoftext|>"},
                 {"chat_template",
                  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                  "'<|im_end|>' + '\\n'}}"
                  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"}};
  files::write_atomic(dir / "tokenizer_config.json", config.dump(2));
}

fs::path write_tiny_checkpoint(const fs::path& dir, const TinyModel& m) {
  const auto config = tiny_config(m);
  auto weights = sl::local::random_weights(config, m.seed, m.init_std);
  std::vector<std::pair<std::string, torch::Tensor>> named(weights.begin(), weights.end());
  sl::local::save_checkpoint(dir, config, named);
  write_tiny_tokenizer(dir);
  files::write_atomic(dir / "generation_config.json",
                      Json{{"eos_token_id", Json::array({kImEnd, kEndOfText})}}.dump(2));
  return dir;
}

void write_tiny_adapter(const fs::path& dir, const TinyModel& base, std::uint64_t seed) {
  const auto config = tiny_config(base);
  sl::local::LoraAdapterConfig adapter;
  adapter.lora.r = 4;
  adapter.lora.lora_alpha = 8;
  adapter.lora.target_modules = {"q_proj", "v_proj"};
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    for (const auto& [name, out] : {std::pair{"q_proj", config.q_dim()}, std::pair{"v_proj", config.kv_dim()}}) {
      const std::string module = "model.layers." + std::to_string(i) + ".self_attn." + name;
      tensors.emplace_back(sl::local::peft_tensor_name(module, 'A'),
                           at::normal(0.0, 0.5, {4, config.hidden_size}, gen));
      tensors.emplace_back(sl::local::peft_tensor_name(module, 'B'), at::normal(0.0, 0.5, {out, 4}, gen));
    }
  }
  fs::create_directories(dir);
  files::write_atomic(dir / "adapter_config.json", adapter.to_json().dump(2));
  sl::local::save_safetensors(dir / "adapter_model.safetensors", tensors);
}

}  // namespace sl::test
