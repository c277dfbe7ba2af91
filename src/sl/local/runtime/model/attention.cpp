#include "sl/local/runtime/model/attention.hpp"

#include <algorithm>
#include <limits>

#include "sl/core/error.hpp"
#include "sl/local/runtime/compute/torch_compat.hpp"
#include "sl/local/runtime/kernels/cpu_kernels.hpp"
#include "sl/local/runtime/model/packed_attention.hpp"

namespace sl::local {

using torch::indexing::Slice;

// Scores of one attention group at most (sequences x queries x keys, per head): bounds the
// memory of long prefills (a 7B prefill of 16k tokens would otherwise need gigabytes).
static constexpr std::int64_t kMaxGroupScores = std::int64_t{1} << 21;

KvCache::KvCache(std::int64_t layers, std::int64_t slots, std::int64_t kv_heads, std::int64_t head_dim,
                 const ComputeDevice& device)
    : slots_(slots), kv_heads_(kv_heads), head_dim_(head_dim), device_(device), k_(layers), v_(layers) {}

void KvCache::reserve(std::int64_t length) {
  if (length <= capacity_) return;
  const std::int64_t capacity = std::max<std::int64_t>({length, capacity_ * 2, 64});
  for (std::size_t l = 0; l < k_.size(); ++l) {
    for (auto* t : {&k_[l], &v_[l]}) {
      // Zeros, not uninitialised memory: the device-generic attention multiplies every position
      // up to a group's longest sequence and masks the others afterwards, and a NaN left in
      // memory (likely among random bf16 bit patterns, or from an earlier allocation on a GPU)
      // would survive the mask (NaN * 0, NaN - inf). The fused CPU kernel reads valid
      // positions only.
      auto grown = torch::zeros({slots_, kv_heads_, capacity, head_dim_}, device_.options());
      if (capacity_ > 0) grown.narrow(2, 0, capacity_).copy_(*t);
      *t = grown;
    }
  }
  capacity_ = capacity;
}

void KvCache::move_slot(std::int64_t from, std::int64_t to, std::int64_t length) {
  if (from == to || length <= 0) return;
  for (std::size_t l = 0; l < k_.size(); ++l) {
    for (auto* t : {&k_[l], &v_[l]})
      t->select(0, to).narrow(1, 0, length).copy_(t->select(0, from).narrow(1, 0, length));
  }
}

ForwardBatch::ForwardBatch(std::vector<SequenceChunk> sequences, KvCache* cache, const ComputeDevice& device)
    : sequences_(std::move(sequences)), cache_(cache), device_(device) {
  if (sequences_.empty()) throw Error("forward pass without sequences");
  std::vector<std::int64_t> positions, last_rows, write_slots, write_positions;
  for (const auto& s : sequences_) {
    if (s.count < 1) throw Error("forward pass with an empty sequence chunk");
    if (!cache_ && s.past != 0) throw Error("a sequence continues past tokens but the forward pass has no KV cache");
    if (cache_ && (s.slot < 0 || s.slot >= cache_->slots())) throw Error("KV-cache slot out of range");
    row_offsets_.push_back(tokens_);
    for (std::int64_t t = 0; t < s.count; ++t) {
      positions.push_back(s.past + t);
      write_slots.push_back(s.slot);
      write_positions.push_back(s.past + t);
    }
    tokens_ += s.count;
    last_rows.push_back(tokens_ - 1);
    if (s.adapter > 0) {
      if (!adapter_rows_.empty() && adapter_rows_.back().adapter == s.adapter &&
          adapter_rows_.back().end == row_offsets_.back())
        adapter_rows_.back().end = tokens_;
      else adapter_rows_.push_back({s.adapter, row_offsets_.back(), tokens_});
    }
  }
  if (cache_) {
    std::int64_t longest = 0;
    for (const auto& s : sequences_) longest = std::max(longest, s.past + s.count);
    cache_->reserve(longest);
  }
  auto to_device = [&](const std::vector<std::int64_t>& v) { return compat::upload(v, torch::kInt64, device_.device); };
  host_slots_ = write_slots;
  host_positions_ = write_positions;
  positions_ = to_device(positions);
  last_rows_ = to_device(last_rows);
}

void ForwardBatch::build_groups() const {
  if (!groups_.empty()) return;
  const auto n_seq = static_cast<std::int64_t>(sequences_.size());
  auto to_device = [&](const std::vector<std::int64_t>& v) { return compat::upload(v, torch::kInt64, device_.device); };
  // Groups of consecutive sequences whose padded score matrices stay under kMaxGroupScores.
  std::int64_t b = 0;
  while (b < n_seq) {
    Group g;
    g.seq_begin = b;
    std::int64_t tq = 0, keys = 0;
    std::int64_t e = b;
    while (e < n_seq) {
      const auto& s = sequences_[e];
      const std::int64_t tq2 = std::max(tq, s.count);
      const std::int64_t keys2 = std::max(keys, cache_ ? s.past + s.count : s.count);
      if (e > b && (e - b + 1) * tq2 * keys2 > kMaxGroupScores) break;
      tq = tq2;
      keys = keys2;
      ++e;
    }
    g.seq_end = e;
    g.tq = tq;
    g.keys = keys;
    g.row_begin = row_offsets_[b];
    g.row_end = e < n_seq ? row_offsets_[e] : tokens_;
    const std::int64_t n = e - b;
    g.padded = (g.row_end - g.row_begin) != n * tq;

    std::vector<std::int64_t> pad_index, limit(n * tq), slots;
    bool consecutive = true;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto& s = sequences_[b + i];
      for (std::int64_t t = 0; t < s.count; ++t) pad_index.push_back(i * tq + t);
      // Query t of sequence i sees keys 0 .. past + t. Padding queries see the sequence's keys
      // up to its last real token, so no row is fully masked (no NaN, even in backward).
      for (std::int64_t t = 0; t < tq; ++t) limit[i * tq + t] = s.past + std::min(t, s.count - 1);
      slots.push_back(s.slot);
      if (i > 0 && s.slot != slots[i - 1] + 1) consecutive = false;
    }
    if (g.padded) g.pad_index = to_device(pad_index);
    auto lim = to_device(limit).view({n, 1, 1, tq, 1});
    auto key_pos = torch::arange(keys, torch::TensorOptions().dtype(torch::kInt64).device(device_.device))
                       .view({1, 1, 1, 1, keys});
    g.mask = torch::zeros({n, 1, 1, tq, keys}, device_.options())
                 .masked_fill_(key_pos > lim, -std::numeric_limits<float>::infinity());
    if (cache_) {
      if (consecutive) g.slot_begin = slots.front();
      else g.slots = to_device(slots);
    }
    groups_.push_back(std::move(g));
    b = e;
  }
  if (cache_) {
    write_slots_ = to_device(host_slots_);
    write_positions_ = to_device(host_positions_);
  }
}

