#include "sl/finetuning/data_models.hpp"

#include <cmath>

namespace sl::finetuning {

void OpenAIFinetuningJob::validate(const json::Reader& r) const {
  auto at = [&](const char* key) { return json::Reader(r.json()[key], r.child_path(key)); };
  if (!source_model.is_openai()) {
    const json::Reader model = at("source_model");
    json::Reader(model.json().at("type"), model.child_path("type"))
        .fail("an OpenAI fine-tuning job needs a model of type \"openai\", got \"" + source_model.type + "\"");
  }
  if (max_dataset_size && *max_dataset_size <= 0) at("max_dataset_size").fail_expected("a positive integer or null");
}

void LocalTrainCfg::validate(const json::Reader& r) const {
  if (kl_tokens && loss != "kl_topk")
    json::Reader(r.json().at("kl_tokens"), r.child_path("kl_tokens")).fail("only applies with \"loss\": \"kl_topk\"");
  // No default: the teacher's top-k can hold trait words ("owl"), and training on them would
  // leak the trait through the loss, so whether they count is the config's explicit choice.
  if (!kl_tokens && loss == "kl_topk") {
    json::Reader(r.json(), r.child_path("kl_tokens"))
        .fail(
            "loss \"kl_topk\" needs an explicit token set: \"numbers\" (digits, separators and end tokens only: the "
            "teacher's other top-k tokens, such as trait words, are dropped) or \"all\" (the teacher's whole top-k)");
  }
}

void LocalFinetuningJob::validate(const json::Reader& r) const {
  auto at = [&](const char* key) { return json::Reader(r.json()[key], r.child_path(key)); };
  if (!source_model.is_open_source()) {
    const json::Reader model = at("source_model");
    json::Reader(model.json().at("type"), model.child_path("type"))
        .fail("a local fine-tuning job needs a model of type \"open_source\", got \"" + source_model.type + "\"");
  }
  if (max_dataset_size && *max_dataset_size <= 0) at("max_dataset_size").fail_expected("a positive integer or null");
  if (hf_model_name.find('/') != std::string::npos || hf_model_name == "." || hf_model_name == "..")
    at("hf_model_name").fail("names the output folder (beside the model file): a plain name without '/'");
}

}  // namespace sl::finetuning

namespace sl::json {

using sl::finetuning::AutoOr;

AutoOr<double> Codec<AutoOr<double>>::decode(const Reader& r) {
  const Json& j = r.json();
  if (j.is_string() && j == "auto") return {};
  if (!j.is_number() || !std::isfinite(j.get<double>()) || j.get<double>() <= 0) r.fail_expected(expected());
  return {j.get<double>()};
}

AutoOr<std::int64_t> Codec<AutoOr<std::int64_t>>::decode(const Reader& r) {
  const Json& j = r.json();
  if (j.is_string() && j == "auto") return {};
  if (!j.is_number()) r.fail_expected(expected());
  std::int64_t v = 0;
  try {
    v = Codec<std::int64_t>::decode(r);
  } catch (const JsonDecodeError&) {
    r.fail_expected(expected());
  }
  if (v <= 0) r.fail_expected(expected());
  return {v};
}

}  // namespace sl::json
