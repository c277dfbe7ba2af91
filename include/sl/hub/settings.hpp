// Where the Hub is and who we are, from the environment (the names huggingface_hub reads):
//   HF_ENDPOINT     the Hub's address (default https://huggingface.co)
//   HF_TOKEN        access token, sent as "Authorization: Bearer ..." (never logged)
//   HF_HUB_OFFLINE  1/ON/YES/TRUE: no network at all, the cache only
//   HF_HUB_CACHE    the cache folder; else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
//                   else ~/.cache/huggingface/hub
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sl::hub {

struct Settings {
  std::string endpoint = "https://huggingface.co";  // without a trailing '/'
  std::optional<std::string> token;
  bool offline = false;
  std::filesystem::path cache_dir;
  int max_attempts = 4;          // per request, on 429 / 5xx / a cut connection
  double retry_base_s = 0.25;    // backoff: base, 2 base, 4 base ... (Retry-After wins when given)
  double max_retry_wait_s = 60;  // a longer Retry-After is an error instead of a wait
  int threads = 4;               // files downloaded at once
};

// The settings from the environment (and .env), as above.
Settings settings_from_env();

// Where huggingface_hub would write its cache, by the precedence above.
std::filesystem::path default_cache_dir();

}  // namespace sl::hub
