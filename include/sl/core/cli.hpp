// What every executable does around its real work: parse flags with CLI11, set up logging, and
// turn exceptions into one clear line on stderr plus an exit code.
//
//   int main(int argc, char** argv) {
//     CLI::App app{"description", "generate_dataset"};
//     ... add options ...
//     return sl::cli::run(app, argc, argv, [&] { ...; return 0; });
//   }
//
// Exit codes: 0 success, 1 runtime failure (network, server, model, I/O), 2 usage or
// configuration error, 130 interrupted by Ctrl-C.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace sl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// Adds -v/--verbose (repeatable) and -q/--quiet, read by run().
void add_logging_flags(CLI::App& app);

// Parses argv, initialises logging, runs `body`, maps exceptions to exit codes.
int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// Only the parsing part of run(), for programs that handle their own errors (benchmarks): the
// exit code to stop with (0 after printing --help, kExitUsage after printing a usage error
// naming the program), or nullopt to go on.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

}  // namespace sl::cli
