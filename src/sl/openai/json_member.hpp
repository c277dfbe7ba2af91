// Reading the API's JSON answers: a required member of an object, with an error naming its path.
// Internal to sl::openai (chat and fine-tuning types share it).
#pragma once

#include "sl/core/json_decode.hpp"

namespace sl::openai {

// Member `key` of the object at `r`; a non-object or a missing member is an error naming the path.
inline json::Reader member(const json::Reader& r, const char* key) {
  if (!r.json().is_object()) r.fail_expected("an object");
  auto it = r.json().find(key);
  if (it == r.json().end()) json::Reader(r.json(), r.child_path(key)).fail("missing required field");
  return json::Reader(*it, r.child_path(key));
}

}  // namespace sl::openai
