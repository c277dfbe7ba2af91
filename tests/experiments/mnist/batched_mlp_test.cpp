// The batched network, its losses and its optimizer against the plain libtorch way of doing the
// same thing: N separate torch::nn::Linear stacks, autograd, torch::optim::Adam.
#include "batched_mlp.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "batched_adam.hpp"
#include "losses.hpp"
#include "objectives.hpp"
#include "seeds.hpp"
#include "trainer.hpp"

namespace {

using sl::mnist::BatchedMlp;
using sl::mnist::MlpParams;

constexpr int64_t kModels = 3, kIn = 20, kHidden = 16, kOut = 7, kBatch = 5;

// One model as PyTorch users write it.
struct Mlp : torch::nn::Module {
  torch::nn::Linear l1{nullptr}, l2{nullptr}, l3{nullptr};
  Mlp() {
    l1 = register_module("l1", torch::nn::Linear(kIn, kHidden));
    l2 = register_module("l2", torch::nn::Linear(kHidden, kHidden));
    l3 = register_module("l3", torch::nn::Linear(kHidden, kOut));
  }
  torch::Tensor forward(torch::Tensor x) { return l3(torch::relu(l2(torch::relu(l1(x))))); }
};

// Model m of the batch as a separate module with the same weights.
std::shared_ptr<Mlp> separate_model(const MlpParams& p, int64_t m) {
  auto mlp = std::make_shared<Mlp>();
  torch::NoGradGuard no_grad;
  mlp->l1->weight.copy_(p.w1[m]);
  mlp->l1->bias.copy_(p.b1[m]);
  mlp->l2->weight.copy_(p.w2[m]);
  mlp->l2->bias.copy_(p.b2[m]);
  mlp->l3->weight.copy_(p.w3[m]);
  mlp->l3->bias.copy_(p.b3[m]);
  return mlp;
}

MlpParams random_params(uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  MlpParams p = sl::mnist::init_mlp(kModels, kIn, kHidden, kOut, gen, torch::kCPU);
  // Non-zero biases, so that their gradients and their place in the forward pass are tested too.
  p.b1.normal_(0, 0.5, gen);
  p.b2.normal_(0, 0.5, gen);
  p.b3.normal_(0, 0.5, gen);
  return p;
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_TRUE(torch::allclose(a, b, tol, tol)) << "max difference " << (a - b).abs().max().item<double>();
}

}  // namespace

TEST(BatchedMlp, ForwardAndGradientsEqualSeparateModelsWithAutograd) {
  MlpParams p = random_params(1);
  auto gen = at::detail::createCPUGenerator(2);
  const auto x = torch::empty({kModels, kBatch, kIn}).uniform_(-1, 1, gen);
  const auto upstream = torch::empty({kModels, kBatch, kOut}).normal_(0, 1, gen);  // d loss / d logits

  BatchedMlp net(p);
  MlpParams grads = p.zeros_like();
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = net.forward(x).clone();
    net.backward(upstream, grads);
  }
  for (int64_t m = 0; m < kModels; ++m) {
    SCOPED_TRACE("model " + std::to_string(m));
    auto mlp = separate_model(p, m);
    auto out = mlp->forward(x[m]);
    expect_close(logits[m], out.detach());
    (out * upstream[m]).sum().backward();
    expect_close(grads.w1[m], mlp->l1->weight.grad());
    expect_close(grads.b1[m], mlp->l1->bias.grad());
    expect_close(grads.w2[m], mlp->l2->weight.grad());
    expect_close(grads.b2[m], mlp->l2->bias.grad());
    expect_close(grads.w3[m], mlp->l3->weight.grad());
    expect_close(grads.b3[m], mlp->l3->bias.grad());
  }
}

TEST(BatchedMlp, SharedInputExpandedAcrossModelsGivesEachModelsOwnOutput) {
  MlpParams p = random_params(3);
  auto gen = at::detail::createCPUGenerator(4);
  const auto x = torch::empty({kBatch, kIn}).uniform_(-1, 1, gen);
  BatchedMlp net(p);
  torch::NoGradGuard no_grad;
  const auto logits = net.forward(x.unsqueeze(0).expand({kModels, kBatch, kIn})).clone();
  for (int64_t m = 0; m < kModels; ++m) expect_close(logits[m], separate_model(p, m)->forward(x));
  // The models differ, so their outputs must too (a broadcasting slip would make them equal).
  EXPECT_FALSE(torch::allclose(logits[0], logits[1]));
}

