#include "sl/local/runtime/train/trainer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/core/progress.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/io/model_locator.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/model_config.hpp"
#include "sl/local/runtime/train/data_parallel.hpp"
#include "sl/local/runtime/train/job_fingerprint.hpp"
#include "sl/local/runtime/train/lm_head_loss.hpp"
#include "sl/local/runtime/train/step_log.hpp"
#include "sl/local/runtime/train/train_state.hpp"
#include "sl/local/runtime/train/train_step.hpp"
#include "sl/local/runtime/train/training_outputs.hpp"
#include "sl/local/runtime/train/training_plan.hpp"

namespace sl::local {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Seconds between time-based checkpoints (CheckpointSettings::every_steps = 0).
constexpr double kCheckpointSeconds = 60.0;

std::string example_error(std::size_t i, const std::string& what) {
  return "training example " + std::to_string(i) + ": " + what;
}

void validate_settings(const TrainingJob& job) {
  const auto& s = job.settings;
  const auto& o = s.optimizer;
  if (s.loss != "sft" && s.loss != "kl_topk")
    throw UsageError("loss \"" + s.loss + "\" is not supported (sft, kl_topk)");
  if (!(o.lr >= 0) || !std::isfinite(o.lr)) throw UsageError("lr must be a non-negative number");
  if (o.warmup_steps < 0) throw UsageError("warmup_steps must be >= 0");
  if (!(o.min_lr_ratio >= 0 && o.min_lr_ratio <= 1)) throw UsageError("min_lr_ratio must be in [0, 1]");
  if (!(o.adam_beta1 >= 0 && o.adam_beta1 < 1) || !(o.adam_beta2 >= 0 && o.adam_beta2 < 1))
    throw UsageError("adam_beta1 and adam_beta2 must be in [0, 1)");
  if (!(o.adam_epsilon > 0)) throw UsageError("adam_epsilon must be positive");
  if (!(o.weight_decay >= 0)) throw UsageError("weight_decay must be >= 0");
  if (!(o.max_grad_norm >= 0)) throw UsageError("max_grad_norm must be >= 0");
  learning_rate_at(o, 0, 1);  // rejects an unknown scheduler
  if (job.output.dir.empty()) throw UsageError("no output folder given for the trained model");
  if (job.output.merged_dir && !job.lora) throw UsageError("a merged checkpoint is only written for LoRA training");
}

// Checks the examples against the model and the loss; returns how many carry loss.
void validate_examples(const std::vector<TrainingExample>& examples, const TrainingSettings& s, std::int64_t vocab,
                       std::int64_t max_positions) {
  if (examples.empty()) throw UsageError("no training examples");
  const bool kl = s.loss == "kl_topk";
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const auto& e = examples[i];
    if (e.ids.size() < 2) throw UsageError(example_error(i, "needs at least 2 tokens"));
    if (e.loss_mask.size() != e.ids.size())
      throw UsageError(example_error(i, "loss_mask has " + std::to_string(e.loss_mask.size()) + " entries for " +
                                            std::to_string(e.ids.size()) + " tokens"));
    if (static_cast<std::int64_t>(e.ids.size()) > max_positions)
      throw UsageError(example_error(i, std::to_string(e.ids.size()) + " tokens exceed the model's " +
                                            std::to_string(max_positions) + " positions (max_position_embeddings)"));
    if (e.loss_mask[0]) throw UsageError(example_error(i, "loss_mask[0] must be 0 (nothing predicts the first token)"));
    std::size_t loss_positions = 0;
    for (std::size_t t = 0; t < e.ids.size(); ++t) {
      if (e.ids[t] < 0 || e.ids[t] >= vocab)
        throw UsageError(example_error(i, "token id " + std::to_string(e.ids[t]) +
                                              " is outside the model's vocabulary of " + std::to_string(vocab)));
      if (e.loss_mask[t] > 1) throw UsageError(example_error(i, "loss_mask values must be 0 or 1"));
      loss_positions += e.loss_mask[t];
    }
    if (loss_positions == 0) throw UsageError(example_error(i, "no token carries loss (loss_mask is all 0)"));
    if (kl && e.soft_targets.empty())
      throw UsageError(
          example_error(i, "loss kl_topk needs the teacher's log-probabilities (soft_targets) of every example"));
    if (!e.soft_targets.empty() && e.soft_targets.size() != loss_positions)
      throw UsageError(example_error(i, std::to_string(e.soft_targets.size()) + " soft targets for " +
                                            std::to_string(loss_positions) + " loss positions"));
    for (const auto& t : e.soft_targets) {
      if (t.ids.size() != t.logprobs.size())
        throw UsageError(example_error(i, "a soft target has ids and logprobs of different lengths"));
      for (std::size_t k = 0; k < t.ids.size(); ++k) {
        if (t.ids[k] < 0 || t.ids[k] >= vocab)
          throw UsageError(
              example_error(i, "soft target id " + std::to_string(t.ids[k]) + " is outside the vocabulary"));
        if (!std::isfinite(t.logprobs[k]) && !(t.logprobs[k] < 0))
          throw UsageError(example_error(i, "soft target log-probabilities must be finite numbers or -inf"));
      }
    }
  }
  for (auto id : s.kl_token_ids)
    if (id < 0 || id >= vocab)
      throw UsageError("kl token id " + std::to_string(id) + " is outside the model's vocabulary");
}

