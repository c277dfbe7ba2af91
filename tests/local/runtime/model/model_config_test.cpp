// config.json / generation_config.json reading: real Qwen2.5 and Llama 3.1 shapes, defaults,
// and clear errors for what the runtime does not implement.
#include "sl/local/runtime/model/model_config.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "test_support.hpp"

namespace sl::local {
namespace {

// Qwen2.5-7B-Instruct's config.json (values as published).
const char* kQwen25 = R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645,
  "hidden_act": "silu", "hidden_size": 3584, "initializer_range": 0.02, "intermediate_size": 18944,
  "max_position_embeddings": 32768, "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 28,
  "num_hidden_layers": 28, "num_key_value_heads": 4, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "sliding_window": 131072, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.43.1",
  "use_cache": true, "use_sliding_window": false, "vocab_size": 152064})";

// Llama-3.1-8B-Instruct's config.json.
const char* kLlama31 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
  "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1,
  "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
  "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "rope_theta": 500000.0,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 128256})";

ModelConfig parse(const std::string& text) { return ModelConfig::from_json(Json::parse(text), "config.json"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelConfig, ReadsQwen25) {
  const auto c = parse(kQwen25);
  EXPECT_EQ(c.architecture, "Qwen2ForCausalLM");
  EXPECT_EQ(c.hidden_size, 3584);
  EXPECT_EQ(c.num_key_value_heads, 4);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.kv_dim(), 512);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  EXPECT_FALSE(c.rope_scaling);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.eos_token_ids, std::vector<std::int32_t>{151645});
}

TEST(ModelConfig, ReadsLlama31WithRopeScaling) {
  const auto c = parse(kLlama31);
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  ASSERT_TRUE(c.rope_scaling);
  EXPECT_DOUBLE_EQ(c.rope_scaling->factor, 8.0);
  EXPECT_EQ(c.rope_scaling->original_max_position_embeddings, 8192);
  EXPECT_EQ(c.eos_token_ids, (std::vector<std::int32_t>{128001, 128008, 128009}));
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
}

TEST(ModelConfig, RoundTripsThroughToJson) {
  const auto c = parse(kLlama31);
  const auto again = ModelConfig::from_json(c.to_json(), "again");
  EXPECT_EQ(again.to_json().dump(), c.to_json().dump());
}

TEST(ModelConfig, ClearErrors) {
  auto with = [](const std::string& key, const std::string& value) {
    Json j = Json::parse(kQwen25);
    j[key] = Json::parse(value);
    return j.dump();
  };
  EXPECT_NE(error_of(with("num_attention_heads", "\"28\""))
                .find("config.json: num_attention_heads: expected a positive integer"),
            std::string::npos);
  EXPECT_NE(error_of(with("num_key_value_heads", "5")).find("must divide"), std::string::npos);
  EXPECT_NE(error_of(with("hidden_act", "\"gelu\"")).find("\"gelu\" is not supported"), std::string::npos);
  EXPECT_NE(error_of(with("use_sliding_window", "true")).find("sliding-window"), std::string::npos);
  EXPECT_NE(error_of(with("rope_scaling", R"({"type":"yarn","factor":4})")).find("\"yarn\" is not supported"),
            std::string::npos);
  EXPECT_NE(error_of(with("eos_token_id", "[1, -2]")).find("eos_token_id[1]"), std::string::npos);
  Json j = Json::parse(kQwen25);
  j.erase("hidden_size");
  EXPECT_NE(error_of(j.dump()).find("config.json: hidden_size: missing required field"), std::string::npos);
  j = Json::parse(kQwen25);
  j.erase("architectures");
  EXPECT_NE(error_of(j.dump()).find("architectures"), std::string::npos);
}

TEST(GenerationDefaults, ReadsEosAsNumberOrList) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / "g.json", R"({"eos_token_id": [151645, 151643], "temperature": 0.7})");
  EXPECT_EQ(GenerationDefaults::from_file(dir / "g.json").eos_token_ids, (std::vector<std::int32_t>{151645, 151643}));
  sl::test::write_file(dir / "h.json", R"({"eos_token_id": 2})");
  EXPECT_EQ(GenerationDefaults::from_file(dir / "h.json").eos_token_ids, (std::vector<std::int32_t>{2}));
}

}  // namespace
}  // namespace sl::local