TEST(BatchedMlp, InitialisationIsSeededWithVarianceOneOverFanIn) {
  auto g1 = at::detail::createCPUGenerator(7), g2 = at::detail::createCPUGenerator(7);
  const MlpParams a = sl::mnist::init_mlp(4, 784, 256, 13, g1, torch::kCPU);
  const MlpParams b = sl::mnist::init_mlp(4, 784, 256, 13, g2, torch::kCPU);
  EXPECT_TRUE(torch::equal(a.w1, b.w1));
  EXPECT_TRUE(torch::equal(a.w3, b.w3));
  EXPECT_NEAR(a.w1.std().item<double>(), 1 / std::sqrt(784.0), 0.002);
  EXPECT_NEAR(a.w2.std().item<double>(), 1 / std::sqrt(256.0), 0.002);
  EXPECT_NEAR(a.w1.mean().item<double>(), 0, 0.001);
  EXPECT_EQ(a.b1.abs().sum().item<double>(), 0);
  EXPECT_EQ(a.b3.abs().sum().item<double>(), 0);
  EXPECT_FALSE(torch::equal(a.w1[0], a.w1[1]));  // every model its own draw
  EXPECT_EQ(a.w1.sizes(), (std::vector<int64_t>{4, 256, 784}));
  EXPECT_EQ(a.w3.sizes(), (std::vector<int64_t>{4, 13, 256}));
}

TEST(Losses, CrossEntropyOnClassLogitsMatchesAutograd) {
  auto gen = at::detail::createCPUGenerator(5);
  const int64_t classes = 4;
  const auto logits = torch::empty({kModels, kBatch, kOut}).normal_(0, 2, gen);
  const auto labels = torch::randint(classes, {kModels, kBatch}, gen, torch::kLong);
  auto dlogits = torch::full({kModels, kBatch, kOut}, 99.0f);  // stale values must be overwritten
  torch::Tensor losses;
  {
    torch::NoGradGuard no_grad;
    losses = sl::mnist::cross_entropy_loss_grad(logits, labels, classes, dlogits);
  }
  auto leaf = logits.clone().requires_grad_(true);
  torch::Tensor total = torch::zeros({});
  for (int64_t m = 0; m < kModels; ++m) {
    auto loss = torch::nn::functional::cross_entropy(leaf[m].narrow(1, 0, classes), labels[m]);
    EXPECT_NEAR(losses[m].item<double>(), loss.item<double>(), 1e-5);
    total = total + loss;
  }
  total.backward();
  expect_close(dlogits, leaf.grad());
  EXPECT_EQ(dlogits.narrow(2, classes, kOut - classes).abs().sum().item<double>(), 0);
}

TEST(Losses, DistillationKlMatchesAutogradOnAnyLogitRange) {
  auto gen = at::detail::createCPUGenerator(6);
  const auto student = torch::empty({kModels, kBatch, kOut}).normal_(0, 2, gen);
  const auto teacher = torch::empty({kModels, kBatch, kOut}).normal_(0, 2, gen);
  for (auto [lo, hi] : {std::pair<int64_t, int64_t>{4, kOut}, {0, kOut}}) {
    SCOPED_TRACE("logits " + std::to_string(lo) + ".." + std::to_string(hi));
    auto dlogits = torch::full({kModels, kBatch, kOut}, 99.0f);
    torch::Tensor losses;
    {
      torch::NoGradGuard no_grad;
      losses = sl::mnist::distillation_loss_grad(student, teacher, lo, hi, dlogits);
    }
    auto leaf = student.clone().requires_grad_(true);
    torch::Tensor total = torch::zeros({});
    for (int64_t m = 0; m < kModels; ++m) {
      // F.kl_div(log_softmax(student), softmax(teacher), reduction="batchmean")
      auto loss = torch::kl_div(torch::log_softmax(leaf[m].narrow(1, lo, hi - lo), 1),
                                torch::softmax(teacher[m].narrow(1, lo, hi - lo), 1), at::Reduction::Sum) /
                  kBatch;
      EXPECT_NEAR(losses[m].item<double>(), loss.item<double>(), 1e-5);
      total = total + loss;
    }
    total.backward();
    expect_close(dlogits, leaf.grad());
  }
}

