// Sampling what a journal is missing: only the shard's missing indices are asked for, answers are
// journaled as they arrive, and a run split into shards merges into the same journal and answers
// as a run that was never split.
#include "sl/llm/sample_missing.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/journal_session.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sl::JournalSession;
using sl::Json;
using sl::Shard;

namespace {

// Answers each request with its prompt upper-cased, in request order; can drop the last request
// (a backend that returns early without an error) or stop after a number of answers.
class EchoBackend : public sl::llm::Backend {
 public:
  std::vector<std::string> asked;
  bool drop_last = false;
  std::optional<std::size_t> interrupt_after;

  std::string describe() const override { return "echo"; }
  void sample(const std::vector<sl::llm::SampleRequest>& requests, const sl::llm::ResultCallback& on_result) override {
    const std::size_t n = drop_last ? requests.size() - 1 : requests.size();
    for (std::size_t k = 0; k < n; ++k) {
      if (interrupt_after && asked.size() == *interrupt_after) {
        std::raise(SIGINT);  // the installed handler only sets the flag
        return;
      }
      const std::string& prompt = requests[k].chat.messages.back().content;
      asked.push_back(prompt);
      sl::llm::LLMResponse r;
      r.model_id = "echo";
      for (char c : prompt) r.completion += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      on_result(k, std::move(r));
    }
  }
};

sl::JournalIdentity identity() { return {"toy", 1, "sampling", {{"model", "echo"}}, "the original config", "answers"}; }

// A toy step over N prompts "p<i>": replays its journal, then samples what is missing.
struct ToyRun {
  std::vector<std::optional<std::string>> answers;
  sl::llm::SampleOutcome outcome;
};

ToyRun run_toy(const fs::path& out, std::size_t n, sl::llm::Backend& backend, Shard shard = {}) {
  ToyRun run;
  run.answers.resize(n);
  JournalSession journal(out, identity(), false, shard);
  journal.replay([&](const Json& r) { run.answers.at(r.at("i").get<std::size_t>()) = r.at("a").get<std::string>(); });
  run.outcome = sl::llm::sample_missing(
      backend, journal,
      {.size = n,
       .done = [&](std::size_t i) { return run.answers[i].has_value(); },
       .request =
           [&](std::size_t i) {
             return sl::llm::SampleRequest{sl::llm::build_simple_chat("p" + std::to_string(i)), {}, 0};
           },
       .record =
           [&](std::size_t i, const sl::llm::LLMResponse& r) {
             return Json{{"i", i}, {"a", r.completion}};
           },
       .keep = [&](std::size_t i, sl::llm::LLMResponse r) { run.answers[i] = std::move(r.completion); },
       .progress_label = "toy",
       .who = "the echo backend",
       .noun = "answers"});
  return run;
}

std::size_t index_of(const Json& r) { return r.at("i").get<std::size_t>(); }

}  // namespace

TEST(SampleMissing, AsksOnlyForMissingIndicesAndJournalsEachAnswer) {
  sl::test::TempDir dir;
  EchoBackend first;
  auto a = run_toy(dir / "out", 4, first);
  EXPECT_EQ(first.asked, (std::vector<std::string>{"p0", "p1", "p2", "p3"}));
  EXPECT_EQ(a.outcome.sampled, 4u);
  EXPECT_EQ(a.outcome.reused, 0u);
  EXPECT_EQ(*a.answers[2], "P2");

  EchoBackend second;
  auto b = run_toy(dir / "out", 6, second);  // a larger run reuses the first four
  EXPECT_EQ(second.asked, (std::vector<std::string>{"p4", "p5"}));
  EXPECT_EQ(b.outcome.reused, 4u);
  EXPECT_EQ(b.outcome.owned, 6u);
  EXPECT_EQ(*b.answers[5], "P5");
}

TEST(SampleMissing, FewerAnswersThanAskedIsAnErrorUnlessInterrupted) {
  sl::test::TempDir dir;
  EchoBackend dropping;
  dropping.drop_last = true;
  try {
    run_toy(dir / "out", 5, dropping);
    FAIL();
  } catch (const sl::Error& e) {
    EXPECT_EQ(std::string(e.what()), "the echo backend returned 4 of 5 answers without an error");
  }
  // What arrived is in the journal.
  EchoBackend rest;
  run_toy(dir / "out", 5, rest);
  EXPECT_EQ(rest.asked, std::vector<std::string>{"p4"});

  sl::interrupt::install();
  EchoBackend interrupted;
  interrupted.interrupt_after = 2;
  auto run = run_toy(dir / "other", 5, interrupted);
  sl::interrupt::reset();
  EXPECT_TRUE(run.outcome.interrupted);
  EXPECT_EQ(run.outcome.sampled, 2u);
}

TEST(SampleMissing, TwoShardsMergeIntoTheJournalOfOneRun) {
  sl::test::TempDir dir;
  const std::size_t n = 7;
  EchoBackend whole;
  auto one = run_toy(dir / "one/out", n, whole);

  EchoBackend rank0, rank1;
  auto s0 = run_toy(dir / "split/out", n, rank0, {0, 2});
  auto s1 = run_toy(dir / "split/out", n, rank1, {1, 2});
  EXPECT_EQ(rank0.asked, (std::vector<std::string>{"p0", "p2", "p4", "p6"}));
  EXPECT_EQ(rank1.asked, (std::vector<std::string>{"p1", "p3", "p5"}));
  EXPECT_EQ(s1.outcome.owned, 3u);
  EXPECT_FALSE(s0.answers[1]);  // a shard holds only its own part

  sl::merge_shard_journals(dir / "split/out", identity(), 2, index_of);
  // The backend answered in index order, so one run's journal is in index order too: equal bytes.
  EXPECT_EQ(sl::test::read_file(sl::journal_path_for(dir / "split/out")),
            sl::test::read_file(sl::journal_path_for(dir / "one/out")));
  EchoBackend after_merge;
  auto merged = run_toy(dir / "split/out", n, after_merge);
  EXPECT_TRUE(after_merge.asked.empty());
  EXPECT_EQ(merged.answers, one.answers);
}
