#include "post_processors.hpp"

#include <map>
#include <string>

namespace sl::local {

namespace {

class IdentityPostProcessor final : public PostProcessor {
 public:
  void process(std::vector<std::int32_t>&) const override {}
};

class SequencePostProcessor final : public PostProcessor {
 public:
  explicit SequencePostProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  void process(std::vector<std::int32_t>& ids) const override {
    for (const auto& p : parts_) p->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

// The "single" template: a list of pieces, each either fixed ids or the encoded sequence.
class TemplatePostProcessor final : public PostProcessor {
 public:
  struct Item {
    bool is_sequence = false;
    std::vector<std::int32_t> ids;  // for special tokens
  };
  explicit TemplatePostProcessor(std::vector<Item> items) : items_(std::move(items)) {}
  void process(std::vector<std::int32_t>& ids) const override {
    std::vector<std::int32_t> out;
    out.reserve(ids.size() + items_.size());
    for (const auto& item : items_) {
      if (item.is_sequence) out.insert(out.end(), ids.begin(), ids.end());
      else out.insert(out.end(), item.ids.begin(), item.ids.end());
    }
    ids.swap(out);
  }

 private:
  std::vector<Item> items_;
};

std::int32_t token_id_of_pair(const tokjson::Node& pair) {
  // ["[CLS]", 101]
  if (!pair.json().is_array() || pair.json().size() != 2 || !pair.json()[1].is_number_integer())
    pair.fail_expected("a [token, id] pair");
  return static_cast<std::int32_t>(pair.json()[1].get<std::int64_t>());
}

std::unique_ptr<PostProcessor> make_template(const tokjson::Node& node) {
  std::map<std::string, std::vector<std::int32_t>> specials;
  if (auto st = node.get("special_tokens")) {
    st->expect_object();
    for (auto it = st->json().begin(); it != st->json().end(); ++it) {
      tokjson::Node entry = st->at(it.key());
      std::vector<std::int32_t> ids;
      auto list = entry.at("ids");
      for (std::size_t i = 0; i < list.size(); ++i) ids.push_back(static_cast<std::int32_t>(list.at(i).as_int()));
      specials[it.key()] = ids;
    }
  }
  auto special_ids = [&](const tokjson::Node& where, const std::string& name) {
    auto it = specials.find(name);
    if (it == specials.end()) where.fail("special token \"" + name + "\" is not in special_tokens");
    return it->second;
  };
  std::vector<TemplatePostProcessor::Item> items;
  auto single = node.at("single");
  if (single.json().is_string()) {  // the string form: "[CLS]:0 $A:0 [SEP]:0"
    std::string text = single.as_string();
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find(' ', pos);
      if (end == std::string::npos) end = text.size();
      std::string piece = text.substr(pos, end - pos);
      pos = end + 1;
      if (piece.empty()) continue;
      std::string name = piece.substr(0, piece.rfind(':') == std::string::npos ? piece.size() : piece.rfind(':'));
      if (name == "$A" || name == "$" || name == "$0") items.push_back({true, {}});
      else if (name.size() > 0 && name[0] == '$') single.fail("only the first sequence ($A) can appear in \"single\"");
      else items.push_back({false, special_ids(single, name)});
    }
  } else {
    for (std::size_t i = 0; i < single.size(); ++i) {
      tokjson::Node item = single.at(i);
      if (auto seq = item.get("Sequence")) {
        std::string id = seq->string_or("id", "A");
        if (id != "A") seq->fail("only the first sequence (A) can appear in \"single\"");
        items.push_back({true, {}});
      } else if (auto sp = item.get("SpecialToken")) {
        items.push_back({false, special_ids(*sp, sp->at("id").as_string())});
      } else {
        item.fail_expected("{\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
  }
  return std::make_unique<TemplatePostProcessor>(std::move(items));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const tokjson::Node& node) {
  const std::string type = node.type();
  if (type == "Sequence") {
    auto list = node.at("processors");
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) parts.push_back(make_post_processor(list.at(i)));
    return std::make_unique<SequencePostProcessor>(std::move(parts));
  }
  if (type == "ByteLevel") return std::make_unique<IdentityPostProcessor>();
  if (type == "TemplateProcessing") return make_template(node);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    std::vector<TemplatePostProcessor::Item> items{
        {false, {token_id_of_pair(node.at("cls"))}}, {true, {}}, {false, {token_id_of_pair(node.at("sep"))}}};
    return std::make_unique<TemplatePostProcessor>(std::move(items));
  }
  node.fail_unsupported("post_processor", type);
}

}  // namespace sl::local
