#include "sl/local/runtime/train/job_fingerprint.hpp"

#include <string_view>

#include "sl/core/hash.hpp"
#include "sl/core/json.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::local {

namespace {

std::uint64_t hash_count(std::uint64_t n, std::uint64_t h) {
  return hash::fnv1a64(std::string_view(reinterpret_cast<const char*>(&n), sizeof n), h);
}

// The bytes of a vector, preceded by its length (so that [a][bc] and [ab][c] differ).
template <class T>
std::uint64_t hash_values(const std::vector<T>& v, std::uint64_t h) {
  h = hash_count(v.size(), h);
  return hash::fnv1a64(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)), h);
}

}  // namespace

std::string job_fingerprint(const TrainingJob& job, const std::vector<TrainingExample>& examples) {
  const Json settings{{"fingerprint", job.checkpoint.fingerprint},
                      {"model", json::encode(job.model)},
                      {"lora", json::encode(job.lora)},
                      {"settings", json::encode(job.settings)}};
  std::uint64_t h = hash::fnv1a64(settings.dump());
  for (const auto& e : examples) {
    h = hash_values(e.ids, h);
    h = hash_values(e.loss_mask, h);
    h = hash_count(e.soft_targets.size(), h);
    for (const auto& t : e.soft_targets) h = hash_values(t.logprobs, hash_values(t.ids, h));
  }
  return "json-fnv1a64:" + hash::hex64(h);
}

}  // namespace sl::local