std::unique_ptr<CausalLM> load_model(const ModelSource& source, const ComputeDevice& device, std::string& config_json,
                                     fs::path& dir) {
  if (source.random_init) {
    const auto& init = *source.random_init;
    config_json = init.config_json;
    const ModelConfig config =
        ModelConfig::from_json(json::parse(init.config_json, "random_init config"), "random_init config");
    TensorMapWeights weights(random_weights(config, init.seed, init.init_std), device, "random_init");
    return build_causal_lm(config, weights, device, "random_init");
  }
  dir = resolve_model_dir(source.dir);
  config_json = files::read_text(dir / "config.json");
  return load_causal_lm(dir, device);
}

void build_pass(const std::vector<TrainingExample>& examples, const std::vector<std::int32_t>& batch, bool kl,
                int adapter, PassInputs& in) {
  in.ids.clear(), in.chunks.clear(), in.loss_rows.clear(), in.targets.clear();
  if (kl) in.targets.offsets.push_back(0);
  for (auto index : batch) {
    const auto& e = examples[static_cast<std::size_t>(index)];
    const auto offset = static_cast<std::int64_t>(in.ids.size());
    in.ids.insert(in.ids.end(), e.ids.begin(), e.ids.end());
    in.chunks.push_back({0, 0, static_cast<std::int64_t>(e.ids.size()), adapter});
    std::size_t k = 0;
    for (std::size_t t = 1; t < e.ids.size(); ++t) {
      if (!e.loss_mask[t]) continue;
      in.loss_rows.push_back(offset + static_cast<std::int64_t>(t) - 1);  // row t-1 predicts token t
      if (kl) {
        const auto& st = e.soft_targets[k++];
        // A token listed twice (ambiguous token texts) counts once: the first, most likely entry.
        for (std::size_t j = 0; j < st.ids.size(); ++j) {
          bool seen = false;
          for (std::size_t q = 0; q < j && !seen; ++q) seen = st.ids[q] == st.ids[j];
          if (seen) continue;
          in.targets.ids.push_back(st.ids[j]);
          in.targets.logprobs.push_back(st.logprobs[j]);
        }
        in.targets.offsets.push_back(static_cast<std::int64_t>(in.targets.ids.size()));
      } else {
        in.targets.token.push_back(e.ids[t]);
      }
    }
  }
}

// The teacher's top-k probability mass of one example's loss positions, and the part of it on
// tokens outside the kl token mask, which the loss drops (renormalising the rest). A token
// listed twice counts once, its first entry, as build_pass does.
struct TeacherMass {
  double total = 0;
  double dropped = 0;

  void add(const TeacherMass& o) { total += o.total, dropped += o.dropped; }
  double dropped_share() const { return total > 0 ? dropped / total : 0.0; }
};

std::vector<TeacherMass> teacher_mass(const std::vector<TrainingExample>& examples, const std::vector<float>& allowed) {
  std::vector<TeacherMass> out(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) {
    for (const auto& st : examples[i].soft_targets) {
      for (std::size_t j = 0; j < st.ids.size(); ++j) {
        bool seen = false;
        for (std::size_t q = 0; q < j && !seen; ++q) seen = st.ids[q] == st.ids[j];
        if (seen) continue;
        const double p = std::exp(static_cast<double>(st.logprobs[j]));
        out[i].total += p;
        if (!(allowed[static_cast<std::size_t>(st.ids[j])] > 0)) out[i].dropped += p;
      }
    }
  }
  return out;
}

// The 0-based epoch a planned step belongs to: epoch_end is e + (k + 1) / steps_per_epoch for
// the step k of epoch e, exactly e + 1 on its last step.
std::int64_t epoch_of(const PlannedStep& step) { return static_cast<std::int64_t>(std::ceil(step.epoch_end)) - 1; }

template <class Fn>
decltype(auto) torch_errors_to_sl(Fn&& fn) {
  try {
    return fn();
  } catch (const c10::Error& e) {
    throw Error(std::string("training: ") + e.what_without_backtrace());
  }
}

