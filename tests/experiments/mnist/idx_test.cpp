// IDX parsing and MNIST-folder loading, on good and bad files made by the test (gzip and plain).
#include "sl/experiments/mnist/idx.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mnist_test_files.hpp"
#include "sl/core/error.hpp"
#include "sl/experiments/mnist/dataset.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using sl::mnist::IdxArray;
using sl::test::gzip;
using sl::test::idx_bytes;
using sl::test::write_mnist_folder;

// Expects `fn` to throw sl::UsageError whose message contains every one of `parts`.
template <class F>
void expect_usage_error(F fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const sl::UsageError& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Idx, ParsesShapeAndData) {
  const IdxArray a = sl::mnist::parse_idx(idx_bytes({3, 2, 4}), "mem");
  EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{3, 2, 4}));
  ASSERT_EQ(a.data.size(), 24u);
  EXPECT_EQ(a.data[0], 0);
  EXPECT_EQ(a.data[5], 35);
  EXPECT_EQ(a.data[23], (23 * 7) % 256);
}

TEST(Idx, ReadsPlainAndGzipFilesAlike) {
  sl::test::TempDir dir;
  const std::string bytes = idx_bytes({300, 28, 28}, 5);
  sl::test::write_file(dir / "plain", bytes);
  // Two gzip members back to back are one valid gzip file.
  sl::test::write_file(dir / "packed.gz", gzip(bytes.substr(0, 1000)) + gzip(bytes.substr(1000)));
  const IdxArray plain = sl::mnist::read_idx_file(dir / "plain");
  const IdxArray packed = sl::mnist::read_idx_file(dir / "packed.gz");
  EXPECT_EQ(plain.dims, packed.dims);
  EXPECT_EQ(plain.data, packed.data);
  EXPECT_EQ(plain.data.size(), 300u * 784u);
}

TEST(Idx, MalformedFilesAreClearErrors) {
  using sl::mnist::parse_idx;
  const std::string good = idx_bytes({4, 2});
  expect_usage_error([&] { parse_idx("", "f.idx"); }, {"f.idx", "not an IDX file"});
  expect_usage_error([&] { parse_idx(std::string("\x1f\x8b\x08\x00 rest", 9), "f.idx"); },
                     {"f.idx", "magic", "0x1F 0x8B"});
  std::string wrong_type = good;
  wrong_type[2] = '\x0D';
  expect_usage_error([&] { parse_idx(wrong_type, "f.idx"); }, {"f.idx", "element type 0x0D", "float"});
  expect_usage_error([&] { parse_idx(good.substr(0, 7), "f.idx"); }, {"f.idx", "truncated IDX header"});
  expect_usage_error([&] { parse_idx(good.substr(0, good.size() - 3), "f.idx"); },
                     {"f.idx", "truncated IDX data", "4 x 2", "needs 8 bytes", "found 5"});
  expect_usage_error([&] { parse_idx(good + "xy", "f.idx"); }, {"f.idx", "2 unexpected bytes"});
  expect_usage_error([&] { parse_idx(std::string("\0\0\x08\0", 4), "f.idx"); }, {"f.idx", "0 dimensions"});
}

TEST(Idx, BadGzipDataIsAClearError) {
  sl::test::TempDir dir;
  const std::string packed = gzip(idx_bytes({100, 28, 28}));
  sl::test::write_file(dir / "cut.gz", packed.substr(0, packed.size() / 2));
  expect_usage_error([&] { sl::mnist::read_idx_file(dir / "cut.gz"); }, {"cut.gz", "truncated gzip"});
  std::string corrupt = packed;
  corrupt[corrupt.size() - 6] ^= 0x55;  // the CRC-32 in the trailer
  sl::test::write_file(dir / "crc.gz", corrupt);
  expect_usage_error([&] { sl::mnist::read_idx_file(dir / "crc.gz"); }, {"crc.gz", "corrupt gzip"});
  expect_usage_error([&] { sl::mnist::read_idx_file(dir / "missing.gz"); }, {"missing.gz"});
}

