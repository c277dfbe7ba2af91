#include "sl/core/cli.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <string>

#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/logging.hpp"

namespace sl::cli {

namespace {
int g_verbosity = 0;
bool g_quiet = false;
}  // namespace

void add_logging_flags(CLI::App& app) {
  app.add_flag("-v,--verbose", g_verbosity, "More log output (repeat for trace)");
  app.add_flag("-q,--quiet", g_quiet, "Only warnings and errors on stderr");
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::fputs(e.what(), stdout);
    return kExitOk;
  } catch (const CLI::RequiredError& e) {
    // CLI11 checks required options before arguments it did not understand, so a mistyped flag
    // would be reported as a missing one: name what was not understood instead.
    std::string message = e.what();
    if (const auto extras = app.remaining(true); !extras.empty()) {
      message = "The following argument" + std::string(extras.size() > 1 ? "s were" : " was") + " not expected:";
      for (const auto& extra : extras) message += " " + extra;
    }
    std::fprintf(stderr, "%s: error: %s (see --help)\n", app.get_name().c_str(), message.c_str());
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: error: %s (see --help)\n", app.get_name().c_str(), e.what());
    return kExitUsage;
  }
  return std::nullopt;
}

int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  const std::string program = app.get_name();
  if (const auto stop = parse(app, argc, argv)) return *stop;
  logging::init(g_quiet ? -1 : g_verbosity);
  try {
    int rc = body();
    if (rc == kExitOk && interrupt::requested()) return kExitInterrupted;
    return rc;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return interrupt::requested() ? kExitInterrupted : kExitFailure;
  }
}

}  // namespace sl::cli
