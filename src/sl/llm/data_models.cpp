#include "sl/llm/data_models.hpp"

#include <algorithm>
#include <cctype>

namespace sl::llm {

void SampleCfg::validate(const json::Reader& r) const {
  auto at = [&](const char* key) { return json::Reader(r.json()[key], r.child_path(key)); };
  if (top_p && !(*top_p > 0 && *top_p <= 1)) at("top_p").fail_expected("a number above 0 and at most 1");
  if (max_tokens && *max_tokens <= 0) at("max_tokens").fail_expected("a positive integer");
  if (seed && *seed < 0) at("seed").fail_expected("a non-negative integer");
  if (logprobs && (*logprobs < 1 || *logprobs > 20)) at("logprobs").fail_expected("an integer from 1 to 20");
}

Chat build_simple_chat(const std::string& user_content, const std::optional<std::string>& system_content) {
  Chat chat;
  if (system_content) chat.messages.push_back({"system", *system_content});
  chat.messages.push_back({"user", user_content});
  return chat;
}

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::max_tokens:
      return "max_tokens";
    case StopReason::stop_sequence:
      return "stop_sequence";
    case StopReason::content_filter:
      return "content_filter";
    case StopReason::api_error:
      return "api_error";
    case StopReason::prompt_blocked:
      return "prompt_blocked";
    case StopReason::unknown:
      return "unknown";
  }
  return "unknown";
}

StopReason parse_stop_reason(std::string_view text) {
  if (text == "length" || text == "max_tokens") return StopReason::max_tokens;
  if (text == "stop" || text == "stop_sequence" || text == "end_turn" || text == "eos")
    return StopReason::stop_sequence;
  if (text == "content_filter") return StopReason::content_filter;
  if (text == "prompt_blocked") return StopReason::prompt_blocked;
  if (text == "api_error") return StopReason::api_error;
  return StopReason::unknown;
}

std::int64_t derive_seed(std::int64_t base, std::uint64_t index) {
  // splitmix64 of (base, index): neighbouring indices get unrelated seeds.
  std::uint64_t z = static_cast<std::uint64_t>(base) * 0x9E3779B97F4A7C15ULL + index + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<std::int64_t>(z & 0x7FFFFFFFULL);
}

Json model_identity(const Model& model) {
  Json out = Json::object();
  out["id"] = model.id;
  out["type"] = model.type;
  out["parent_model"] = model.parent_model ? model_identity(*model.parent_model) : Json(nullptr);
  return out;
}

}  // namespace sl::llm

