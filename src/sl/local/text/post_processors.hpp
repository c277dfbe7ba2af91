// tokenizer.json "post_processor" components: add special tokens around an encoded sequence
// (only when encode() is asked to add special tokens).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "json_access.hpp"

namespace sl::local {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void process(std::vector<std::int32_t>& ids) const = 0;
};

// Supported: ByteLevel (no change to ids), TemplateProcessing (the "single" template),
// BertProcessing, RobertaProcessing, Sequence. Unknown types are sl::UsageErrors.
std::unique_ptr<PostProcessor> make_post_processor(const tokjson::Node& node);

}  // namespace sl::local
