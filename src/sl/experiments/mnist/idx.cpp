#include "sl/experiments/mnist/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "sl/core/error.hpp"

namespace sl::mnist {

namespace {

std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

std::string type_name(unsigned type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "unknown type";
  }
}

[[noreturn]] void fail(const std::string& source, const std::string& what) { throw UsageError(source + ": " + what); }

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1F &&
         static_cast<unsigned char>(bytes[1]) == 0x8B;
}

}  // namespace

std::string gunzip(std::string_view bytes, const std::string& source) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and trailer (checks the CRC and length).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(source + ": cannot initialise zlib");
  std::string out;
  // A gzip file ends with its uncompressed size (mod 2^32): inflate straight into a buffer of
  // that size instead of growing one chunk by chunk. Only a hint (a truncated file ends with
  // anything), so it is believed only within deflate's maximum ratio (1032:1) and 256 MiB.
  if (bytes.size() >= 18) {
    const auto* t = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 4);
    const std::size_t hint =
        std::uint32_t{t[0]} | (std::uint32_t{t[1]} << 8) | (std::uint32_t{t[2]} << 16) | (std::uint32_t{t[3]} << 24);
    if (hint <= 1032 * bytes.size() && hint <= (std::size_t{1} << 28)) out.resize(hint);
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) out.resize(std::max<std::size_t>(2 * out.size(), 1 << 16));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    const std::size_t room = std::min<std::size_t>(out.size() - produced, 1u << 30);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // gzip allows several members one after another (e.g. `cat a.gz b.gz`).
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0)) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended mid-stream
    std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
    inflateEnd(&zs);
    throw UsageError(source + ": corrupt gzip data (" + msg + ")");
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw UsageError(source + ": truncated gzip data (the compressed stream ends early)");
  out.resize(produced);
  return out;
}

IdxArray parse_idx(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 4)
    fail(source, "not an IDX file (" + std::to_string(bytes.size()) + " bytes, shorter than the 4-byte header)");
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (b[0] != 0 || b[1] != 0)
    fail(source, "not an IDX file (magic number starts with " + hex_byte(b[0]) + " " + hex_byte(b[1]) +
                     ", expected 0x00 0x00)");
  const unsigned type = b[2];
  if (type != 0x08)
    fail(source, "unsupported IDX element type " + hex_byte(type) + " (" + type_name(type) +
                     "); only 0x08 (unsigned byte) is supported");
  const unsigned ndims = b[3];
  if (ndims == 0) fail(source, "IDX header declares 0 dimensions");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  if (bytes.size() < header)
    fail(source, "truncated IDX header (" + std::to_string(ndims) + " dimensions need " + std::to_string(header) +
                     " bytes, the file has " + std::to_string(bytes.size()) + ")");
  IdxArray out;
  std::uint64_t count = 1;
  for (unsigned d = 0; d < ndims; ++d) {
    const unsigned char* p = b + 4 + 4 * d;
    std::uint32_t size =
        (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    out.dims.push_back(size);
    count *= size;
    if (count > (std::uint64_t{1} << 40)) fail(source, "IDX dimensions are implausibly large");
  }
  const std::uint64_t available = bytes.size() - header;
  std::string shape;
  for (std::size_t d = 0; d < out.dims.size(); ++d) shape += (d ? " x " : "") + std::to_string(out.dims[d]);
  if (available < count)
    fail(source, "truncated IDX data: shape " + shape + " needs " + std::to_string(count) +
                     " bytes after the header, found " + std::to_string(available));
  if (available > count)
    fail(source,
         "IDX file has " + std::to_string(available - count) + " unexpected bytes after the " + shape + " data");
  out.data.assign(b + header, b + header + count);
  return out;
}

IdxArray read_idx_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UsageError(path.string() + ": is a folder, expected an IDX file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw UsageError(path.string() + ": cannot read file: " + std::strerror(errno));
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw Error(path.string() + ": read failed: " + std::strerror(errno));
  const std::string source = path.string();
  if (is_gzip(bytes)) return parse_idx(gunzip(bytes, source), source);
  return parse_idx(bytes, source);
}

}  // namespace sl::mnist