namespace sl::json {

using sl::llm::LLMResponse;
using sl::llm::Model;

namespace {

bool is_env_var_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::string decode_base_url(const Reader& r) {
  if (!r.json().is_string()) r.fail_expected("an http:// or https:// URL");
  std::string url = r.json().get<std::string>();
  while (!url.empty() && url.back() == '/') url.pop_back();
  const bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  if (!http || url.find_first_of(" \t\r\n") != std::string::npos || url.find("://") + 3 >= url.size())
    r.fail_expected("an http:// or https:// URL");
  return url;
}

// "base_url": one URL, or a non-empty list of replicas serving the same models.
std::vector<std::string> decode_base_urls(const Reader& r) {
  if (r.json().is_string()) return {decode_base_url(r)};
  if (!r.json().is_array() || r.json().empty()) r.fail_expected("a URL or a non-empty list of URLs");
  std::vector<std::string> urls;
  for (std::size_t i = 0; i < r.json().size(); ++i) {
    Reader at(r.json()[i], r.child_path(i));
    std::string url = decode_base_url(at);
    if (std::find(urls.begin(), urls.end(), url) != urls.end()) at.fail("listed twice");
    urls.push_back(std::move(url));
  }
  return urls;
}

}  // namespace

Model Codec<Model>::decode(const Reader& r) {
  if (!r.json().is_object()) r.fail_expected("a model object {\"id\", \"type\"}");
  Model m;
  for (auto it = r.json().begin(); it != r.json().end(); ++it) {
    const std::string& k = it.key();
    if (k != "id" && k != "type" && k != "parent_model" && k != "base_url" && k != "api_key_env")
      Reader(*it, r.child_path(k)).fail("unknown key (known keys: id, type, parent_model, base_url, api_key_env)");
  }
  auto field = [&](const char* key) -> Reader {
    auto it = r.json().find(key);
    if (it == r.json().end()) Reader(r.json(), r.child_path(key)).fail("missing required field");
    return Reader(*it, r.child_path(key));
  };
  {
    Reader id = field("id");
    m.id = Codec<std::string>::decode(id);
    if (m.id.empty()) id.fail_expected("a non-empty model id");
  }
  {
    Reader type = field("type");
    auto c = one_of(sl::llm::model_types());
    if (!type.json().is_string() || !c.accepts(type.json().get<std::string>())) type.fail_expected(c.expected);
    m.type = type.json().get<std::string>();
  }
  if (auto urls = r.json().find("base_url"); urls != r.json().end() && !urls->is_null())
    m.base_urls = decode_base_urls(Reader(*urls, r.child_path("base_url")));
  if (auto name = r.json().find("api_key_env"); name != r.json().end() && !name->is_null()) {
    Reader at(*name, r.child_path("api_key_env"));
    if (!name->is_string() || !is_env_var_name(name->get<std::string>()))
      // Not fail_expected: the value may be a key pasted by mistake, and errors never show keys.
      at.fail("expected the name of an environment variable (letters, digits, _), not the key itself");
    m.api_key_env = name->get<std::string>();
  }
  auto parent = r.json().find("parent_model");
  if (parent != r.json().end() && !parent->is_null())
    m.parent_model = std::make_shared<Model>(decode(Reader(*parent, r.child_path("parent_model"))));
  return m;
}

Json Codec<Model>::encode(const Model& m) {
  Json out = Json::object();
  out["id"] = m.id;
  out["type"] = m.type;
  out["parent_model"] = m.parent_model ? encode(*m.parent_model) : Json(nullptr);
  // Written only when set, so that model files without them stay as they were.
  if (m.base_urls.size() == 1) out["base_url"] = m.base_urls.front();
  if (m.base_urls.size() > 1) out["base_url"] = m.base_urls;
  if (m.api_key_env) out["api_key_env"] = *m.api_key_env;
  return out;
}

sl::llm::StopReason Codec<sl::llm::StopReason>::decode(const Reader& r) {
  if (!r.json().is_string()) r.fail_expected("a stop reason string");
  return sl::llm::parse_stop_reason(r.json().get<std::string>());
}

sl::llm::TokenLogprobs Codec<sl::llm::TokenLogprobs>::decode(const Reader& r) {
  if (!r.json().is_object()) r.fail_expected(expected());
  sl::llm::TokenLogprobs out;
  for (auto it = r.json().begin(); it != r.json().end(); ++it)
    out.emplace_back(it.key(), Codec<double>::decode(Reader(*it, r.child_path(it.key()))));
  return out;
}

Json Codec<sl::llm::TokenLogprobs>::encode(const sl::llm::TokenLogprobs& v) {
  Json out = Json::object();
  for (const auto& [token, lp] : v) out[token] = lp;
  return out;
}

LLMResponse Codec<LLMResponse>::decode(const Reader& r) {
  if (!r.json().is_object()) r.fail_expected("a response object");
  LLMResponse out;
  for (auto it = r.json().begin(); it != r.json().end(); ++it) {
    const std::string& k = it.key();
    Reader v(*it, r.child_path(k));
    if (k == "model_id") out.model_id = Codec<std::string>::decode(v);
    else if (k == "completion") out.completion = Codec<std::string>::decode(v);
    else if (k == "stop_reason") out.stop_reason = Codec<sl::llm::StopReason>::decode(v);
    else if (k == "logprobs") out.logprobs = Codec<std::optional<std::vector<sl::llm::TokenLogprobs>>>::decode(v);
    else if (k == "token_ids") out.token_ids = Codec<std::optional<std::vector<std::int32_t>>>::decode(v);
    else v.fail("unknown key (known keys: model_id, completion, stop_reason, logprobs, token_ids)");
  }
  if (r.json().find("completion") == r.json().end())
    Reader(r.json(), r.child_path("completion")).fail("missing required field");
  return out;
}

Json Codec<LLMResponse>::encode(const LLMResponse& v) {
  Json out = Json::object();
  out["model_id"] = v.model_id;
  out["completion"] = v.completion;
  out["stop_reason"] = sl::llm::to_string(v.stop_reason);
  out["logprobs"] = Codec<std::optional<std::vector<sl::llm::TokenLogprobs>>>::encode(v.logprobs);
  if (v.token_ids) out["token_ids"] = Codec<std::vector<std::int32_t>>::encode(*v.token_ids);  // absent when unknown
  return out;
}

}  // namespace sl::json
