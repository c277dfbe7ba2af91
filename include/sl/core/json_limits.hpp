// Limits on JSON read from outside (model folders, configs, datasets, journals, server
// answers): a document or line over them is a clear error, not gigabytes of parsed values or a
// stack overflow in code that walks them. json::parse checks them; readers that call nlohmann
// directly call check_limits first. The largest real inputs are far below: a tokenizer.json of
// a 256k vocabulary is ~35 MB, and real files nest fewer than 20 levels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sl::json {

inline constexpr std::size_t kMaxDocumentBytes = 256u << 20;  // 256 MiB
inline constexpr std::size_t kMaxLineBytes = 64u << 20;       // one JSONL line: 64 MiB
inline constexpr std::size_t kMaxDepth = 512;                 // nested arrays and objects

// Throws a UsageError naming `where` when `text` is over `max_bytes` ("<where>: <what> of N
// bytes is over the limit of M bytes") or nests deeper than kMaxDepth.
void check_limits(std::string_view text, const std::string& where, std::size_t max_bytes = kMaxDocumentBytes,
                  const char* what = "JSON document");

}  // namespace sl::json
