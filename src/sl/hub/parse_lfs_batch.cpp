#include "json_reading.hpp"
#include "sl/hub/api_parse.hpp"

namespace sl::hub {

namespace {

LfsAction action_of(const detail::J& a, const std::string& where, const std::string& path) {
  using namespace detail;
  LfsAction out;
  out.href = string_at(a, "href", where, path);
  if (out.href.rfind("http://", 0) != 0 && out.href.rfind("https://", 0) != 0)
    bad(where, path + ".href", "is not an http(s) URL");
  auto h = a.find("header");
  if (h != a.end() && !h->is_null()) {
    if (!h->is_object()) bad(where, path + ".header", "is not an object");
    for (auto it = h->begin(); it != h->end(); ++it) {
      if (!it.value().is_string()) bad(where, path + ".header." + it.key(), "is not a string");
      const std::string v = it.value().get<std::string>();
      for (char c : it.key() + v)
        if (c == '\r' || c == '\n') bad(where, path + ".header." + it.key(), "contains a line break");
      out.headers.emplace_back(it.key(), v);
    }
  }
  return out;
}

}  // namespace

std::vector<LfsBatchObject> parse_lfs_batch(std::string_view body, const std::string& where) {
  using namespace detail;
  const J j = parse_body(body, where);
  const J& objects = array_at(j, "objects", where, "$");
  std::vector<LfsBatchObject> out;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const std::string path = "$.objects[" + std::to_string(i) + "]";
    const J& o = objects[i];
    LfsBatchObject b;
    b.oid = string_at(o, "oid", where, path);
    b.size = optional_size(o, "size", where, path).value_or(0);
    if (auto e = o.find("error"); e != o.end() && e->is_object()) {
      std::string msg = optional_string(*e, "message", where, path + ".error").value_or("");
      std::string code = e->contains("code") ? e->at("code").dump() : "?";
      b.error = code + ": " + msg;
    }
    if (auto a = o.find("actions"); a != o.end() && a->is_object()) {
      if (auto u = a->find("upload"); u != a->end()) b.upload = action_of(*u, where, path + ".actions.upload");
      if (auto v = a->find("verify"); v != a->end()) b.verify = action_of(*v, where, path + ".actions.verify");
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace sl::hub
