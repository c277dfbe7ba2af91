#include "sl/local/runtime/model/model_config.hpp"

#include <cmath>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::local {

namespace {

using json::Reader;

// Reads config keys with paths prefixed by the file name, ignoring unknown keys.
class ConfigReader {
 public:
  ConfigReader(const Json& root, std::string origin) : root_(root), origin_(std::move(origin)) {
    if (!root_.is_object()) Reader(root_, origin_).fail_expected("a JSON object");
  }

  bool has(const char* key) const {
    auto it = root_.find(key);
    return it != root_.end() && !it->is_null();
  }
  Reader at(const char* key) const { return Reader(root_.at(key), origin_ + ": " + key); }
  [[noreturn]] void fail(const char* key, const std::string& detail) const {
    throw UsageError(origin_ + ": " + key + ": " + detail);
  }

  std::int64_t positive_int(const char* key) const {
    if (!has(key)) fail(key, "missing required field");
    return positive_int_or(key, 0);
  }
  std::int64_t positive_int_or(const char* key, std::int64_t fallback) const {
    if (!has(key)) return fallback;
    Reader r = at(key);
    if (!r.json().is_number()) r.fail_expected("a positive integer");
    auto v = json::decode<std::int64_t>(r);
    if (v <= 0) r.fail_expected("a positive integer");
    return v;
  }
  double positive_number_or(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    Reader r = at(key);
    if (!r.json().is_number()) r.fail_expected("a positive number");
    double v = r.json().get<double>();
    if (!(v > 0) || !std::isfinite(v)) r.fail_expected("a positive number");
    return v;
  }
  bool boolean_or(const char* key, bool fallback) const { return has(key) ? json::decode<bool>(at(key)) : fallback; }
  std::string string_or(const char* key, std::string fallback) const {
    return has(key) ? json::decode<std::string>(at(key)) : fallback;
  }
  // An id or a list of ids (eos_token_id may be either).
  std::vector<std::int32_t> token_ids(const char* key) const {
    std::vector<std::int32_t> out;
    if (!has(key)) return out;
    Reader r = at(key);
    auto one = [&](const Json& v, const std::string& path) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > INT32_MAX)
        Reader(v, path).fail_expected("a token id (non-negative integer)");
      out.push_back(static_cast<std::int32_t>(v.get<std::int64_t>()));
    };
    if (r.json().is_array()) {
      for (std::size_t i = 0; i < r.json().size(); ++i) one(r.json()[i], r.child_path(i));
    } else {
      one(r.json(), r.path());
    }
    return out;
  }

  const Json& root() const { return root_; }
  const std::string& origin() const { return origin_; }

 private:
  const Json& root_;
  std::string origin_;
};

std::optional<Llama3RopeScaling> read_rope_scaling(const ConfigReader& c) {
  if (!c.has("rope_scaling")) return std::nullopt;
  Reader r = c.at("rope_scaling");
  if (!r.json().is_object()) r.fail_expected("an object or null");
  ConfigReader s(r.json(), r.path());
  // transformers accepts "type" (older configs) or "rope_type".
  std::string type = s.string_or("rope_type", s.string_or("type", ""));
  if (type == "default") return std::nullopt;
  if (type != "llama3")
    throw UsageError(r.path() + ": rope scaling type \"" + type +
                     "\" is not supported (supported: \"llama3\", \"default\")");
  Llama3RopeScaling out;
  out.factor = s.positive_number_or("factor", out.factor);
  out.low_freq_factor = s.positive_number_or("low_freq_factor", out.low_freq_factor);
  out.high_freq_factor = s.positive_number_or("high_freq_factor", out.high_freq_factor);
  out.original_max_position_embeddings =
      s.positive_int_or("original_max_position_embeddings", out.original_max_position_embeddings);
  if (!(out.high_freq_factor > out.low_freq_factor))
    throw UsageError(r.path() + ": high_freq_factor must be above low_freq_factor");
  return out;
}

}  // namespace

