// Configuration files (cfgs/*.json: an object of named configurations) through the strict JSON
// decoder: every named entry is decoded as each configuration type the tools read (dataset,
// fine-tuning job, evaluation, model file, job state, prompt templates).
#include "fuzz_input.hpp"
#include "sl/core/json.hpp"
#include "sl/core/json_decode.hpp"
#include "sl/datasets/data_models.hpp"
#include "sl/datasets/nums_prompts.hpp"
#include "sl/evaluation/data_models.hpp"
#include "sl/finetuning/data_models.hpp"
#include "sl/llm/data_models.hpp"

namespace {

template <class T>
void decode_as(const sl::Json& value, const std::string& name) {
  sl::fuzz::expect_clean([&] {
    const T decoded = sl::json::decode_value<T>(value, name);
    (void)sl::json::dump(sl::json::encode(decoded));
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sl::fuzz::expect_clean([&] {
    const sl::Json doc = sl::json::parse(sl::fuzz::as_text(data, size), "fuzz.json");
    if (!doc.is_object()) return;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      decode_as<sl::datasets::DatasetCfg>(it.value(), it.key());
      decode_as<sl::finetuning::FinetuningJobCfg>(it.value(), it.key());
      decode_as<sl::evaluation::EvaluationCfg>(it.value(), it.key());
      decode_as<sl::llm::Model>(it.value(), it.key());
      decode_as<sl::finetuning::JobState>(it.value(), it.key());
      decode_as<sl::datasets::NumsPromptTemplates>(it.value(), it.key());
    }
  });
  return 0;
}
