#include "mnist_test_files.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include "test_support.hpp"

namespace sl::test {

namespace {

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

}  // namespace

std::string idx_bytes(const std::vector<std::uint32_t>& dims, int seed, const std::vector<std::uint8_t>* values) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  std::size_t count = 1;
  for (auto d : dims) {
    out += be32(d);
    count *= d;
  }
  for (std::size_t i = 0; i < count; ++i)
    out += static_cast<char>(values ? (*values)[i]
                                    : static_cast<std::uint8_t>((i * 7 + static_cast<std::size_t>(seed)) % 256));
  return out;
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void write_mnist_folder(const std::filesystem::path& dir, std::uint32_t n_train, std::uint32_t n_test, bool compressed,
                        bool learnable) {
  auto labels = [](std::uint32_t n) {
    std::vector<std::uint8_t> v;
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(static_cast<std::uint8_t>(i % 10));
    return v;
  };
  auto put = [&](const std::string& stem, const std::string& bytes) {
    sl::test::write_file(dir / (compressed ? stem + ".gz" : stem), compressed ? gzip(bytes) : bytes);
  };
  // Label c: a bright 7x7 block in cell c of a 4x4 grid over faint noise.
  auto images = [&](std::uint32_t n, int seed) {
    if (!learnable) return idx_bytes({n, 28, 28}, seed);
    std::vector<std::uint8_t> px(static_cast<std::size_t>(n) * 784);
    std::uint32_t state = 12345u + static_cast<std::uint32_t>(seed);
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t c = i % 10, r0 = (c / 4) * 7, c0 = (c % 4) * 7;
      for (std::uint32_t y = 0; y < 28; ++y)
        for (std::uint32_t x = 0; x < 28; ++x) {
          state = state * 1664525u + 1013904223u;
          const bool on = y >= r0 && y < r0 + 7 && x >= c0 && x < c0 + 7;
          px[i * 784 + y * 28 + x] = static_cast<std::uint8_t>(on ? 200 + (state >> 29) : (state >> 26));
        }
    }
    return idx_bytes({n, 28, 28}, 0, &px);
  };
  const auto train_labels = labels(n_train), test_labels = labels(n_test);
  put("train-images-idx3-ubyte", images(n_train, 1));
  put("train-labels-idx1-ubyte", idx_bytes({n_train}, 0, &train_labels));
  put("t10k-images-idx3-ubyte", images(n_test, 2));
  put("t10k-labels-idx1-ubyte", idx_bytes({n_test}, 0, &test_labels));
}

}  // namespace sl::test
