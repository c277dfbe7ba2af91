// Sampling the part of a resumable run that its journal does not hold yet.
//
// A step describes its work as N indexed requests (see sl/core/journal_session.hpp): which
// indices are done, the request for an index, the journal record for an answer, and where the
// answer goes in memory. sample_missing() asks the backend for the indices that the session's
// shard owns and that are not done, journals each answer as it arrives, and reports how far it
// got.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "sl/core/journal_session.hpp"
#include "sl/core/json.hpp"
#include "sl/llm/backend.hpp"

namespace sl::llm {

struct IndexedRequests {
  std::size_t size = 0;                                               // indices 0 .. size-1
  std::function<bool(std::size_t index)> done;                        // answered already (replayed)
  std::function<SampleRequest(std::size_t index)> request;            // what to ask for an index
  std::function<Json(std::size_t index, const LLMResponse&)> record;  // its journal record
  std::function<void(std::size_t index, LLMResponse)> keep;           // stores the answer in memory
  std::string progress_label;                                         // "generate_dataset", "judge alignment"
  std::string who;   // who answers, for errors: "the backend", "judge \"alignment\""
  std::string noun;  // what an answer is, plural: "answers", "verdicts"
};

struct SampleOutcome {
  std::size_t owned = 0;     // indices of the session's shard
  std::size_t reused = 0;    // of those, done before this call
  std::size_t sampled = 0;   // answers that arrived in this call
  bool interrupted = false;  // stopped by an interrupt (sl::interrupt) before all arrived
};

// Samples every index that `journal`'s shard owns and `work.done` says is missing, in one
// backend call (requests in index order), appending `work.record` to the journal and calling
// `work.keep` for each answer. Throws sl::Error when the backend returns fewer answers than asked
// without an error or an interrupt.
SampleOutcome sample_missing(Backend& backend, JournalSession& journal, const IndexedRequests& work);

}  // namespace sl::llm