// The packed passes of `mine` (a planned step, or this rank's share of it), and the tokens the
// whole planned step holds (in all, and with loss).
void build_step(const std::vector<TrainingExample>& examples, const PlannedStep& planned, const PlannedStep& mine,
                bool kl, int adapter, std::vector<PassInputs>& passes, std::int64_t& tokens,
                std::int64_t& loss_tokens) {
  tokens = 0, loss_tokens = 0;
  for (const auto& batch : planned.batches) {
    for (auto i : batch) {
      const auto& e = examples[static_cast<std::size_t>(i)];
      tokens += static_cast<std::int64_t>(e.ids.size());
      for (auto m : e.loss_mask) loss_tokens += m;
    }
  }
  passes.resize(mine.batches.size());
  for (std::size_t b = 0; b < mine.batches.size(); ++b) build_pass(examples, mine.batches[b], kl, adapter, passes[b]);
}

void show_step(Progress& progress, const TrainingStep& record) {
  char status[128];
  std::snprintf(status, sizeof status, "loss %.4f lr %.2e tok/s %.0f", record.loss, record.lr,
                record.seconds > 0 ? static_cast<double>(record.tokens) / record.seconds : 0.0);
  progress.set_status(status);
  progress.advance();
}

TrainingResult run(const TrainingJob& job, const std::vector<TrainingExample>& examples, const TrainingHooks& hooks) {
  const auto t_start = Clock::now();
  validate_settings(job);
  const auto& s = job.settings;
  ComputeDevice device = choose_device(job.device);
  // Full training keeps float32 master weights: they are loaded as float32 on every device (on
  // CUDA not rounded to bfloat16 first), and the model then computes in float32.
  if (!job.lora) device.dtype = torch::kFloat32;
  const int threads = configure_threads(job.threads);
  keep_freed_memory_for_reuse();
  // One of several data-parallel processes: nullptr when alone. A failure on one rank before
  // the steps (model, examples, checkpoint) stops every rank with its message (agree).
  const std::unique_ptr<DataParallel> dp = DataParallel::join(job);
  const bool root = !dp || dp->is_root();
  auto on_every_rank = [&](const std::string& what, const std::function<void()>& fn) {
    dp ? dp->agree(what, fn) : fn();
  };

  std::string config_json;
  fs::path base_dir;
  std::unique_ptr<CausalLM> model;
  on_every_rank("loading the model", [&] {
    model = load_model(job.model, device, config_json, base_dir);
    validate_examples(examples, s, model->config().vocab_size, model->config().max_position_embeddings);
  });
  const ModelConfig& config = model->config();
  const bool checkpointing = s.gradient_checkpointing.value_or(!device.is_cpu());
  model->set_gradient_checkpointing(checkpointing);

  TrainState state(*model, job);
  std::vector<std::int64_t> lengths;
  lengths.reserve(examples.size());
  for (const auto& e : examples) lengths.push_back(static_cast<std::int64_t>(e.ids.size()));
  const std::vector<PlannedStep> plan = plan_training(lengths, dp ? dp->global_settings(s) : s);
  const auto total = static_cast<std::int64_t>(plan.size());
  TrainCheckpointInfo ckpt{0, total, job_fingerprint(job, examples), job.launch.world_size};
  if (dp) dp->check_same_job(ckpt.fingerprint);
  const std::int64_t start = dp ? dp->resume(state, job.checkpoint, ckpt) : state.resume(job.checkpoint, ckpt);

  std::vector<float> allowed;
  if (s.loss == "kl_topk" && !s.kl_token_ids.empty()) {
    allowed.assign(static_cast<std::size_t>(config.vocab_size), 0.0f);
    for (auto id : s.kl_token_ids) allowed[static_cast<std::size_t>(id)] = 1.0f;
  }
  // How much of the teacher's top-k mass the mask drops (trait words among it are the leak
  // the mask exists to stop), per example and per epoch of the whole plan.
  const bool masked = !allowed.empty();
  std::vector<TeacherMass> example_mass, epoch_mass;
  if (masked) {
    example_mass = teacher_mass(examples, allowed);
    for (const auto& planned : plan) {
      const auto e = static_cast<std::size_t>(epoch_of(planned));
      if (epoch_mass.size() <= e) epoch_mass.resize(e + 1);
      for (const auto& batch : planned.batches)
        for (auto i : batch) epoch_mass[e].add(example_mass[static_cast<std::size_t>(i)]);
    }
  }
  LmHeadLoss loss_fn(std::move(allowed), device);
  StepLog log(root ? job.step_log : fs::path(), start);

  spdlog::info(
      "training {} ({} {}, {} trainable parameters of {}) on {} examples: {} steps of {} x {} examples{}, {} thread(s)",
      job.model.random_init ? std::string("fresh random weights") : base_dir.string(), config.architecture,
      job.lora ? "LoRA r " + std::to_string(job.lora->r) : std::string("full"), state.trainable_parameters(),
      model->parameter_count(), examples.size(), total, s.gradient_accumulation_steps, s.batch_size,
      dp ? " x " + std::to_string(dp->world_size()) + " ranks" : std::string(), threads);
  if (!device.fused_cpu_kernels())
    spdlog::info("computing on {} with torch ops ({} weights{}){}", device.name(),
                 c10::toString(model->weights().norm.scalar_type()),
                 job.lora ? ", float32 adapters and AdamW state" : "",
                 checkpointing ? ", gradient checkpointing per layer" : "");

  std::optional<Progress> progress;
  if (job.show_progress && root)
    progress.emplace(job.progress_label, static_cast<std::size_t>(total), static_cast<std::size_t>(start));

  TrainingResult result;
  result.total_steps = total;
  result.resumed_from_step = start;
  result.trainable_parameters = state.trainable_parameters();
  for (const auto& m : epoch_mass) result.kl_mask_dropped_per_epoch.push_back(m.dropped_share());
  const bool kl = s.loss == "kl_topk";
  const int adapter = job.lora ? 1 : 0;  // the model's adapter 1 is the LoRA being trained
  OptimizerStep optimizer_step(*model, state, loss_fn, job, device, total);
  double allreduce_seconds = 0;
  if (dp) {
    dp->attach(state);
    optimizer_step.distribute([&](double& loss_sum) { allreduce_seconds = dp->sum_gradients(loss_sum); }, dp->rank());
  }
  std::vector<PassInputs> passes;
  auto last_checkpoint = Clock::now();
  std::int64_t step = start;
  for (; step < total; ++step) {
    bool stop = hooks.should_stop && hooks.should_stop();
    if (dp) stop = dp->any_stop(stop);  // every rank stops at the same step
    if (stop) {
      result.interrupted = true;
      break;
    }
    const auto t0 = Clock::now();
    const PlannedStep& planned = plan[static_cast<std::size_t>(step)];
    // The teacher mass the kl token mask drops in this step's examples (reported, not used).
    TeacherMass step_mass;
    if (masked)
      for (const auto& batch : planned.batches)
        for (auto i : batch) step_mass.add(example_mass[static_cast<std::size_t>(i)]);
    TrainingStep record;
    build_step(examples, planned, dp ? dp->share(planned) : planned, kl, adapter, passes, record.tokens,
               record.loss_tokens);
    const StepOutcome outcome = optimizer_step.run(step, passes, record.loss_tokens);
    if (dp) record.allreduce_seconds = allreduce_seconds;
    record.step = step + 1;
    record.total_steps = total;
    record.epoch = planned.epoch_end;
    record.loss = outcome.loss;
    record.lr = outcome.lr;
    record.grad_norm = outcome.grad_norm;
    record.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (masked) {
      record.kl_mask_dropped = step_mass.dropped_share();
      const std::int64_t epoch = epoch_of(planned);
      if (step + 1 == total || epoch_of(plan[static_cast<std::size_t>(step + 1)]) != epoch) {
        record.epoch_kl_mask_dropped = epoch_mass[static_cast<std::size_t>(epoch)].dropped_share();
        spdlog::info("epoch {}: the kl_tokens mask dropped {:.2f}% of the teacher's top-k probability mass", epoch + 1,
                     100.0 * *record.epoch_kl_mask_dropped);
      }
    }
    log.append(record);
    if (hooks.on_step) hooks.on_step(record);
    result.final_loss = record.loss;
    result.tokens += record.tokens;
    if (progress) show_step(*progress, record);
    const bool due = job.checkpoint.every_steps > 0
                         ? (step + 1) % job.checkpoint.every_steps == 0
                         : std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= kCheckpointSeconds;
    if (root && !job.checkpoint.path.empty() && step + 1 < total && due) {
      ckpt.step = step + 1;
      state.save(job.checkpoint.path, ckpt);
      last_checkpoint = Clock::now();
    }
  }
  result.steps_done = step;
  result.seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  if (progress) progress->finish();

  if (result.interrupted) {
    if (root && !job.checkpoint.path.empty() && step > start) {
      ckpt.step = step;
      state.save(job.checkpoint.path, ckpt);
    }
    return result;
  }
  // Rank 0 writes; the others learn whether it could (and fail with its reason if not).
  on_every_rank("writing the outputs", [&] {
    if (root) write_training_outputs(job, *model, config_json, base_dir);
  });
  return result;
}

}  // namespace

TrainingResult train_model(const TrainingJob& job, const std::vector<TrainingExample>& examples,
                           const TrainingHooks& hooks) {
  return torch_errors_to_sl([&] { return run(job, examples, hooks); });
}

}  // namespace sl::local
