// How the tokens of one forward pass are laid out, the KV cache, and causal attention over them.
//
// Every forward pass works on a packed batch: the new tokens of all sequences one after the
// other ([N, hidden] rows, no padding), so projections and MLPs never compute on padding.
// Sequence b contributes `count` tokens that follow `past` tokens already in its KV-cache slot.
// Attention is the only step that looks across rows; it gathers each sequence's keys (from the
// cache, or from the batch itself without a cache, as in training).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/model/length_grouped_attention.hpp"

namespace sl::local {

// K and V of every layer for `slots` sequences: [slots, kv_heads, capacity, head_dim] each.
// Capacity grows on demand (doubling, so a long generation copies the cache O(log n) times).
class KvCache {
 public:
  KvCache(std::int64_t layers, std::int64_t slots, std::int64_t kv_heads, std::int64_t head_dim,
          const ComputeDevice& device);

  std::int64_t slots() const { return slots_; }
  std::int64_t capacity() const { return capacity_; }
  // Makes room for `length` positions in every slot.
  void reserve(std::int64_t length);
  // Copies the first `length` positions of slot `from` into slot `to` (compacting live slots).
  void move_slot(std::int64_t from, std::int64_t to, std::int64_t length);

  torch::Tensor& keys(std::int64_t layer) { return k_[layer]; }
  torch::Tensor& values(std::int64_t layer) { return v_[layer]; }

 private:
  std::int64_t slots_, kv_heads_, head_dim_, capacity_ = 0;
  ComputeDevice device_;
  std::vector<torch::Tensor> k_, v_;
};

// One sequence's part of a forward pass.
struct SequenceChunk {
  std::int64_t slot = 0;   // KV-cache slot (ignored without a cache)
  std::int64_t past = 0;   // tokens already in the cache before this chunk
  std::int64_t count = 0;  // new tokens in this pass (>= 1)
  int adapter = 0;         // 0 = base model, k = adapter k (see Projection)
};

// Rows [begin, end) of the packed batch that use adapter `adapter` (> 0).
struct AdapterRows {
  int adapter = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

// Everything the layers need about a batch, computed once per forward pass.
class ForwardBatch {
 public:
  // `cache` may be null: attention then covers only the new tokens (`past` must be 0).
  ForwardBatch(std::vector<SequenceChunk> sequences, KvCache* cache, const ComputeDevice& device);

  std::int64_t tokens() const { return tokens_; }
  const std::vector<SequenceChunk>& sequences() const { return sequences_; }
  // Position of each packed row in its sequence: [N] int64 on the device.
  const torch::Tensor& positions() const { return positions_; }
  // Packed row of each sequence's last new token: [B] int64 on the device.
  const torch::Tensor& last_rows() const { return last_rows_; }
  const std::vector<AdapterRows>& adapter_rows() const { return adapter_rows_; }
  KvCache* cache() const { return cache_; }

  // Causal grouped-query attention. q: [N, heads, head_dim]; k, v: [N, kv_heads, head_dim]
  // (after RoPE). Stores k and v in the cache (when there is one). Returns [N, heads * head_dim].
  // Without a cache and with autograd recording (training): the fused packed attention when the
  // device runs the fused CPU kernels, else LengthGroupedAttention (torch ops).
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       std::int64_t layer) const;

 private:
  // Sequences [seq_begin, seq_end) attended together, padded to `tq` queries and `keys` keys.
  struct Group {
    std::int64_t seq_begin = 0, seq_end = 0;
    std::int64_t row_begin = 0, row_end = 0;
    std::int64_t tq = 0, keys = 0;
    bool padded = false;           // some sequence has fewer than tq new tokens
    torch::Tensor pad_index;       // [rows] row of each packed token in the padded [B * tq] layout
    torch::Tensor mask;            // [B, 1, 1, tq, keys] additive: 0 allowed, -inf masked
    std::int64_t slot_begin = -1;  // slots are slot_begin.. consecutively (else -1)
    torch::Tensor slots;           // [B] int64 when not consecutive
  };

  // The padded groups (and their masks) of the generic path, built on first use.
  void build_groups() const;
  torch::Tensor attend_group(const Group& g, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             std::int64_t layer) const;

  std::vector<SequenceChunk> sequences_;
  KvCache* cache_;
  ComputeDevice device_;
  std::int64_t tokens_ = 0;
  std::vector<std::int64_t> row_offsets_;  // packed row of each sequence's first new token
  torch::Tensor positions_, last_rows_;
  std::vector<std::int64_t> host_slots_, host_positions_;  // [N] where each new k/v goes in the cache
  mutable torch::Tensor write_slots_, write_positions_;    // the same on the device (generic path)
  std::vector<AdapterRows> adapter_rows_;
  mutable std::vector<Group> groups_;
  mutable std::optional<LengthGroupedAttention> length_grouped_;  // training on torch ops, built on first use
};

}  // namespace sl::local
