// What the models are trained to do: the teacher's classification and the students'
// distillation, as trainer Objectives.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "trainer.hpp"

namespace sl::mnist {

// Cross-entropy on the class logits against the true labels (the teacher's objective).
class ClassifierObjective : public Objective {
 public:
  ClassifierObjective(torch::Tensor labels, int64_t classes) : labels_(std::move(labels)), classes_(classes) {}
  torch::Tensor loss_grad(const torch::Tensor& idx, const torch::Tensor& logits, torch::Tensor& dlogits) override;

 private:
  torch::Tensor labels_;  // [n] int64, of the whole data set
  int64_t classes_;
};

// Distillation towards precomputed teacher logits on the same (noise) examples. Consecutive
// groups of the trained models may use different logit ranges (aux only, or all).
class DistillationObjective : public Objective {
 public:
  struct Group {
    int64_t first_model, n_models;  // trained models [first_model, first_model + n_models)
    int64_t lo, hi;                 // distilled on logits [lo, hi)
  };
  // teacher_logits: [T, n, K] on the n examples; teacher_of: the teacher (0..T-1) of each model.
  DistillationObjective(const torch::Tensor& teacher_logits, const std::vector<int64_t>& teacher_of,
                        std::vector<Group> groups);
  torch::Tensor loss_grad(const torch::Tensor& idx, const torch::Tensor& logits, torch::Tensor& dlogits) override;

 private:
  std::vector<Group> groups_;
  torch::Tensor teacher_flat_;  // [T * n, K]
  torch::Tensor offsets_;       // [N, 1] row offset of each model's teacher in teacher_flat_
};

}  // namespace sl::mnist