TEST(MnistFolder, LoadsBothSplitsGzipOrPlain) {
  for (bool compressed : {true, false}) {
    sl::test::TempDir dir;
    write_mnist_folder(dir.path(), 50, 20, compressed);
    const auto data = sl::mnist::load_mnist(dir.path());
    EXPECT_EQ(data.train.count, 50u);
    EXPECT_EQ(data.test.count, 20u);
    EXPECT_EQ(data.train.rows, 28u);
    EXPECT_EQ(data.train.pixels.size(), 50u * 784u);
    EXPECT_EQ(data.test.labels[13], 3);
    EXPECT_EQ(data.train.pixels[1], (7 + 1) % 256);
    const auto first = sl::mnist::take_first(data.train, 7);
    EXPECT_EQ(first.count, 7u);
    EXPECT_EQ(first.pixels.size(), 7u * 784u);
    EXPECT_EQ(sl::mnist::take_first(data.train, 0).count, 50u);
  }
}

TEST(MnistFolder, AcceptsTheDottedFileNamesOfSomeMirrors) {
  sl::test::TempDir dir;
  write_mnist_folder(dir.path(), 10, 10, false);
  fs::rename(dir / "train-images-idx3-ubyte", dir / "train-images.idx3-ubyte");
  EXPECT_EQ(sl::mnist::find_idx_file(dir.path(), "train-images-idx3-ubyte"), dir / "train-images.idx3-ubyte");
  EXPECT_EQ(sl::mnist::load_mnist(dir.path()).train.count, 10u);
}

TEST(MnistFolder, MismatchedOrMissingFilesAreClearErrors) {
  sl::test::TempDir dir;
  write_mnist_folder(dir.path(), 30, 10, true);
  // Labels for 29 images beside 30 images.
  std::vector<std::uint8_t> labels(29, 1);
  sl::test::write_file(dir / "train-labels-idx1-ubyte.gz", gzip(idx_bytes({29}, 0, &labels)));
  expect_usage_error([&] { sl::mnist::load_mnist(dir.path()); },
                     {"train-images-idx3-ubyte.gz has 30 images", "train-labels-idx1-ubyte.gz has 29 labels"});

  // A label that is not a class.
  labels.assign(30, 2);
  labels[17] = 10;
  sl::test::write_file(dir / "train-labels-idx1-ubyte.gz", gzip(idx_bytes({30}, 0, &labels)));
  expect_usage_error([&] { sl::mnist::load_mnist(dir.path()); }, {"label 10 of example 17", "0-9"});

  // Images and labels swapped.
  write_mnist_folder(dir.path(), 30, 10, true);
  fs::copy_file(dir / "t10k-labels-idx1-ubyte.gz", dir / "t10k-images-idx3-ubyte.gz",
                fs::copy_options::overwrite_existing);
  expect_usage_error([&] { sl::mnist::load_mnist(dir.path()); }, {"t10k-images-idx3-ubyte.gz", "expected images"});

  // Not 28 x 28.
  write_mnist_folder(dir.path(), 30, 10, true);
  sl::test::write_file(dir / "t10k-images-idx3-ubyte.gz", gzip(idx_bytes({10, 32, 32})));
  expect_usage_error([&] { sl::mnist::load_mnist(dir.path()); }, {"32 x 32", "expected 28 x 28"});

  // A missing file names the folder and the file.
  fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
  expect_usage_error([&] { sl::mnist::load_mnist(dir.path()); },
                     {dir.path().string(), "no t10k-labels-idx1-ubyte file"});
  expect_usage_error([&] { sl::mnist::load_mnist(dir / "nowhere"); }, {"nowhere", "data folder not found"});
}

TEST(MnistFolder, ReadsTheInstalledFashionMnist) {
  if (!fs::exists(sl::mnist::kDefaultDataDir))
    GTEST_SKIP() << "SKIPPED: " << sl::mnist::kDefaultDataDir
                 << " not found (Debian package dataset-fashion-mnist; tools/setup installs it)";
  const auto data = sl::mnist::load_mnist(sl::mnist::kDefaultDataDir);
  EXPECT_EQ(data.train.count, 60000u);
  EXPECT_EQ(data.test.count, 10000u);
  std::vector<int> per_class(10);
  for (auto l : data.test.labels) ++per_class[l];
  for (int c : per_class) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test set is balanced
}
