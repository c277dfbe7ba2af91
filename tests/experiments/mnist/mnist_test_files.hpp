// Test helpers: MNIST-format IDX files written by the tests themselves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sl::test {

// An IDX file of unsigned bytes with the given shape; element i is (i * 7 + seed) % 256 unless
// `values` is given.
std::string idx_bytes(const std::vector<std::uint32_t>& dims, int seed = 0,
                      const std::vector<std::uint8_t>* values = nullptr);

// `data` as a gzip file.
std::string gzip(const std::string& data);

// A small MNIST-format folder: `n_train` / `n_test` 28x28 images with labels i % 10. When
// `learnable`, each image shows a bright block whose position depends on its label (so a model can
// learn the classes); otherwise the pixels follow idx_bytes' pattern.
void write_mnist_folder(const std::filesystem::path& dir, std::uint32_t n_train, std::uint32_t n_test, bool compressed,
                        bool learnable = false);

}  // namespace sl::test
