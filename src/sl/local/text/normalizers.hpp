// tokenizer.json "normalizer" components: text -> text before pre-tokenization.
#pragma once

#include <memory>
#include <string>

#include "json_access.hpp"

namespace sl::local {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

// Supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace, Prepend.
// An unknown type is an sl::UsageError naming it and the file.
std::unique_ptr<Normalizer> make_normalizer(const tokjson::Node& node);

}  // namespace sl::local
