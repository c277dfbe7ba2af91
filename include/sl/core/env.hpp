// Environment variables, with `.env` support.
//
// Settings such as OPENAI_API_KEY come from the process environment or from a `.env` file in
// the working directory (KEY=VALUE lines, '#' comments, optional quotes, optional `export `).
// The process environment wins. Values read here are never logged.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sl::env {

// Reads `.env` from the working directory once (later calls are no-ops). A malformed line is a
// UsageError naming the file and line.
void load_dotenv(const std::filesystem::path& path = ".env");

// The value of `name`: the process environment first, then `.env` (loaded on first use).
// Empty values count as unset.
std::optional<std::string> get(std::string_view name);

std::string get_or(std::string_view name, std::string fallback);

// Forget any loaded `.env` (tests).
void reset_for_tests();

}  // namespace sl::env
