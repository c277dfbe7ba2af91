#include "model_group.hpp"

#include <chrono>

#include "compute.hpp"
#include "objectives.hpp"
#include "seeds.hpp"
#include "trainer.hpp"

namespace sl::mnist {

namespace {

template <class T>
std::vector<T> part(const std::vector<T>& v, int64_t first, int64_t count) {
  return std::vector<T>(v.begin() + first, v.begin() + first + count);
}

}  // namespace

GroupResult run_model_group(const GroupInputs& in, int64_t first, int64_t count,
                            const std::function<void(int64_t)>& on_step) {
  const auto& cfg = in.cfg;
  const int64_t n_all = cfg.n_models, outputs = in.reference.outputs();
  const int64_t inputs = in.reference.inputs(), hidden = in.reference.hidden();
  const AdamSettings adam{.lr = cfg.lr};
  GroupResult r;
  // Times an evaluation and counts its FLOPs.
  auto eval = [&](const MlpParams& p, int64_t examples, auto&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = fn();
    r.eval_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.eval_flop += static_cast<double>(p.n_models()) * forward_flop(inputs, hidden, outputs, examples);
    return out;
  };
  const int64_t n_test = in.test.x.size(0), n_noise = in.noise.size(0);

  const MlpParams reference = in.reference.select_models(torch::arange(first, first + count, torch::kLong));
  r.accuracy[kReference] = eval(reference, n_test, [&] { return accuracy(reference, in.test, kNumClasses); });

  // Teacher: the reference trained on the labelled images.
  BatchedMlp teacher(reference.clone());
  ClassifierObjective classify(in.train.y, kNumClasses);
  TrainOptions teacher_options{"teacher", cfg.epochs, cfg.batch_size, adam, {}, on_step};
  for (int64_t m = first; m < first + count; ++m)
    teacher_options.shuffle_seeds.push_back(derive_seed(cfg.seed, Stream::teacher_shuffle, m));
  const TrainReport teacher_report = train(teacher, in.train.x, classify, teacher_options);
  r.loss[kTeacher] = teacher_report.final_epoch_loss;
  r.accuracy[kTeacher] =
      eval(teacher.params(), n_test, [&] { return accuracy(teacher.params(), in.test, kNumClasses); });
  // The teachers' logits on the noise images: fixed, so computed once.
  const torch::Tensor teacher_logits =
      eval(teacher.params(), n_noise, [&] { return logits_on(teacher.params(), in.noise); });  // [count, n, K]

  // All four kinds of student trained side by side as one batch of 4 x count models:
  //   kind 0: same init, aux logits      kind 1: same init, all logits
  //   kind 2: cross init, aux logits     kind 3: cross init, all logits
  // Student i of every kind learns from teacher i.
  const MlpParams cross = in.reference.select_models(torch::tensor(part(in.cross_init, first, count), torch::kLong));
  BatchedMlp students(MlpParams::concat({reference, reference, cross, cross}));
  std::vector<int64_t> teacher_of;
  TrainOptions student_options{"students", cfg.epochs, cfg.batch_size, adam, {}, on_step};
  for (int64_t kind = 0; kind < 4; ++kind)
    for (int64_t i = 0; i < count; ++i) {
      teacher_of.push_back(i);
      student_options.shuffle_seeds.push_back(derive_seed(cfg.seed, Stream::student_shuffle, kind * n_all + first + i));
    }
  DistillationObjective distill(teacher_logits, teacher_of,
                                {{0, count, kNumClasses, outputs},
                                 {count, count, 0, outputs},
                                 {2 * count, count, kNumClasses, outputs},
                                 {3 * count, count, 0, outputs}});
  const TrainReport student_report = train(students, in.noise, distill, student_options);
  const auto student_accuracy =
      eval(students.params(), n_test, [&] { return accuracy(students.params(), in.test, kNumClasses); });
  for (int kind = 0; kind < 4; ++kind) {
    r.accuracy[kStudentAux + kind] = part(student_accuracy, kind * count, count);
    r.loss[kStudentAux + kind] = part(student_report.final_epoch_loss, kind * count, count);
  }
  r.train_seconds = teacher_report.seconds + student_report.seconds;
  r.train_flop = teacher_report.flop + student_report.flop;
  return r;
}

}  // namespace sl::mnist
