#include "sl/local/runtime/train/training_plan.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sl/core/error.hpp"
#include "sl/core/rng.hpp"

namespace sl::local {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::int64_t steps_per_epoch(std::size_t examples, const TrainingSettings& s) {
  return ceil_div(ceil_div(static_cast<std::int64_t>(examples), s.batch_size), s.gradient_accumulation_steps);
}

void check(std::size_t examples, const TrainingSettings& s) {
  if (examples == 0) throw UsageError("no training examples");
  if (s.batch_size < 1) throw UsageError("batch size must be at least 1");
  if (s.gradient_accumulation_steps < 1) throw UsageError("gradient_accumulation_steps must be at least 1");
  if (!s.max_steps && s.n_epochs < 1) throw UsageError("n_epochs must be at least 1");
  if (s.max_steps && *s.max_steps < 1) throw UsageError("max_steps must be at least 1");
  if (s.bucket_window_batches < 1) throw UsageError("bucket_window_batches must be at least 1");
}

// Fisher-Yates with the project's portable generator (std::shuffle's algorithm is unspecified).
template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// The batches of epoch `epoch`, in training order.
std::vector<std::vector<std::int32_t>> epoch_batches(const std::vector<std::int64_t>& lengths,
                                                     const TrainingSettings& s, std::int64_t epoch) {
  Rng rng = Rng::for_item(s.seed, static_cast<std::uint64_t>(epoch));
  std::vector<std::int32_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  const std::size_t bs = static_cast<std::size_t>(s.batch_size);
  const std::size_t window = bs * static_cast<std::size_t>(s.bucket_window_batches);
  std::vector<std::vector<std::int32_t>> batches;
  for (std::size_t w = 0; w < order.size(); w += window) {
    const auto begin = order.begin() + static_cast<std::ptrdiff_t>(w);
    const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), w + window));
    std::stable_sort(begin, end, [&](std::int32_t a, std::int32_t b) { return lengths[a] < lengths[b]; });
    for (auto it = begin; it < end; it += static_cast<std::ptrdiff_t>(std::min<std::size_t>(bs, end - it)))
      batches.emplace_back(it, it + static_cast<std::ptrdiff_t>(std::min<std::size_t>(bs, end - it)));
  }
  shuffle(batches, rng);
  return batches;
}

}  // namespace

std::int64_t planned_step_count(std::size_t examples, const TrainingSettings& s) {
  check(examples, s);
  return s.max_steps ? *s.max_steps : s.n_epochs * steps_per_epoch(examples, s);
}

std::vector<PlannedStep> plan_training(const std::vector<std::int64_t>& lengths, const TrainingSettings& s) {
  const std::int64_t total = planned_step_count(lengths.size(), s);
  const std::int64_t per_epoch = steps_per_epoch(lengths.size(), s);
  std::vector<PlannedStep> steps;
  steps.reserve(static_cast<std::size_t>(total));
  for (std::int64_t epoch = 0; static_cast<std::int64_t>(steps.size()) < total; ++epoch) {
    auto batches = epoch_batches(lengths, s, epoch);
    const auto accum = static_cast<std::size_t>(s.gradient_accumulation_steps);
    for (std::size_t b = 0, k = 0; b < batches.size() && static_cast<std::int64_t>(steps.size()) < total;
         b += accum, ++k) {
      PlannedStep step;
      for (std::size_t i = b; i < std::min(batches.size(), b + accum); ++i)
        step.batches.push_back(std::move(batches[i]));
      step.epoch_end = static_cast<double>(epoch) + static_cast<double>(k + 1) / static_cast<double>(per_epoch);
      steps.push_back(std::move(step));
    }
  }
  return steps;
}

double learning_rate_at(const OptimizerSettings& o, std::int64_t step, std::int64_t total) {
  const double warmup = static_cast<double>(o.warmup_steps);
  if (step < o.warmup_steps) return o.lr * static_cast<double>(step) / std::max(1.0, warmup);
  const double decay_steps = std::max(1.0, static_cast<double>(total) - warmup);
  double factor = 1.0;
  if (o.lr_scheduler_type == "linear") {
    factor = std::max(0.0, (static_cast<double>(total) - static_cast<double>(step)) / decay_steps);
    factor = factor * (1 - o.min_lr_ratio) + o.min_lr_ratio;
  } else if (o.lr_scheduler_type == "cosine") {
    const double progress = (static_cast<double>(step) - warmup) / decay_steps;
    factor = 0.5 * (1.0 + std::cos(M_PI * progress));
    factor = std::max(0.0, factor * (1 - o.min_lr_ratio) + o.min_lr_ratio);
  } else if (o.lr_scheduler_type != "constant") {
    throw UsageError("lr_scheduler_type \"" + o.lr_scheduler_type + "\" is not supported (linear, cosine, constant)");
  }
  return o.lr * factor;
}

}  // namespace sl::local
