#include "sl/llm/sample_missing.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/progress.hpp"

namespace sl::llm {

SampleOutcome sample_missing(Backend& backend, JournalSession& journal, const IndexedRequests& work) {
  SampleOutcome outcome;
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < work.size; ++i) {
    if (!journal.shard().owns(i)) continue;
    ++outcome.owned;
    if (!work.done(i)) missing.push_back(i);
  }
  outcome.reused = outcome.owned - missing.size();
  if (outcome.reused)
    spdlog::info("journal {}: {} of {} {} already there", journal.path().string(), outcome.reused, outcome.owned,
                 work.noun);
  if (missing.empty()) return outcome;

  std::vector<SampleRequest> requests;
  requests.reserve(missing.size());
  for (std::size_t i : missing) requests.push_back(work.request(i));

  Progress progress(work.progress_label, outcome.owned, outcome.reused);
  backend.sample(requests, [&](std::size_t k, LLMResponse response) {
    const std::size_t i = missing.at(k);
    journal.append(work.record(i, response));
    work.keep(i, std::move(response));
    ++outcome.sampled;
    progress.advance();
  });
  journal.sync();
  if (outcome.sampled < missing.size()) {
    if (interrupt::requested()) {
      outcome.interrupted = true;
      return outcome;
    }
    throw Error(work.who + " returned " + std::to_string(outcome.sampled) + " of " + std::to_string(missing.size()) +
                " " + work.noun + " without an error");
  }
  progress.finish();
  return outcome;
}

}  // namespace sl::llm