torch::Tensor ForwardBatch::attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                   std::int64_t layer) const {
  if (cache_ && use_cpu_kernels(q) && q.is_contiguous() && k.is_contiguous() && v.is_contiguous() &&
      cache_->keys(layer).is_contiguous()) {
    auto out = torch::empty({tokens_, q.size(1) * q.size(2)}, q.options());
    cpu::cached_attention(q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(),
                          cache_->keys(layer).data_ptr<float>(), cache_->values(layer).data_ptr<float>(),
                          out.data_ptr<float>(), {host_slots_.data(), host_positions_.data()}, tokens_, q.size(1),
                          k.size(1), q.size(2), cache_->capacity(),
                          static_cast<float>(1.0 / std::sqrt(static_cast<double>(q.size(2)))));
    return out;
  }
  if (!cache_ && torch::GradMode::is_enabled()) {
    // Training: causal attention per packed sequence.
    std::vector<std::int64_t> lengths;
    lengths.reserve(sequences_.size());
    for (const auto& s : sequences_) lengths.push_back(s.count);
    if (device_.fused_cpu_kernels() && q.is_cpu() && q.scalar_type() == torch::kFloat32)
      return packed_causal_attention(q, k, v, row_offsets_, lengths);  // fused loops (packed_attention.hpp)
    if (!length_grouped_) length_grouped_.emplace(row_offsets_, lengths, q.device());
    return (*length_grouped_)(q, k, v);
  }
  build_groups();
  if (cache_) {
    // Store this pass's keys and values at (slot, position) of every new token.
    cache_->keys(layer).index_put_({write_slots_, Slice(), write_positions_, Slice()}, k);
    cache_->values(layer).index_put_({write_slots_, Slice(), write_positions_, Slice()}, v);
  }
  if (groups_.size() == 1) return attend_group(groups_.front(), q, k, v, layer);
  std::vector<torch::Tensor> parts;
  for (const auto& g : groups_) parts.push_back(attend_group(g, q, k, v, layer));
  return torch::cat(parts, 0);
}

torch::Tensor ForwardBatch::attend_group(const Group& g, const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v, std::int64_t layer) const {
  const std::int64_t n = g.seq_end - g.seq_begin;
  const std::int64_t rows = g.row_end - g.row_begin;
  const std::int64_t heads = q.size(1), kv_heads = k.size(1), head_dim = q.size(2);
  const std::int64_t group = heads / kv_heads;

  // [rows, h, d] -> [n, tq, h, d], zero rows where a sequence has fewer than tq new tokens.
  auto pad = [&](const torch::Tensor& x) {
    auto part = x.narrow(0, g.row_begin, rows);
    if (!g.padded) return part.reshape({n, g.tq, x.size(1), x.size(2)});
    auto out = torch::zeros({n * g.tq, x.size(1), x.size(2)}, x.options());
    return out.index_copy(0, g.pad_index, part).view({n, g.tq, x.size(1), x.size(2)});
  };

  torch::Tensor keys, values;  // [n, kv_heads, g.keys, d]
  if (cache_) {
    auto select = [&](const torch::Tensor& all) {
      auto t = g.slot_begin >= 0 ? all.narrow(0, g.slot_begin, n) : all.index_select(0, g.slots);
      return t.narrow(2, 0, g.keys);
    };
    keys = select(cache_->keys(layer));
    values = select(cache_->values(layer));
  } else {
    keys = pad(k).transpose(1, 2);
    values = pad(v).transpose(1, 2);
  }

  // Query head h uses kv head h / group (grouped-query attention, as repeat_kv in transformers).
  auto queries = pad(q)
                     .view({n, g.tq, kv_heads, group, head_dim})
                     .permute({0, 2, 3, 1, 4})
                     .reshape({n, kv_heads, group * g.tq, head_dim});
  // The mask [n, 1, 1, tq, keys] repeated for the query heads sharing a kv head: [n, 1, group*tq, keys].
  auto mask = group == 1 ? g.mask.view({n, 1, g.tq, g.keys})
                         : g.mask.expand({n, 1, group, g.tq, g.keys}).reshape({n, 1, group * g.tq, g.keys});
  auto out = compat::masked_attention(queries, keys, values, mask);  // [n, kvh, group*tq, d]
  out = out.view({n, kv_heads, group, g.tq, head_dim}).permute({0, 3, 1, 2, 4}).reshape({n * g.tq, heads * head_dim});
  return g.padded ? out.index_select(0, g.pad_index) : out;
}

}  // namespace sl::local
