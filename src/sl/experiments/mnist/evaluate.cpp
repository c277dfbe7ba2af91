#include "evaluate.hpp"

#include <algorithm>

namespace sl::mnist {

DeviceData to_device(const LabelledImages& set, torch::Device device) {
  const auto n = static_cast<int64_t>(set.count);
  const auto pixels = static_cast<int64_t>(set.rows * set.cols);
  auto raw = torch::from_blob(const_cast<uint8_t*>(set.pixels.data()), {n, pixels}, torch::kUInt8);
  auto labels = torch::from_blob(const_cast<uint8_t*>(set.labels.data()), {n}, torch::kUInt8);
  DeviceData d;
  d.x = raw.to(torch::kFloat32).mul_(2.0 / 255.0).sub_(1.0).to(device);  // 0..255 -> -1..1
  d.y = labels.to(torch::kLong).to(device);
  return d;
}

namespace {
// Examples per forward pass: bounds the activations ([N, chunk, H]) whatever the data size.
constexpr int64_t kEvalChunk = 1024;
}  // namespace

torch::Tensor logits_on(const MlpParams& params, const torch::Tensor& x) {
  BatchedMlp net(params);
  const int64_t n_models = params.n_models(), t = x.size(0);
  auto out = torch::empty({n_models, t, params.outputs()}, params.w1.options());
  for (int64_t s = 0; s < t; s += kEvalChunk) {
    const int64_t c = std::min(kEvalChunk, t - s);
    const auto chunk = x.narrow(0, s, c).unsqueeze(0).expand({n_models, c, x.size(1)});
    out.narrow(1, s, c).copy_(net.forward(chunk));
  }
  return out;
}

std::vector<double> accuracy(const MlpParams& params, const DeviceData& test, int64_t classes) {
  BatchedMlp net(params);
  const int64_t n_models = params.n_models(), t = test.x.size(0);
  auto correct = torch::zeros({n_models}, torch::TensorOptions(torch::kLong).device(test.x.device()));
  for (int64_t s = 0; s < t; s += kEvalChunk) {
    const int64_t c = std::min(kEvalChunk, t - s);
    const auto chunk = test.x.narrow(0, s, c).unsqueeze(0).expand({n_models, c, test.x.size(1)});
    const auto predicted = net.forward(chunk).narrow(2, 0, classes).argmax(2);  // [N, c]
    correct.add_(predicted.eq(test.y.narrow(0, s, c).unsqueeze(0)).sum(1));
  }
  auto counts = correct.to(torch::kCPU);
  std::vector<double> out;
  for (int64_t m = 0; m < n_models; ++m)
    out.push_back(static_cast<double>(counts[m].item<int64_t>()) / static_cast<double>(t));
  return out;
}

}  // namespace sl::mnist
