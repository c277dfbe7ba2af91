// MNIST-format data sets (MNIST, Fashion-MNIST): a folder holding the four IDX files
//   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
//   t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]
// (the "train-images.idx3-ubyte" spelling of some mirrors is accepted too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace sl::mnist {

// Where Debian's dataset-fashion-mnist package puts Fashion-MNIST.
inline constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kNumClasses = 10;
inline constexpr std::size_t kImageRows = 28;
inline constexpr std::size_t kImageCols = 28;

struct LabelledImages {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major, 0 = background
  std::vector<std::uint8_t> labels;  // count, each below kNumClasses
};

struct MnistData {
  std::filesystem::path dir;
  LabelledImages train;
  LabelledImages test;
};

// The path of the IDX file `stem` (e.g. "train-images-idx3-ubyte") in `dir`, compressed or not.
// Throws sl::UsageError naming the folder and the names tried when none exists.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, std::string_view stem);

// Reads an images file (3 dimensions) and its labels file (1 dimension) and checks that they
// agree (same count) and that every label is a class index.
LabelledImages load_labelled_images(const std::filesystem::path& images, const std::filesystem::path& labels);

// Loads the training and test splits from `dir` and checks that the images are 28 x 28.
MnistData load_mnist(const std::filesystem::path& dir);

// The first `n` examples (all when n is 0 or at least the count).
LabelledImages take_first(const LabelledImages& set, std::size_t n);

}  // namespace sl::mnist