ModelConfig ModelConfig::from_json(const Json& config, const std::string& origin) {
  ConfigReader c(config, origin);
  ModelConfig m;
  if (!c.has("architectures")) c.fail("architectures", "missing required field (e.g. [\"Qwen2ForCausalLM\"])");
  {
    Reader r = c.at("architectures");
    if (!r.json().is_array() || r.json().size() != 1 || !r.json()[0].is_string())
      r.fail_expected("a list with one architecture name");
    m.architecture = r.json()[0].get<std::string>();
  }
  m.model_type = c.string_or("model_type", "");
  m.vocab_size = c.positive_int("vocab_size");
  m.hidden_size = c.positive_int("hidden_size");
  m.intermediate_size = c.positive_int("intermediate_size");
  m.num_hidden_layers = c.positive_int("num_hidden_layers");
  m.num_attention_heads = c.positive_int("num_attention_heads");
  m.num_key_value_heads = c.positive_int_or("num_key_value_heads", m.num_attention_heads);
  if (m.num_attention_heads % m.num_key_value_heads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads (" + std::to_string(m.num_attention_heads) + ")");
  if (!c.has("head_dim") && m.hidden_size % m.num_attention_heads != 0)
    c.fail("num_attention_heads", "must divide hidden_size (" + std::to_string(m.hidden_size) + ")");
  m.head_dim = c.positive_int_or("head_dim", m.hidden_size / m.num_attention_heads);
  if (m.head_dim % 2 != 0) c.fail("head_dim", "must be even for rotary embeddings");
  m.max_position_embeddings = c.positive_int_or("max_position_embeddings", 2048);
  m.rms_norm_eps = c.positive_number_or("rms_norm_eps", 1e-6);
  m.rope_theta = c.positive_number_or("rope_theta", 10000.0);
  m.rope_scaling = read_rope_scaling(c);
  m.tie_word_embeddings = c.boolean_or("tie_word_embeddings", false);
  m.attention_bias = c.boolean_or("attention_bias", false);
  m.mlp_bias = c.boolean_or("mlp_bias", false);
  m.torch_dtype = c.string_or("torch_dtype", "float32");
  if (auto bos = c.token_ids("bos_token_id"); !bos.empty()) m.bos_token_id = bos.front();
  m.eos_token_ids = c.token_ids("eos_token_id");

  const std::string act = c.string_or("hidden_act", "silu");
  if (act != "silu") c.fail("hidden_act", "\"" + act + "\" is not supported (only \"silu\")");
  if (c.boolean_or("use_sliding_window", false))
    c.fail("use_sliding_window", "sliding-window attention is not supported");
  if (c.has("pretraining_tp") && c.positive_int_or("pretraining_tp", 1) != 1)
    c.fail("pretraining_tp", "only 1 is supported");
  return m;
}

ModelConfig ModelConfig::from_file(const std::filesystem::path& config_json) {
  return from_json(json::parse(files::read_text(config_json), config_json.string()), config_json.string());
}

Json ModelConfig::to_json() const {
  Json j = Json::object();
  j["architectures"] = Json::array({architecture});
  j["model_type"] = model_type;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  if (head_dim != hidden_size / num_attention_heads) j["head_dim"] = head_dim;
  j["max_position_embeddings"] = max_position_embeddings;
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  if (rope_scaling) {
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", rope_scaling->factor},
                         {"low_freq_factor", rope_scaling->low_freq_factor},
                         {"high_freq_factor", rope_scaling->high_freq_factor},
                         {"original_max_position_embeddings", rope_scaling->original_max_position_embeddings}};
  } else {
    j["rope_scaling"] = nullptr;
  }
  j["tie_word_embeddings"] = tie_word_embeddings;
  if (model_type == "llama") {
    j["attention_bias"] = attention_bias;
    j["mlp_bias"] = mlp_bias;
  }
  j["hidden_act"] = "silu";
  j["torch_dtype"] = torch_dtype;
  if (bos_token_id) j["bos_token_id"] = *bos_token_id;
  if (eos_token_ids.size() == 1) j["eos_token_id"] = eos_token_ids.front();
  else if (!eos_token_ids.empty()) j["eos_token_id"] = eos_token_ids;
  return j;
}

GenerationDefaults GenerationDefaults::from_file(const std::filesystem::path& path) {
  GenerationDefaults g;
  const Json j = json::parse(files::read_text(path), path.string());
  ConfigReader c(j, path.string());
  g.eos_token_ids = c.token_ids("eos_token_id");
  return g;
}

}  // namespace sl::local
