#include "objectives.hpp"

#include "losses.hpp"

namespace sl::mnist {

torch::Tensor ClassifierObjective::loss_grad(const torch::Tensor& idx, const torch::Tensor& logits,
                                             torch::Tensor& dlogits) {
  const auto labels = labels_.index_select(0, idx.view(-1)).view(idx.sizes());  // [N, b]
  return cross_entropy_loss_grad(logits, labels, classes_, dlogits);
}

DistillationObjective::DistillationObjective(const torch::Tensor& teacher_logits,
                                             const std::vector<int64_t>& teacher_of, std::vector<Group> groups)
    : groups_(std::move(groups)) {
  const int64_t n = teacher_logits.size(1), k = teacher_logits.size(2);
  teacher_flat_ = teacher_logits.reshape({-1, k});
  offsets_ = torch::tensor(teacher_of, torch::kLong).mul_(n).unsqueeze(1).to(teacher_logits.device());
}

torch::Tensor DistillationObjective::loss_grad(const torch::Tensor& idx, const torch::Tensor& logits,
                                               torch::Tensor& dlogits) {
  const int64_t k = teacher_flat_.size(1);
  // Each model's teacher's logits on that model's examples: [N, b, K].
  const auto rows = (idx + offsets_).view(-1);
  const auto teacher = teacher_flat_.index_select(0, rows).view({idx.size(0), idx.size(1), k});
  std::vector<torch::Tensor> losses;
  for (const Group& g : groups_) {
    torch::Tensor d = dlogits.narrow(0, g.first_model, g.n_models);
    losses.push_back(distillation_loss_grad(logits.narrow(0, g.first_model, g.n_models),
                                            teacher.narrow(0, g.first_model, g.n_models), g.lo, g.hi, d));
  }
  return torch::cat(losses);
}

}  // namespace sl::mnist
