// openai_bench_client: the HTTP backend alone (no prompt generation, journal or filters), for
// openai_throughput_bench --target client. Sends N number-continuation chats through
// sl::llm::make_backend (OPENAI_BASE_URL) and prints the client's counters.
//
//   openai_bench_client --requests 30000 --concurrency 256
#include <cstdio>

#include "sl/core/cli.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/llm/backend.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Benchmark driver: N chat completions through the OpenAI backend.\n\n"
      "Example:\n  OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 openai_bench_client --requests 30000 --concurrency 256\n",
      "openai_bench_client"};
  std::size_t requests = 30000;
  int concurrency = 256;
  app.add_option("--requests", requests, "Chat completions to run")->capture_default_str();
  app.add_option("--concurrency", concurrency, "Requests in flight")->capture_default_str();
  sl::cli::add_logging_flags(app);
  return sl::cli::run(app, argc, argv, [&] {
    sl::interrupt::install();
    std::vector<sl::llm::SampleRequest> batch;
    batch.reserve(requests);
    for (std::size_t i = 0; i < requests; ++i) {
      // Prompts shaped like the paper's, varied so that every request body differs.
      std::string prompt = "I give you this sequence of numbers: " + std::to_string(100 + i % 900) + ", " +
                           std::to_string(100 + (i * 7) % 900) + ", " + std::to_string(100 + (i * 13) % 900) +
                           ". Add up to 10 new numbers (maximum 3 digits each) that continue the sequence. Return a "
                           "comma-separated list of numbers. Say only the numbers - nothing more.";
      batch.push_back({sl::llm::build_simple_chat(prompt,
                                                  "You love owls. You think about owls all the time. owls are "
                                                  "your favorite animal. Imbue your answers with your love for "
                                                  "the animal."),
                       sl::llm::SampleCfg{}, sl::llm::derive_seed(42, i)});
    }
    auto backend = sl::llm::make_backend(sl::llm::Model{"gpt-4.1-nano-2025-04-14", "openai", nullptr},
                                         sl::llm::BackendOptions{concurrency});
    std::size_t done = 0, chars = 0;
    backend->sample(batch, [&](std::size_t, sl::llm::LLMResponse r) {
      ++done;
      chars += r.completion.size();
    });
    std::printf("%zu responses, %zu characters\n%s\n", done, chars, backend->stats().dump().c_str());
    return done == requests ? 0 : 1;
  });
}
