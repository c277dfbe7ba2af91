#include "sl/local/runtime/io/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/core/json_limits.hpp"
#include "sl/local/runtime/io/safetensors_layout.hpp"

namespace sl::local {

namespace {

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  std::size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::F64, "F64", 8}, {DType::F32, "F32", 4},         {DType::F16, "F16", 2},         {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4},         {DType::I16, "I16", 2},         {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},   {DType::BOOL, "BOOL", 1},       {DType::U16, "U16", 2},         {DType::U32, "U32", 4},
    {DType::U64, "U64", 8}, {DType::F8_E4M3, "F8_E4M3", 1}, {DType::F8_E5M2, "F8_E5M2", 1},
};

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw UsageError(path + ": " + what); }

[[noreturn]] void fail_tensor(const std::string& path, const std::string& name, const std::string& what) {
  throw UsageError(path + ": tensor \"" + name + "\": " + what);
}

// a * b, or nullopt on overflow of the (signed, 63-bit) range.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (a != 0 && b > kMax / a) return std::nullopt;
  return a * b;
}

std::uint64_t read_u64_le(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

}  // namespace

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& e : kDTypes)
    if (e.name == name) return e.dtype;
  return std::nullopt;
}

std::string_view dtype_name(DType dtype) {
  for (const auto& e : kDTypes)
    if (e.dtype == dtype) return e.name;
  return "?";
}

std::size_t dtype_size(DType dtype) {
  for (const auto& e : kDTypes)
    if (e.dtype == dtype) return e.size;
  return 0;
}

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