TEST(BatchedAdam, EqualsTorchOptimAdamPerModelFusedOrNot) {
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "tensor ops");
    MlpParams p = random_params(8);
    const MlpParams start = p.clone();
    sl::mnist::BatchedAdam adam(p, {.lr = 0.01}, fused);
    std::vector<MlpParams> grads_per_step;
    auto gen = at::detail::createCPUGenerator(9);
    for (int step = 0; step < 4; ++step) {
      MlpParams g = p.zeros_like();
      for (auto* t : g.tensors()) t->normal_(0, 1, gen);
      grads_per_step.push_back(g.clone());
      torch::NoGradGuard no_grad;
      adam.step(p, g);
    }
    for (int64_t m = 0; m < kModels; ++m) {
      auto mlp = separate_model(start, m);
      torch::optim::Adam opt(mlp->parameters(), torch::optim::AdamOptions(0.01));
      for (const auto& g : grads_per_step) {
        mlp->l1->weight.mutable_grad() = g.w1[m].clone();
        mlp->l1->bias.mutable_grad() = g.b1[m].clone();
        mlp->l2->weight.mutable_grad() = g.w2[m].clone();
        mlp->l2->bias.mutable_grad() = g.b2[m].clone();
        mlp->l3->weight.mutable_grad() = g.w3[m].clone();
        mlp->l3->bias.mutable_grad() = g.b3[m].clone();
        opt.step();
      }
      expect_close(p.w1[m], mlp->l1->weight.detach(), 1e-6);
      expect_close(p.b1[m], mlp->l1->bias.detach(), 1e-6);
      expect_close(p.w2[m], mlp->l2->weight.detach(), 1e-6);
      expect_close(p.b3[m], mlp->l3->bias.detach(), 1e-6);
    }
  }
}

TEST(ShuffledBatches, EveryModelItsOwnSeededPermutationEachEpoch) {
  sl::mnist::ShuffledBatches a({11, 12, 13}, 10, 4, torch::kCPU);
  sl::mnist::ShuffledBatches b({11, 99, 13}, 10, 4, torch::kCPU);
  EXPECT_EQ(a.steps_per_epoch(), 3);
  EXPECT_EQ(a.batch_size(2), 2);  // the last, partial batch
  a.new_epoch();
  b.new_epoch();
  auto epoch = [](const sl::mnist::ShuffledBatches& s) {
    return torch::cat({s.indices(0), s.indices(1), s.indices(2)}, 1);  // [3, 10]
  };
  const auto first = epoch(a);
  for (int64_t m = 0; m < 3; ++m) {
    auto sorted = std::get<0>(first[m].sort());
    EXPECT_TRUE(torch::equal(sorted, torch::arange(10, torch::kLong)));  // a permutation
  }
  EXPECT_FALSE(torch::equal(first[0], first[1]));
  const auto other = epoch(b);
  EXPECT_TRUE(torch::equal(first[0], other[0]));  // same seed, same order, whatever its neighbours
  EXPECT_TRUE(torch::equal(first[2], other[2]));
  a.new_epoch();
  EXPECT_FALSE(torch::equal(epoch(a)[0], first[0]));  // reshuffled
}

