#include "sl/experiments/mnist/dataset.hpp"

#include <string>

#include "sl/core/error.hpp"
#include "sl/experiments/mnist/idx.hpp"

namespace sl::mnist {

namespace fs = std::filesystem;

fs::path find_idx_file(const fs::path& dir, std::string_view stem) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UsageError(dir.string() + ": data folder not found (expected MNIST-format IDX files; see --data_dir)");
  std::string dotted(stem);  // "train-images-idx3-ubyte" -> "train-images.idx3-ubyte"
  if (auto p = dotted.rfind("-idx"); p != std::string::npos) dotted[p] = '.';
  const std::string names[] = {std::string(stem) + ".gz", std::string(stem), dotted + ".gz", dotted};
  for (const auto& name : names)
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  throw UsageError(dir.string() + ": no " + std::string(stem) + " file (looked for " + names[0] + ", " + names[1] +
                   ", " + names[2] + ", " + names[3] + ")");
}

LabelledImages load_labelled_images(const fs::path& images, const fs::path& labels) {
  IdxArray img = read_idx_file(images);
  IdxArray lab = read_idx_file(labels);
  if (img.dims.size() != 3)
    throw UsageError(images.string() + ": expected images (3 dimensions: count x rows x cols), found " +
                     std::to_string(img.dims.size()) + " dimension(s)");
  if (lab.dims.size() != 1)
    throw UsageError(labels.string() + ": expected labels (1 dimension), found " + std::to_string(lab.dims.size()) +
                     " dimensions");
  if (img.dims[0] != lab.dims[0])
    throw UsageError(images.string() + " has " + std::to_string(img.dims[0]) + " images but " + labels.string() +
                     " has " + std::to_string(lab.dims[0]) + " labels");
  if (img.dims[0] == 0) throw UsageError(images.string() + ": contains no images");
  for (std::size_t i = 0; i < lab.data.size(); ++i)
    if (lab.data[i] >= kNumClasses)
      throw UsageError(labels.string() + ": label " + std::to_string(lab.data[i]) + " of example " + std::to_string(i) +
                       " is not a class index 0-" + std::to_string(kNumClasses - 1));
  LabelledImages out;
  out.count = img.dims[0];
  out.rows = img.dims[1];
  out.cols = img.dims[2];
  out.pixels = std::move(img.data);
  out.labels = std::move(lab.data);
  return out;
}

MnistData load_mnist(const fs::path& dir) {
  MnistData data;
  data.dir = dir;
  struct Split {
    const char* images;
    const char* labels;
    LabelledImages* into;
  };
  for (const Split& s : {Split{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", &data.train},
                         Split{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", &data.test}}) {
    fs::path images = find_idx_file(dir, s.images);
    *s.into = load_labelled_images(images, find_idx_file(dir, s.labels));
    if (s.into->rows != kImageRows || s.into->cols != kImageCols)
      throw UsageError(images.string() + ": images are " + std::to_string(s.into->rows) + " x " +
                       std::to_string(s.into->cols) + ", expected 28 x 28 (the MLP has 784 inputs)");
  }
  return data;
}

LabelledImages take_first(const LabelledImages& set, std::size_t n) {
  if (n == 0 || n >= set.count) return set;
  LabelledImages out;
  out.count = n;
  out.rows = set.rows;
  out.cols = set.cols;
  out.pixels.assign(set.pixels.begin(), set.pixels.begin() + static_cast<long>(n * set.rows * set.cols));
  out.labels.assign(set.labels.begin(), set.labels.begin() + static_cast<long>(n));
  return out;
}

}  // namespace sl::mnist