SafetensorsLayout parse_safetensors_layout(std::span<const std::byte> bytes, const std::string& path) {
  if (bytes.size() < 8)
    fail(path,
         "not a safetensors file: " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
  const std::uint64_t header_len = read_u64_le(bytes.data());
  if (header_len > kMaxSafetensorsHeader)
    fail(path, "header length " + std::to_string(header_len) + " exceeds the format's 100 MB limit (corrupt file?)");
  if (header_len > bytes.size() - 8)
    fail(path, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                   std::to_string(bytes.size()) + " bytes; truncated?)");
  if (header_len < 2) fail(path, "header is empty");

  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + 8), header_len);
  if (header.front() != '{') fail(path, "header does not start with '{' (not a safetensors file?)");

  // Nesting depth (the size is bounded above).
  json::check_limits(header, path + ": header", kMaxSafetensorsHeader, "header");
  // Duplicate tensor names would make one of them unreachable; nlohmann keeps only one, so
  // they are caught while parsing.
  std::set<std::string> seen;
  std::string duplicate;
  Json root;
  try {
    root = Json::parse(header, [&](int depth, Json::parse_event_t event, Json& parsed) {
      if (depth == 1 && event == Json::parse_event_t::key && duplicate.empty()) {
        const auto& key = parsed.get_ref<const std::string&>();
        if (!seen.insert(key).second) duplicate = key;
      }
      return true;
    });
  } catch (const Json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) fail_tensor(path, duplicate, "appears twice in the header");
  if (!root.is_object()) fail(path, "header is not a JSON object");

  SafetensorsLayout out;
  out.data_offset = 8 + static_cast<std::size_t>(header_len);
  const std::uint64_t data_size = bytes.size() - out.data_offset;

  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, "__metadata__ is not an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail(path, "__metadata__." + m.key() + " is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object()) fail_tensor(path, name, "entry is not an object");
    for (auto f = v.begin(); f != v.end(); ++f)
      if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets")
        fail_tensor(path, name, "unknown key \"" + f.key() + "\"");
    TensorInfo t;
    t.name = name;

    auto dt = v.find("dtype");
    if (dt == v.end() || !dt->is_string()) fail_tensor(path, name, "missing or non-string dtype");
    auto dtype = parse_dtype(dt->get<std::string>());
    if (!dtype) fail_tensor(path, name, "unknown dtype " + json::describe_value(*dt));
    t.dtype = *dtype;

    auto sh = v.find("shape");
    if (sh == v.end() || !sh->is_array()) fail_tensor(path, name, "missing shape (a list of sizes)");
    std::uint64_t numel = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned())
        fail_tensor(path, name, "shape entry " + json::describe_value(d) + " is not a non-negative integer");
      const auto dim = d.get<std::uint64_t>();
      auto n = checked_mul(numel, dim);
      if (!n || dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail_tensor(path, name, "shape " + json::dump(*sh) + " is too large");
      numel = *n;
      t.shape.push_back(static_cast<std::int64_t>(dim));
    }
    auto nbytes = checked_mul(numel, dtype_size(t.dtype));
    if (!nbytes) fail_tensor(path, name, "shape " + json::dump(*sh) + " is too large");

    auto off = v.find("data_offsets");
    if (off == v.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
      fail_tensor(path, name, "data_offsets must be two non-negative integers [begin, end]");
    const auto begin = (*off)[0].get<std::uint64_t>();
    const auto end = (*off)[1].get<std::uint64_t>();
    if (begin > end)
      fail_tensor(path, name,
                  "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] end before they begin");
    if (end > data_size)
      fail_tensor(path, name,
                  "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                      "] run past the end of the data (" + std::to_string(data_size) + " bytes; truncated file?)");
    if (end - begin != *nbytes)
      fail_tensor(path, name,
                  "holds " + std::to_string(end - begin) + " bytes but " + std::string(dtype_name(t.dtype)) + " " +
                      json::dump(*sh) + " needs " + std::to_string(*nbytes));
    t.begin = static_cast<std::size_t>(begin);
    t.end = static_cast<std::size_t>(end);
    out.tensors.push_back(std::move(t));
  }

  std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // Sorted by start, a tensor overlaps an earlier one exactly when it starts before the furthest
  // end seen so far (empty tensors occupy no bytes and are skipped).
  const TensorInfo* furthest = nullptr;
  for (const auto& cur : out.tensors) {
    if (cur.begin == cur.end) continue;
    if (furthest && cur.begin < furthest->end)
      fail_tensor(path, cur.name,
                  "overlaps tensor \"" + furthest->name + "\" (bytes " + std::to_string(cur.begin) + ".." +
                      std::to_string(std::min(cur.end, furthest->end)) + " of the data)");
    if (!furthest || cur.end > furthest->end) furthest = &cur;
  }
  return out;
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  SafetensorsLayout layout = parse_safetensors_layout(file->bytes(), path.string());
  std::shared_ptr<SafetensorsFile> out(new SafetensorsFile());
  out->file_ = file;
  out->data_offset_ = layout.data_offset;
  out->tensors_ = std::move(layout.tensors);
  out->metadata_ = std::move(layout.metadata);
  for (std::size_t i = 0; i < out->tensors_.size(); ++i) out->index_.emplace(out->tensors_[i].name, i);
  return out;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> SafetensorsFile::data(const TensorInfo& tensor) const {
  return file_->bytes().subspan(data_offset_ + tensor.begin, tensor.end - tensor.begin);
}

namespace {

// The padded header for `tensors` laid out in order.
std::string make_header(const std::vector<TensorBytes>& tensors, const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    std::uint64_t numel = 1;
    for (auto d : t.shape) numel *= static_cast<std::uint64_t>(d);
    if (numel * dtype_size(t.dtype) != t.data.size())
      throw Error("tensor \"" + t.name + "\": " + std::to_string(t.data.size()) +
                  " bytes do not match its dtype and shape");
    if (header.contains(t.name)) throw Error("tensor \"" + t.name + "\" is listed twice");
    header[t.name] = {{"dtype", std::string(dtype_name(t.dtype))},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  // Pad so that the data section starts 8-byte aligned (tensors can then be used in place).
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + text;
}

}  // namespace

std::string encode_safetensors(const std::vector<TensorBytes>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  std::string out = make_header(tensors, metadata);
  for (const auto& t : tensors) out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  return out;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorBytes>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  files::AtomicWriter writer(path);
  writer.write(make_header(tensors, metadata));
  for (const auto& t : tensors) writer.write({reinterpret_cast<const char*>(t.data.data()), t.data.size()});
  writer.commit();
}

}  // namespace sl::local