// A few full training steps: the batched trainer against each model trained alone the usual way.
TEST(Trainer, BatchedTrainingEqualsSeparateTrainingWithAutogradAndAdam) {
  MlpParams p = random_params(10);
  const MlpParams start = p.clone();
  auto gen = at::detail::createCPUGenerator(11);
  const int64_t n = 12, batch = 5;  // 3 steps per epoch, the last one of 2 examples
  const auto inputs = torch::empty({n, kIn}).uniform_(-1, 1, gen);
  const auto labels = torch::randint(4, {n}, gen, torch::kLong);

  sl::mnist::ClassifierObjective objective(labels, 4);
  const std::vector<uint64_t> seeds{21, 22, 23};
  sl::mnist::TrainOptions options{"test", 2, batch, {.lr = 0.01}, seeds, nullptr};
  BatchedMlp net(p);
  {
    torch::NoGradGuard no_grad;
    const auto report = sl::mnist::train(net, inputs, objective, options);
    EXPECT_EQ(report.steps, 6);
    EXPECT_EQ(report.final_epoch_loss.size(), 3u);
  }

  // The same batches, drawn from the same per-model seeds.
  sl::mnist::ShuffledBatches batches(seeds, n, batch, torch::kCPU);
  std::vector<torch::Tensor> order;  // per epoch [3, n]
  for (int e = 0; e < 2; ++e) {
    batches.new_epoch();
    order.push_back(torch::cat({batches.indices(0), batches.indices(1), batches.indices(2)}, 1));
  }
  for (int64_t m = 0; m < kModels; ++m) {
    SCOPED_TRACE("model " + std::to_string(m));
    auto mlp = separate_model(start, m);
    torch::optim::Adam opt(mlp->parameters(), torch::optim::AdamOptions(0.01));
    for (int e = 0; e < 2; ++e)
      for (int64_t s = 0; s < n; s += batch) {
        const auto idx = order[e][m].narrow(0, s, std::min(batch, n - s));
        opt.zero_grad();
        auto logits = mlp->forward(inputs.index_select(0, idx));
        torch::nn::functional::cross_entropy(logits.narrow(1, 0, 4), labels.index_select(0, idx)).backward();
        opt.step();
      }
    expect_close(net.params().w1[m], mlp->l1->weight.detach(), 1e-5);
    expect_close(net.params().w2[m], mlp->l2->weight.detach(), 1e-5);
    expect_close(net.params().w3[m], mlp->l3->weight.detach(), 1e-5);
    expect_close(net.params().b3[m], mlp->l3->bias.detach(), 1e-5);
  }
}

TEST(DistillationObjective, EachModelLearnsFromItsOwnTeachersLogitsOnItsOwnExamples) {
  auto gen = at::detail::createCPUGenerator(12);
  const int64_t n = 6;
  const auto teacher_logits = torch::empty({2, n, kOut}).normal_(0, 1, gen);  // 2 teachers
  const std::vector<int64_t> teacher_of{1, 0, 1};
  sl::mnist::DistillationObjective objective(teacher_logits, teacher_of, {{0, 1, 4, kOut}, {1, 2, 0, kOut}});
  const auto idx = torch::tensor({3, 0, 5, 1, 2, 4, 0, 0, 1}, torch::kLong).view({3, 3});
  const auto student = torch::empty({3, 3, kOut}).normal_(0, 1, gen);
  auto dlogits = torch::empty({3, 3, kOut});
  torch::NoGradGuard no_grad;
  const auto losses = objective.loss_grad(idx, student, dlogits);
  for (int64_t m = 0; m < 3; ++m) {
    const auto target = teacher_logits[teacher_of[m]].index_select(0, idx[m]).unsqueeze(0);  // [1, 3, K]
    auto expected = torch::empty({1, 3, kOut});
    const int64_t lo = m == 0 ? 4 : 0;
    const auto loss = sl::mnist::distillation_loss_grad(student[m].unsqueeze(0), target, lo, kOut, expected);
    EXPECT_NEAR(losses[m].item<double>(), loss[0].item<double>(), 1e-6);
    expect_close(dlogits[m], expected[0], 1e-7);
  }
}

TEST(Seeds, CrossModelPermutationIsASeededDerangement) {
  for (int64_t n = 2; n <= 40; ++n) {
    const auto p = sl::mnist::random_derangement(n, 1000 + static_cast<uint64_t>(n));
    EXPECT_EQ(p, sl::mnist::random_derangement(n, 1000 + static_cast<uint64_t>(n)));
    std::vector<bool> seen(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_NE(p[static_cast<std::size_t>(i)], i);
      seen[static_cast<std::size_t>(p[static_cast<std::size_t>(i)])] = true;
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), true), n);
  }
  EXPECT_NE(sl::mnist::random_derangement(10, 1), sl::mnist::random_derangement(10, 2));
  using sl::mnist::Stream;
  EXPECT_NE(sl::mnist::derive_seed(0, Stream::init), sl::mnist::derive_seed(0, Stream::noise));
  EXPECT_NE(sl::mnist::derive_seed(0, Stream::teacher_shuffle, 1),
            sl::mnist::derive_seed(0, Stream::teacher_shuffle, 2));
  EXPECT_NE(sl::mnist::derive_seed(0, Stream::init), sl::mnist::derive_seed(1, Stream::init));
}
