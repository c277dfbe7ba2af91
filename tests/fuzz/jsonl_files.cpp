// JSON Lines inputs: datasets (DatasetRow), evaluation results, and the resumable-run journals
// (torn last lines, headers of other runs, records the tools cannot decode).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fuzz_input.hpp"
#include "sl/core/journal_session.hpp"
#include "sl/core/jsonl.hpp"
#include "sl/datasets/data_models.hpp"
#include "sl/evaluation/data_models.hpp"
#include "sl/llm/data_models.hpp"

namespace {

namespace fs = std::filesystem;

// A folder of this process for the journal (tmpfs when there is one: journals fsync).
const fs::path& scratch() {
  static const fs::path dir = [] {
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("sl_fuzz_jsonl_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

template <class T>
void read_rows(std::string_view text) {
  sl::fuzz::expect_clean([&] {
    sl::jsonl::for_each_line(text, "fuzz.jsonl",
                             [](const sl::Json& j, std::size_t) { (void)sl::json::decode_value<T>(j); });
  });
}

void replay_journal(std::string_view text) {
  const fs::path output = scratch() / "answers.jsonl";
  {
    std::ofstream out(sl::journal_path_for(output), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  sl::fuzz::expect_clean([&] {
    sl::JournalIdentity identity{"generate_dataset", 1,        "sampling", sl::Json{{"seed", 1}},
                                 "the same config",  "answers"};
    sl::JournalSession session(output, identity, /*restart=*/false);
    // What generate_dataset and run_evaluation read back from their records.
    session.replay([](const sl::Json& rec) {
      (void)rec.at("i").get<std::size_t>();
      (void)rec.at("completion").get<std::string>();
      if (rec.contains("logprobs") && !rec["logprobs"].is_null())
        (void)sl::json::decode_value<std::vector<sl::llm::TokenLogprobs>>(rec["logprobs"]);
      if (rec.contains("response")) (void)sl::json::decode_value<sl::llm::LLMResponse>(rec.at("response"));
    });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = sl::fuzz::as_text(data, size);
  read_rows<sl::datasets::DatasetRow>(text);
  read_rows<sl::evaluation::EvaluationResultRow>(text);
  replay_journal(text);
  return 0;
}
